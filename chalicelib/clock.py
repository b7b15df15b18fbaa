"""The one time source. Tests and the local stack may replace it to move time."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

_now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # noqa: E731


def now() -> datetime:
    """The current UTC time."""
    return _now()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the time source (None restores the wall clock)."""
    global _now
    _now = source or (lambda: datetime.now(timezone.utc))


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a Z: sortable as a string."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse what iso() writes (and other ISO-8601 forms)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
