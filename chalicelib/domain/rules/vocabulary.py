"""The values rules speak about: statuses, priorities, types, channels, and their Zendesk spellings."""
from __future__ import annotations

from collections.abc import Iterable

from chalicelib.errors import ValidationError

STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_TYPES = ("question", "incident", "problem", "task")
CHANNELS = (
    "email", "chat", "sdk", "whatsapp", "messenger", "instagram",
    "telegram", "sms", "phone", "api", "web",
)
AUTHOR_TYPES = ("customer", "agent", "system")

STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}
PRIORITY_RANK = {priority: rank for rank, priority in enumerate(PRIORITIES)}

STATUS_ALIASES = {"hold": "on_hold", "on-hold": "on_hold", "onhold": "on_hold"}

# Zendesk "via" types and ids mapped onto Parley channels, so exported rules load unchanged.
VIA_TYPES = {
    "web_form": "web", "web": "web", "dropbox": "web", "help_center": "web", "web_widget": "chat",
    "mail": "email", "email": "email",
    "web_service": "api", "api": "api",
    "chat": "chat", "chat_transcript": "chat", "native_messaging": "chat",
    "voicemail": "phone", "phone_call_inbound": "phone", "phone_call_outbound": "phone", "phone": "phone",
    "facebook_message": "messenger", "facebook_post": "messenger", "messenger": "messenger",
    "instagram_dm": "instagram", "instagram": "instagram",
    "whatsapp": "whatsapp", "telegram": "telegram", "sms": "sms", "text": "sms",
    "mobile_sdk": "sdk", "sdk": "sdk", "mobile": "sdk",
}
VIA_IDS = {0: "web", 4: "email", 5: "api", 29: "chat", 33: "phone", 34: "phone", 35: "phone",
           38: "messenger", 41: "messenger"}

AUTHOR_ALIASES = {"end_user": "customer", "requester": "customer", "admin": "agent"}


def one_of(kind: str, value: str, allowed: Iterable[str]) -> str:
    """Return a message naming the bad value and listing the allowed ones."""
    return f"{kind} {value!r} is not one of {', '.join(allowed)}"


def normalize_status(value: object, *, allow_none: bool = False) -> str | None:
    """A status in Parley spelling ('hold' becomes 'on_hold'); refuses unknown statuses."""
    if value in (None, "") and allow_none:
        return None
    text = str(value).strip().lower()
    text = STATUS_ALIASES.get(text, text)
    if text not in STATUS_RANK:
        raise ValidationError(one_of("status", str(value), STATUSES))
    return text


def normalize_priority(value: object) -> str | None:
    """A priority, or None for 'no priority' ('' or '-' in Zendesk exports)."""
    if value in (None, "", "-"):
        return None
    text = str(value).strip().lower()
    if text not in PRIORITY_RANK:
        raise ValidationError(one_of("priority", str(value), PRIORITIES))
    return text


def normalize_type(value: object) -> str | None:
    """A ticket type, or None for 'no type'."""
    if value in (None, "", "-"):
        return None
    text = str(value).strip().lower()
    if text not in TICKET_TYPES:
        raise ValidationError(one_of("type", str(value), TICKET_TYPES))
    return text


def normalize_channel(value: object) -> str:
    """A Parley channel from a channel name, a Zendesk via type or a Zendesk via id."""
    if isinstance(value, bool):
        raise ValidationError(one_of("channel", str(value), CHANNELS))
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        # Zendesk via ids we do not map can never match a Parley ticket, but still load.
        return VIA_IDS.get(int(value), f"zendesk_via_{int(value)}")
    text = str(value).strip().lower()
    if text in CHANNELS:
        return text
    if text in VIA_TYPES:
        return VIA_TYPES[text]
    raise ValidationError(one_of("channel", str(value), CHANNELS))


def normalize_author_type(value: object) -> str:
    """Who wrote a comment: customer, agent or system (Zendesk's end_user/admin accepted)."""
    text = str(value).strip().lower()
    text = AUTHOR_ALIASES.get(text, text)
    if text not in AUTHOR_TYPES:
        raise ValidationError(one_of("author", str(value), AUTHOR_TYPES))
    return text


def split_tags(value: object) -> tuple[str, ...]:
    """Tags from Zendesk's space-separated string or a list, lower-cased, order kept, no duplicates."""
    if value is None:
        return ()
    items = value.split() if isinstance(value, str) else [str(item) for item in value]
    seen: dict[str, None] = {}
    for item in items:
        tag = item.strip().lower()
        if tag:
            seen[tag] = None
    return tuple(seen)
