"""A department's business hours: live chats wait while it is closed; other work is routed as always."""
from datetime import datetime, timezone

import pytest

from chalicelib.domain.routing import Agent, Department, decide
from chalicelib.errors import ValidationError

BERLIN_HOURS = {"time_zone": "Europe/Berlin", "intervals": {"mon-fri": "09:00-17:00"}, "holidays": ["2026-12-25"]}
THURSDAY_EVENING = datetime(2026, 12, 24, 18, 0, tzinfo=timezone.utc)  # 19:00 in Berlin, Christmas Eve
MONDAY_MORNING = datetime(2026, 12, 28, 8, 0, tzinfo=timezone.utc)  # 09:00 in Berlin


def support(**settings):
    return {"support": Department.from_dict({"name": "support", "business_hours": BERLIN_HOURS, **settings})}


def ticket(channel="chat"):
    return {"id": 7, "status": "new", "priority": "normal", "channel": channel, "department": "support",
            "created_at": "2026-12-24T18:00:00.000Z", "assignee_id": None}


ANN = Agent.from_dict({"id": "ann", "name": "Ann", "presence": "online", "departments": ["support"]})


def test_a_closed_department_opens_at_its_next_interval_skipping_holidays():
    department = support()["support"]

    assert department.closed_until(THURSDAY_EVENING) == MONDAY_MORNING
    assert department.closed_until(MONDAY_MORNING) is None


def test_a_department_without_business_hours_is_always_open():
    assert Department.from_dict({"name": "support"}).closed_until(THURSDAY_EVENING) is None


def test_a_chat_waits_while_the_department_is_closed_even_with_an_agent_online():
    decision = decide(ticket(), [ANN], now=THURSDAY_EVENING, departments=support())

    assert decision.agent_id is None
    assert decision.reason == "support is outside business hours until 2026-12-28T08:00:00.000Z"
    assert decide(ticket(), [ANN], now=MONDAY_MORNING, departments=support()).agent_id == "ann"


def test_an_email_is_routed_outside_business_hours():
    assert decide(ticket("email"), [ANN], now=THURSDAY_EVENING, departments=support()).agent_id == "ann"


def test_a_closed_department_still_overflows_to_an_open_one():
    night = Agent.from_dict({"id": "nia", "name": "Nia", "presence": "online", "departments": ["night"]})
    departments = {**support(overflow={"department": "night", "after_seconds": 0}),
                   "night": Department.from_dict({"name": "night"})}

    decision = decide(ticket(), [ANN, night], now=THURSDAY_EVENING, departments=departments)

    assert decision.agent_id == "nia" and decision.overflowed_from == "support"


@pytest.mark.parametrize("hours, complaint", [
    ("09:00-17:00", "business_hours must look like"),
    ({"time_zone": "Mars/Olympus", "intervals": {"mon": "09:00-17:00"}}, "IANA"),
    ({"time_zone": "UTC", "intervals": {}}, "at least one open interval"),
])
def test_bad_business_hours_are_refused_with_what_to_fix(hours, complaint):
    with pytest.raises(ValidationError, match=complaint):
        Department.from_dict({"name": "support", "business_hours": hours})
