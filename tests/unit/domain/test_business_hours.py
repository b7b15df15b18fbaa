"""Business hours: due times and elapsed time that skip nights, weekends and holidays, across DST."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.business_hours import (
    CALENDAR, Schedule, add_business_minutes, business_minutes_between, is_open, next_open, weekly,
)
from chalicelib.errors import ValidationError

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = weekly("Europe/Berlin", {"mon-fri": "09:00-17:00"})


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


def test_minutes_added_late_on_friday_land_on_monday_morning():
    due = add_business_minutes(OFFICE, berlin(2024, 6, 14, 16, 30), 60)
    assert due == berlin(2024, 6, 17, 9, 30)


def test_weekend_counts_for_nothing():
    assert business_minutes_between(OFFICE, berlin(2024, 6, 14, 17, 0), berlin(2024, 6, 17, 9, 0)) == 0
    assert business_minutes_between(OFFICE, berlin(2024, 6, 14, 16, 0), berlin(2024, 6, 17, 10, 0)) == 120


def test_a_week_of_office_hours_survives_the_spring_dst_switch():
    # Clocks went forward on Sunday 31 March 2024 in Berlin; office hours stay 09:00-17:00 local.
    start = berlin(2024, 3, 29, 9, 0)  # Friday, CET
    due = add_business_minutes(OFFICE, start, 8 * 60 * 2)
    assert due == berlin(2024, 4, 1, 17, 0)  # Monday, CEST
    assert due.astimezone(timezone.utc).hour == 15
    assert business_minutes_between(OFFICE, start, berlin(2024, 4, 1, 12, 0)) == 8 * 60 + 3 * 60


def test_a_24_hour_day_has_23_hours_in_spring_and_25_in_autumn():
    always = weekly("Europe/Berlin", {"mon-sun": "00:00-24:00"}, holidays=["2024-01-01"])
    assert business_minutes_between(always, berlin(2024, 3, 31, 0, 0), berlin(2024, 4, 1, 0, 0)) == 23 * 60
    assert business_minutes_between(always, berlin(2024, 10, 27, 0, 0), berlin(2024, 10, 28, 0, 0)) == 25 * 60


def test_holidays_close_the_whole_day():
    with_holiday = weekly("Europe/Berlin", {"mon-fri": "09:00-17:00"}, holidays=["2024-12-25", "2024-12-26"])
    due = add_business_minutes(with_holiday, berlin(2024, 12, 24, 16, 0), 120)
    assert due == berlin(2024, 12, 27, 10, 0)


def test_several_intervals_a_day_skip_the_lunch_break():
    split = weekly("Europe/Berlin", {"mon-fri": ["09:00-12:00", "13:00-17:00"]})
    assert add_business_minutes(split, berlin(2024, 6, 12, 11, 30), 60) == berlin(2024, 6, 12, 13, 30)


def test_overnight_intervals_run_into_the_next_day():
    night = weekly("America/New_York", {"mon-fri": "22:00-06:00"})
    start = datetime(2024, 6, 10, 23, 0, tzinfo=ZoneInfo("America/New_York"))  # Monday 23:00
    assert add_business_minutes(night, start, 120) == datetime(2024, 6, 11, 1, 0, tzinfo=ZoneInfo("America/New_York"))
    assert is_open(night, datetime(2024, 6, 11, 5, 0, tzinfo=ZoneInfo("America/New_York")))
    assert not is_open(night, datetime(2024, 6, 11, 12, 0, tzinfo=ZoneInfo("America/New_York")))


def test_zendesk_schedule_json_loads():
    zendesk = {"name": "EMEA", "time_zone": "Europe/Berlin",
               "intervals": [{"start_time": 1980, "end_time": 2460}]}  # Monday 09:00-17:00
    schedule = Schedule.from_dict(zendesk)
    assert schedule.intervals == ((0, 540, 1020),)
    assert next_open(schedule, berlin(2024, 6, 15, 12, 0)) == berlin(2024, 6, 17, 9, 0)


def test_calendar_schedule_is_real_time():
    start = datetime(2024, 3, 30, 22, 0, tzinfo=timezone.utc)
    assert add_business_minutes(CALENDAR, start, 90) == datetime(2024, 3, 30, 23, 30, tzinfo=timezone.utc)
    assert business_minutes_between(CALENDAR, start, datetime(2024, 3, 31, 22, 0, tzinfo=timezone.utc)) == 1440


def test_bad_schedules_are_refused_with_a_fix():
    with pytest.raises(ValidationError, match="IANA name"):
        weekly("Mars/Olympus", {"mon": "09:00-17:00"})
    with pytest.raises(ValidationError, match="HH:MM"):
        weekly("UTC", {"mon": "nine-five"})
    with pytest.raises(ValidationError, match="mon-fri"):
        weekly("UTC", {"funday": "09:00-17:00"})
