"""Messenger and Instagram webhooks become Parley messages and receipts."""
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from chalicelib.channels import meta
from chalicelib.channels.inbound_message import StatusUpdate
from chalicelib.errors import ValidationError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "webhooks"


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("messenger__*.json")) + sorted(FIXTURES.glob("instagram__*.json")), ids=lambda p: p.stem)
def test_every_meta_fixture_parses_without_error(path):
    result = meta.parse_webhook(json.loads(path.read_text(encoding="utf-8")))

    assert len(result.messages) + len(result.statuses) + len(result.ignored) >= 1
    assert all(m.provider_message_id and m.identity and m.recipient for m in result.messages)


def test_messenger_text_message():
    (message,) = meta.parse_webhook(fixture("messenger__docs__text")).messages

    assert message.channel == "messenger"
    assert message.identity == "5678901234567890"  # the PSID
    assert message.recipient == "106693558736910"  # the page
    assert message.text == "Hi, my order #1042 has not arrived yet"
    assert message.provider_message_id.startswith("m_AG5Hz2Uq")
    assert message.sent_at == datetime(2024, 6, 10, 17, 39, 59, 812000, tzinfo=timezone.utc)
    assert message.display_name is None


def test_messenger_attachments_become_media_refs_next_to_the_text():
    (message,) = meta.parse_webhook(fixture("messenger__docs__attachments")).messages

    assert message.text == "Here is the damaged box"
    assert [a.kind for a in message.attachments] == ["image", "document"]
    assert message.attachments[1].url.startswith("https://cdn.fbsbx.com/")


def test_messenger_sticker_is_a_sticker():
    (message,) = meta.parse_webhook(fixture("messenger__docs__sticker")).messages

    assert message.attachments[0].kind == "sticker"
    assert message.text == ""


def test_messenger_quick_reply_and_reply_to():
    quick, reply = meta.parse_webhook(fixture("messenger__docs__quick_reply_and_reply_to")).messages

    assert (quick.text, quick.raw_kind) == ("Track my order", "quick_reply")
    assert reply.reply_to_provider_id == "m_our_answer_0001"


def test_messenger_delivery_marks_each_named_message_delivered():
    (status,) = meta.parse_webhook(fixture("messenger__docs__delivery")).statuses

    assert status.channel == "messenger"
    assert status.provider_message_id == "mid.1458668856218:ed81099e15d3f4f233"
    assert status.status == "delivered"
    assert status.identity == "5678901234567890"


def test_messenger_read_is_a_watermark_for_everything_sent_before():
    (status,) = meta.parse_webhook(fixture("messenger__docs__read")).statuses

    assert status.status == "read"
    assert status.provider_message_id == ""
    assert status.identity == "5678901234567890"
    assert status.up_to == datetime(2016, 3, 22, 17, 47, 36, 253000, tzinfo=timezone.utc)


def test_messenger_echo_of_our_own_message_is_ignored():
    result = meta.parse_webhook(fixture("messenger__docs__echo"))

    assert result.messages == [] and result.ignored[0].kind == "echo"


def test_messenger_postback_reads_as_the_button_title():
    (message,) = meta.parse_webhook(fixture("messenger__docs__postback")).messages

    assert (message.text, message.raw_kind, message.provider_message_id) == ("Talk to a person", "postback", "m_postback_0001")


def test_messenger_reaction_is_ignored_with_a_reason():
    result = meta.parse_webhook(fixture("messenger__docs__reaction"))

    assert result.messages == [] and "reaction" in result.ignored[0].reason


def test_messenger_edit_names_the_original_and_has_its_own_id():
    original = meta.parse_webhook(fixture("messenger__docs__text")).messages[0]
    (edit,) = meta.parse_webhook(fixture("messenger__docs__message_edit")).messages

    assert edit.edits_provider_id == original.provider_message_id
    assert edit.provider_message_id != original.provider_message_id
    assert edit.text == "Hi, my order #1043 has not arrived yet"


def test_messenger_batched_entries_are_all_parsed_with_their_own_page():
    messages = meta.parse_webhook(fixture("messenger__docs__batched_entries")).messages

    assert [(m.text, m.recipient) for m in messages] == [("first", "106693558736910"), ("second page", "112233445566778")]


def test_instagram_dm():
    (message,) = meta.parse_webhook(fixture("instagram__docs__text")).messages

    assert message.channel == "instagram"
    assert message.identity == "1234567890123456"  # the IGSID
    assert message.recipient == "17841405822304914"
    assert message.text == "Do you ship to Canada?"


def test_instagram_image_and_story_reply():
    image, story_reply = meta.parse_webhook(fixture("instagram__docs__image_and_story_reply")).messages

    assert image.attachments[0].kind == "image" and image.text == ""
    assert story_reply.text.startswith("Is this still available?")
    assert "asset_id=17925987651234567" in story_reply.text


def test_instagram_read_names_the_message():
    (status,) = meta.parse_webhook(fixture("instagram__docs__read")).statuses

    assert (status.channel, status.provider_message_id, status.status) == ("instagram", "ig_mid_our_reply_0001", "read")


def test_instagram_echo_deleted_and_comments_are_ignored():
    echo_deleted = meta.parse_webhook(fixture("instagram__docs__echo_and_deleted"))
    comments = meta.parse_webhook(fixture("instagram__docs__comment_change"))

    assert echo_deleted.messages == [] and [i.kind for i in echo_deleted.ignored] == ["echo", "deleted"]
    assert comments.messages == [] and comments.ignored[0].kind == "comments"


def test_unknown_messaging_event_is_ignored_not_raised():
    body = {"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [
        {"sender": {"id": "2"}, "recipient": {"id": "1"}, "timestamp": 1, "brand_new_event": {"x": 1}}]}]}

    result = meta.parse_webhook(body)

    assert result.ignored[0].kind == "brand_new_event"


@pytest.mark.parametrize(
    "body, message_part",
    [
        ("page", "JSON object"),
        ({"object": "whatsapp_business_account", "entry": []}, "'page' (Messenger) or 'instagram'"),
        ({"object": "page", "entry": {}}, "'entry' list"),
    ],
)
def test_body_that_is_not_a_page_or_instagram_webhook_is_refused_clearly(body, message_part):
    with pytest.raises(ValidationError) as raised:
        meta.parse_webhook(body)

    assert message_part in raised.value.message


def test_receipts_survive_the_inbound_queue_as_json():
    (status,) = meta.parse_webhook(fixture("messenger__docs__read")).statuses

    assert StatusUpdate.from_dict(json.loads(json.dumps(status.to_dict()))) == status
