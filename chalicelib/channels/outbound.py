"""Sending a reply on a messaging channel: one interface over every provider's send API.

`build_send_request` turns (channel, to, text or media, config) into the
provider's HTTP request; `parse_send_response` reads the provider's answer into
a SendResult (its message id, or an error a person can act on); `send` applies
the retry policy (429, 5xx and network errors are retried with exponential
backoff and full jitter, honouring Retry-After) around an injectable sender
and sleep; `deliver` does all three for one provider message. A reply longer
than the channel allows is split on paragraph, sentence or word boundaries
(`split_text`); files go as the provider's own media messages where the
channel takes their type and size (`native_media` says which, and how they
are grouped), and `deliver_reply` sends the text parts, then the media parts,
in order.
"""
from __future__ import annotations

import base64
import json
import random
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Callable
from urllib.parse import urlencode

from chalicelib.channels import telegram
from chalicelib.channels.http_sender import HttpRequest, HttpResponse, NetworkError, Sender
from chalicelib.channels.inbound_message import to_e164, utc_now
from chalicelib.errors import ValidationError

__all__ = [
    "ChannelConfig", "HttpRequest", "HttpResponse", "SendResult", "SendOutcome", "SENDABLE_CHANNELS",
    "build_send_request", "parse_send_response", "should_retry", "backoff_seconds", "parse_retry_after",
    "send", "deliver", "simulated_response", "graph_url", "json_body", "error_text", "split_text", "text_length",
    "deliver_reply", "ReplyResult", "MAX_TEXT_LENGTH", "OutboundFile", "Media", "native_media", "MEDIA_METHODS",
]

SENDABLE_CHANNELS = ("whatsapp", "messenger", "instagram", "telegram", "sms")
# Longest text one provider message may carry, in UTF-16 code units (how the strictest providers count).
MAX_TEXT_LENGTH = {"whatsapp": 4096, "messenger": 2000, "instagram": 1000, "telegram": 4096, "sms": 1600}
# Where a long reply may be cut, best first; each pattern matches the gap between two parts.
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraph
    re.compile(r"\n\s*"),  # line
    re.compile(r"(?<=[.!?…。！？])[\"'”’»)\]]*\s+"),  # sentence
    re.compile(r"\s+"),  # word
)

MB = 1_000_000  # the providers state their limits in MB; counted in decimal to stay on the safe side of them
# Which files each channel takes as its own media message, as the providers document it for media sent by URL:
# (content types (None: any), the provider's media type, the most bytes it takes). The first rule a file's type
# and size fit wins; a file no rule fits goes as a link in the text.
_WHATSAPP_AUDIO = frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"})
_MEDIA_RULES: dict[str, tuple[tuple[frozenset[str] | None, str, int], ...]] = {
    "whatsapp": (  # Cloud API: image 5 MB, audio and video 16 MB, document (any other file) 100 MB
        (frozenset({"image/jpeg", "image/png"}), "image", 5 * MB),
        (_WHATSAPP_AUDIO, "audio", 16 * MB),
        (frozenset({"video/mp4", "video/3gpp"}), "video", 16 * MB),
        (None, "document", 100 * MB),
    ),
    "messenger": (  # Send API: images 8 MB by URL, other assets 25 MB; any file as "file"
        (frozenset({"image/jpeg", "image/png", "image/gif"}), "image", 8 * MB),
        (frozenset({"audio/mpeg", "audio/mp4", "audio/aac", "audio/wav", "audio/ogg"}), "audio", 25 * MB),
        (frozenset({"video/mp4", "video/quicktime", "video/webm"}), "video", 25 * MB),
        (None, "file", 25 * MB),
    ),
    "instagram": (  # Instagram messaging: png/jpeg 8 MB, video and aac/m4a/wav/mp4 audio 25 MB; no other files
        (frozenset({"image/jpeg", "image/png"}), "image", 8 * MB),
        (frozenset({"video/mp4", "video/ogg", "video/x-msvideo", "video/quicktime", "video/webm"}), "video", 25 * MB),
        (frozenset({"audio/aac", "audio/mp4", "audio/x-m4a", "audio/wav", "audio/x-wav"}), "audio", 25 * MB),
    ),
    "telegram": (  # Bot API by URL: photos 5 MB, other files 20 MB; sendDocument by URL takes only GIF, PDF, ZIP
        (frozenset({"image/jpeg", "image/png"}), "photo", 5 * MB),
        (frozenset({"audio/mpeg", "audio/mp4", "audio/x-m4a"}), "audio", 20 * MB),
        (frozenset({"video/mp4"}), "video", 20 * MB),
        (frozenset({"image/gif", "application/pdf", "application/zip"}), "document", 20 * MB),
    ),
    "sms": (  # Twilio MMS: its supported and accepted types; 5 MB of media per message (TWILIO_MAX_* below)
        (frozenset({
            "image/jpeg", "image/png", "image/gif", "image/bmp", "audio/mpeg", "audio/mp4", "audio/aac",
            "video/mp4", "video/mpeg", "video/quicktime", "text/csv", "text/vcard", "text/calendar",
            "application/pdf", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }), "media", 5 * MB),
    ),
}
TWILIO_MAX_MEDIA = 10  # MediaUrl values one Twilio message takes
TWILIO_MAX_MEDIA_BYTES = 5 * MB  # and their size together
# The Bot API method that sends each Telegram media type, and the parameter that carries the file.
MEDIA_METHODS = {"photo": "sendPhoto", "document": "sendDocument", "audio": "sendAudio", "video": "sendVideo"}


@dataclass(frozen=True)
class ChannelConfig:
    """Ids, tokens and secrets for the messaging channels; passed in, never read from the environment here."""

    graph_api_version: str = "v21.0"
    graph_api_base: str = "https://graph.facebook.com"
    telegram_api_base: str = "https://api.telegram.org"
    twilio_api_base: str = "https://api.twilio.com"
    whatsapp_phone_number_id: str = ""
    whatsapp_access_token: str = field(default="", repr=False)
    messenger_page_access_token: str = field(default="", repr=False)
    instagram_access_token: str = field(default="", repr=False)
    telegram_bot_token: str = field(default="", repr=False)
    telegram_secret_token: str = field(default="", repr=False)
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    meta_app_secret: str = field(default="", repr=False)
    meta_verify_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class OutboundFile:
    """A file for a customer: the URL a provider fetches it from, its name, content type and size in bytes."""

    url: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Media:
    """One file as a provider media message carries it: the provider's media type for it, and the file."""

    kind: str
    file: OutboundFile


@dataclass(frozen=True)
class SendResult:
    """The provider's verdict on one send: its message id, or why it refused."""

    provider_message_id: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the provider accepted the message."""
        return self.error is None and bool(self.provider_message_id)


@dataclass(frozen=True)
class SendOutcome:
    """What `send` ended with: the last response (None if the provider was never reached)."""

    response: HttpResponse | None
    attempts: int
    delays: list[float] = field(default_factory=list)
    error: str | None = None
    retry_after: float | None = None

    @property
    def gave_up(self) -> bool:
        """True when the last answer was still worth retrying (or there was none)."""
        return self.response is None or should_retry(self.response.status)


# --- building requests -----------------------------------------------------


def build_send_request(channel: str, *, to: str, text: str = "", config: ChannelConfig,
                       media: Sequence[Media] = ()) -> HttpRequest:
    """The HTTP request that sends `text`, or `media` (a provider media message), to `to` on `channel`.

    A media message carries one file (Twilio: up to TWILIO_MAX_MEDIA, and no text); see native_media.
    """
    if channel not in SENDABLE_CHANNELS:
        raise ValidationError(f"channel {channel!r} cannot send messages; use one of {', '.join(SENDABLE_CHANNELS)}")
    if media:
        _check_media(channel, text, media)
    else:
        _check_text(channel, text)
    builder = {
        "whatsapp": _whatsapp_request,
        "messenger": _meta_request,
        "instagram": _meta_request,
        "telegram": _telegram_request,
        "sms": _twilio_request,
    }[channel]
    return builder(channel, str(to or "").strip(), text, tuple(media), config)


def _check_media(channel: str, text: str, media: Sequence[Media]) -> None:
    kinds = {kind for _, kind, _ in _MEDIA_RULES[channel]}
    most = TWILIO_MAX_MEDIA if channel == "sms" else 1
    if text:
        raise ValidationError("a media message carries no text here; send the text as its own message")
    if len(media) > most:
        raise ValidationError(f"a {channel} media message carries at most {most} file(s), got {len(media)}")
    for item in media:
        if item.kind not in kinds:
            raise ValidationError(f"{channel} has no media type {item.kind!r}; use one of {', '.join(sorted(kinds))}")
        if not re.match(r"^https?://", item.file.url or ""):
            raise ValidationError(f"{item.file.filename} has no http(s) URL the provider could fetch it from")


def _check_text(channel: str, text: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("the reply text is empty; write something to send")
    limit = MAX_TEXT_LENGTH[channel]
    if text_length(text) > limit:
        raise ValidationError(
            f"the reply is {text_length(text)} characters; {channel} allows at most {limit}: shorten or split it"
        )


def _require(value: str, setting: str, channel: str) -> str:
    if not value:
        raise ValidationError(f"{setting} is not configured; set it in the {channel} channel settings before sending")
    return value


def _json_request(url: str, payload: dict, headers: dict[str, str] | None = None,
                  channel: str | None = None) -> HttpRequest:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HttpRequest("POST", url, {"Content-Type": "application/json", **(headers or {})}, body, channel)


def graph_url(config: ChannelConfig, path: str) -> str:
    """A Graph API URL (WhatsApp, Messenger, Instagram) for path, at the configured base and version."""
    version = config.graph_api_version.strip().lstrip("vV")
    return f"{config.graph_api_base.rstrip('/')}/v{version}/{path}"


def _whatsapp_request(channel: str, to: str, text: str, media: tuple[Media, ...], config: ChannelConfig
                      ) -> HttpRequest:
    number_id = _require(config.whatsapp_phone_number_id, "whatsapp_phone_number_id", channel)
    token = _require(config.whatsapp_access_token, "whatsapp_access_token", channel)
    phone = to_e164(to)
    if not phone:
        raise ValidationError(
            f"{to!r} is not a phone number; WhatsApp needs one in international form, e.g. +15551234567"
        )
    payload = {"messaging_product": "whatsapp", "to": phone.lstrip("+"), **_whatsapp_content(text, media)}
    return _json_request(graph_url(config, f"{number_id}/messages"), payload, {"Authorization": f"Bearer {token}"})


def _whatsapp_content(text: str, media: tuple[Media, ...]) -> dict[str, Any]:
    """A text message, or a media message by link (a document with its file name)."""
    if not media:
        return {"type": "text", "text": {"body": text}}
    (item,) = media
    content = {"link": item.file.url, **({"filename": item.file.filename} if item.kind == "document" else {})}
    return {"type": item.kind, item.kind: content}


def _meta_request(channel: str, to: str, text: str, media: tuple[Media, ...], config: ChannelConfig
                  ) -> HttpRequest:
    if channel == "instagram":
        token = config.instagram_access_token or config.messenger_page_access_token
        token = _require(token, "instagram_access_token", channel)
    else:
        token = _require(config.messenger_page_access_token, "messenger_page_access_token", channel)
    if not to:
        raise ValidationError(f"a {channel} reply needs the customer's scoped id (PSID/IGSID) as recipient")
    if media:  # an attachment by URL, fetched for this message only (not saved as a reusable asset)
        (item,) = media
        message: dict[str, Any] = {"attachment": {"type": item.kind,
                                                  "payload": {"url": item.file.url, "is_reusable": False}}}
    else:
        message = {"text": text}
    payload = {"recipient": {"id": to}, "messaging_type": "RESPONSE", "message": message}
    return _json_request(graph_url(config, "me/messages"), payload, {"Authorization": f"Bearer {token}"}, channel)


def _telegram_request(channel: str, to: str, text: str, media: tuple[Media, ...], config: ChannelConfig
                      ) -> HttpRequest:
    token = _require(config.telegram_bot_token, "telegram_bot_token", channel)
    if not to:
        raise ValidationError("a telegram reply needs the chat id as recipient")
    chat_id: int | str = int(to) if to.lstrip("-").isdigit() else to
    base = f"{config.telegram_api_base.rstrip('/')}/bot{token}"
    if not media:
        return _json_request(f"{base}/sendMessage", {"chat_id": chat_id, "text": text})
    (item,) = media  # the file by URL; a photo shows as it is, other files are captioned with their name
    payload: dict[str, Any] = {"chat_id": chat_id, item.kind: item.file.url}
    if item.kind != "photo":
        payload["caption"] = item.file.filename
    return _json_request(f"{base}/{MEDIA_METHODS[item.kind]}", payload)


def _twilio_request(channel: str, to: str, text: str, media: tuple[Media, ...], config: ChannelConfig
                    ) -> HttpRequest:
    sid = _require(config.twilio_account_sid, "twilio_account_sid", channel)
    token = _require(config.twilio_auth_token, "twilio_auth_token", channel)
    phone = to_e164(to)
    if not phone:
        raise ValidationError(f"{to!r} is not a phone number; SMS needs one in international form, e.g. +15551234567")
    form: dict[str, Any] = {"To": phone}
    if text:
        form["Body"] = text
    if media:  # an MMS: one MediaUrl parameter per file
        form["MediaUrl"] = [item.file.url for item in media]
    if config.twilio_messaging_service_sid:
        form["MessagingServiceSid"] = config.twilio_messaging_service_sid
    else:
        form["From"] = _require(config.twilio_from_number, "twilio_from_number", channel)
    credentials = base64.b64encode(f"{sid}:{token}".encode("utf-8")).decode("ascii")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {credentials}"}
    url = f"{config.twilio_api_base.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    return HttpRequest("POST", url, headers, urlencode(form, doseq=True).encode("utf-8"))


# --- files -----------------------------------------------------------------


def native_media(channel: str, files: Sequence[OutboundFile]) -> tuple[list[tuple[Media, ...]], list[OutboundFile]]:
    """Which of `files` go as `channel`'s own media messages, and which it cannot take (they go as links).

    Returns the media messages in the files' order (each a tuple of what one provider message carries: one
    file, or on SMS as many as fit in one Twilio message) and the files left over. Only the file's content
    type and size decide, so every try of a reply plans the same messages.
    """
    if channel not in SENDABLE_CHANNELS:
        raise ValidationError(f"channel {channel!r} cannot send messages; use one of {', '.join(SENDABLE_CHANNELS)}")
    messages: list[tuple[Media, ...]] = []
    left: list[OutboundFile] = []
    group: list[Media] = []
    for item in files:
        kind = _media_kind(channel, item)
        if kind is None:
            left.append(item)
        elif channel != "sms":
            messages.append((Media(kind, item),))
        else:
            if group and (len(group) == TWILIO_MAX_MEDIA
                          or sum(m.file.size for m in group) + item.size > TWILIO_MAX_MEDIA_BYTES):
                messages.append(tuple(group))
                group = []
            group.append(Media(kind, item))
    if group:
        messages.append(tuple(group))
    return messages, left


def _media_kind(channel: str, item: OutboundFile) -> str | None:
    """The provider's media type for a file, or None when the channel cannot take it (or its size is unknown)."""
    content_type = (item.content_type or "").split(";")[0].strip().lower()
    if not item.url or isinstance(item.size, bool) or not isinstance(item.size, int) or item.size < 1:
        return None
    for types, kind, most in _MEDIA_RULES[channel]:
        if (types is None or content_type in types) and item.size <= most:
            return kind
    return None


# --- long replies ----------------------------------------------------------


def text_length(text: str) -> int:
    """Length in UTF-16 code units: an emoji outside the BMP counts twice, as Telegram and Twilio count it."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` (text_length), cut at the best boundary in the second half of each part.

    Paragraph breaks first, then line breaks, sentence ends and spaces; a word longer than the
    limit is cut where the limit falls. Whitespace around the cuts is dropped.
    """
    parts: list[str] = []
    rest = text.strip()
    while text_length(rest) > limit:
        end, resume = _cut(rest, limit)
        parts.append(rest[:end].rstrip())
        rest = rest[resume:].lstrip()
    return [*parts, rest] if rest else parts or [text]


def _cut(text: str, limit: int) -> tuple[int, int]:
    """Where the first part of `text` ends and the rest resumes (the gap between them is dropped)."""
    fits = max(_fitting_prefix(text, limit), 1)
    for boundary in _BOUNDARIES:
        gaps = [gap for gap in boundary.finditer(text, 0, fits) if gap.start() >= fits // 2]
        if gaps:
            return gaps[-1].start(), gaps[-1].end()
    return fits, fits


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters from the start fit in `limit` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


# --- reading responses -----------------------------------------------------


def parse_send_response(channel: str, status: int | None, body: bytes | str | dict | None) -> SendResult:
    """Read a provider's answer to a send: the message id it assigned, or its error in words."""
    data = json_body(body)
    if status is None:
        return SendResult(None, "the provider could not be reached")
    if channel == "whatsapp":
        ids = [m.get("id") for m in data.get("messages", []) if isinstance(m, dict)]
        found = ids[0] if ids else None
    elif channel in ("messenger", "instagram"):
        found = data.get("message_id")
    elif channel == "telegram":
        found = _telegram_id(data)
    elif channel == "sms":
        found = data.get("sid")
    else:
        raise ValidationError(f"channel {channel!r} cannot send messages; use one of {', '.join(SENDABLE_CHANNELS)}")
    if 200 <= status < 300 and found:
        return SendResult(str(found))
    return SendResult(None, error_text(status, data))


def json_body(body: bytes | str | dict | None) -> dict:
    """A provider's JSON answer as a dict ({} when empty or not an object; `_text` holds non-JSON text)."""
    if isinstance(body, dict):
        return body
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return {"_text": (body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body))[:300]}
    return data if isinstance(data, dict) else {}


def _telegram_id(data: dict) -> str | None:
    result = data.get("result") if data.get("ok") else None
    if not isinstance(result, dict) or "message_id" not in result:
        return None
    chat_id = (result.get("chat") or {}).get("id")
    return telegram.provider_message_id(chat_id, result["message_id"])


def error_text(status: int, data: dict, unknown: str = "the provider's answer named no message id") -> str:
    """A provider's error answer in words (Graph API, Telegram and Twilio shapes; `unknown` for any other)."""
    graph = data.get("error") if isinstance(data.get("error"), dict) else None
    if graph:  # Graph API (WhatsApp, Messenger, Instagram)
        details = (graph.get("error_data") or {}).get("details") if isinstance(graph.get("error_data"), dict) else None
        text = f"{graph.get('code', '')} {graph.get('message', '')}".strip()
        return f"HTTP {status}: {text}" + (f" ({details})" if details else "")
    if "description" in data:  # Telegram
        return f"HTTP {status}: {data.get('error_code', '')} {data['description']}".replace(":  ", ": ")
    if "message" in data:  # Twilio
        return f"HTTP {status}: {data.get('code', '')} {data['message']}".replace(":  ", ": ")
    if "_text" in data:
        return f"HTTP {status}: {data['_text']}"
    return f"HTTP {status}: {unknown}" if unknown else f"HTTP {status}"


# --- retry policy ----------------------------------------------------------


def should_retry(status: int | None) -> bool:
    """True for answers worth trying again: 429, any 5xx, or no answer at all (network error)."""
    return status is None or status == 429 or 500 <= status <= 599


def backoff_seconds(
    attempt: int,
    *,
    retry_after: float | None = None,
    base: float = 0.5,
    cap: float = 20.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """How long to wait after the `attempt`-th failed try (1-based).

    Exponential backoff with full jitter: a random time in [0, min(cap, base·2^(attempt-1))).
    A provider's Retry-After is a floor: we never come back sooner than asked.
    """
    ceiling = min(cap, base * (2 ** max(attempt - 1, 0)))
    delay = rand() * ceiling
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def parse_retry_after(value: str | None, *, now: Callable[[], datetime] = utc_now) -> float | None:
    """Retry-After in seconds, from either form the header takes (delta-seconds or an HTTP date)."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max((when - now()).total_seconds(), 0.0)


def _retry_after(response: HttpResponse, now: Callable[[], datetime]) -> float | None:
    header = parse_retry_after(response.header("Retry-After"), now=now)
    if header is not None:
        return header
    hinted = (json_body(response.body).get("parameters") or {})  # Telegram's 429 body
    value = hinted.get("retry_after") if isinstance(hinted, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def send(
    request: HttpRequest,
    sender: Sender,
    *,
    max_attempts: int = 4,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
    base_delay: float = 0.5,
    max_delay: float = 20.0,
    now: Callable[[], datetime] = utc_now,
) -> SendOutcome:
    """Send with retries: 429, 5xx and network errors are retried up to `max_attempts` tries.

    Returns at once on any other answer (success, or a 4xx that retrying cannot
    fix). When the provider asks us to wait longer than `max_delay` (Retry-After),
    gives up early and reports `retry_after`, so the caller can requeue the
    message instead of holding a Lambda asleep.
    """
    if max_attempts < 1:
        raise ValidationError(f"max_attempts must be at least 1, got {max_attempts}")
    delays: list[float] = []
    response: HttpResponse | None = None
    error: str | None = None
    retry_after: float | None = None
    for attempt in range(1, max_attempts + 1):
        try:
            response, error = sender(request), None
        except NetworkError as failure:
            response, error = None, failure.message
        status = response.status if response is not None else None
        if not should_retry(status):
            return SendOutcome(response, attempt, delays)
        retry_after = _retry_after(response, now) if response is not None else None
        if attempt == max_attempts:
            break
        delay = backoff_seconds(attempt, retry_after=retry_after, base=base_delay, cap=max_delay, rand=rand)
        if delay > max_delay:
            return SendOutcome(response, attempt, delays, error or f"provider asked to wait {delay:.0f} s", delay)
        delays.append(delay)
        sleep(delay)
    if response is not None:
        error = f"HTTP {response.status} after {max_attempts} attempts"
    else:
        error = f"no answer after {max_attempts} attempts: {error}"
    return SendOutcome(response, max_attempts, delays, error, retry_after)


def deliver(
    channel: str,
    *,
    to: str,
    text: str = "",
    config: ChannelConfig,
    sender: Sender,
    media: Sequence[Media] = (),
    max_attempts: int = 4,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> SendResult:
    """Build, send (with retries) and read the answer: the whole outbound path for one provider message."""
    request = build_send_request(channel, to=to, text=text, config=config, media=media)
    outcome = send(request, sender, max_attempts=max_attempts, sleep=sleep, rand=rand)
    if outcome.response is None:
        return SendResult(None, outcome.error or "the provider could not be reached")
    result = parse_send_response(channel, outcome.response.status, outcome.response.body)
    if result.error and outcome.gave_up:
        return SendResult(None, f"{result.error} (gave up after {outcome.attempts} attempts)")
    return result


@dataclass(frozen=True)
class ReplyResult:
    """A reply's parts as sent: the provider ids of those accepted so far, and why the next one failed."""

    provider_message_ids: list[str]
    parts: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when every part was accepted."""
        return self.error is None and len(self.provider_message_ids) == self.parts


def deliver_reply(
    channel: str,
    *,
    to: str,
    text: str,
    config: ChannelConfig,
    sender: Sender,
    media: Sequence[Sequence[Media]] = (),
    sent: list[str] | tuple[str, ...] = (),
    on_sent: Callable[[int, str], None] | None = None,
    max_attempts: int = 4,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> ReplyResult:
    """Send a reply as as many provider messages as it needs, in order: the text in parts that fit the
    channel's length limit, then one media message for each entry of `media` (see native_media).

    `sent` holds the ids of parts a previous try sent (they are not sent again); `on_sent(index, id)`
    is called after each part but the last, so a later try can resume after it. Stops at the first
    part the provider does not accept.
    """
    if channel not in SENDABLE_CHANNELS:
        raise ValidationError(f"channel {channel!r} cannot send messages; use one of {', '.join(SENDABLE_CHANNELS)}")
    texts = split_text(text, MAX_TEXT_LENGTH[channel]) if text.strip() or not media else []
    parts: list[tuple[str, tuple[Media, ...]]] = [(part, ()) for part in texts]
    parts += [("", tuple(group)) for group in media]
    ids = list(sent)
    for index in range(len(ids), len(parts)):
        part_text, part_media = parts[index]
        result = deliver(channel, to=to, text=part_text, media=part_media, config=config, sender=sender,
                         max_attempts=max_attempts, sleep=sleep, rand=rand)
        if not result.ok:
            where = f"part {index + 1} of {len(parts)}: " if len(parts) > 1 else ""
            return ReplyResult(ids, len(parts), where + str(result.error))
        ids.append(str(result.provider_message_id))
        if on_sent is not None and index < len(parts) - 1:
            on_sent(index, ids[-1])
    return ReplyResult(ids, len(parts))


# --- local stand-in --------------------------------------------------------

_TELEGRAM_SEND = re.compile(r"/send(?:Message|Photo|Document|Audio|Video)$")



def simulated_response(request: HttpRequest) -> HttpResponse:
    """A provider-shaped success answer for a request, for the local outbox (no network)."""
    token = uuid.uuid4().hex[:16]
    payload = json_body(request.body) if request.body.startswith(b"{") else {}
    if _TELEGRAM_SEND.search(request.url):
        result = {"message_id": int(token[:8], 16), "chat": {"id": payload.get("chat_id")}, "date": int(time.time())}
        for name in ("text", "caption"):
            if payload.get(name):
                result[name] = payload[name]
        return _json_response(200, {"ok": True, "result": result})
    if "/Messages.json" in request.url:
        return _json_response(201, {"sid": f"SM{token}{token}", "status": "queued"})
    if payload.get("messaging_product") == "whatsapp":
        to = payload.get("to")
        return _json_response(200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.local-{token}"}],
        })
    if "/me/messages" in request.url:
        recipient = (payload.get("recipient") or {}).get("id")
        return _json_response(200, {"recipient_id": recipient, "message_id": f"m_local-{token}"})
    return _json_response(200, {})


def _json_response(status: int, payload: dict[str, Any]) -> HttpResponse:
    return HttpResponse(status, json.dumps(payload).encode("utf-8"), {"Content-Type": "application/json"})
