"""Phone calls as messages: a voicemail left on our number, or a call an agent logs by hand.

Both become an InboundMessage on the "phone" channel, so a call lands in the
customer's history next to their emails and chats. The identity is the
customer's number in E.164; the recipient is our number.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from chalicelib.channels.inbound_message import (
    InboundMessage,
    MediaRef,
    text_or_none,
    to_e164,
    utc_now,
)
from chalicelib.errors import ValidationError

CHANNEL = "phone"
DIRECTIONS = ("inbound", "outbound")


def voicemail_message(
    *,
    call_id: str,
    caller: str,
    called: str,
    received_at: datetime,
    recording_url: str | None = None,
    recording_id: str | None = None,
    duration_seconds: int | None = None,
    transcription: str | None = None,
    transcription_id: str | None = None,
    transcription_failed: bool = False,
) -> InboundMessage:
    """A voicemail as a message: a summary line, the transcript if any, the recording attached.

    The provider id is the most specific one available (transcription, then
    recording, then call), so a recording callback and a later transcription
    callback are two messages, each deduplicated on its own retries.
    """
    identity = _phone_or_error(caller, "caller")
    summary = "Voicemail" + (f" ({duration_seconds} s)" if duration_seconds is not None else "")
    lines = [summary]
    if transcription:
        lines.append(transcription.strip())
    elif transcription_failed:
        lines.append("(transcription failed)")
    attachments = []
    if recording_url:
        attachments.append(
            MediaRef(
                kind="voice", provider_media_id=recording_id, url=recording_url, mime_type=_audio_mime(recording_url)
            )
        )
    return InboundMessage(
        channel=CHANNEL,
        provider_message_id=transcription_id or recording_id or call_id,
        identity=identity,
        display_name=None,
        text="\n".join(lines),
        sent_at=received_at,
        attachments=attachments,
        recipient=to_e164(called) or str(called or ""),
        raw_kind="voicemail_transcription" if transcription_id or transcription else "voicemail",
    )


def parse_logged_call(call: Mapping[str, Any], *, now: Callable[[], datetime] = utc_now) -> InboundMessage:
    """A call an agent logs by hand (customer number, our number, when, how long, notes).

    Fields: customer_phone (required), our_phone, direction (inbound|outbound,
    default inbound), started_at (ISO 8601, default now), duration_seconds,
    notes, recording_url, call_id (idempotency key; derived from the number
    and start time when absent, so a retried submission is not logged twice).
    """
    if not isinstance(call, Mapping):
        raise ValidationError("a logged call must be a JSON object with at least customer_phone")
    identity = _phone_or_error(call.get("customer_phone"), "customer_phone")
    direction = str(call.get("direction") or "inbound")
    if direction not in DIRECTIONS:
        raise ValidationError(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    started_at = _parse_time(call.get("started_at")) if call.get("started_at") else now()
    duration = _duration(call.get("duration_seconds"))
    notes = text_or_none(call.get("notes"))
    summary = ("Call from customer" if direction == "inbound" else "Call to customer") + (
        f" ({_human_duration(duration)})" if duration is not None else ""
    )
    recording_url = text_or_none(call.get("recording_url"))
    call_id = text_or_none(call.get("call_id")) or f"logged-call:{identity}:{started_at.isoformat()}"
    return InboundMessage(
        channel=CHANNEL,
        provider_message_id=call_id,
        identity=identity,
        display_name=text_or_none(call.get("customer_name")),
        text="\n".join(line for line in (summary, notes) if line),
        sent_at=started_at,
        attachments=_recording(recording_url),
        recipient=to_e164(call.get("our_phone")) or str(call.get("our_phone") or ""),
        raw_kind=f"logged_call_{direction}",
    )


def _phone_or_error(value: Any, field_name: str) -> str:
    phone = to_e164(value)
    if not phone:
        raise ValidationError(
            f"{field_name} {value!r} is not a phone number; write it in international form, e.g. +15551234567"
        )
    return phone


def _parse_time(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"started_at {value!r} is not an ISO 8601 time such as 2024-05-01T14:30:00Z") from None
    if parsed.tzinfo is None:
        raise ValidationError(f"started_at {value!r} has no time zone; add Z or an offset such as +02:00")
    return parsed.astimezone(timezone.utc)


def _duration(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"duration_seconds {value!r} must be a whole number of seconds") from None
    if seconds < 0:
        raise ValidationError(f"duration_seconds {seconds} cannot be negative")
    return seconds


def _human_duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _recording(url: str | None) -> list[MediaRef]:
    return [MediaRef(kind="audio", url=url, mime_type=_audio_mime(url))] if url else []


def _audio_mime(url: str | None) -> str | None:
    path = (url or "").split("?", 1)[0].lower()
    if path.endswith(".mp3"):
        return "audio/mpeg"
    if path.endswith(".wav"):
        return "audio/wav"
    return None
