"""Fetching a file a customer sent on a messaging channel from the provider that keeps it.

`download(ref, config, sender)` follows each provider's documented way (MediaRef.source):

* whatsapp_cloud: GET {graph}/{version}/{media id} with the access token answers the file's `url`; GET
  that URL with the token (a webhook that carries only the URL is fetched directly). The bytes must match
  the `sha256` the webhook and the lookup give (hex or base64; a value that is neither is not checked):
  a mismatch is a failure that trying again does not mend;
* meta (Messenger, Instagram): the attachment's CDN URL, without credentials;
* telegram: getFile(file_id) answers a `file_path`; GET {api}/file/bot<token>/<file_path>;
* twilio: the MediaUrl, with basic auth only on the configured Twilio API host; the sender follows the
  redirect to the stored file (credentials stay on Twilio's host).

The sender bounds the size (http_sender.UrllibSender(max_response_bytes=...)). Every failure raises
MediaDownloadError, `transient` when trying again later may work (429, 5xx, no answer). Error messages
name hosts only, never a URL: Telegram's URLs hold the bot token.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote, unquote, urlencode, urlsplit

from chalicelib.channels.http_sender import (
    HttpRequest,
    HttpResponse,
    NetworkError,
    ResponseTooLargeError,
    Sender,
)
from chalicelib.channels.inbound_message import MediaRef, as_mapping, text_or_none
from chalicelib.channels.outbound import ChannelConfig, error_text, graph_url, json_body, should_retry
from chalicelib.errors import ParleyError


class MediaDownloadError(ParleyError):
    """A customer's file could not be fetched; `transient` when a later try may succeed."""

    status = 502
    code = "media_download_failed"

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class MediaFile:
    """A downloaded file: its bytes, the content type the provider answered, and a name it gave (if any)."""

    content: bytes
    content_type: str | None = None
    filename: str | None = None


def download(ref: MediaRef, config: ChannelConfig, sender: Sender) -> MediaFile:
    """Fetch the file ref names from its provider; MediaDownloadError when that fails."""
    fetch = _FETCHERS.get(ref.source or "")
    if fetch is None:
        raise MediaDownloadError(f"Parley does not know how to fetch a file from {ref.source or 'an unnamed source'}")
    try:
        return fetch(ref, config, sender)
    except NetworkError as error:
        raise MediaDownloadError(error.message, transient=True) from error
    except ResponseTooLargeError as error:
        raise MediaDownloadError(f"the file is too big: {error.message}") from error


def _whatsapp(ref: MediaRef, config: ChannelConfig, sender: Sender) -> MediaFile:
    token = _required(config.whatsapp_access_token, "whatsapp_access_token is not configured")
    auth = {"Authorization": f"Bearer {token}"}
    url, checksums = ref.url, [ref.sha256]
    if ref.provider_media_id:
        info = json_body(_get(sender, graph_url(config, quote(ref.provider_media_id, safe="")), auth).body)
        url = text_or_none(info.get("url"))
        if not url:
            raise MediaDownloadError(f"the Graph API named no URL for WhatsApp media {ref.provider_media_id}")
        checksums.append(text_or_none(info.get("sha256")))
    file = _file(_get(sender, _required(url, "the webhook named neither a media id nor a URL"), auth))
    _check_sha256(file.content, checksums, "WhatsApp")
    return file


def _meta(ref: MediaRef, config: ChannelConfig, sender: Sender) -> MediaFile:
    url = _required(ref.url, "the webhook named no attachment URL")
    return _file(_get(sender, url, {}), _last_segment(url))


def _telegram(ref: MediaRef, config: ChannelConfig, sender: Sender) -> MediaFile:
    token = _required(config.telegram_bot_token, "telegram_bot_token is not configured")
    base = config.telegram_api_base.rstrip("/")
    query = urlencode({"file_id": _required(ref.provider_media_id, "the webhook named no file_id")})
    info = json_body(_get(sender, f"{base}/bot{token}/getFile?{query}", {}).body)
    path = text_or_none(as_mapping(info.get("result")).get("file_path"))
    if not path:
        raise MediaDownloadError(f"Telegram's getFile named no file_path for file {ref.provider_media_id}")
    return _file(_get(sender, f"{base}/file/bot{token}/{quote(path)}", {}), path.rsplit("/", 1)[-1])


def _twilio(ref: MediaRef, config: ChannelConfig, sender: Sender) -> MediaFile:
    url = _required(ref.url, "the webhook named no MediaUrl")
    headers = {}
    if _origin(url) == _origin(config.twilio_api_base) and config.twilio_account_sid and config.twilio_auth_token:
        pair = f"{config.twilio_account_sid}:{config.twilio_auth_token}".encode("utf-8")
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return _file(_get(sender, url, headers))


_FETCHERS: dict[str, Callable[[MediaRef, ChannelConfig, Sender], MediaFile]] = {
    "whatsapp_cloud": _whatsapp, "meta": _meta, "telegram": _telegram, "twilio": _twilio,
}


def _get(sender: Sender, url: str, headers: dict[str, str]) -> HttpResponse:
    """GET url; a non-2xx answer is a MediaDownloadError (transient for 429 and 5xx)."""
    response = sender(HttpRequest("GET", url, headers))
    if 200 <= response.status < 300:
        return response
    said = error_text(response.status, json_body(response.body), unknown="")
    raise MediaDownloadError(f"{_origin(url)} answered {said}", transient=should_retry(response.status))


def _file(response: HttpResponse, filename: str | None = None) -> MediaFile:
    if not response.body:
        raise MediaDownloadError("the provider answered an empty file")
    return MediaFile(response.body, text_or_none(response.header("Content-Type")), filename)


def _check_sha256(content: bytes, given: list[str | None], provider: str) -> None:
    """Raise MediaDownloadError (not transient) when the bytes' SHA-256 differs from one the provider gave."""
    actual = hashlib.sha256(content).digest()
    for digest in filter(None, map(_sha256_digest, given)):
        if digest != actual:
            raise MediaDownloadError(f"checksum mismatch: the {len(content)} bytes received are not the file "
                                     f"{provider} described (SHA-256 {actual.hex()[:16]}…, expected "
                                     f"{digest.hex()[:16]}…)")


_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _sha256_digest(text: str | None) -> bytes | None:
    """The 32 bytes a SHA-256 written in hex or base64 (standard or URL-safe) stands for; None if neither."""
    text = (text or "").strip()
    if _HEX_SHA256.fullmatch(text):
        return bytes.fromhex(text)
    try:
        digest = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == 32 else None


def _required(value: str | None, missing: str) -> str:
    if not value:
        raise MediaDownloadError(missing)
    return value


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}".lower()


def _last_segment(url: str) -> str | None:
    """The URL path's last segment when it looks like a file name (has an extension)."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name if "." in name.strip(".") else None
