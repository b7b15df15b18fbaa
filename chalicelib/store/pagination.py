"""Opaque cursors for paginated queries."""
from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.errors import ValidationError


def encode_cursor(state: dict[str, Any] | None) -> str | None:
    """An opaque, URL-safe cursor for state (None when there is no next page)."""
    if not state:
        return None
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """Decode a cursor from encode_cursor; a tampered one is a 400, not a 500."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("cursor is not valid; pass the next_cursor value from the previous page unchanged")
    if not isinstance(state, dict):
        raise ValidationError("cursor is not valid; pass the next_cursor value from the previous page unchanged")
    return state
