"""The normalized shape every messaging channel's webhook is parsed into.

Channel modules (whatsapp, meta, telegram, twilio, phone) turn a provider's
webhook body into `InboundMessage`s (a customer wrote to us), `StatusUpdate`s
(a receipt for a message we sent) and `IgnoredEvent`s (something the help desk
does not act on, kept with a reason so nothing disappears silently). The ingest
service consumes these and never sees a provider's own format.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping

from chalicelib import clock

CHANNELS = ("whatsapp", "messenger", "instagram", "telegram", "sms", "phone")
MEDIA_KINDS = ("image", "video", "audio", "document", "sticker", "voice")
DELIVERY_STATUSES = ("sent", "delivered", "read", "failed")
# Which provider API holds a file the customer sent (how channels.media fetches it).
MEDIA_SOURCES = ("whatsapp_cloud", "meta", "telegram", "twilio")

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().\u00a0\u200e\u200f\u202a-\u202e]")
_ADDRESS_PREFIXES = ("whatsapp:", "tel:", "sms:", "sip:")
_MAX_UNIX_SECONDS = 253402300799  # 9999-12-31T23:59:59Z: beyond is garbage, not a time


@dataclass(frozen=True)
class MediaRef:
    """A file the customer sent: the provider keeps it; we keep its id or URL, and who holds it, to fetch it."""

    kind: str  # one of MEDIA_KINDS
    provider_media_id: str | None = None
    url: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    caption: str | None = None
    source: str | None = None  # one of MEDIA_SOURCES
    sha256: str | None = None  # the file's SHA-256 as the provider gave it (WhatsApp: base64), to check the bytes


@dataclass(frozen=True)
class Location:
    """A shared map pin."""

    lat: float
    lon: float
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One message a customer sent on a messaging channel, in Parley's words.

    `provider_message_id` is the idempotency key: providers retry webhooks, and
    the same id must never create a second message. `identity` is the customer's
    address on the channel (E.164 for whatsapp, sms and phone; PSID / IGSID for
    messenger / instagram; the chat id for telegram) and `recipient` is ours
    (business number, page id, bot id), which picks the inbox. When the message
    is an edit of an earlier one, `edits_provider_id` names the original.
    """

    channel: str
    provider_message_id: str
    identity: str
    display_name: str | None
    text: str
    sent_at: datetime
    attachments: list[MediaRef] = field(default_factory=list)
    location: Location | None = None
    contacts: list[dict] = field(default_factory=list)
    reply_to_provider_id: str | None = None
    recipient: str = ""
    raw_kind: str = ""
    edits_provider_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (times as ISO 8601 UTC) for the inbound queue."""
        data = asdict(self)
        data["sent_at"] = clock.iso(self.sent_at)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "InboundMessage":
        """Rebuild a message written by to_dict (the ingest consumer's side of the queue)."""
        fields = dict(data)
        fields["sent_at"] = clock.parse_iso(fields["sent_at"])
        fields["attachments"] = [MediaRef(**ref) for ref in fields.get("attachments") or []]
        fields["location"] = Location(**fields["location"]) if fields.get("location") else None
        fields["contacts"] = list(fields.get("contacts") or [])
        return cls(**fields)


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery / read receipt for a message Parley sent.

    Usually about one message (`provider_message_id`). Messenger may instead
    send a watermark: every message sent to `identity` at or before `up_to` has
    reached `status`; `provider_message_id` is then ''.
    """

    channel: str
    provider_message_id: str
    status: str  # one of DELIVERY_STATUSES
    at: datetime
    error: str | None = None
    identity: str | None = None
    up_to: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (times as ISO 8601 UTC) for the inbound queue."""
        data = asdict(self)
        data["at"] = clock.iso(self.at)
        data["up_to"] = clock.iso(self.up_to) if self.up_to else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "StatusUpdate":
        """Rebuild a receipt written by to_dict."""
        fields = dict(data)
        fields["at"] = clock.parse_iso(fields["at"])
        fields["up_to"] = clock.parse_iso(fields["up_to"]) if fields.get("up_to") else None
        return cls(**fields)


@dataclass(frozen=True)
class IgnoredEvent:
    """A webhook event the help desk does not act on, with the reason, for the log."""

    channel: str
    kind: str
    reason: str
    provider_id: str | None = None


@dataclass
class ParseResult:
    """Everything one webhook body held, sorted into messages, receipts and ignored events."""

    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    ignored: list[IgnoredEvent] = field(default_factory=list)

    @property
    def events(self) -> list[InboundMessage | StatusUpdate]:
        """Messages then receipts: the things the ingest service acts on."""
        return [*self.messages, *self.statuses]

    def __iter__(self) -> Iterator[InboundMessage | StatusUpdate]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.messages) + len(self.statuses)

    def extend(self, other: "ParseResult") -> None:
        """Append another result's items (a body holding several entries)."""
        self.messages.extend(other.messages)
        self.statuses.extend(other.statuses)
        self.ignored.extend(other.ignored)

    def ignore(self, channel: str, kind: str, reason: str, provider_id: str | None = None) -> None:
        """Record an event that is deliberately not handled."""
        self.ignored.append(IgnoredEvent(channel, kind, reason, provider_id))


def utc_now() -> datetime:
    """The current time in UTC from Parley's one time source (chalicelib.clock)."""
    return clock.now()


def to_e164(raw: Any) -> str | None:
    """Normalize a phone number to E.164 ("+15551234567"), or None when it is not one.

    Accepts what providers send: WhatsApp's bare digits ("15551234567"),
    formatted numbers ("+1 555-555-5555"), "00" international prefixes and
    address prefixes such as "whatsapp:+1555..." or "tel:+1555...".
    """
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    lowered = text.lower()
    for prefix in _ADDRESS_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix):]
            break
    text = _PHONE_PUNCTUATION.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.isdigit():
        text = "+" + text
    return text if _E164.match(text) else None


def from_unix_seconds(value: Any) -> datetime | None:
    """A provider's Unix timestamp (seconds, as int or string) as an aware UTC datetime."""
    number = _as_number(value)
    if number is None or number > _MAX_UNIX_SECONDS:
        return None
    return datetime.fromtimestamp(number, tz=timezone.utc)


def from_unix_millis(value: Any) -> datetime | None:
    """A provider's Unix timestamp in milliseconds as an aware UTC datetime."""
    number = _as_number(value)
    if number is None or number / 1000 > _MAX_UNIX_SECONDS:
        return None
    return datetime.fromtimestamp(number / 1000, tz=timezone.utc)


def _as_number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        return None
    return number


def media_kind_for_mime(mime_type: str | None) -> str:
    """Best media kind for a MIME type; anything unrecognised is a document."""
    major = (mime_type or "").split("/", 1)[0].strip().lower()
    return {"image": "image", "video": "video", "audio": "audio"}.get(major, "document")


def as_mapping(value: Any) -> Mapping:
    """`value` when it is a mapping, else an empty one: webhook fields are often absent."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list:
    """`value` when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def text_or_none(value: Any) -> str | None:
    """A non-empty string, or None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None
