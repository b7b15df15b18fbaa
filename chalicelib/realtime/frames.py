"""The WebSocket frame protocol (docs/websocket.md): client frames parsed and checked, server frames built."""
from __future__ import annotations

import json
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from chalicelib.domain.attachments import MAX_FILES
from chalicelib.errors import ParleyError, ValidationError

MAX_BODY_CHARS = 20_000
MAX_FRAME_BYTES = 32 * 1024
CLIENT_FRAME_TYPES = ("message", "typing", "read", "resume", "ping")


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(default=None, max_length=64)


class _ConversationFrame(_Frame):
    conversation_id: str = Field(min_length=1, max_length=64)


class MessageFrame(_ConversationFrame):
    """Send a message; ``public`` false is an agent's internal note; ``attachments`` the ids of uploaded files."""

    type: Literal["message"]
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    client_msg_id: str = Field(min_length=1, max_length=64)
    public: bool = True
    attachments: list[str] = Field(default_factory=list, max_length=MAX_FILES)


class TypingFrame(_ConversationFrame):
    """The sender started or stopped typing."""

    type: Literal["typing"]
    state: Literal["start", "stop"]


class ReadFrame(_ConversationFrame):
    """The sender has read everything up to seq."""

    type: Literal["read"]
    seq: int = Field(ge=0)


class ResumeFrame(_ConversationFrame):
    """Send everything after after_seq (and, for agents, follow the conversation from now on)."""

    type: Literal["resume"]
    after_seq: int = Field(default=0, ge=0)


class PingFrame(_Frame):
    """Keep-alive; answered with a pong."""

    type: Literal["ping"]


ClientFrame = Union[MessageFrame, TypingFrame, ReadFrame, ResumeFrame, PingFrame]
_client_frame: TypeAdapter[Any] = TypeAdapter(ClientFrame)


def parse(raw: str | bytes | None) -> ClientFrame:
    """A client frame from the raw text, or ValidationError saying what is wrong with it."""
    raw = raw or ""
    if len(raw) > MAX_FRAME_BYTES:
        raise ValidationError(f"frame is {len(raw)} bytes; the limit is {MAX_FRAME_BYTES}")
    try:
        data = json.loads(raw or "null")
    except ValueError:
        raise ValidationError('frames are JSON objects with a "type"') from None
    if not isinstance(data, dict):
        raise ValidationError('frames are JSON objects with a "type"')
    kind = data.get("type")
    if kind not in CLIENT_FRAME_TYPES:
        raise ValidationError(f"frame type '{kind}' is not one of {', '.join(CLIENT_FRAME_TYPES)}")
    try:
        return _client_frame.validate_python(data)
    except PydanticValidationError as error:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'frame'}: {e['msg']}" for e in error.errors()]
        raise ValidationError(f"{kind} frame: " + "; ".join(problems)) from None


def context_of(raw: str | bytes | None) -> dict[str, Any]:
    """The correlation fields of a frame (id, client_msg_id, conversation_id), even when it is invalid."""
    try:
        data = json.loads(raw or "null")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: data[k] for k in ("id", "client_msg_id", "conversation_id")
            if isinstance(data.get(k), str) and len(data[k]) <= 64}


def error_frame(error: ParleyError, context: dict[str, Any]) -> dict[str, Any]:
    """The error frame sent back to the sender of a refused frame."""
    return {"type": "error", "error": error.code, "message": error.message, **context}


def message_frame(conversation_id: str, message: dict[str, Any], *, for_agent: bool,
                  ticket_id: int | None = None) -> dict[str, Any]:
    """A stored message as a customer (public fields) or an agent (everything useful) sees it.

    A customer's frame lists a public message's files with signed download links (services.attachments
    .customer_files), never their S3 keys; an internal note's files never.
    """
    fields = ("id", "author_type", "author_name", "body", "created_at")
    if for_agent:
        fields += ("author_id", "public", "channel", "attachments")
    frame: dict[str, Any] = {"type": "message", "conversation_id": conversation_id, "seq": message["seq"],
                             "message": {k: message.get(k) for k in fields}}
    if not for_agent:
        from chalicelib.services.attachments import customer_files

        frame["message"]["attachments"] = customer_files(message)
    if for_agent and ticket_id is not None:
        frame["ticket_id"] = ticket_id
    return frame


def dumps(frame: dict[str, Any]) -> bytes:
    """A frame as the bytes sent over @connections."""
    return json.dumps(frame, separators=(",", ":"), default=str).encode()
