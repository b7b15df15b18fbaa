"""Moments as routing sees them: timezone-aware UTC datetimes, read from ISO strings or datetimes."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.clock import parse_iso
from chalicelib.errors import ValidationError


def to_moment(value: datetime | str | None, name: str = "time") -> datetime | None:
    """A UTC datetime from an ISO-8601 string or a datetime (naive means UTC); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = parse_iso(value)
        except ValueError:
            raise ValidationError(f"{name} '{value}' is not an ISO-8601 time such as 2026-11-24T09:00:00.000Z") from None
    if not isinstance(value, datetime):
        raise ValidationError(f"{name} must be an ISO-8601 time, got {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def seconds_between(earlier: datetime | None, later: datetime) -> float:
    """Seconds from earlier to later (0 when earlier is unknown or in the future)."""
    if earlier is None:
        return 0.0
    return max(0.0, (later - earlier).total_seconds())
