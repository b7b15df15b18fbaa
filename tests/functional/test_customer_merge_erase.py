"""Merged customers and erasure: erasing the one merged away keeps what moved to the survivor; erasing the
survivor erases everything of both."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import requests

from tests.conftest import wait_for
from tests.functional.channel_helpers import (
    SUPPORT,
    post_meta,
    send_mail,
    unique,
    unique_phone,
    wait_for_ticket,
    whatsapp_text,
)


def _mail(sender: str, subject: str, body: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Casey Customer <{sender}>"
    mail["To"] = SUPPORT
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="customer.example")
    mail.set_content(body)
    return mail.as_bytes()


def _email_ticket(stack, sender: str) -> dict:
    """A new ticket from a mail of sender's; returns the ticket with the id of the raw mail it came from."""
    subject = f"Order {unique()}"
    reply = send_mail(stack, _mail(sender, subject, "Where is my order?"), mail_from=sender)
    view = wait_for_ticket(stack, "email", sender, channel="email", subject=subject)
    return {**view["ticket"], "raw_mail": reply.split()[2]}


def _quarantine_mail_from(stack, sender: str) -> str:
    """A mail of sender's that SES flags as carrying a virus: quarantined, not ticketed. Returns its id."""
    from chalicelib.services.email_inbound import handle_ses_event
    from local.smtp import ses_message_id, ses_receipt_event

    raw, mail_id = _mail(sender, "Invoice", "Here is the invoice."), ses_message_id()
    stack.boto("s3").put_object(Bucket=stack.resources["ATTACHMENTS_BUCKET"], Key=f"inbound-mail/{mail_id}",
                                Body=raw)
    event = ses_receipt_event(raw, message_id=mail_id, mail_from=sender, recipients=[SUPPORT], region="us-east-1")
    event["Records"][0]["ses"]["receipt"]["virusVerdict"] = {"status": "FAIL"}
    (outcome,) = handle_ses_event(event)["outcomes"]
    assert outcome["action"] == "quarantined"
    return mail_id


def _stored(stack, key: str) -> bool:
    return stack.boto("s3").list_objects_v2(Bucket=stack.resources["ATTACHMENTS_BUCKET"],
                                           Prefix=key).get("KeyCount", 0) > 0


def _quarantined_ids() -> set[str]:
    from chalicelib.bootstrap import email_intake_store

    return {record["id"] for record in email_intake_store().quarantined(limit=1000)}


def _merge(stack, keep_id: str, merge_id: str) -> requests.Response:
    return requests.post(stack.api(f"/customers/{keep_id}/merge"), json={"customer_id": merge_id},
                         headers=stack.auth(), timeout=30)


def _find(stack, **lookup: str) -> requests.Response:
    (kind, address), = lookup.items()
    return requests.get(stack.api("/customers"), params={kind: address}, headers=stack.auth(), timeout=30)


def _get(stack, path: str) -> requests.Response:
    return requests.get(stack.api(path), headers=stack.auth(), timeout=30)


def _erase(stack, customer_id: str) -> requests.Response:
    return requests.delete(stack.api(f"/customers/{customer_id}"), headers=stack.auth(), timeout=60)


@pytest.fixture
def merged(stack, parley_env) -> dict:
    """Customer A (email a@) and customer B (email b@, and a WhatsApp number that first was customer W's, merged
    into B), with a ticket each and a quarantined mail from b@; then B is merged into A."""
    a_mail, b_mail, phone = (f"{unique('keep-')}@customer.example", f"{unique('gone-')}@customer.example",
                             unique_phone())
    a_ticket, b_ticket = _email_ticket(stack, a_mail), _email_ticket(stack, b_mail)
    assert post_meta(stack, "whatsapp", whatsapp_text(phone, "Is my order on its way?")).status_code == 200
    w_ticket = wait_for_ticket(stack, "phone", phone, channel="whatsapp")["ticket"]
    quarantined = _quarantine_mail_from(stack, b_mail)
    a_id, b_id, w_id = a_ticket["requester_id"], b_ticket["requester_id"], w_ticket["requester_id"]

    assert _merge(stack, b_id, w_id).status_code == 200
    joined = _merge(stack, a_id, b_id)
    assert joined.status_code == 200, joined.text
    assert {t["id"] for t in joined.json()["open_tickets"]} == {a_ticket["id"], b_ticket["id"], w_ticket["id"]}
    return {"a": a_id, "b": b_id, "w": w_id, "a_mail": a_mail, "b_mail": b_mail, "phone": phone,
            "tickets": [a_ticket, b_ticket, w_ticket], "quarantined": quarantined}


def test_erasing_a_customer_merged_into_another_keeps_everything_the_survivor_has(stack, merged):
    # when an admin erases B, which was merged into A
    erased = _erase(stack, merged["b"])

    # then the answer says B lives on in A and nothing of A's was deleted
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["merged_into"] == merged["a"] and merged["a"] in body["message"]
    assert (body["tickets_deleted"], body["raw_mails_deleted"], body["quarantined_mails_deleted"]) == (0, 0, 0)

    # and A can still be found by B's former address and number, with every identity and ticket
    for lookup in ({"email": merged["b_mail"]}, {"phone": merged["phone"]}, {"email": merged["a_mail"]}):
        found = _find(stack, **lookup)
        assert found.status_code == 200, (lookup, found.text)
        assert found.json()["customer"]["id"] == merged["a"]
    profile = _get(stack, f"/customers/{merged['a']}").json()
    assert {(i["channel"], i["address"]) for i in profile["customer"]["identities"]} == {
        ("email", merged["a_mail"]), ("email", merged["b_mail"]), ("phone", merged["phone"])}
    assert {t["id"] for t in profile["open_tickets"]} == {t["id"] for t in merged["tickets"]}
    for ticket in merged["tickets"]:
        shown = _get(stack, f"/tickets/{ticket['id']}")
        assert shown.status_code == 200 and shown.json()["messages"], ticket["id"]
    # B's id (and W's, merged into B) still lead to A
    assert _get(stack, f"/customers/{merged['b']}").json()["customer"]["id"] == merged["a"]
    assert _get(stack, f"/customers/{merged['w']}").json()["customer"]["id"] == merged["a"]

    # and the mail that came from b@ is still stored: the raw copy of its ticket and the quarantined mail
    assert _stored(stack, f"inbound-mail/{merged['tickets'][1]['raw_mail']}")
    assert _stored(stack, f"quarantine/{merged['quarantined']}")
    assert merged["quarantined"] in _quarantined_ids()

    # and B's leftover profile no longer holds its personal data
    leftover = stack.boto("dynamodb").get_item(TableName=stack.resources["TICKETS_TABLE"],
                                               Key={"pk": {"S": f"CUSTOMER#{merged['b']}"}, "sk": {"S": "PROFILE"}})
    assert set(leftover["Item"]) <= {"pk", "sk", "kind", "id", "merged_into", "merged_at", "erased_at"}

    # and a new mail from b@ still goes to A
    reply = send_mail(stack, _mail(merged["b_mail"], f"Order {unique()}", "And another one?"),
                      mail_from=merged["b_mail"])
    known = {t["id"] for t in merged["tickets"]}
    (later,) = wait_for(lambda: [t for t in _get(stack, f"/customers/{merged['a']}").json()["open_tickets"]
                                 if t["id"] not in known], message="the new mail's ticket among A's")
    later["raw_mail"] = reply.split()[2]

    # when the admin then erases A, everything of both is gone
    assert _erase(stack, merged["a"]).status_code == 200
    _assert_all_gone(stack, merged, extra_tickets=[later])


def test_erasing_the_customer_kept_by_a_merge_erases_everything_of_both(stack, merged):
    # when an admin erases A, into which B (and W) were merged
    erased = _erase(stack, merged["a"])

    # then the tickets, raw mails and quarantined mail of all of them are counted as deleted
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert (body["tickets_deleted"], body["raw_mails_deleted"], body["quarantined_mails_deleted"]) == (3, 2, 1)
    _assert_all_gone(stack, merged)


def _assert_all_gone(stack, merged: dict, extra_tickets: list[dict] = ()) -> None:
    for ticket in [*merged["tickets"], *extra_tickets]:
        assert _get(stack, f"/tickets/{ticket['id']}").status_code == 404, ticket["id"]
        if "raw_mail" in ticket:
            assert not _stored(stack, f"inbound-mail/{ticket['raw_mail']}"), ticket["raw_mail"]
    for lookup in ({"email": merged["a_mail"]}, {"email": merged["b_mail"]}, {"phone": merged["phone"]}):
        assert _find(stack, **lookup).status_code == 404, lookup
    for customer_id in (merged["a"], merged["b"], merged["w"]):
        assert _get(stack, f"/customers/{customer_id}").status_code == 404, customer_id
    assert not _stored(stack, f"quarantine/{merged['quarantined']}")
    assert not _stored(stack, f"inbound-mail/{merged['quarantined']}")
    assert merged["quarantined"] not in _quarantined_ids()
    # and of each customer only the note that its id was erased is left (no profile, no leftover of B or W)
    dynamodb = stack.boto("dynamodb")
    for customer_id in (merged["a"], merged["b"], merged["w"]):
        items = dynamodb.query(TableName=stack.resources["TICKETS_TABLE"], KeyConditionExpression="pk = :pk",
                               ExpressionAttributeValues={":pk": {"S": f"CUSTOMER#{customer_id}"}})["Items"]
        assert [item["sk"]["S"] for item in items] == ["ERASED"], customer_id


def _visitor(stack) -> dict:
    body = requests.post(stack.api("/sdk/sessions"), json={"name": "Vera Visitor"}, timeout=10).json()
    return {"id": body["customer_id"], "headers": {"Authorization": f"Bearer {body['visitor_token']}"}}


def _chat(stack, visitor: dict, text: str) -> int:
    started = requests.post(stack.api("/sdk/conversations"), json={"message": text}, headers=visitor["headers"],
                            timeout=10)
    assert started.status_code in (200, 201), started.text
    ticket_id = started.json()["ticket_id"]
    wait_for(lambda: _get(stack, f"/tickets/{ticket_id}").ok, message=f"ticket {ticket_id}")
    return ticket_id


def _conversations(stack, visitor: dict) -> requests.Response:
    return requests.get(stack.api("/sdk/conversations"), headers=visitor["headers"], timeout=10)


def test_a_merged_visitors_session_outlives_their_erasure_until_the_survivor_is_erased(stack):
    # given two visitors' chats, the second visitor merged into the first
    first, second = _visitor(stack), _visitor(stack)
    tickets = {_chat(stack, first, "From the laptop"), _chat(stack, second, "From the phone")}
    assert _merge(stack, first["id"], second["id"]).status_code == 200

    # when an admin erases the second (merged) one
    assert _erase(stack, second["id"]).status_code == 200

    # then its session still reaches the conversations, now the first visitor's
    seen = _conversations(stack, second)
    assert seen.status_code == 200 and {c["ticket_id"] for c in seen.json()["conversations"]} >= tickets

    # when the admin erases the first one, both sessions are refused
    assert _erase(stack, first["id"]).status_code == 200
    assert (_conversations(stack, first).status_code, _conversations(stack, second).status_code) == (401, 401)


def test_a_customer_merged_away_cannot_be_merged_into_a_third(stack):
    first, second, third = _visitor(stack), _visitor(stack), _visitor(stack)
    moved = _chat(stack, second, "Which one am I?")
    _chat(stack, first, "Hello")
    _chat(stack, third, "Hi")
    assert _merge(stack, first["id"], second["id"]).status_code == 200

    refused = _merge(stack, third["id"], second["id"])

    assert refused.status_code == 400 and first["id"] in refused.json()["message"]
    assert moved in {t["id"] for t in _get(stack, f"/customers/{first['id']}").json()["open_tickets"]}
    assert _merge(stack, first["id"], second["id"]).status_code == 200, "running the same merge again is fine"
