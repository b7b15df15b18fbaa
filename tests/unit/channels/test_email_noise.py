"""Machine mail (auto-replies, bounces, receipts) is told apart from customer mail."""
import pytest

from chalicelib.channels.email import parse_email


def _mail(headers: str, body: str = "Hello, my order has not arrived.\n") -> bytes:
    base = "From: Ann Example <ann@example.com>\nTo: support@acme.test\nMessage-ID: <m1@example.com>\n"
    return (base + headers.strip("\n") + "\n\n" + body).encode("utf-8")


def test_ordinary_customer_mail_is_a_message_we_may_answer():
    email = parse_email(_mail("Subject: Order 1234 missing"))

    assert email.kind == "message"
    assert not email.suppress_auto_reply


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Away\nAuto-Submitted: auto-replied",
        "Subject: Re: Order\nAuto-Submitted: auto-generated",
        "Subject: Re: Order\nX-Autoreply: yes",
        "Subject: Re: Order\nX-Autorespond: Thanks for your mail",
        "Subject: Re: Order\nPrecedence: auto_reply",
        "Subject: Re: Order\nX-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: ann@example.com",
        "Subject: Re: Order\nReturn-Path: <>",
        "Subject: Automatic reply: Order 1234",
        "Subject: Out of Office: Order 1234",
        "Subject: Abwesenheitsnotiz: Bestellung",
        "Subject: Réponse automatique : Commande",
        "Subject: Respuesta automática: Pedido",
        "Subject: AutoRespons :Nyaan?",
    ],
)
def test_auto_replies_do_not_open_tickets(headers):
    email = parse_email(_mail(headers))

    assert email.kind == "auto_reply"
    assert email.suppress_auto_reply


def test_auto_submitted_no_is_a_human_message():
    assert parse_email(_mail("Subject: Hi\nAuto-Submitted: no")).kind == "message"


@pytest.mark.parametrize("precedence", ["bulk", "junk", "list"])
def test_bulk_and_list_mail_opens_a_ticket_but_gets_no_automatic_answer(precedence):
    email = parse_email(_mail(f"Subject: [users] printer question\nPrecedence: {precedence}"))

    assert email.kind == "message"
    assert email.suppress_auto_reply


def test_read_receipt_is_machine_mail():
    raw = _mail(
        'Subject: Read: Order\nMIME-Version: 1.0\nContent-Type: multipart/report; '
        'report-type=disposition-notification; boundary="b"',
        "--b\nContent-Type: text/plain\n\nYour message was read.\n"
        "--b\nContent-Type: message/disposition-notification\n\n"
        "Final-Recipient: rfc822; ann@example.com\nDisposition: manual-action/MDN-sent-manually; displayed\n"
        "--b--\n",
    )

    assert parse_email(raw).kind == "auto_reply"


def test_delivery_status_report_names_only_the_failed_recipients():
    raw = _mail(
        'Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n'
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "--b\nContent-Type: text/plain\n\nI could not deliver your message.\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
        "Final-Recipient: rfc822; gone@example.org\nAction: failed\nStatus: 5.1.1\n\n"
        "Final-Recipient: rfc822; slow@example.org\nAction: delayed\nStatus: 4.4.1\n"
        "--b--\n",
    )

    email = parse_email(raw)

    assert email.kind == "bounce"
    assert email.bounced_recipients == ["gone@example.org"]


def test_delay_warning_is_a_bounce_without_failed_recipients():
    raw = _mail(
        'Subject: Delayed Mail (still being retried)\nMIME-Version: 1.0\n'
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "--b\nContent-Type: text/plain\n\nStill trying.\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Final-Recipient: rfc822; slow@example.org\nAction: delayed\nStatus: 4.4.1\n--b--\n",
    )

    email = parse_email(raw)

    assert (email.kind, email.bounced_recipients) == ("bounce", [])


def test_plain_text_bounce_from_mailer_daemon_names_the_recipient():
    raw = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: ann@example.com\n"
        "Subject: Delivery Status Notification (Failure)\nX-Failed-Recipients: nobody@example.jp\n\n"
        "Delivery to the following recipient failed permanently:\n\n     nobody@example.jp\n"
    ).encode()

    email = parse_email(raw)

    assert (email.kind, email.bounced_recipients) == ("bounce", ["nobody@example.jp"])


def test_office365_undeliverable_notice_is_a_bounce():
    raw = (
        "From: postmaster@example.no\nTo: ann@example.com\nSubject: Undeliverable: test\n\n"
        "Delivery has failed to these recipients or groups:\n\nnoname@example.com\n"
        "The email address you entered couldn't be found.\n"
    ).encode()

    email = parse_email(raw)

    assert (email.kind, email.bounced_recipients) == ("bounce", ["noname@example.com"])


def test_human_mail_about_a_delivery_problem_is_still_a_message():
    email = parse_email(_mail("Subject: Your parcel was undeliverable?", "Hi, the courier said undeliverable.\n"))

    assert email.kind == "message"


def test_abuse_feedback_report_is_machine_mail():
    raw = _mail(
        'Subject: FW: Order\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; '
        'boundary="b"',
        "--b\nContent-Type: text/plain\n\nThis is an email abuse report.\n"
        "--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: Yahoo!-Mail-Feedback/1.0\n"
        "--b--\n",
    )

    assert parse_email(raw).kind == "auto_reply"


def test_amazon_ses_bounce_notification_mailed_as_json_is_a_bounce():
    body = (
        '{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":'
        '[{"emailAddress":"Gone@Example.org","status":"5.1.1"}]},"mail":{"source":"support@acme.test"}}\n'
    )
    raw = (
        "From: no-reply@sns.amazonaws.com\nTo: ops@acme.test\nSubject: AWS Notification Message\n\n" + body
    ).encode()

    email = parse_email(raw)

    assert (email.kind, email.bounced_recipients) == ("bounce", ["gone@example.org"])
