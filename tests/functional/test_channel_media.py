"""Files customers send on messaging channels: fetched from the provider (a local stand-in), kept, served to agents."""
from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path

import pytest
import requests

from chalicelib.channels import whatsapp
from tests.corpus import WEBHOOK_DIR
from tests.functional.channel_helpers import (
    post_meta,
    post_telegram,
    tickets_of,
    unique,
    unique_phone,
    wait_for_ticket,
)
from tests.provider_server import Answer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n% invoice\n" + b"0" * 1000
BOT_TOKEN = "100000001:local-telegram-bot-token"  # the local stack's (local/resources.py)


def corpus_whatsapp(name: str, phone: str, media_id: str, content: bytes | None = None) -> dict:
    """A corpus WhatsApp payload re-sent from phone, with a fresh message id and media id (and, given the file's
    content, its SHA-256 in base64 as WhatsApp writes it)."""
    payload = json.loads((WEBHOOK_DIR / "whatsapp__pywa__message.json").read_text())[name]
    (message,) = whatsapp.parse_webhook(payload).messages
    (ref,) = message.attachments
    text = json.dumps(payload).replace(json.dumps(message.provider_message_id), json.dumps(unique("wamid.media-")))
    text = text.replace(json.dumps(ref.provider_media_id), json.dumps(media_id))
    if content is not None:
        checksum = base64.b64encode(hashlib.sha256(content).digest()).decode()
        text = text.replace(json.dumps(ref.sha256), json.dumps(checksum))
    return json.loads(text.replace(message.identity.lstrip("+"), phone.lstrip("+")))


def open_attachment(stack, ticket_id: int, attachment: dict) -> bytes:
    """The file as an agent gets it: the attachments API's redirect, then the pre-signed URL."""
    folder, filename = attachment["key"].split("/")[1:]
    response = requests.get(stack.api(f"/tickets/{ticket_id}/attachments/{folder}/{filename}"),
                            headers=stack.auth(), allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    return requests.get(response.headers["Location"], timeout=30).content


def test_a_whatsapp_image_is_stored_and_agents_can_open_it(stack, providers):
    # given the corpus WhatsApp image from a new number, its media (and its SHA-256) known to the Graph API stand-in
    phone, media_id = unique_phone(), str(uuid.uuid4().int)[:15]
    providers.json(f"/v21.0/{media_id}", {"url": f"{providers.url}/lookaside/{media_id}", "mime_type": "image/jpeg",
                                          "sha256": hashlib.sha256(JPEG).hexdigest(), "id": media_id})
    providers.file(f"/lookaside/{media_id}", JPEG, "image/jpeg")

    # when Meta posts the webhook, which gives the image's SHA-256 too
    assert post_meta(stack, "whatsapp", corpus_whatsapp("image", phone, media_id, JPEG)).status_code == 200

    # then the ticket's message lists the stored image, and the agent gets its bytes through the API
    view = wait_for_ticket(stack, "phone", phone, channel="whatsapp")
    (attachment,) = view["messages"][0]["attachments"]
    assert attachment["downloaded"] is True
    assert (attachment["kind"], attachment["content_type"], attachment["size"]) == ("image", "image/jpeg", len(JPEG))
    assert attachment["filename"] == "image.jpg"
    assert open_attachment(stack, view["ticket"]["id"], attachment) == JPEG
    assert providers.seen(f"/v21.0/{media_id}")[0].headers["Authorization"] == "Bearer local-whatsapp-token"


def test_a_telegram_document_keeps_its_name_and_type(stack, providers):
    # given the Telegram document fixture from a new chat, the file known to the Bot API stand-in
    chat_id, file_id = int(uuid.uuid4().int % 10**9), unique("BQACAgQ-")
    update = json.loads((FIXTURES / "telegram__docs__document.json").read_text())
    update["message"]["chat"]["id"] = update["message"]["from"]["id"] = chat_id
    update["message"]["document"]["file_id"] = file_id
    providers.json(f"/bot{BOT_TOKEN}/getFile?file_id={file_id}",
                   {"ok": True, "result": {"file_id": file_id, "file_path": f"documents/{file_id}.pdf"}})
    providers.file(f"/file/bot{BOT_TOKEN}/documents/{file_id}.pdf", PDF, "application/octet-stream")

    # when Telegram posts the update
    assert post_telegram(stack, update).status_code == 200

    # then the file is on the message under the customer's name and type
    view = wait_for_ticket(stack, "telegram", str(chat_id), channel="telegram")
    (attachment,) = view["messages"][0]["attachments"]
    assert (attachment["filename"], attachment["content_type"]) == ("invoice-2024-05.pdf", "application/pdf")
    assert open_attachment(stack, view["ticket"]["id"], attachment) == PDF


def test_a_file_the_provider_refuses_is_listed_as_not_downloaded_and_the_text_is_kept(stack, providers):
    # given a WhatsApp document with a caption whose media the Graph API no longer has
    phone, media_id = unique_phone(), str(uuid.uuid4().int)[:15]
    providers.json(f"/v21.0/{media_id}", {"error": {"message": "Media not found", "code": 100}}, status=404)

    assert post_meta(stack, "whatsapp", corpus_whatsapp("document", phone, media_id)).status_code == 200

    # then the message is stored with its caption, and the file is marked not downloaded, with the reason
    message = wait_for_ticket(stack, "phone", phone, channel="whatsapp")["messages"][0]
    assert "caption" in message["body"]
    (attachment,) = message["attachments"]
    assert attachment["downloaded"] is False and "key" not in attachment
    assert "HTTP 404" in attachment["error"] and "Media not found" in attachment["error"]
    assert attachment["filename"] == "filename.pdf"


def test_a_whatsapp_file_that_is_not_the_one_described_is_listed_as_not_downloaded(stack, providers):
    # given a WhatsApp document whose bytes, as the media URL answers them, do not match the SHA-256 WhatsApp gave
    phone, media_id = unique_phone(), str(uuid.uuid4().int)[:15]
    providers.json(f"/v21.0/{media_id}", {"url": f"{providers.url}/lookaside/{media_id}",
                                          "mime_type": "application/pdf", "sha256": hashlib.sha256(PDF).hexdigest()})
    providers.file(f"/lookaside/{media_id}", PDF[:500], "application/pdf")

    # when Meta posts the webhook
    assert post_meta(stack, "whatsapp", corpus_whatsapp("document", phone, media_id, PDF)).status_code == 200

    # then the message and its caption are kept, the file marked not downloaded for a checksum mismatch, and not stored
    message = wait_for_ticket(stack, "phone", phone, channel="whatsapp")["messages"][0]
    assert "caption" in message["body"]
    (attachment,) = message["attachments"]
    assert attachment["downloaded"] is False and "key" not in attachment
    assert attachment["error"].startswith("checksum mismatch")
    assert len(providers.seen(f"/lookaside/{media_id}")) == 1  # a mismatch is final: not fetched again


def test_erasing_the_customer_deletes_their_files(stack, providers):
    # given a customer whose WhatsApp image is stored
    phone, media_id = unique_phone(), str(uuid.uuid4().int)[:15]
    providers.json(f"/v21.0/{media_id}", {"url": f"{providers.url}/lookaside/{media_id}"})
    providers.file(f"/lookaside/{media_id}", JPEG, "image/jpeg")
    assert post_meta(stack, "whatsapp", corpus_whatsapp("image", phone, media_id)).status_code == 200
    view = wait_for_ticket(stack, "phone", phone, channel="whatsapp")
    key = view["messages"][0]["attachments"][0]["key"]

    # when an admin erases the customer
    erased = requests.delete(stack.api(f"/customers/{view['ticket']['requester_id']}"), headers=stack.auth(),
                             timeout=30)

    # then the file is gone from the bucket too
    assert erased.status_code == 200, erased.text
    stored = stack.boto("s3").list_objects_v2(Bucket=stack.resources["ATTACHMENTS_BUCKET"], Prefix=key)
    assert stored.get("KeyCount", 0) == 0


# --- the ingest consumer's tries, in this process ------------------------------------------------------


@pytest.fixture
def media_env(parley_env, providers, monkeypatch):
    """chalicelib here on the stack's moto, provider APIs on the stand-in, three tries per file."""
    from chalicelib.config import settings

    overrides = {**providers.environment(), "WHATSAPP_ACCESS_TOKEN": "local-whatsapp-token", "MEDIA_DOWNLOAD_ATTEMPTS": "3"}
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()


def queued_contact(phone: str, media_id: str) -> dict:
    from chalicelib.services.channel_inbound import contact_for

    (message,) = whatsapp.parse_webhook(corpus_whatsapp("image", phone, media_id)).messages
    return contact_for(message).to_dict()


def test_a_file_not_ready_is_tried_again_then_the_message_is_kept_without_it(stack, providers, media_env):
    from chalicelib.services.channel_media import MediaNotReadyError
    from chalicelib.services.ingest import handle_contact

    # given the Graph API keeps answering 503 for the image
    phone, media_id = unique_phone(), str(uuid.uuid4().int)[:15]
    providers.answer(f"/v21.0/{media_id}", Answer(503, b'{"error": {"message": "Service unavailable"}}'))
    contact = queued_contact(phone, media_id)

    # when the queue delivers the contact: the first try fails the record, so SQS delivers it again
    with pytest.raises(MediaNotReadyError):
        handle_contact(contact, attempt=1)
    assert tickets_of(stack, "phone", phone) == []

    # then the last try stores the message with the image marked not downloaded
    handle_contact(contact, attempt=3)
    (attachment,) = wait_for_ticket(stack, "phone", phone, channel="whatsapp")["messages"][0]["attachments"]
    assert attachment["downloaded"] is False and "HTTP 503" in attachment["error"]
    assert len(providers.seen(f"/v21.0/{media_id}")) == 2


def test_a_redelivered_contact_stores_its_file_once(stack, providers, media_env):
    from chalicelib.services.ingest import handle_contact

    phone, media_id = unique_phone(), str(uuid.uuid4().int)[:15]
    providers.json(f"/v21.0/{media_id}", {"url": f"{providers.url}/lookaside/{media_id}"})
    providers.file(f"/lookaside/{media_id}", JPEG, "image/jpeg")
    contact = queued_contact(phone, media_id)

    # when SQS delivers the same contact twice
    handle_contact(contact, attempt=1)
    handle_contact(contact, attempt=2)

    # then there is one message with one file, downloaded once
    view = wait_for_ticket(stack, "phone", phone, channel="whatsapp")
    assert len(view["messages"]) == 1
    (attachment,) = view["messages"][0]["attachments"]
    folder = attachment["key"].rsplit("/", 1)[0] + "/"
    stored = stack.boto("s3").list_objects_v2(Bucket=stack.resources["ATTACHMENTS_BUCKET"], Prefix=folder)
    assert [o["Key"] for o in stored.get("Contents", [])] == [attachment["key"]]
    assert len(providers.seen(f"/lookaside/{media_id}")) == 1
