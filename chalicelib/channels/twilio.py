"""Twilio webhooks (form-encoded) → InboundMessage / StatusUpdate.

One endpoint receives three kinds of Twilio request:
* an incoming SMS/MMS (or WhatsApp through Twilio: addresses prefixed
  "whatsapp:") — MessageSid, From, To, Body, NumMedia, MediaUrl<n>...;
* a status callback for a message we sent — MessageSid, MessageStatus, ErrorCode;
* a voice callback — CallSid, From, To, and for a voicemail RecordingUrl /
  TranscriptionText, which phone.py turns into a "phone" message.
Twilio's requests carry no timestamp, so the receive time comes from `now`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl

from chalicelib.channels import phone
from chalicelib.channels.inbound_message import (
    InboundMessage,
    Location,
    MediaRef,
    ParseResult,
    StatusUpdate,
    media_kind_for_mime,
    text_or_none,
    to_e164,
    utc_now,
)
from chalicelib.errors import ValidationError

SMS = "sms"
_INBOUND_STATES = ("received", "receiving", "")
_STATUS_MAP = {"sent": "sent", "delivered": "delivered", "read": "read", "undelivered": "failed", "failed": "failed"}
_PENDING_STATES = ("accepted", "scheduled", "queued", "sending", "canceled", "partially_delivered")


def form_fields(form: Any) -> dict[str, str]:
    """Twilio's form as a plain dict of first values (accepts a raw body, a dict, or a dict of lists)."""
    if isinstance(form, bytes):
        form = form.decode("utf-8")
    if isinstance(form, str):
        pairs = parse_qsl(form, keep_blank_values=True)
        fields: dict[str, str] = {}
        for key, value in pairs:
            fields.setdefault(key, value)
        return fields
    if not isinstance(form, Mapping):
        raise ValidationError(f"a Twilio webhook body must be form fields, got {type(form).__name__}")
    fields = {}
    for key, value in form.items():
        if isinstance(value, (list, tuple)):
            value = value[0] if value else ""
        fields[str(key)] = "" if value is None else str(value)
    return fields


def parse_webhook(form: Any, *, now: Callable[[], datetime] = utc_now) -> ParseResult:
    """Parse a Twilio messaging or voice webhook into messages, receipts and ignored events.

    Raises ValidationError only when the form is not a Twilio request
    (no AccountSid, or neither a MessageSid nor a CallSid).
    """
    fields = form_fields(form)
    message_sid = fields.get("MessageSid") or fields.get("SmsMessageSid") or fields.get("SmsSid")
    call_sid = fields.get("CallSid")
    if not fields.get("AccountSid") or not (message_sid or call_sid):
        raise ValidationError(
            "not a Twilio webhook: expected AccountSid and a MessageSid or CallSid in the form body"
        )
    result = ParseResult()
    if message_sid:
        _parse_messaging(fields, message_sid, result, now)
    else:
        _parse_voice(fields, str(call_sid), result, now)
    return result


def _channel_for(address: str | None) -> str | None:
    prefix, sep, _ = (address or "").partition(":")
    if not sep or prefix.startswith("+"):
        return SMS
    return {"whatsapp": "whatsapp", "sms": SMS, "tel": SMS}.get(prefix.lower())


def _parse_messaging(fields: dict[str, str], sid: str, result: ParseResult, now: Callable[[], datetime]) -> None:
    state = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").lower()
    if state not in _INBOUND_STATES:
        _parse_status(fields, sid, state, result, now)
        return
    sender = fields.get("From")
    channel = _channel_for(sender)
    if channel is None:
        result.ignore(SMS, "message", f"Twilio address {sender!r} is not an SMS or WhatsApp number", sid)
        return
    identity = to_e164(sender)
    if not identity:
        reason = f"sender {sender!r} is not a phone number (short code or alphanumeric id?)"
        result.ignore(channel, "message", reason, sid)
        return
    attachments = _media(fields)
    location = _location(fields)
    text = fields.get("Body", "")
    if not text and not attachments and location is None:
        result.ignore(channel, "message", "message has no body, media or location", sid)
        return
    result.messages.append(
        InboundMessage(
            channel=channel,
            provider_message_id=sid,
            identity=identity,
            display_name=text_or_none(fields.get("ProfileName")),
            text=text,
            sent_at=now(),
            attachments=attachments,
            location=location,
            contacts=[],
            reply_to_provider_id=text_or_none(fields.get("OriginalRepliedMessageSid")),
            recipient=to_e164(fields.get("To")) or fields.get("To", ""),
            raw_kind=_message_kind(fields, attachments, location),
        )
    )


def _message_kind(fields: dict[str, str], attachments: list[MediaRef], location: Location | None) -> str:
    if fields.get("MessageType"):
        return fields["MessageType"]
    if location is not None:
        return "location"
    return "mms" if attachments else "sms"


def _media(fields: dict[str, str]) -> list[MediaRef]:
    try:
        count = int(fields.get("NumMedia") or 0)
    except ValueError:
        count = 0
    refs = []
    for index in range(max(count, 0)):
        url = text_or_none(fields.get(f"MediaUrl{index}"))
        if not url:
            continue
        mime = text_or_none(fields.get(f"MediaContentType{index}"))
        media_sid = url.rstrip("/").rsplit("/", 1)[-1]
        refs.append(MediaRef(kind=media_kind_for_mime(mime), provider_media_id=media_sid, url=url, mime_type=mime,
                             source="twilio"))
    return refs


def _location(fields: dict[str, str]) -> Location | None:
    try:
        lat, lon = float(fields["Latitude"]), float(fields["Longitude"])
    except (KeyError, ValueError):
        return None
    return Location(lat, lon, text_or_none(fields.get("Label")), text_or_none(fields.get("Address")))


def _parse_status(
    fields: dict[str, str], sid: str, state: str, result: ParseResult, now: Callable[[], datetime]
) -> None:
    channel = _channel_for(fields.get("To")) or SMS
    mapped = _STATUS_MAP.get(state)
    if mapped is None:
        pending = state in _PENDING_STATES
        reason = "message not handed to the carrier yet" if pending else f"status {state!r} is not handled"
        result.ignore(channel, f"status:{state}", reason, sid)
        return
    error = None
    if mapped == "failed" or fields.get("ErrorCode"):
        error = " ".join(p for p in (fields.get("ErrorCode"), fields.get("ErrorMessage")) if p) or state
    result.statuses.append(
        StatusUpdate(
            channel=channel,
            provider_message_id=sid,
            status=mapped,
            at=now(),
            error=error,
            identity=to_e164(fields.get("To")),
        )
    )


def _parse_voice(fields: dict[str, str], call_sid: str, result: ParseResult, now: Callable[[], datetime]) -> None:
    recording_url = text_or_none(fields.get("RecordingUrl"))
    transcription = text_or_none(fields.get("TranscriptionText"))
    transcription_failed = fields.get("TranscriptionStatus", "").lower() == "failed"
    if not recording_url and not transcription and not transcription_failed:
        status = fields.get("CallStatus") or "unknown"
        result.ignore(phone.CHANNEL, f"call:{status}", "call event without a recording or transcription", call_sid)
        return
    caller = fields.get("From") or fields.get("Caller")
    if not caller:
        reason = f"recording callback names no caller; recording kept at {recording_url}"
        result.ignore(phone.CHANNEL, "recording", reason, call_sid)
        return
    try:
        message = phone.voicemail_message(
            call_id=call_sid,
            caller=caller,
            called=fields.get("To") or fields.get("Called") or "",
            received_at=now(),
            recording_url=recording_url,
            recording_id=text_or_none(fields.get("RecordingSid")),
            duration_seconds=_seconds(fields.get("RecordingDuration")),
            transcription=transcription,
            transcription_id=text_or_none(fields.get("TranscriptionSid")),
            transcription_failed=transcription_failed,
        )
    except ValidationError as error:
        result.ignore(phone.CHANNEL, "voicemail", f"{error.message}; recording at {recording_url}", call_sid)
        return
    result.messages.append(message)


def _seconds(value: str | None) -> int | None:
    try:
        seconds = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None
