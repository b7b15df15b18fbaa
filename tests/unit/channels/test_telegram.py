"""Telegram Updates become Parley messages."""
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from chalicelib.channels import telegram
from chalicelib.errors import ValidationError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "webhooks"
BOT_ID = "5555555555"


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def only_message(name):
    result = telegram.parse_webhook(fixture(name), recipient=BOT_ID)
    assert len(result.messages) == 1, result.ignored
    return result.messages[0]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("telegram__*.json")), ids=lambda p: p.stem)
def test_every_telegram_fixture_parses_without_error(path):
    result = telegram.parse_webhook(json.loads(path.read_text(encoding="utf-8")), recipient=BOT_ID)

    assert len(result.messages) + len(result.ignored) == 1


def test_text_message_is_keyed_by_chat():
    message = only_message("telegram__docs__message")

    assert message.channel == "telegram"
    assert message.identity == "123456789"
    assert message.provider_message_id == "123456789:42"
    assert message.display_name == "Ada Lovelace"
    assert message.text == "Hello, I need help with my invoice"
    assert message.sent_at == datetime(2024, 6, 10, 17, 40, tzinfo=timezone.utc)
    assert message.recipient == BOT_ID


def test_photo_keeps_the_largest_size_and_the_caption():
    message = only_message("telegram__docs__photo")

    (photo,) = message.attachments
    assert photo.kind == "image"
    assert photo.provider_media_id == "AgACAgQAAxkBAAIBK2ZmLarge"
    assert message.text == "Screenshot of the error"


def test_document_keeps_file_name_and_type():
    (document,) = only_message("telegram__docs__document").attachments

    assert (document.kind, document.filename, document.mime_type) == ("document", "invoice-2024-05.pdf", "application/pdf")


def test_voice_note_is_a_voice_attachment():
    assert only_message("telegram__docs__voice").attachments[0].kind == "voice"


def test_location_and_venue():
    pin = only_message("telegram__docs__location").location
    venue = only_message("telegram__docs__venue").location

    assert (pin.lat, pin.lon) == (51.507351, -0.127758)
    assert (venue.name, venue.address) == ("Eiffel Tower", "Champ de Mars, 5 Av. Anatole France, 75007 Paris")


def test_shared_contact_is_a_simplified_card():
    message = only_message("telegram__docs__contact")

    assert message.contacts == [{"name": "Grace Hopper", "phones": ["+447700900123"], "emails": ["grace@example.com"]}]


def test_reply_links_to_the_answered_message_in_the_same_chat():
    assert only_message("telegram__docs__reply").reply_to_provider_id == "123456789:40"


def test_edited_message_names_the_original():
    original = only_message("telegram__docs__message")
    edit = only_message("telegram__docs__edited_message")

    assert edit.edits_provider_id == original.provider_message_id
    assert edit.provider_message_id != original.provider_message_id
    assert edit.text.endswith("from May")


def test_callback_queries_and_service_messages_are_ignored_with_a_reason():
    callback = telegram.parse_webhook(fixture("telegram__docs__callback_query"))
    joined = telegram.parse_webhook(fixture("telegram__docs__group_member_joined"))

    assert callback.messages == [] and callback.ignored[0].kind == "callback_query"
    assert joined.messages == [] and joined.ignored[0].kind == "new_chat_members"


def test_unknown_update_type_is_ignored_not_raised():
    result = telegram.parse_webhook({"update_id": 1, "message_reaction_count": {"chat": {"id": 1}}})

    assert result.ignored[0].kind == "message_reaction_count"


@pytest.mark.parametrize("body", [[], {"message": {}}, {"update_id": "12"}])
def test_body_that_is_not_an_update_is_refused_clearly(body):
    with pytest.raises(ValidationError) as raised:
        telegram.parse_webhook(body)

    assert "update_id" in raised.value.message
