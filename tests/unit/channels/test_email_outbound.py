"""Composed replies thread back to their ticket and survive a round trip through the parser."""
from datetime import datetime, timezone

import pytest

from chalicelib.channels.email import compose_reply, find_ticket_token, parse_email, parley_message_ticket
from chalicelib.errors import ValidationError

DOMAIN = "mail.acme.test"


def _reply(**overrides):
    arguments = dict(
        ticket_id=1234,
        message_id="m42",
        from_address="help@acme.test",
        from_name="Zoë from Acme, Inc.",
        to_address="jurgen@example.com",
        subject="Re: Ärger mit der Lieferung 🎉",
        text="Hallo Jürgen,\n\nwir kümmern uns.\n<b>not markup</b>",
        html=None,
        mail_domain=DOMAIN,
        in_reply_to="cust-1@example.com",
        references=["root@example.com"],
        now=datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc),
    )
    arguments.update(overrides)
    return compose_reply(**arguments)


def test_reply_round_trips_through_the_parser():
    message_id, raw = _reply()

    email = parse_email(raw)

    assert message_id == f"t1234.m42@{DOMAIN}" and email.message_id == message_id
    assert email.subject == "Re: Ärger mit der Lieferung 🎉 [#1234]"
    assert (email.from_name, email.from_address) == ("Zoë from Acme, Inc.", "help@acme.test")
    assert email.text == "Hallo Jürgen,\n\nwir kümmern uns.\n<b>not markup</b>"
    assert "&lt;b&gt;not markup&lt;/b&gt;" in email.html
    assert email.in_reply_to == "cust-1@example.com"
    assert email.references == ["root@example.com", "cust-1@example.com"]
    assert email.reply_to == [f"support+t1234@{DOMAIN}"]
    assert email.kind == "message"


def test_reply_is_multipart_alternative_with_encoded_headers_and_a_date():
    _, raw = _reply()
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")

    assert "multipart/alternative" in head
    assert "Date: Wed, 01 May 2024 12:00:00 +0000" in head
    assert "=?utf-8?" in head  # non-ASCII name and subject are RFC 2047 encoded
    assert "Auto-Submitted" not in head
    assert b"text/plain" in raw and b"text/html" in raw


def test_every_threading_hook_points_back_at_the_ticket():
    message_id, raw = _reply()
    email = parse_email(raw)

    assert parley_message_ticket(message_id, DOMAIN) == 1234
    assert parley_message_ticket(f"<{message_id}>", DOMAIN.upper()) == 1234
    assert find_ticket_token(email.subject, []) == 1234
    assert find_ticket_token("", email.reply_to) == 1234


def test_subject_carries_the_token_exactly_once():
    _, raw = _reply(subject="Re: [#1234] Re: Printer [#1234]")

    assert parse_email(raw).subject == "Re: Re: Printer [#1234]"


def test_automatic_replies_are_marked_so_robots_do_not_answer():
    _, raw = _reply(auto=True)

    email = parse_email(raw)

    assert email.kind == "auto_reply"


def test_agent_html_is_sent_sanitised_next_to_the_text():
    _, raw = _reply(html='<p>Hi <a href="https://acme.test/kb/1">see this</a></p><script>x()</script>')

    email = parse_email(raw)

    assert 'href="https://acme.test/kb/1"' in email.html and "<script" not in email.html
    assert email.text.startswith("Hallo Jürgen")


def test_first_message_without_parent_has_no_threading_headers():
    _, raw = _reply(in_reply_to=None, references=[])

    email = parse_email(raw)

    assert (email.in_reply_to, email.references) == (None, [])


def test_newlines_in_names_and_subjects_cannot_inject_headers():
    _, raw = _reply(subject="Hi\r\nBcc: victim@example.com", from_name="Eve\nBcc: x@example.com")

    email = parse_email(raw)

    assert email.subject == "Hi Bcc: victim@example.com [#1234]"
    assert b"\r\nBcc:" not in raw


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"ticket_id": 0}, "ticket_id 0 must be a positive whole number"),
        ({"message_id": "a b"}, "message_id"),
        ({"message_id": "x@y"}, "without '@'"),
        ({"mail_domain": "not a domain"}, "mail_domain"),
        ({"to_address": "nobody"}, "to_address 'nobody' is not an email address"),
        ({"from_address": "jürgen@example.com"}, "non-ASCII"),
    ],
)
def test_bad_arguments_are_refused_with_a_fix(overrides, complaint):
    with pytest.raises(ValidationError, match=complaint):
        _reply(**overrides)


def test_foreign_or_malformed_message_ids_name_no_ticket():
    assert parley_message_ticket("t12.m1@other.example", DOMAIN) is None
    assert parley_message_ticket("CAEAsyCZ@mail.gmail.com", DOMAIN) is None
    assert parley_message_ticket("", DOMAIN) is None


def test_attached_files_travel_as_mime_attachments():
    _, raw = _reply(attachments=[("Rechnung März.pdf", "application/pdf", b"%PDF-1.4 x"),
                                 ("items.csv", "text/csv", b"sku,qty\n")])
    email = parse_email(raw)
    assert [(a.filename, a.content_type, a.content) for a in email.attachments] == [
        ("Rechnung März.pdf", "application/pdf", b"%PDF-1.4 x"), ("items.csv", "text/csv", b"sku,qty\n")]
    assert email.text.startswith("Hallo Jürgen")
