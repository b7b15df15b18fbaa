"""Twilio SMS / WhatsApp / status webhooks become Parley messages and receipts."""
from pathlib import Path
from datetime import datetime, timezone

import pytest

from chalicelib.channels import twilio
from chalicelib.errors import ValidationError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "webhooks"
NOW = datetime(2024, 6, 10, 17, 40, tzinfo=timezone.utc)


def form(name):
    return (FIXTURES / f"{name}.form").read_text(encoding="utf-8").strip()


def parse(name):
    return twilio.parse_webhook(form(name), now=lambda: NOW)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("twilio__*.form")), ids=lambda p: p.stem)
def test_every_twilio_fixture_parses_without_error(path):
    result = twilio.parse_webhook(path.read_text(encoding="utf-8").strip(), now=lambda: NOW)

    assert len(result.messages) + len(result.statuses) + len(result.ignored) == 1


def test_incoming_sms():
    (message,) = parse("twilio__docs__sms_inbound").messages

    assert message.channel == "sms"
    assert message.identity == "+14158675309"
    assert message.recipient == "+14155552671"
    assert message.text == "Hi! Is the store open on Sunday?"
    assert message.provider_message_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert message.sent_at == NOW


def test_incoming_sms_from_a_parsed_form_dict_of_lists():
    from urllib.parse import parse_qs

    (message,) = twilio.parse_webhook(parse_qs(form("twilio__docs__sms_inbound")), now=lambda: NOW).messages

    assert message.identity == "+14158675309"


def test_mms_media_become_attachments_by_content_type():
    (message,) = parse("twilio__docs__mms_inbound").messages

    assert [(a.kind, a.mime_type) for a in message.attachments] == [("image", "image/jpeg"), ("document", "application/pdf")]
    assert message.attachments[0].url.endswith("/Media/ME0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    assert message.raw_kind == "mms"


def test_whatsapp_through_twilio_is_the_whatsapp_channel():
    (message,) = parse("twilio__docs__whatsapp_inbound").messages

    assert message.channel == "whatsapp"
    assert message.identity == "+5511987654321"
    assert message.display_name == "Maria Silva"
    assert message.recipient == "+14155238886"


def test_status_callbacks_become_receipts():
    (delivered,) = parse("twilio__docs__status_delivered").statuses
    (undelivered,) = parse("twilio__docs__status_undelivered").statuses

    assert (delivered.provider_message_id, delivered.status, delivered.error) == ("SM2c7a6b1c4e8f4c1b9e0d3a5f7b2c6d8e", "delivered", None)
    assert undelivered.status == "failed" and "30003" in undelivered.error


def test_queued_status_is_ignored_until_the_carrier_has_it():
    result = parse("twilio__docs__status_queued")

    assert result.statuses == [] and result.ignored[0].kind == "status:queued"


def test_sms_from_a_short_code_is_ignored_with_a_reason():
    result = twilio.parse_webhook(form("twilio__docs__sms_inbound").replace("From=%2B14158675309", "From=72345"))

    assert result.messages == [] and "not a phone number" in result.ignored[0].reason


@pytest.mark.parametrize("body", ["hello=world", {"From": "+14158675309", "Body": "hi"}, 42])
def test_body_that_is_not_a_twilio_request_is_refused_clearly(body):
    with pytest.raises(ValidationError) as raised:
        twilio.parse_webhook(body)

    assert "Twilio" in raised.value.message
