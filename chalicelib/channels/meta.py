"""Messenger and Instagram webhooks → InboundMessage / StatusUpdate.

Both products post the Graph "messaging" shape: `{"object": "page" |
"instagram", "entry": [{"id", "time", "messaging": [{"sender": {"id"},
"recipient": {"id"}, "timestamp", <event>}]}]}` where the event is one of
`message`, `postback`, `message_edit`, `delivery`, `read`, `reaction`, ...
The object names the channel: "page" is Messenger, "instagram" is Instagram.
"""
from __future__ import annotations

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
    from_unix_millis,
    text_or_none,
    utc_now,
)
from chalicelib.errors import ValidationError

CHANNEL_BY_OBJECT = {"page": "messenger", "instagram": "instagram"}

_ATTACHMENT_KINDS = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "file": "document",
    "sticker": "sticker",
    "animated_image": "image",
    "ig_reel": "video",
    "reel": "video",
    "share": "image",
    "story_mention": "image",
}
_NOT_CONVERSATION = {
    "reaction": "reactions do not open tickets",
    "optin": "opt-in events are not customer messages",
    "referral": "referral events carry no message",
    "account_linking": "account linking is not a customer message",
    "pass_thread_control": "handover protocol event",
    "take_thread_control": "handover protocol event",
    "request_thread_control": "handover protocol event",
    "app_roles": "handover protocol event",
    "policy_enforcement": "policy enforcement notice from Meta",
    "game_play": "game events are not customer messages",
}


def parse_webhook(body: Any, *, now: Callable[[], datetime] = utc_now) -> ParseResult:
    """Parse a Messenger or Instagram webhook body into messages, receipts and ignored events.

    Raises ValidationError only when the body is not a Page/Instagram webhook;
    events Parley does not act on (echoes, reactions, comments, handover...)
    are returned as ignored with a reason.
    """
    channel, entries = _channel_and_entries(body)
    result = ParseResult()
    for entry in entries:
        entry = as_mapping(entry)
        for event in as_list(entry.get("messaging")):
            _parse_event(channel, as_mapping(event), result, now)
        for event in as_list(entry.get("standby")):
            result.ignore(channel, "standby", "another app owns this thread (handover protocol standby)")
        for change in as_list(entry.get("changes")):
            field_name = as_mapping(change).get("field") or "change"
            reason = f"'{field_name}' changes (feed, comments, mentions) are not direct messages"
            result.ignore(channel, str(field_name), reason)
    return result


def _channel_and_entries(body: Any) -> tuple[str, list]:
    if not isinstance(body, Mapping):
        raise ValidationError(f"a Messenger/Instagram webhook body must be a JSON object, got {type(body).__name__}")
    obj = body.get("object")
    channel = CHANNEL_BY_OBJECT.get(obj) if isinstance(obj, str) else None
    if channel is None:
        raise ValidationError(
            f"webhook object is {body.get('object')!r}, expected 'page' (Messenger) or 'instagram'"
        )
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise ValidationError("a Messenger/Instagram webhook body needs an 'entry' list")
    return channel, entries


def _parse_event(channel: str, event: Mapping, result: ParseResult, now: Callable[[], datetime]) -> None:
    sender = text_or_none(as_mapping(event.get("sender")).get("id"))
    recipient = text_or_none(as_mapping(event.get("recipient")).get("id")) or ""
    at = from_unix_millis(event.get("timestamp")) or now()
    if "message" in event:
        _parse_message(channel, as_mapping(event["message"]), sender, recipient, at, result)
    elif "postback" in event:
        _parse_postback(channel, as_mapping(event["postback"]), sender, recipient, at, result)
    elif "message_edit" in event:
        _parse_edit(channel, as_mapping(event["message_edit"]), sender, recipient, at, result)
    elif "delivery" in event:
        _parse_receipt(channel, "delivered", as_mapping(event["delivery"]), sender, at, result)
    elif "read" in event:
        _parse_receipt(channel, "read", as_mapping(event["read"]), sender, at, result)
    else:
        kind = next((k for k in event if k not in ("sender", "recipient", "timestamp")), "unknown")
        reason = _NOT_CONVERSATION.get(kind, f"{channel} event {kind!r} is not handled")
        result.ignore(channel, kind, reason)


def _parse_message(
    channel: str, message: Mapping, sender: str | None, recipient: str, at: datetime, result: ParseResult
) -> None:
    mid = text_or_none(message.get("mid"))
    if message.get("is_echo"):
        result.ignore(channel, "echo", "echo of a message the page sent", mid)
        return
    if message.get("is_deleted"):
        result.ignore(channel, "deleted", "customer deleted a message", mid)
        return
    if message.get("is_unsupported"):
        result.ignore(channel, "unsupported", f"{channel} could not show this message type", mid)
        return
    if not mid or not sender:
        result.ignore(channel, "message", "message without a mid or a sender id cannot be stored", mid)
        return
    text = str(message.get("text") or "")
    attachments, location, links = _attachments(message.get("attachments"))
    story = as_mapping(as_mapping(message.get("reply_to")).get("story"))
    if story.get("url"):
        links.append(f"In reply to story: {story['url']}")
    if links:
        text = "\n".join(part for part in [text, *links] if part)
    if not text and not attachments and location is None:
        result.ignore(channel, "message", "message holds no text, attachment or location", mid)
        return
    reply_to = as_mapping(message.get("reply_to"))
    result.messages.append(
        InboundMessage(
            channel=channel,
            provider_message_id=mid,
            identity=sender,
            display_name=None,
            text=text,
            sent_at=at,
            attachments=attachments,
            location=location,
            contacts=[],
            reply_to_provider_id=text_or_none(reply_to.get("mid")),
            recipient=recipient,
            raw_kind=_message_kind(message, attachments, location),
        )
    )


def _message_kind(message: Mapping, attachments: list[MediaRef], location: Location | None) -> str:
    if message.get("quick_reply"):
        return "quick_reply"
    if attachments:
        return "attachment"
    if location is not None:
        return "location"
    return "text"


def _attachments(raw: Any) -> tuple[list[MediaRef], Location | None, list[str]]:
    """Media refs, a shared location, and link lines for shares that are not files."""
    refs: list[MediaRef] = []
    location: Location | None = None
    links: list[str] = []
    for attachment in as_list(raw):
        attachment = as_mapping(attachment)
        kind = str(attachment.get("type") or "").lower()
        payload = as_mapping(attachment.get("payload"))
        url = text_or_none(payload.get("url"))
        if kind == "location":
            location = _location(payload, attachment) or location
        elif kind in _ATTACHMENT_KINDS and url:
            media_kind = "sticker" if payload.get("sticker_id") else _ATTACHMENT_KINDS[kind]
            refs.append(MediaRef(kind=media_kind, url=url, caption=text_or_none(payload.get("title")), source="meta"))
        elif url:
            title = text_or_none(attachment.get("title")) or text_or_none(payload.get("title"))
            links.append(f"{title}: {url}" if title else url)
    return refs, location, links


def _location(payload: Mapping, attachment: Mapping) -> Location | None:
    coordinates = as_mapping(payload.get("coordinates"))
    try:
        lat, lon = float(coordinates["lat"]), float(coordinates["long"])
    except (KeyError, TypeError, ValueError):
        return None
    return Location(lat, lon, text_or_none(attachment.get("title")))


def _parse_postback(
    channel: str, postback: Mapping, sender: str | None, recipient: str, at: datetime, result: ParseResult
) -> None:
    title = text_or_none(postback.get("title")) or text_or_none(postback.get("payload"))
    mid = text_or_none(postback.get("mid"))
    if not sender or not title:
        result.ignore(channel, "postback", "postback without a sender or a title", mid)
        return
    provider_id = mid or f"postback:{sender}:{int(at.timestamp() * 1000)}"
    result.messages.append(
        InboundMessage(
            channel=channel,
            provider_message_id=provider_id,
            identity=sender,
            display_name=None,
            text=title,
            sent_at=at,
            recipient=recipient,
            raw_kind="postback",
        )
    )


def _parse_edit(
    channel: str, edit: Mapping, sender: str | None, recipient: str, at: datetime, result: ParseResult
) -> None:
    mid = text_or_none(edit.get("mid"))
    if not mid or not sender:
        result.ignore(channel, "message_edit", "edit without a mid or a sender id", mid)
        return
    result.messages.append(
        InboundMessage(
            channel=channel,
            provider_message_id=f"{mid}#edit-{edit.get('num_edit', 1)}",
            identity=sender,
            display_name=None,
            text=str(edit.get("text") or ""),
            sent_at=at,
            recipient=recipient,
            raw_kind="message_edit",
            edits_provider_id=mid,
        )
    )


def _parse_receipt(
    channel: str, status: str, receipt: Mapping, sender: str | None, at: datetime, result: ParseResult
) -> None:
    mids = [m for m in (text_or_none(x) for x in as_list(receipt.get("mids"))) if m]
    single = text_or_none(receipt.get("mid"))
    if single:
        mids.append(single)
    watermark = from_unix_millis(receipt.get("watermark"))
    if mids:
        for mid in mids:
            result.statuses.append(StatusUpdate(channel, mid, status, watermark or at, identity=sender))
    elif watermark is not None and sender:
        result.statuses.append(StatusUpdate(channel, "", status, at, identity=sender, up_to=watermark))
    else:
        result.ignore(channel, status, f"{status} receipt names no message and no watermark")
