"""WhatsApp Cloud API webhooks → InboundMessage / StatusUpdate.

Meta posts `{"object": "whatsapp_business_account", "entry": [{"changes":
[{"field": "messages", "value": {...}}]}]}`. A "messages" change carries
customer messages (`value.messages`) and receipts for what we sent
(`value.statuses`); every other field (templates, account, calls, preferences,
echoes of the business app) is recorded as ignored. A message's `recipient`
is our phone_number_id: the id the Cloud API needs to send the reply.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from chalicelib.channels.inbound_message import (
    InboundMessage,
    Location,
    MediaRef,
    ParseResult,
    StatusUpdate,
    as_list,
    as_mapping,
    from_unix_seconds,
    text_or_none,
    to_e164,
    utc_now,
)
from chalicelib.errors import ValidationError

CHANNEL = "whatsapp"
WEBHOOK_OBJECT = "whatsapp_business_account"

_MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
_STATUS_MAP = {"sent": "sent", "delivered": "delivered", "read": "read", "played": "read", "failed": "failed"}


@dataclass
class _Content:
    """What a message says, independent of who sent it (shared by edits)."""

    text: str = ""
    attachments: list[MediaRef] = field(default_factory=list)
    location: Location | None = None
    contacts: list[dict] = field(default_factory=list)
    ignore_reason: str | None = None


def parse_webhook(body: Any, *, now: Callable[[], datetime] = utc_now) -> ParseResult:
    """Parse a WhatsApp Cloud API webhook body into messages, receipts and ignored events.

    Raises ValidationError only when the body is not a WhatsApp Business
    Account webhook at all; unknown event types are returned as ignored.
    """
    entries = _entries(body)
    result = ParseResult()
    for entry in entries:
        for change in as_list(as_mapping(entry).get("changes")):
            _parse_change(as_mapping(change), result, now)
    return result


def _entries(body: Any) -> list:
    if not isinstance(body, Mapping):
        raise ValidationError(
            f"a WhatsApp webhook body must be a JSON object, got {type(body).__name__}"
        )
    if body.get("object") != WEBHOOK_OBJECT:
        raise ValidationError(
            f"webhook object is {body.get('object')!r}, expected {WEBHOOK_OBJECT!r}: "
            "is this endpoint subscribed to the right Meta product?"
        )
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise ValidationError("a WhatsApp webhook body needs an 'entry' list")
    return entries


def _parse_change(change: Mapping, result: ParseResult, now: Callable[[], datetime]) -> None:
    field_name = change.get("field") or "messages"
    value = as_mapping(change.get("value"))
    if field_name != "messages":
        result.ignore(CHANNEL, str(field_name), f"WhatsApp '{field_name}' notifications are not customer messages")
        return
    metadata = as_mapping(value.get("metadata"))
    recipient = str(metadata.get("phone_number_id") or to_e164(metadata.get("display_phone_number")) or "")
    profiles = _profile_names(value.get("contacts"))
    for message in as_list(value.get("messages")):
        message = as_mapping(message)
        if value.get("errors") and not message.get("errors"):
            message = {**message, "errors": value["errors"]}
        _parse_message(message, profiles, recipient, result, now)
    for status in as_list(value.get("statuses")):
        _parse_status(as_mapping(status), result, now)
    if not value.get("messages") and not value.get("statuses"):
        result.ignore(CHANNEL, "messages", "change holds no messages or statuses: " + _errors_text(value.get("errors")))


def _profile_names(contacts: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in as_list(contacts):
        contact = as_mapping(contact)
        name = text_or_none(as_mapping(contact.get("profile")).get("name"))
        if not name:
            continue
        for key in ("wa_id", "user_id"):
            if contact.get(key):
                names[str(contact[key])] = name
                phone = to_e164(contact[key])
                if phone:
                    names[phone] = name
    if len(as_list(contacts)) == 1 and names:
        names[""] = next(iter(names.values()))  # the only contact is the sender
    return names


def _parse_message(
    message: Mapping, profiles: dict[str, str], recipient: str, result: ParseResult, now: Callable[[], datetime]
) -> None:
    kind = str(message.get("type") or "unknown")
    provider_id = text_or_none(message.get("id"))
    if not provider_id:
        result.ignore(CHANNEL, kind, "message has no id, so it cannot be deduplicated")
        return
    content, edits = _message_content(kind, message)
    if content.ignore_reason:
        result.ignore(CHANNEL, kind, content.ignore_reason, provider_id)
        return
    sender = to_e164(message.get("from"))
    if not sender:
        result.ignore(CHANNEL, kind, f"sender {message.get('from')!r} is not a phone number", provider_id)
        return
    reply_to = text_or_none(as_mapping(message.get("context")).get("id"))
    display_name = profiles.get(str(message.get("from"))) or profiles.get(sender) or profiles.get("")
    result.messages.append(
        InboundMessage(
            channel=CHANNEL,
            provider_message_id=provider_id,
            identity=sender,
            display_name=display_name,
            text=content.text,
            sent_at=from_unix_seconds(message.get("timestamp")) or now(),
            attachments=content.attachments,
            location=content.location,
            contacts=content.contacts,
            reply_to_provider_id=reply_to,
            recipient=recipient,
            raw_kind=kind,
            edits_provider_id=edits,
        )
    )


def _message_content(kind: str, message: Mapping) -> tuple[_Content, str | None]:
    if kind != "edit":
        return _content(kind, message), None
    edit = as_mapping(message.get("edit"))
    original = text_or_none(edit.get("original_message_id"))
    inner = as_mapping(edit.get("message"))
    inner_kind = str(inner.get("type") or "unknown")
    content = _content(inner_kind, inner)
    if not original and not content.ignore_reason:
        content.ignore_reason = "edit does not name the message it changes"
    return content, original


def _content(kind: str, message: Mapping) -> _Content:
    payload = as_mapping(message.get(kind))
    if kind == "text":
        return _Content(text=str(payload.get("body") or ""))
    if kind in _MEDIA_TYPES:
        return _media_content(kind, payload)
    if kind == "location":
        return _location_content(payload)
    if kind == "contacts":
        cards = [_contact_card(as_mapping(c)) for c in as_list(message.get("contacts"))]
        return _Content(contacts=cards) if cards else _Content(ignore_reason="contacts message holds no cards")
    if kind == "interactive":
        return _interactive_content(payload, message)
    if kind == "button":
        text = text_or_none(payload.get("text")) or text_or_none(payload.get("payload"))
        return _Content(text=text) if text else _Content(ignore_reason="button reply without text")
    if kind == "order":
        return _Content(text=_order_text(payload))
    return _Content(ignore_reason=_unhandled_reason(kind, message))


def _media_content(kind: str, payload: Mapping) -> _Content:
    if not payload.get("id") and not payload.get("url"):
        return _Content(ignore_reason=f"{kind} message has neither a media id nor a URL")
    media_kind = "voice" if kind == "audio" and payload.get("voice") is True else kind
    caption = text_or_none(payload.get("caption"))
    ref = MediaRef(
        kind=media_kind,
        provider_media_id=text_or_none(payload.get("id")),
        url=text_or_none(payload.get("url")),
        mime_type=text_or_none(payload.get("mime_type")),
        filename=text_or_none(payload.get("filename")),
        caption=caption,
        source="whatsapp_cloud",
        sha256=text_or_none(payload.get("sha256")),
    )
    return _Content(text=caption or "", attachments=[ref])


def _location_content(payload: Mapping) -> _Content:
    try:
        lat, lon = float(payload["latitude"]), float(payload["longitude"])
    except (KeyError, TypeError, ValueError):
        return _Content(ignore_reason="location message without latitude/longitude")
    location = Location(lat, lon, text_or_none(payload.get("name")), text_or_none(payload.get("address")))
    return _Content(location=location)


def _contact_card(card: Mapping) -> dict:
    name_parts = as_mapping(card.get("name"))
    name = text_or_none(name_parts.get("formatted_name")) or " ".join(
        part for part in (text_or_none(name_parts.get("first_name")), text_or_none(name_parts.get("last_name"))) if part
    )
    phones = []
    for phone in as_list(card.get("phones")):
        phone = as_mapping(phone)
        number = to_e164(phone.get("phone")) or to_e164(phone.get("wa_id")) or text_or_none(phone.get("phone"))
        if number and number not in phones:
            phones.append(number)
    emails = [e for e in (text_or_none(as_mapping(m).get("email")) for m in as_list(card.get("emails"))) if e]
    return {"name": name or None, "phones": phones, "emails": emails}


def _interactive_content(payload: Mapping, message: Mapping) -> _Content:
    reply_type = payload.get("type")
    reply = as_mapping(payload.get(reply_type)) if isinstance(reply_type, str) else {}
    if reply_type in ("button_reply", "list_reply"):
        lines = [text_or_none(reply.get("title")), text_or_none(reply.get("description"))]
        text = "\n".join(line for line in lines if line)
        return _Content(text=text) if text else _Content(ignore_reason=f"{reply_type} without a title")
    if reply_type == "nfm_reply":
        return _Content(text=_form_text(reply))
    if reply_type is None:
        return _Content(ignore_reason="interactive message without content: " + _errors_text(message.get("errors")))
    return _Content(ignore_reason=f"interactive reply type {reply_type!r} is not a customer message")


def _form_text(reply: Mapping) -> str:
    """A submitted WhatsApp Flow as readable text: its body line, then the answers."""
    lines = [text_or_none(reply.get("body")) or "Form submitted"]
    try:
        answers = json.loads(reply.get("response_json") or "{}")
    except (TypeError, ValueError):
        answers = {}
    if isinstance(answers, dict):
        lines += [f"{key}: {value}" for key, value in answers.items() if key != "flow_token"]
    return "\n".join(lines)


def _order_text(order: Mapping) -> str:
    lines = [text_or_none(order.get("text")) or "Order"]
    for item in as_list(order.get("product_items")):
        item = as_mapping(item)
        price = ""
        if item.get("item_price") is not None:
            price = f" at {item.get('item_price')} {item.get('currency') or ''}".rstrip()
        lines.append(f"{item.get('quantity', 1)} × {item.get('product_retailer_id', '?')}{price}")
    return "\n".join(lines)


def _unhandled_reason(kind: str, message: Mapping) -> str:
    if kind == "reaction":
        reaction = as_mapping(message.get("reaction"))
        emoji = reaction.get("emoji")
        what = f"reaction {emoji}" if emoji else "reaction removed"
        return f"{what} on {reaction.get('message_id')}; reactions do not open tickets"
    if kind == "system":
        system = as_mapping(message.get("system"))
        return f"system notice ({system.get('type')}): {system.get('body')}"
    if kind == "revoke":
        return f"customer deleted message {as_mapping(message.get('revoke')).get('original_message_id')}"
    if kind == "unsupported":
        detail = as_mapping(message.get("unsupported")).get("type")
        suffix = f" ({detail})" if detail else ""
        return f"WhatsApp could not deliver this message type{suffix}: " + _errors_text(message.get("errors"))
    return f"WhatsApp message type {kind!r} is not handled"


def _errors_text(errors: Any) -> str:
    parts = []
    for error in as_list(errors):
        error = as_mapping(error)
        details = as_mapping(error.get("error_data")).get("details")
        title = error.get("title") or error.get("message")
        text = " ".join(str(p) for p in (error.get("code"), title) if p)
        parts.append(f"{text}: {details}" if details else text)
    return "; ".join(parts) or "no error given"


def _parse_status(status: Mapping, result: ParseResult, now: Callable[[], datetime]) -> None:
    provider_id = text_or_none(status.get("id"))
    raw_status = str(status.get("status") or "").lower()
    if status.get("type") == "call":
        result.ignore(CHANNEL, "call_status", f"call status {raw_status!r} is not a message receipt", provider_id)
        return
    mapped = _STATUS_MAP.get(raw_status)
    if not provider_id or not mapped:
        reason = f"status {raw_status!r} for {provider_id!r} is not a delivery receipt"
        result.ignore(CHANNEL, "status", reason, provider_id)
        return
    recipient = status.get("recipient_id")
    result.statuses.append(
        StatusUpdate(
            channel=CHANNEL,
            provider_message_id=provider_id,
            status=mapped,
            at=from_unix_seconds(status.get("timestamp")) or now(),
            error=_errors_text(status.get("errors")) if status.get("errors") else None,
            identity=to_e164(recipient) or text_or_none(recipient),
        )
    )
