"""Voicemails and logged calls become messages on the phone channel."""
from datetime import datetime, timezone
from pathlib import Path

import pytest

from chalicelib.channels import phone, twilio
from chalicelib.errors import ValidationError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "webhooks"
NOW = datetime(2024, 6, 10, 17, 41, tzinfo=timezone.utc)


def parse(name):
    body = (FIXTURES / f"{name}.form").read_text(encoding="utf-8").strip()
    return twilio.parse_webhook(body, now=lambda: NOW)


def test_voicemail_recording_becomes_a_phone_message_with_the_audio():
    (message,) = parse("twilio__docs__voicemail_record_action").messages

    assert message.channel == "phone"
    assert message.identity == "+14158675309"
    assert message.recipient == "+14155552671"
    assert message.text == "Voicemail (14 s)"
    (recording,) = message.attachments
    assert recording.kind == "voice"
    assert recording.url.endswith("/Recordings/RE6a1e0f5a8c2d8a5f3c4b7e9d1f6a0b2c")
    assert message.provider_message_id == "RE6a1e0f5a8c2d8a5f3c4b7e9d1f6a0b2c"
    assert message.sent_at == NOW


def test_voicemail_transcription_carries_the_words_and_its_own_id():
    (message,) = parse("twilio__docs__voicemail_transcription").messages

    assert "My internet has been down since this morning" in message.text
    assert message.provider_message_id == "TR7b2f1a6b9d3e9b6a4d5c8f0e2a7b1c3d"
    assert message.raw_kind == "voicemail_transcription"
    assert message.attachments[0].kind == "voice"


def test_ringing_call_without_a_recording_is_ignored():
    result = parse("twilio__docs__voice_incoming_call")

    assert result.messages == [] and result.ignored[0].kind == "call:ringing"


def test_recording_status_callback_without_caller_is_ignored_but_keeps_the_url_in_the_reason():
    result = parse("twilio__docs__recording_status_callback")

    assert result.messages == []
    assert "/Recordings/RE6a1e0f5a8c2d8a5f3c4b7e9d1f6a0b2c" in result.ignored[0].reason


def test_voicemail_from_a_withheld_number_is_ignored_not_raised():
    body = (FIXTURES / "twilio__docs__voicemail_record_action.form").read_text().strip()
    body = body.replace("From=%2B14158675309", "From=Anonymous")

    result = twilio.parse_webhook(body, now=lambda: NOW)

    assert result.messages == [] and "not a phone number" in result.ignored[0].reason


def test_logged_call_becomes_a_phone_message():
    call = {"customer_phone": "+1 (415) 867-5309", "our_phone": "+14155552671", "direction": "outbound",
            "started_at": "2024-06-10T15:00:00+02:00", "duration_seconds": 200, "notes": "Promised a refund by Friday",
            "call_id": "call-7781"}

    message = phone.parse_logged_call(call)

    assert message.channel == "phone"
    assert message.identity == "+14158675309"
    assert message.recipient == "+14155552671"
    assert message.text == "Call to customer (3 min 20 s)\nPromised a refund by Friday"
    assert message.sent_at == datetime(2024, 6, 10, 13, 0, tzinfo=timezone.utc)
    assert message.provider_message_id == "call-7781"
    assert message.raw_kind == "logged_call_outbound"


def test_logged_call_without_an_id_gets_a_stable_one_so_a_retry_is_not_logged_twice():
    call = {"customer_phone": "+14158675309", "started_at": "2024-06-10T13:00:00Z"}

    assert phone.parse_logged_call(call).provider_message_id == phone.parse_logged_call(dict(call)).provider_message_id


@pytest.mark.parametrize(
    "call, message_part",
    [
        ({"customer_phone": "call me maybe"}, "+15551234567"),
        ({"customer_phone": "+14158675309", "direction": "sideways"}, "inbound, outbound"),
        ({"customer_phone": "+14158675309", "started_at": "yesterday"}, "ISO 8601"),
        ({"customer_phone": "+14158675309", "started_at": "2024-06-10T13:00:00"}, "time zone"),
        ({"customer_phone": "+14158675309", "duration_seconds": -5}, "negative"),
    ],
)
def test_logged_call_with_bad_fields_is_refused_with_the_fix(call, message_part):
    with pytest.raises(ValidationError) as raised:
        phone.parse_logged_call(call, now=lambda: NOW)

    assert message_part in raised.value.message
