"""Email conversations on the local stack: replies go out and thread back; bounces, floods and junk are handled."""
from __future__ import annotations

import json
import re
from email.message import EmailMessage
from email.utils import make_msgid

import requests

from tests.conftest import wait_for
from tests.corpus import EMAIL_DIR
from tests.functional.channel_helpers import (
    SUPPORT,
    outbox,
    reply,
    send_mail,
    ticket,
    tickets_of,
    unique,
    wait_for_ticket,
)


def _mail(sender: str, subject: str, body: str, **headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Casey Customer <{sender}>"
    mail["To"] = SUPPORT
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="customer.example")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()


def _sent_email_to(stack, address: str, count: int = 1) -> list[dict]:
    return wait_for(lambda: (lambda found: found if len(found) >= count else None)(
        [item for item in outbox(stack, "email") if address in item["recipient"]]),
        timeout=30, interval=0.3, message=f"{count} email(s) to {address} in the local outbox")


def _new_email_ticket(stack, sender: str, subject: str, body: str = "My parcel never came.") -> dict:
    send_mail(stack, _mail(sender, subject, body), mail_from=sender)
    return wait_for_ticket(stack, "email", sender, channel="email", subject=subject)


def test_an_agent_reply_is_emailed_and_the_customers_answer_threads_back(stack):
    # given a customer's email became a ticket
    sender, subject = f"{unique('casey-')}@customer.example", f"Parcel {unique()} missing"
    view = _new_email_ticket(stack, sender, subject)
    ticket_id = view["ticket"]["id"]

    # when an agent replies publicly
    reply(stack, ticket_id, "Sorry about that! A new parcel is on its way.")

    # then an email goes to the customer with the ticket token, Parley's Message-ID and both parts
    sent = _sent_email_to(stack, sender)[0]
    assert f"[#{ticket_id}]" in sent["subject"]
    assert re.fullmatch(rf"<t{ticket_id}\.[^@]+@parley\.test>", sent["message_id"])
    assert sent["in_reply_to"] == view["messages"][0]["email"]["message_id"].join("<>")
    assert "A new parcel is on its way." in sent["body"]
    assert "text/html" in sent["raw"] and f"support+t{ticket_id}@parley.test" in sent["raw"]

    # when the customer answers that email (quoting it, as mail clients do)
    answer = _mail(sender, "Re: " + sent["subject"].replace(f" [#{ticket_id}]", ""),
                   "Great, thank you!\n\nOn Tue, 24 Nov 2026, Support <support@parley.test> wrote:\n"
                   "> Sorry about that! A new parcel is on its way.\n",
                   In_Reply_To=sent["message_id"], References=sent["message_id"])
    send_mail(stack, answer, mail_from=sender)

    # then the answer lands on the same ticket, quotes stripped, the full text kept
    threaded = wait_for_ticket(stack, "email", sender, channel="email", subject=subject, messages=3)
    assert threaded["ticket"]["id"] == ticket_id
    last = threaded["messages"][-1]
    assert last["author_type"] == "customer" and last["body"] == "Great, thank you!"
    assert "> Sorry about that!" in last["email"]["text"]
    assert len(tickets_of(stack, "email", sender)) == 1


def test_a_subject_token_threads_a_mail_without_reply_headers(stack):
    # given a ticket the customer has (its number known from Parley's reply)
    sender, subject = f"{unique('tok-')}@customer.example", f"Invoice {unique()} wrong"
    ticket_id = _new_email_ticket(stack, sender, subject)["ticket"]["id"]

    # when the customer writes a fresh mail that names the ticket in its subject
    send_mail(stack, _mail(sender, f"About [#{ticket_id}] again", "One more thing: the VAT id is missing."),
              mail_from=sender)

    # then it joins that ticket instead of opening a new one
    view = wait_for_ticket(stack, "email", sender, channel="email", subject=subject, messages=2)
    assert view["messages"][-1]["body"] == "One more thing: the VAT id is missing."
    assert len(tickets_of(stack, "email", sender)) == 1


def test_a_new_mail_from_a_known_customer_opens_a_new_ticket(stack):
    sender = f"{unique('two-')}@customer.example"
    first = _new_email_ticket(stack, sender, f"First question {unique()}")

    second = _new_email_ticket(stack, sender, f"Unrelated question {unique()}")

    assert second["ticket"]["id"] != first["ticket"]["id"]
    assert second["ticket"]["requester_id"] == first["ticket"]["requester_id"]


def _bounce(failed: str, original_message_id: str, original_subject: str) -> bytes:
    """A delivery status notification (RFC 3464) reporting that mail to `failed` failed permanently."""
    boundary = unique("dsn-")
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>
To: {SUPPORT}
Subject: Undelivered Mail Returned to Sender
Message-ID: {make_msgid(domain="mx.customer.example")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered to {failed}.
The mail system said: 550 5.1.1 user unknown

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example

Final-Recipient: rfc822; {failed}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--{boundary}
Content-Type: text/rfc822-headers

From: Support <{SUPPORT}>
To: {failed}
Subject: {original_subject}
Message-ID: {original_message_id}

--{boundary}--
""".replace("\n", "\r\n").encode()


def test_a_bounce_marks_the_address_undeliverable_and_is_noted_on_the_ticket(stack):
    # given a customer's ticket and a reply Parley emailed them
    sender, subject = f"{unique('gone-')}@customer.example", f"Refund {unique()}"
    ticket_id = _new_email_ticket(stack, sender, subject)["ticket"]["id"]
    reply(stack, ticket_id, "Your refund is approved.")
    sent = _sent_email_to(stack, sender)[0]

    # when the customer's mail server bounces it
    outcome = send_mail(stack, _bounce(sender, sent["message_id"], sent["subject"]),
                        mail_from="MAILER-DAEMON@mx.customer.example")

    # then no ticket is opened, the address is marked undeliverable and the ticket's audit says so
    assert "(bounce" in outcome
    view = ticket(stack, ticket_id)
    assert sender in view["customer"]["undeliverable_emails"]
    bounced = [entry for entry in view["audit"] if entry["action"] == "email_bounced"]
    assert bounced and bounced[0]["detail"]["addresses"] == [sender]
    assert tickets_of(stack, "email", "mailer-daemon@mx.customer.example") == []

    # and a further reply is not mailed to the dead address, the agent sees why
    second = reply(stack, ticket_id, "Did you get this?")
    failed = wait_for(lambda: next((m for m in ticket(stack, ticket_id)["messages"]
                                    if m["id"] == second["id"] and m.get("delivery") == "failed"), None),
                      timeout=30, interval=0.3, message="the second reply marked failed")
    assert "bounced" in failed["delivery_error"]
    assert len([item for item in outbox(stack, "email") if sender in item["recipient"]]) == 1


def test_the_21st_mail_within_an_hour_from_one_sender_is_quarantined(stack):
    # given a sender who mails twenty times
    sender = f"{unique('flood-')}@customer.example"
    for number in range(20):
        assert "(queued" in send_mail(stack, _mail(sender, f"Flood {number}", f"Message {number}"), mail_from=sender)

    # when they send a twenty-first mail in the same hour
    outcome = send_mail(stack, _mail(sender, "Flood 20", "Message 20"), mail_from=sender)

    # then it is quarantined with the reason (kept in S3), and only the first twenty became tickets
    assert "(quarantined" in outcome and "rate limit" in outcome
    ses_id = outcome.split()[2]
    kept = stack.boto("s3").get_object(Bucket=stack.resources["ATTACHMENTS_BUCKET"], Key=f"quarantine/{ses_id}")
    assert b"Message 20" in kept["Body"].read()
    wait_for(lambda: len(tickets_of(stack, "email", sender)) == 20, timeout=60, interval=0.5,
             message="twenty tickets")
    assert "Flood 20" not in {t["subject"] for t in tickets_of(stack, "email", sender)}


def test_a_mail_with_nothing_readable_is_quarantined_not_lost(stack):
    outcome = send_mail(stack, b"\r\n\r\n", mail_from="someone@customer.example")

    assert "(quarantined: the mail cannot be parsed" in outcome
    ses_id = outcome.split()[2]
    listed = stack.boto("s3").list_objects_v2(Bucket=stack.resources["ATTACHMENTS_BUCKET"], Prefix="quarantine/")
    assert f"quarantine/{ses_id}" in [item["Key"] for item in listed.get("Contents", [])]


def test_mail_to_another_address_is_refused(stack):
    import smtplib

    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("someone@customer.example")
        code, reply_text = smtp.rcpt("sales@parley.test")

    assert code == 550 and b"support@parley.test" in reply_text


def test_the_local_outbox_is_for_admins_only(stack):
    response = requests.get(stack.api("/_local/outbox"), headers=stack.auth("agent1@parley.test"), timeout=30)

    assert response.status_code == 403


def _stack_now(stack) -> str:
    """Parley's clock on the stack (other tests may have moved it forward), as ISO 8601."""
    return requests.post(f"{stack.url}/_local/clock/advance", json={"seconds": 0}, timeout=10).json()["now"]


def test_erasing_a_customer_deletes_the_raw_mail_they_sent_and_their_quarantined_mail(stack, parley_env):
    from local.smtp import ses_message_id, ses_receipt_event
    from chalicelib.services.email_inbound import handle_ses_event

    s3, bucket = stack.boto("s3"), stack.resources["ATTACHMENTS_BUCKET"]

    def stored(key: str) -> bool:
        return s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) > 0

    # given a real mail with a PDF attached (from the corpus), sent by a new customer, became a ticket
    sender = f"{unique('erase-me-')}@customer.example"
    raw = (EMAIL_DIR / "mikel-mail__attachment_pdf.eml").read_bytes().replace(
        b"From: Test Tester <xxxx@xxxx.com>", f"From: Test Tester <{sender}>".encode())
    ticketed_id = send_mail(stack, raw, mail_from=sender).split()[2]
    view = wait_for_ticket(stack, "email", sender, channel="email")
    (attachment,) = view["messages"][0]["attachments"]
    assert stored(f"inbound-mail/{ticketed_id}") and stored(attachment["key"])

    # and a later mail of theirs that SES flagged as carrying a virus was quarantined
    later = _mail(sender, "Invoice attached", "Here is the invoice.")
    quarantined_id = ses_message_id()
    s3.put_object(Bucket=bucket, Key=f"inbound-mail/{quarantined_id}", Body=later)
    event = ses_receipt_event(later, message_id=quarantined_id, mail_from=sender, recipients=[SUPPORT],
                              region="us-east-1")
    event["Records"][0]["ses"]["receipt"]["virusVerdict"] = {"status": "FAIL"}
    (outcome,) = handle_ses_event(event)["outcomes"]
    assert outcome["action"] == "quarantined"
    assert stored(f"quarantine/{quarantined_id}")

    # when an admin erases the customer
    erased = requests.delete(stack.api(f"/customers/{view['ticket']['requester_id']}"), headers=stack.auth(),
                             timeout=30)
    month = _stack_now(stack)[:7]

    # then every copy of their mail is gone from the bucket: raw, attachment, quarantined copy and its raw mail
    assert erased.status_code == 200, erased.text
    assert (erased.json()["raw_mails_deleted"], erased.json()["quarantined_mails_deleted"]) == (1, 1)
    for key in (f"inbound-mail/{ticketed_id}", attachment["key"], f"quarantine/{quarantined_id}",
                f"inbound-mail/{quarantined_id}"):
        assert not stored(key), f"{key} is still stored"

    # and the quarantine no longer lists their mail
    from chalicelib.bootstrap import email_intake_store

    assert quarantined_id not in {record["id"] for record in email_intake_store().quarantined(limit=1000)}

    # and the privacy log counts what went, naming no address
    dynamodb, table = stack.boto("dynamodb"), stack.resources["TICKETS_TABLE"]
    (entry,) = [item for item in dynamodb.query(TableName=table, KeyConditionExpression="pk = :pk",
                                                ExpressionAttributeValues={":pk": {"S": f"PRIVACY#{month}"}})["Items"]
                if item.get("customer_id", {}).get("S") == view["ticket"]["requester_id"]]
    assert (entry["raw_mails"]["N"], entry["quarantined_mails"]["N"]) == ("1", "1")
    assert sender not in json.dumps(entry)


def test_erasing_a_customer_deletes_the_raw_mail_from_or_about_them_that_became_no_message(stack, parley_env):
    from chalicelib.bootstrap import email_intake_store

    s3, bucket = stack.boto("s3"), stack.resources["ATTACHMENTS_BUCKET"]

    def stored(ses_id: str) -> bool:
        return s3.list_objects_v2(Bucket=bucket, Prefix=f"inbound-mail/{ses_id}").get("KeyCount", 0) > 0

    def corpus(name: str, *replacements: tuple[str, str]) -> bytes:
        raw = (EMAIL_DIR / name).read_bytes()
        for old, new in replacements:
            assert old.encode() in raw, (name, old)
            raw = raw.replace(old.encode(), new.encode())
        return raw

    # given two customers, each with a ticket from a mail of theirs
    casey, robin = f"{unique('casey-')}@customer.example", f"{unique('robin-')}@customer.example"
    first = _mail(casey, f"Order {unique()}", "Where is my order?")
    casey_ticketed = send_mail(stack, first, mail_from=casey).split()[2]
    casey_ticket = wait_for_ticket(stack, "email", casey, channel="email")["ticket"]
    casey_id = casey_ticket["requester_id"]
    robin_ticketed = send_mail(stack, _mail(robin, f"Order {unique()}", "Mine too?"), mail_from=robin).split()[2]
    wait_for_ticket(stack, "email", robin, channel="email")

    # and Casey's server sent that first mail again (same Message-ID, a new raw copy): no second message
    duplicate = send_mail(stack, first, mail_from=casey)
    assert "(queued" in duplicate
    duplicate_id = duplicate.split()[2]
    wait_for(lambda: duplicate_id in {r["id"] for r in email_intake_store().unticketed_mail_of(casey)},
             timeout=30, interval=0.3, message="the ingest consumer to take the duplicate")
    assert len(ticket(stack, casey_ticket["id"])["messages"]) == 1

    # and Casey's mailbox answered automatically (a real RFC 3834 auto-reply from the corpus)
    auto_reply = send_mail(stack, corpus("sisimai__rfc3834-01.eml", ("From: kijitora@example.net", f"From: {casey}")),
                           mail_from=casey)
    assert "(auto_reply" in auto_reply

    # and a mail to Casey bounced (a real DSN from the corpus, naming Casey's address as the failed recipient)
    bounce = send_mail(stack, corpus("flanker__bounce-mailbox-full.eml", ("user@aol.com", casey)),
                       mail_from="MAILER-DAEMON@AOL.com")
    assert f"(bounce: undeliverable: {casey}" in bounce

    # and a mail from Parley's own address to Casey came back to support (a mail loop)
    loop = EmailMessage()
    loop["From"], loop["To"], loop["Subject"] = SUPPORT, casey, f"Re: Order {unique()}"
    loop["Message-ID"] = make_msgid(domain="parley.test")
    loop.set_content("Your order ships tomorrow.")
    looped = send_mail(stack, loop.as_bytes(), mail_from=SUPPORT)
    assert "(ignored" in looped

    # and Robin's mailbox answered automatically too
    robin_auto_reply = send_mail(stack, corpus("sisimai__rfc3834-03.eml", ("From: kijitora@apple.example.com",
                                                                          f"From: {robin}")), mail_from=robin)
    assert "(auto_reply" in robin_auto_reply
    casey_unticketed = [reply_text.split()[2] for reply_text in (duplicate, auto_reply, bounce, looped)]
    robins = [robin_ticketed, robin_auto_reply.split()[2]]
    assert all(stored(ses_id) for ses_id in [casey_ticketed, *casey_unticketed, *robins])

    # when an admin erases Casey
    erased = requests.delete(stack.api(f"/customers/{casey_id}"), headers=stack.auth(), timeout=30)
    month = _stack_now(stack)[:7]

    # then the answer counts the ticketed mail and the four that became no message
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert (body["raw_mails_deleted"], body["unticketed_mails_deleted"], body["quarantined_mails_deleted"]) == (1, 4, 0)

    # and none of Casey's raw mail is left in the bucket, while Robin's is all still there
    for ses_id in [casey_ticketed, *casey_unticketed]:
        assert not stored(ses_id), f"inbound-mail/{ses_id} is still stored"
    for ses_id in robins:
        assert stored(ses_id), f"Robin's inbound-mail/{ses_id} was deleted"

    # and the privacy log counts it, naming no address
    dynamodb, table = stack.boto("dynamodb"), stack.resources["TICKETS_TABLE"]
    (entry,) = [item for item in dynamodb.query(TableName=table, KeyConditionExpression="pk = :pk",
                                                ExpressionAttributeValues={":pk": {"S": f"PRIVACY#{month}"}})["Items"]
                if item.get("customer_id", {}).get("S") == casey_id]
    assert (entry["raw_mails"]["N"], entry["unticketed_mails"]["N"]) == ("1", "4")
    assert casey not in json.dumps(entry)


def test_erasing_a_customer_deleted_through_the_zendesk_api_takes_the_mail_from_before_the_deletion(stack):
    s3, bucket = stack.boto("s3"), stack.resources["ATTACHMENTS_BUCKET"]
    admin = ("admin@parley.test", "Parley-admin-1")

    def stored(ses_id: str) -> bool:
        return s3.list_objects_v2(Bucket=bucket, Prefix=f"inbound-mail/{ses_id}").get("KeyCount", 0) > 0

    def auto_reply(sender: str) -> str:
        raw = (EMAIL_DIR / "sisimai__rfc3834-01.eml").read_bytes().replace(
            b"From: kijitora@example.net", f"From: {sender}".encode())
        answer = send_mail(stack, raw, mail_from=sender)
        assert "(auto_reply" in answer
        return answer.split()[2]

    # given a customer with a ticket, whose mailbox also answered automatically once
    sender = f"{unique('deleted-')}@customer.example"
    send_mail(stack, _mail(sender, f"Order {unique()}", "Where is my order?"), mail_from=sender)
    old_id = wait_for_ticket(stack, "email", sender, channel="email")["ticket"]["requester_id"]
    before = auto_reply(sender)

    # and an agent deleted them through the Zendesk API (a soft delete: their address is free again)
    found = requests.get(stack.api("/v2/users/search.json"), params={"query": f"email:{sender}"}, auth=admin, timeout=30)
    assert found.status_code == 200, found.text
    (user,) = found.json()["users"]
    assert requests.delete(stack.api(f"/v2/users/{user['id']}"), auth=admin, timeout=30).status_code == 200

    # and the address wrote again afterwards: that is a new customer's mail now
    after = auto_reply(sender)

    # when an admin erases the deleted customer
    erased = requests.delete(stack.api(f"/customers/{old_id}"), headers=stack.auth(), timeout=30)

    # then their mail from before the deletion is gone, and the new customer's is still there
    assert erased.status_code == 200, erased.text
    assert erased.json()["unticketed_mails_deleted"] == 1
    assert not stored(before) and stored(after)
