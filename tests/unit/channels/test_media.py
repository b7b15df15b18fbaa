"""Fetching customers' files from each provider, against a real local HTTP server standing in for it."""
import base64
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from chalicelib.channels import meta, telegram, twilio, whatsapp
from chalicelib.channels.http_sender import UrllibSender
from chalicelib.channels.inbound_message import MediaRef
from chalicelib.channels.media import MediaDownloadError, download
from chalicelib.channels.outbound import ChannelConfig
from tests.corpus import WEBHOOK_DIR
from tests.provider_server import Answer, ProviderServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "webhooks"
WHATSAPP_TOKEN = "EAAwa-token"
BOT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
TWILIO_SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00JFIF" + bytes(range(256)) * 4


@pytest.fixture
def provider():
    with ProviderServer() as server:
        yield server


def config_for(server, **changes):
    return replace(ChannelConfig(graph_api_base=server.url, telegram_api_base=server.url, twilio_api_base=server.url,
                                 whatsapp_access_token=WHATSAPP_TOKEN, telegram_bot_token=BOT_TOKEN,
                                 twilio_account_sid=TWILIO_SID, twilio_auth_token="twilio-secret"), **changes)


def fetch(ref, server, max_bytes=1_000_000, **config):
    return download(ref, config_for(server, **config), UrllibSender(timeout_seconds=5, max_response_bytes=max_bytes))


def corpus_whatsapp(name):
    payload = json.loads((WEBHOOK_DIR / "whatsapp__pywa__message.json").read_text())[name]
    (message,) = whatsapp.parse_webhook(payload).messages
    return message.attachments[0]


# --- each provider's way ------------------------------------------------------------------------------


def test_whatsapp_media_id_is_looked_up_then_fetched_with_the_token(provider):
    # given the corpus image message (media id 65463453), known to the Graph API stand-in
    ref = corpus_whatsapp("image")
    provider.json("/v21.0/65463453", {"url": f"{provider.url}/whatsapp_business/attachments/?mid=65463453",
                                      "mime_type": "image/jpeg", "id": "65463453"})
    provider.file("/whatsapp_business/attachments/?mid=65463453", JPEG, "image/jpeg")

    file = fetch(ref, provider)

    assert (file.content, file.content_type) == (JPEG, "image/jpeg")
    assert [r.headers["Authorization"] for r in provider.requests] == [f"Bearer {WHATSAPP_TOKEN}"] * 2


def test_whatsapp_webhook_with_only_a_url_is_fetched_directly(provider):
    ref = replace(corpus_whatsapp("media_with_url"), provider_media_id=None, url=f"{provider.url}/lookaside/65463453")
    provider.file("/lookaside/65463453", JPEG, "image/jpeg")

    assert fetch(ref, provider).content == JPEG
    assert provider.seen("/lookaside/65463453")[0].headers["Authorization"] == f"Bearer {WHATSAPP_TOKEN}"


def test_whatsapp_bytes_matching_the_sha256_of_webhook_and_lookup_are_accepted(provider):
    # given the webhook gives the file's SHA-256 in base64 (as WhatsApp does) and the lookup in hex
    ref = replace(corpus_whatsapp("image"), sha256=base64.b64encode(hashlib.sha256(JPEG).digest()).decode())
    provider.json("/v21.0/65463453", {"url": f"{provider.url}/lookaside/65463453", "mime_type": "image/jpeg",
                                      "sha256": hashlib.sha256(JPEG).hexdigest(), "id": "65463453"})
    provider.file("/lookaside/65463453", JPEG, "image/jpeg")

    assert fetch(ref, provider).content == JPEG


def test_whatsapp_bytes_that_differ_from_the_lookups_sha256_are_refused_for_good(provider):
    # given the lookup describes a file whose bytes are not what the media URL answers (damaged on the way)
    provider.json("/v21.0/65463453", {"url": f"{provider.url}/lookaside/65463453", "mime_type": "image/jpeg",
                                      "sha256": hashlib.sha256(JPEG).hexdigest(), "id": "65463453"})
    provider.file("/lookaside/65463453", JPEG[:-100], "image/jpeg")

    with pytest.raises(MediaDownloadError) as raised:
        fetch(corpus_whatsapp("image"), provider)

    assert not raised.value.transient and raised.value.message.startswith("checksum mismatch")
    assert hashlib.sha256(JPEG).hexdigest()[:16] in raised.value.message


def test_whatsapp_bytes_that_differ_from_the_webhooks_sha256_are_refused(provider):
    # given a webhook with only the URL, and a SHA-256 (base64) of other bytes
    ref = replace(corpus_whatsapp("media_with_url"), provider_media_id=None, url=f"{provider.url}/lookaside/65463453",
                  sha256=base64.b64encode(hashlib.sha256(b"another file").digest()).decode())
    provider.file("/lookaside/65463453", JPEG, "image/jpeg")

    with pytest.raises(MediaDownloadError, match="^checksum mismatch"):
        fetch(ref, provider)


@pytest.mark.parametrize("given", ["4654+8g=", "not a checksum", ""], ids=["short", "text", "empty"])
def test_a_sha256_that_is_neither_hex_nor_base64_of_32_bytes_is_not_checked(provider, given):
    ref = replace(corpus_whatsapp("media_with_url"), provider_media_id=None, url=f"{provider.url}/lookaside/1",
                  sha256=given)
    provider.file("/lookaside/1", JPEG, "image/jpeg")

    assert fetch(ref, provider).content == JPEG


def test_messenger_attachments_are_fetched_from_their_cdn_url_without_credentials(provider):
    # given the Messenger fixture's image and file, their CDN URLs served by the stand-in
    body = (FIXTURES / "messenger__docs__attachments.json").read_text()
    body = body.replace("https://scontent.xx.fbcdn.net", provider.url).replace("https://cdn.fbsbx.com", provider.url)
    (message,) = meta.parse_webhook(json.loads(body)).messages
    image, pdf = message.attachments
    provider.file("/v/t1.15752-9/box.jpg?_nc_cat=1&oh=abc&oe=5F", JPEG, "image/jpeg")
    provider.file("/v/t59.2708-21/receipt.pdf?_nc_cat=1&oh=def", b"%PDF-1.4 receipt", "application/pdf")

    files = [fetch(image, provider), fetch(pdf, provider)]

    assert [(f.content, f.content_type, f.filename) for f in files] == [
        (JPEG, "image/jpeg", "box.jpg"), (b"%PDF-1.4 receipt", "application/pdf", "receipt.pdf")]
    assert all("Authorization" not in r.headers for r in provider.requests)


def test_telegram_photo_is_found_with_get_file_then_downloaded(provider):
    # given the Telegram photo fixture: Parley asks for its largest size
    update = json.loads((FIXTURES / "telegram__docs__photo.json").read_text())
    (ref,) = telegram.parse_webhook(update, recipient="5555555555").messages[0].attachments
    query = urlencode({"file_id": "AgACAgQAAxkBAAIBK2ZmLarge"})
    provider.json(f"/bot{BOT_TOKEN}/getFile?{query}", {"ok": True, "result": {
        "file_id": "AgACAgQAAxkBAAIBK2ZmLarge", "file_unique_id": "AQADlarge", "file_size": len(JPEG),
        "file_path": "photos/file_7.jpg"}})
    provider.file(f"/file/bot{BOT_TOKEN}/photos/file_7.jpg", JPEG, "application/octet-stream")

    file = fetch(ref, provider)

    assert (file.content, file.filename) == (JPEG, "file_7.jpg")
    assert ref.mime_type == "image/jpeg"  # the type Parley keeps; Telegram answers octet-stream


def test_twilio_media_is_fetched_with_basic_auth_and_the_redirect_gets_no_credentials(provider):
    # given the Twilio MMS fixture, its media on the Twilio stand-in, which redirects to storage on another host
    form = (FIXTURES / "twilio__docs__mms_inbound.form").read_text().strip()
    (message,) = twilio.parse_webhook(form.replace(quote("https://api.twilio.com", safe=""),
                                                   quote(provider.url, safe=""))).messages
    image = message.attachments[0]
    media_path = image.url.removeprefix(provider.url)
    storage = provider.url.replace("127.0.0.1", "localhost") + "/media-storage/ME0a1b2c3d?Signature=abc"
    provider.answer(media_path, Answer(307, headers={"Location": storage}))
    provider.file("/media-storage/ME0a1b2c3d?Signature=abc", JPEG, "image/jpeg")

    file = fetch(image, provider)

    assert (file.content, file.content_type, image.mime_type) == (JPEG, "image/jpeg", "image/jpeg")
    first, redirected = provider.requests
    assert first.headers["Authorization"] == "Basic " + base64.b64encode(f"{TWILIO_SID}:twilio-secret".encode()).decode()
    assert "Authorization" not in redirected.headers


def test_twilio_credentials_go_only_to_the_configured_twilio_host(provider):
    ref = MediaRef("image", url=f"{provider.url}/elsewhere/ME1", mime_type="image/jpeg", source="twilio")
    provider.file("/elsewhere/ME1", JPEG, "image/jpeg")

    fetch(ref, provider, twilio_api_base="https://api.twilio.com")

    assert "Authorization" not in provider.seen("/elsewhere/ME1")[0].headers


# --- failures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status, transient", [(404, False), (401, False), (429, True), (500, True), (503, True)])
def test_a_refusal_is_transient_only_when_trying_later_may_work(provider, status, transient):
    provider.answer("/v21.0/65463453", Answer(status, b'{"error": {"message": "Nope", "code": 1}}'))

    with pytest.raises(MediaDownloadError) as raised:
        fetch(corpus_whatsapp("image"), provider)

    assert raised.value.transient is transient
    assert f"HTTP {status}" in raised.value.message and "Nope" in raised.value.message


def test_no_answer_at_all_is_transient():
    with ProviderServer() as closed:
        config = config_for(closed)
    ref = MediaRef("image", url=f"{closed.url}/gone.jpg", source="meta")

    with pytest.raises(MediaDownloadError) as raised:
        download(ref, config, UrllibSender(timeout_seconds=5))

    assert raised.value.transient and "127.0.0.1" in raised.value.message


@pytest.mark.parametrize("length", [None, ""], ids=["declared", "undeclared"])
def test_a_file_over_the_size_bound_is_refused_for_good(provider, length):
    ref = MediaRef("video", url=f"{provider.url}/big.mp4", source="meta")
    provider.answer("/big.mp4", Answer(body=b"x" * 2048, headers={"Content-Type": "video/mp4"}, length=length))

    with pytest.raises(MediaDownloadError) as raised:
        fetch(ref, provider, max_bytes=1024)

    assert not raised.value.transient and "too big" in raised.value.message


def test_a_missing_token_fails_without_asking_the_provider(provider):
    with pytest.raises(MediaDownloadError) as raised:
        fetch(corpus_whatsapp("image"), provider, whatsapp_access_token="")

    assert not raised.value.transient and "whatsapp_access_token is not configured" in raised.value.message
    assert provider.requests == []


def test_a_graph_answer_without_url_is_a_failure(provider):
    provider.json("/v21.0/65463453", {"id": "65463453"})

    with pytest.raises(MediaDownloadError, match="named no URL"):
        fetch(corpus_whatsapp("image"), provider)


def test_telegram_errors_never_show_the_bot_token(provider):
    ref = MediaRef("document", provider_media_id="BQACAgQ", source="telegram")
    provider.json(f"/bot{BOT_TOKEN}/getFile?file_id=BQACAgQ",
                  {"ok": False, "error_code": 400, "description": "Bad Request: file is too big"}, status=400)

    with pytest.raises(MediaDownloadError) as raised:
        fetch(ref, provider)

    assert "file is too big" in raised.value.message and BOT_TOKEN not in raised.value.message


def test_an_empty_file_is_a_failure(provider):
    provider.file("/empty.jpg", b"", "image/jpeg")

    with pytest.raises(MediaDownloadError, match="empty"):
        fetch(MediaRef("image", url=f"{provider.url}/empty.jpg", source="meta"), provider)


def test_a_reference_without_a_known_source_is_a_failure(provider):
    with pytest.raises(MediaDownloadError, match="does not know how to fetch"):
        fetch(MediaRef("image", url=f"{provider.url}/x.jpg"), provider)
