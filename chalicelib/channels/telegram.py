"""Telegram Bot API webhooks (Update objects) → InboundMessage.

Telegram posts one Update per request: `{"update_id", "message" |
"edited_message" | "channel_post" | "callback_query" | ...}`. Private and
group messages to the bot become InboundMessages keyed by chat; everything
else is ignored with a reason. Telegram message ids are only unique within a
chat, so the provider id is "<chat id>:<message id>" (outbound.py uses the
same form for what we send, so replies can be linked).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

from chalicelib.channels.inbound_message import (
    InboundMessage,
    Location,
    MediaRef,
    ParseResult,
    as_list,
    as_mapping,
    from_unix_seconds,
    text_or_none,
    to_e164,
    utc_now,
)
from chalicelib.errors import ValidationError

CHANNEL = "telegram"

_MESSAGE_UPDATES = ("message", "edited_message", "business_message", "edited_business_message")
_MEDIA_FIELDS = {  # first match wins: an animation also carries a "document" twin
    "animation": "video",
    "video": "video",
    "video_note": "video",
    "audio": "audio",
    "voice": "voice",
    "sticker": "sticker",
    "document": "document",
}
_SERVICE_FIELDS = (
    "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo", "delete_chat_photo",
    "group_chat_created", "supergroup_chat_created", "channel_chat_created", "pinned_message",
    "migrate_to_chat_id", "migrate_from_chat_id", "message_auto_delete_timer_changed",
    "successful_payment", "users_shared", "chat_shared", "write_access_allowed",
    "forum_topic_created", "forum_topic_closed", "forum_topic_reopened", "video_chat_started",
    "video_chat_ended", "video_chat_scheduled", "video_chat_participants_invited",
)


def provider_message_id(chat_id: Any, message_id: Any) -> str:
    """Parley's id for a Telegram message: message ids are only unique within one chat."""
    return f"{chat_id}:{message_id}"


def parse_webhook(
    body: Any, *, recipient: str = "", now: Callable[[], datetime] = utc_now
) -> ParseResult:
    """Parse a Telegram Update into messages and ignored events.

    `recipient` is the bot id the webhook was registered for (Updates do not
    name the bot). Raises ValidationError only when the body is not an Update.
    """
    update_id = body.get("update_id") if isinstance(body, Mapping) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise ValidationError("a Telegram webhook body must be an Update object with an integer 'update_id'")
    result = ParseResult()
    kind = next((k for k in body if k != "update_id"), "unknown")
    if kind in _MESSAGE_UPDATES:
        _parse_message(kind, as_mapping(body[kind]), recipient, result, now)
    else:
        result.ignore(CHANNEL, kind, f"Telegram '{kind}' updates are not customer messages", str(body["update_id"]))
    return result


def _parse_message(
    kind: str, message: Mapping, recipient: str, result: ParseResult, now: Callable[[], datetime]
) -> None:
    chat = as_mapping(message.get("chat"))
    chat_id, message_id = chat.get("id"), message.get("message_id")
    if chat_id is None or message_id is None:
        result.ignore(CHANNEL, kind, "message without chat.id or message_id")
        return
    own_id = provider_message_id(chat_id, message_id)
    service = next((f for f in _SERVICE_FIELDS if f in message), None)
    if service:
        result.ignore(CHANNEL, service, f"service message '{service}' is not written by a customer", own_id)
        return
    sender = as_mapping(message.get("from"))
    text = next((v for v in (message.get("text"), message.get("caption")) if isinstance(v, str) and v), "")
    attachments = _attachments(message)
    location = _location(message)
    contacts = _contacts(message)
    if not text and not attachments and location is None and not contacts:
        content = next((k for k in message if k not in ("message_id", "from", "chat", "date")), "unknown")
        result.ignore(CHANNEL, content, f"Telegram message content '{content}' is not handled", own_id)
        return
    edited = kind.startswith("edited")
    reply = as_mapping(message.get("reply_to_message"))
    result.messages.append(
        InboundMessage(
            channel=CHANNEL,
            provider_message_id=f"{own_id}:edit:{message.get('edit_date')}" if edited else own_id,
            identity=str(chat_id),
            display_name=_display_name(sender, chat),
            text=text,
            sent_at=from_unix_seconds(message.get("edit_date") if edited else message.get("date")) or now(),
            attachments=attachments,
            location=location,
            contacts=contacts,
            reply_to_provider_id=provider_message_id(chat_id, reply["message_id"]) if "message_id" in reply else None,
            recipient=recipient,
            raw_kind=_content_kind(message, kind),
            edits_provider_id=own_id if edited else None,
        )
    )


def _display_name(sender: Mapping, chat: Mapping) -> str | None:
    parts = [text_or_none(sender.get("first_name")), text_or_none(sender.get("last_name"))]
    name = " ".join(p for p in parts if p)
    return name or text_or_none(sender.get("username")) or text_or_none(chat.get("title"))


def _content_kind(message: Mapping, kind: str) -> str:
    for field_name in ("text", "photo", *_MEDIA_FIELDS, "venue", "location", "contact"):
        if field_name in message:
            return field_name if kind == "message" else f"{kind}:{field_name}"
    return kind


def _attachments(message: Mapping) -> list[MediaRef]:
    caption = text_or_none(message.get("caption")) if isinstance(message.get("caption"), str) else None
    refs: list[MediaRef] = []
    photos = [as_mapping(p) for p in as_list(message.get("photo")) if as_mapping(p).get("file_id")]
    if photos:
        largest = max(photos, key=lambda p: _size(p.get("width")) * _size(p.get("height")))
        refs.append(
            MediaRef(kind="image", provider_media_id=str(largest["file_id"]), mime_type="image/jpeg", caption=caption,
                     source="telegram")
        )
    for field_name, media_kind in _MEDIA_FIELDS.items():
        media = as_mapping(message.get(field_name))
        if not media.get("file_id"):
            continue
        mime = text_or_none(media.get("mime_type"))
        if field_name == "sticker":
            mime = mime or _sticker_mime(media)
        refs.append(
            MediaRef(
                kind=media_kind,
                provider_media_id=str(media["file_id"]),
                mime_type=mime,
                filename=text_or_none(media.get("file_name")),
                caption=caption,
                source="telegram",
            )
        )
        break
    return refs


def _sticker_mime(sticker: Mapping) -> str:
    if sticker.get("is_video"):
        return "video/webm"
    return "application/x-tgsticker" if sticker.get("is_animated") else "image/webp"


def _size(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _location(message: Mapping) -> Location | None:
    venue = as_mapping(message.get("venue"))
    point = as_mapping(venue.get("location")) if venue else as_mapping(message.get("location"))
    try:
        lat, lon = float(point["latitude"]), float(point["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    return Location(lat, lon, text_or_none(venue.get("title")), text_or_none(venue.get("address")))


def _contacts(message: Mapping) -> list[dict]:
    contact = as_mapping(message.get("contact"))
    if not contact:
        return []
    name = " ".join(p for p in (text_or_none(contact.get("first_name")), text_or_none(contact.get("last_name"))) if p)
    raw_phone = text_or_none(contact.get("phone_number"))
    phone = to_e164(raw_phone) or raw_phone
    emails = [line.split(":", 1)[1].strip() for line in str(contact.get("vcard") or "").splitlines()
              if line.upper().startswith("EMAIL") and ":" in line]
    return [{"name": name or None, "phones": [phone] if phone else [], "emails": [e for e in emails if e]}]
