"""Business hours: weekly open intervals in a time zone, minus holidays.

SLA targets and automation time conditions can count only the minutes a team is at work.
All arithmetic is done on real elapsed time (UTC), so a day with a DST switch counts the
hours it really has. Holidays close whole local calendar days. An interval whose end is
before its start (22:00-06:00) runs overnight into the next day.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.errors import ValidationError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
SEARCH_LIMIT_DAYS = 366 * 10

_LONG_DAY_NAMES = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
                   "friday": "fri", "saturday": "sat", "sunday": "sun"}


@dataclass(frozen=True)
class Schedule:
    """A business-hours schedule.

    ``intervals`` holds (weekday, start_minute, end_minute) in local time with Monday = 0 and
    0 <= start < end <= 1440; build schedules with :meth:`from_dict` or :func:`weekly`.
    """

    time_zone: str = "UTC"
    intervals: tuple[tuple[int, int, int], ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    name: str = ""

    def __post_init__(self):
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                f"time zone '{self.time_zone}' is not known; use an IANA name such as Europe/Berlin") from None
        if not self.intervals:
            raise ValidationError("a schedule needs at least one open interval, e.g. mon-fri 09:00-17:00")

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's time zone."""
        return ZoneInfo(self.time_zone)

    @property
    def is_calendar(self) -> bool:
        """True for a 24x7 schedule without holidays, where business time equals real time."""
        return not self.holidays and all(
            (day, 0, MINUTES_PER_DAY) in self.intervals for day in range(7))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Schedule":
        """Build a schedule from Parley's or Zendesk's JSON form.

        Parley: ``{"time_zone": "Europe/Berlin", "intervals": {"mon-fri": ["09:00-12:00",
        "13:00-17:00"]}, "holidays": ["2024-12-25"]}``. Zendesk: ``intervals`` as a list of
        ``{"start_time", "end_time"}`` minutes from Sunday 00:00, holidays as
        ``{"start_date", "end_date"}``.
        """
        time_zone = str(data.get("time_zone") or "UTC")
        raw = data.get("intervals") or {}
        if isinstance(raw, Mapping):
            intervals = _intervals_from_days(raw)
        else:
            intervals = _intervals_from_week_minutes(raw)
        return cls(time_zone=time_zone, intervals=intervals,
                   holidays=frozenset(_holidays(data.get("holidays") or ())),
                   name=str(data.get("name") or ""))


CALENDAR = Schedule(time_zone="UTC", intervals=tuple((day, 0, MINUTES_PER_DAY) for day in range(7)),
                    name="calendar")


def weekly(time_zone: str, hours: Mapping[str, Any], holidays: Iterable[Any] = ()) -> Schedule:
    """A schedule from day keys and "HH:MM-HH:MM" strings: ``weekly("Europe/Berlin", {"mon-fri": "09:00-17:00"})``."""
    return Schedule.from_dict({"time_zone": time_zone, "intervals": dict(hours), "holidays": list(holidays)})


# --------------------------------------------------------------------------- arithmetic


def add_business_minutes(schedule: Schedule, start: datetime, minutes: int | float) -> datetime:
    """The moment ``minutes`` business minutes after ``start`` (a due time).

    Zero minutes returns ``start`` unchanged. The result is in UTC.
    """
    if minutes < 0:
        raise ValidationError(f"business minutes must be zero or more, got {minutes}")
    start = _aware(start)
    if minutes == 0:
        return start
    if schedule.is_calendar:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    day = start.astimezone(schedule.zone).date() - timedelta(days=1)
    for _ in range(SEARCH_LIMIT_DAYS):
        for window_start, window_end in _windows(schedule, day):
            if window_end <= start:
                continue
            begin = max(window_start, start)
            available = window_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += timedelta(days=1)
    raise ValidationError("the schedule has no open hours in the next ten years; check its intervals and holidays")


def business_minutes_between(schedule: Schedule, a: datetime, b: datetime) -> int:
    """Whole business minutes from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
    a, b = _aware(a), _aware(b)
    if b < a:
        return -business_minutes_between(schedule, b, a)
    return int(business_seconds_between(schedule, a, b) // 60)


def business_seconds_between(schedule: Schedule, a: datetime, b: datetime) -> float:
    """Business seconds from ``a`` to ``b`` (0 when ``b`` is not after ``a``)."""
    a, b = _aware(a), _aware(b)
    if b <= a:
        return 0.0
    if schedule.is_calendar:
        return (b - a).total_seconds()
    zone = schedule.zone
    day = a.astimezone(zone).date() - timedelta(days=1)
    last = b.astimezone(zone).date()
    total = 0.0
    while day <= last:
        for window_start, window_end in _windows(schedule, day):
            begin, end = max(window_start, a), min(window_end, b)
            if end > begin:
                total += (end - begin).total_seconds()
        day += timedelta(days=1)
    return total


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Whether ``at`` falls inside the schedule's open hours."""
    if schedule.is_calendar:
        return True
    at = _aware(at)
    day = at.astimezone(schedule.zone).date()
    return any(start <= at < end for start, end in _windows(schedule, day))


def next_open(schedule: Schedule, at: datetime) -> datetime:
    """``at`` when the schedule is open then, otherwise the start of the next open interval."""
    at = _aware(at)
    if schedule.is_calendar:
        return at
    day = at.astimezone(schedule.zone).date()
    for _ in range(SEARCH_LIMIT_DAYS):
        for start, end in _windows(schedule, day):
            if end > at:
                return max(start, at)
        day += timedelta(days=1)
    raise ValidationError("the schedule has no open hours in the next ten years; check its intervals and holidays")


# --------------------------------------------------------------------------- internals


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


@lru_cache(maxsize=16384)
def _windows(schedule: Schedule, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open windows of one local date, as UTC datetimes, in order."""
    if day in schedule.holidays:
        return ()
    zone = schedule.zone
    weekday = day.weekday()
    windows = []
    for interval_day, start_minute, end_minute in schedule.intervals:
        if interval_day != weekday:
            continue
        start = _local_moment(day, start_minute, zone)
        end = _local_moment(day, end_minute, zone)
        if end > start:
            windows.append((start, end))
    windows.sort()
    return tuple(windows)


def _local_moment(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Local wall-clock time on ``day`` as UTC; a time skipped by DST maps to the moment after the gap."""
    if minute >= MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    moment = local.astimezone(timezone.utc)
    wall = local.replace(tzinfo=None)
    if moment.astimezone(zone).replace(tzinfo=None) == wall:
        return moment
    # Inside a spring-forward gap the wall time never happens: use the first real moment
    # whose wall time is at or after it, which is the end of the gap.
    probe = local.replace(fold=1).astimezone(timezone.utc)
    while probe < moment and probe.astimezone(zone).replace(tzinfo=None) < wall:
        probe += timedelta(minutes=1)
    return probe


def _parse_clock(text: str) -> int:
    try:
        hours, minutes = str(text).strip().split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise ValidationError(f"time {text!r} must look like HH:MM, e.g. 09:00") from None
    if not 0 <= value <= MINUTES_PER_DAY or not 0 <= int(minutes) < 60:
        raise ValidationError(f"time {text!r} must be between 00:00 and 24:00")
    return value


def _day_indexes(key: str) -> list[int]:
    key = str(key).strip().lower()
    parts = [_LONG_DAY_NAMES.get(p.strip(), p.strip()[:3]) for p in key.split("-")]
    for part in parts:
        if part not in DAY_NAMES:
            raise ValidationError(f"day {key!r} is not one of {', '.join(DAY_NAMES)} (or a range like mon-fri)")
    if len(parts) == 1:
        return [DAY_NAMES.index(parts[0])]
    first, last = DAY_NAMES.index(parts[0]), DAY_NAMES.index(parts[-1])
    return [(first + offset) % 7 for offset in range((last - first) % 7 + 1)]


def _intervals_from_days(days: Mapping[str, Any]) -> tuple[tuple[int, int, int], ...]:
    intervals: list[tuple[int, int, int]] = []
    for key, spans in days.items():
        if isinstance(spans, str) or (isinstance(spans, list | tuple) and spans and isinstance(spans[0], str)
                                      and len(spans) == 2 and "-" not in spans[0]):
            spans = [spans]
        for span in spans:
            start_text, end_text = span.split("-") if isinstance(span, str) else span
            start, end = _parse_clock(start_text), _parse_clock(end_text)
            if start == end:
                raise ValidationError(f"interval {start_text}-{end_text} on {key} is empty")
            for weekday in _day_indexes(key):
                if end > start:
                    intervals.append((weekday, start, end))
                else:  # overnight: until midnight, then on into the next day
                    intervals.append((weekday, start, MINUTES_PER_DAY))
                    if end > 0:
                        intervals.append(((weekday + 1) % 7, 0, end))
    return tuple(sorted(set(intervals)))


def _intervals_from_week_minutes(spans: Iterable[Mapping[str, Any]]) -> tuple[tuple[int, int, int], ...]:
    """Zendesk intervals: minutes from Sunday 00:00, possibly crossing midnight."""
    intervals: list[tuple[int, int, int]] = []
    for span in spans:
        start, end = int(span["start_time"]), int(span["end_time"])
        if not 0 <= start < end <= 7 * MINUTES_PER_DAY + MINUTES_PER_DAY:
            raise ValidationError(f"interval {start}-{end} must have 0 <= start_time < end_time (minutes from Sunday)")
        while start < end:
            day_index, offset = divmod(start, MINUTES_PER_DAY)
            stop = min(end, (day_index + 1) * MINUTES_PER_DAY)
            weekday = (day_index + 6) % 7  # Zendesk's day 0 is Sunday
            intervals.append((weekday, offset, stop - day_index * MINUTES_PER_DAY))
            start = stop
    return tuple(sorted(set(intervals)))


def _holidays(items: Iterable[Any]) -> Iterable[date]:
    for item in items:
        if isinstance(item, date):
            yield item
        elif isinstance(item, Mapping):
            first = _parse_date(item.get("start_date") or item.get("date"))
            last = _parse_date(item.get("end_date") or item.get("start_date") or item.get("date"))
            while first <= last:
                yield first
                first += timedelta(days=1)
        else:
            yield _parse_date(item)


def _parse_date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"holiday {value!r} must be a date like 2024-12-25") from None
