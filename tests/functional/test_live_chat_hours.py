"""A department's business hours on the local stack: the widget is told when it opens, chats wait for it."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from tests.functional.rules_helpers import advance, chat, online_agent, tick, uid, wait_ticket

ZONE = "Asia/Kolkata"  # UTC+05:30: the hours are read in the department's time zone, not in UTC


def _availability(stack, department: str) -> dict:
    response = requests.get(stack.api("/sdk/availability"), params={"department": department}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _department_opening_soon(stack) -> tuple[str, datetime, datetime]:
    """A department open two hours a day from ten minutes from now: (name, now, when it opens)."""
    now = datetime.fromisoformat(advance(stack, 0).replace("Z", "+00:00"))
    opens = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    local = opens.astimezone(ZoneInfo(ZONE))
    hours = {"time_zone": ZONE, "intervals": {"mon-sun": f"{local:%H:%M}-{local + timedelta(hours=2):%H:%M}"}}
    name = f"Hours-{uid()}"
    response = requests.post(stack.api("/departments"), json={"name": name, "business_hours": hours},
                             headers=stack.auth(), timeout=10)
    assert response.status_code == 201, response.text
    return name, now, opens


def _queue_length(stack, department: str) -> int:
    listed = requests.get(stack.api("/departments"), headers=stack.auth(), timeout=10).json()["departments"]
    return next(d["queue_length"] for d in listed if d["name"] == department)


def test_outside_business_hours_the_widget_hears_when_it_opens_and_a_chat_waits_for_it(stack):
    name, now, opens = _department_opening_soon(stack)
    agent_id = online_agent(stack, name)

    closed = _availability(stack, name)
    started = chat(stack, "Are you there tonight?", department_name=name)
    waiting = wait_ticket(stack, started["ticket_id"], lambda t: t.get("routing_reason"), "the chat to be queued")
    queued = _queue_length(stack, name)
    advance(stack, (opens - now).total_seconds() + 60)
    opened = _availability(stack, name)
    tick(stack)
    assigned = wait_ticket(stack, started["ticket_id"], lambda t: t.get("assignee_id"), "the chat to be routed")

    assert closed == {"online": False, "department": name, "reason": "outside_business_hours",
                      "opens_at": opens.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    assert waiting["ticket"]["assignee_id"] is None and waiting["ticket"]["status"] == "new"
    assert "outside business hours" in waiting["ticket"]["routing_reason"]
    assert queued == 1
    assert opened == {"online": True, "department": name}
    assert assigned["ticket"]["assignee_id"] == agent_id


def test_inside_business_hours_nobody_online_is_offline_without_an_opening_time(stack):
    name, now, opens = _department_opening_soon(stack)
    advance(stack, (opens - now).total_seconds() + 60)

    assert _availability(stack, name) == {"online": False, "department": name, "reason": "no_agent_online"}


def test_business_hours_must_be_a_valid_schedule(stack):
    response = requests.post(stack.api("/departments"), headers=stack.auth(), timeout=10, json={
        "name": f"Hours-{uid()}", "business_hours": {"time_zone": "Mars/Olympus", "intervals": {"mon": "09:00-17:00"}}})

    assert response.status_code == 400 and "IANA" in response.json()["message"]
