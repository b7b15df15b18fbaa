"""WhatsApp Cloud API webhooks become Parley messages and receipts."""
import json
from datetime import datetime, timezone

import pytest

from chalicelib.channels import whatsapp
from chalicelib.channels.inbound_message import DELIVERY_STATUSES, MEDIA_KINDS, to_e164
from chalicelib.errors import ValidationError
from tests.corpus import WEBHOOK_DIR

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")


def corpus_payloads():
    """Every named payload in every WhatsApp corpus file (each file is a dict of payloads)."""
    cases = []
    for path in sorted(WEBHOOK_DIR.glob("whatsapp__*.json")):
        for name, payload in json.loads(path.read_text(encoding="utf-8")).items():
            cases.append(pytest.param(payload, id=f"{path.stem}:{name}"))
    return cases


def corpus_payload(file_stem, name):
    return json.loads((WEBHOOK_DIR / f"{file_stem}.json").read_text(encoding="utf-8"))[name]


def raw_values(payload):
    return [change["value"] for entry in payload["entry"] for change in entry.get("changes", [])]


def only_message(result):
    assert len(result.messages) == 1, result.ignored
    return result.messages[0]


def test_corpus_has_whatsapp_payloads():
    assert len(corpus_payloads()) >= 20


@pytest.mark.parametrize("payload", corpus_payloads())
def test_every_corpus_payload_parses_into_messages_statuses_or_ignored(payload):
    # given a real WhatsApp webhook body; when it is parsed
    result = whatsapp.parse_webhook(payload)

    # then every event in it is accounted for, and nothing raised
    raw_messages = [m for v in raw_values(payload) for m in v.get("messages", [])]
    raw_statuses = [s for v in raw_values(payload) for s in v.get("statuses", [])]
    assert len(result.messages) + len(result.statuses) + len(result.ignored) >= max(
        len(raw_messages) + len(raw_statuses), 1
    )
    assert all(item.reason for item in result.ignored)
    by_id = {m["id"]: m for m in raw_messages}
    for message in result.messages:
        raw = by_id[message.provider_message_id]
        assert message.channel == "whatsapp"
        assert message.identity == to_e164(raw["from"]) and message.identity.startswith("+")
        assert message.sent_at.tzinfo == timezone.utc
        assert message.recipient
        _assert_content_matches(raw, message)
    for status in result.statuses:
        assert status.provider_message_id in {s["id"] for s in raw_statuses}
        assert status.status in DELIVERY_STATUSES


def _assert_content_matches(raw, message):
    kind = raw["type"]
    body = raw.get(kind, {})
    if kind == "edit":
        inner = raw["edit"]["message"]
        kind, body = inner["type"], inner.get(inner["type"], {})
        assert message.edits_provider_id == raw["edit"]["original_message_id"]
    if kind == "text":
        assert message.text == body["body"]
    elif kind in MEDIA_TYPES:
        (ref,) = message.attachments
        assert ref.kind in MEDIA_KINDS
        assert ref.provider_media_id == body.get("id") and (ref.url == body.get("url"))
        assert ref.mime_type == body.get("mime_type")
        assert ref.sha256 == body.get("sha256")
    elif kind == "location":
        assert (message.location.lat, message.location.lon) == (body["latitude"], body["longitude"])
    elif kind == "contacts":
        assert len(message.contacts) == len(raw["contacts"])
        assert all(phone.startswith("+") for card in message.contacts for phone in card["phones"])
    if raw.get("context", {}).get("id") and raw["type"] != "edit":
        assert message.reply_to_provider_id == raw["context"]["id"]


def test_text_message_carries_sender_name_time_and_inbox():
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "text")))

    assert message.provider_message_id == "wamid.xyzxyz"
    assert message.identity == "+972987654321"
    assert message.display_name == "Test Name"
    assert message.text == "Body Text"
    assert message.sent_at == datetime(2023, 10, 11, 16, 53, 43, tzinfo=timezone.utc)
    assert message.recipient == "1122334455667"
    assert message.raw_kind == "text"


def test_voice_note_is_a_voice_attachment_and_plain_audio_stays_audio():
    voice = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "voice")))
    audio = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "audio")))

    assert voice.attachments[0].kind == "voice"
    assert audio.attachments[0].kind == "audio"
    assert audio.attachments[0].mime_type == "audio/ogg; codecs=opus"


def test_document_keeps_filename_and_caption_becomes_text():
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "document")))

    (document,) = message.attachments
    assert (document.kind, document.filename, document.caption) == ("document", "filename.pdf", "caption")
    assert document.provider_media_id == "1234567890987654321"
    assert message.text == "caption"


def test_media_url_is_kept_when_whatsapp_sends_one():
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "media_with_url")))

    assert message.attachments[0].url.startswith("https://lookaside.fbsbx.com/")


def test_chosen_location_has_name_and_address():
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "chosen_location")))

    assert message.location.name == "Facebook HQ"
    assert message.location.address == "1 Hacker Way, Menlo Park, CA 94025"
    assert message.text == ""


def test_shared_contacts_are_simplified_cards_with_e164_phones():
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "contacts")))

    assert message.contacts[0] == {"name": "Chandler Bing", "phones": ["+15555555555"], "emails": []}
    assert [card["name"] for card in message.contacts] == ["Chandler Bing", "Monica", "Rachel Green"]


def test_reply_links_to_the_message_it_answers():
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "reply")))

    assert message.reply_to_provider_id == "wamid.xyzxyz=="


def test_button_and_list_replies_read_as_their_titles():
    chosen = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__callback_selection", "description")))

    assert chosen.text == "title\ndescription"
    assert chosen.raw_kind == "interactive"


def test_order_is_readable_text():
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", "order")))

    assert "3 × HAMBURGER" in message.text and "ILS" in message.text


def test_edited_message_points_at_the_original():
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__edited_message", "image")))

    assert message.raw_kind == "edit"
    assert message.edits_provider_id == "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="
    assert message.text == "Updated image caption"
    assert message.attachments[0].url == "https://media.example.com/updated-image.jpg"
    assert message.identity == "+16505551234"


@pytest.mark.parametrize(
    "file_stem, name, reason_part",
    [
        ("whatsapp__pywa__message", "reaction", "reaction"),
        ("whatsapp__pywa__message", "unreaction_empty", "reaction removed"),
        ("whatsapp__pywa__message", "unsupported_with_type", "pool"),
        ("whatsapp__pywa__message", "interactive_message_with_err", "Unsupported webhook payload"),
        ("whatsapp__pywa__system", "phone_number_change", "changed from 972987654321 to 972912345678"),
    ],
)
def test_events_that_are_not_customer_messages_are_ignored_with_a_reason(file_stem, name, reason_part):
    result = whatsapp.parse_webhook(corpus_payload(file_stem, name))

    assert result.messages == [] and result.statuses == []
    (ignored,) = result.ignored
    assert reason_part in ignored.reason


def status_payload(**status):
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "statuses": [{"id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA",
                          "recipient_id": "16505551234", "timestamp": "1750263773", **status}],
        }}]}],
    }


@pytest.mark.parametrize("raw, expected", [("sent", "sent"), ("delivered", "delivered"), ("read", "read"), ("played", "read")])
def test_statuses_become_receipts(raw, expected):
    result = whatsapp.parse_webhook(status_payload(status=raw))

    (status,) = result.statuses
    assert status.status == expected
    assert status.provider_message_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA"
    assert status.at == datetime(2025, 6, 18, 16, 22, 53, tzinfo=timezone.utc)
    assert status.identity == "+16505551234"
    assert status.error is None


def test_failed_status_explains_why():
    errors = [{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
               "error_data": {"details": "Message failed to send because more than 24 hours have passed"}}]

    (status,) = whatsapp.parse_webhook(status_payload(status="failed", errors=errors)).statuses

    assert status.status == "failed"
    assert "131047" in status.error and "24 hours" in status.error


def test_non_message_fields_are_ignored_not_raised():
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "message_template_status_update", "value": {"event": "APPROVED", "message_template_id": 1}}]}]}

    result = whatsapp.parse_webhook(body)

    assert result.messages == [] and result.ignored[0].kind == "message_template_status_update"


def test_unknown_message_type_is_ignored_not_raised():
    payload = corpus_payload("whatsapp__pywa__message", "text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message = {k: v for k, v in message.items() if k != "text"} | {"type": "hologram", "hologram": {}}
    payload["entry"][0]["changes"][0]["value"]["messages"] = [message]

    result = whatsapp.parse_webhook(payload)

    assert result.messages == [] and "hologram" in result.ignored[0].reason


def test_sender_that_is_not_a_phone_number_is_ignored():
    payload = corpus_payload("whatsapp__pywa__message", "text")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "<WHATSAPP_USER_PHONE_NUMBER>"

    result = whatsapp.parse_webhook(payload)

    assert result.messages == [] and "not a phone number" in result.ignored[0].reason


@pytest.mark.parametrize(
    "body, message_part",
    [
        ([], "JSON object"),
        ({"object": "page", "entry": []}, "'page'"),
        ({"object": "whatsapp_business_account"}, "'entry' list"),
    ],
)
def test_body_that_is_not_a_whatsapp_webhook_is_refused_clearly(body, message_part):
    with pytest.raises(ValidationError) as raised:
        whatsapp.parse_webhook(body)

    assert message_part in raised.value.message


@pytest.mark.parametrize("name", ["document", "chosen_location", "contacts", "reply"])
def test_messages_survive_the_inbound_queue_as_json(name):
    message = only_message(whatsapp.parse_webhook(corpus_payload("whatsapp__pywa__message", name)))

    assert whatsapp.InboundMessage.from_dict(json.loads(json.dumps(message.to_dict()))) == message
