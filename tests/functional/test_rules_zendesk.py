"""/api/v2/triggers, /api/v2/automations and /api/v2/macros driven by the real zenpy client."""
from __future__ import annotations

import uuid

import pytest
import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Automation, Comment, Macro, Ticket, Trigger, User
from zenpy.lib.exception import APIException, RecordNotFoundException

from tests.functional.rules_helpers import chat, department, wait_ticket

ADMIN, AGENT = "admin@parley.test", "agent1@parley.test"
PASSWORDS = {ADMIN: "Parley-admin-1", AGENT: "Parley-agent-1"}


@pytest.fixture
def zendesk(stack, monkeypatch):
    """zenpy clients pointed at the local stack, signing in with email and password."""
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", stack.url.removeprefix("http://"))
    made: list = []

    def client(email: str = ADMIN) -> Zenpy:
        return Zenpy(subdomain="x", email=email, password=PASSWORDS[email], disable_cache=True)

    yield client, made
    admin = client()
    for api, rule_id in made:
        try:
            getattr(admin, api).delete(getattr(admin, api)(id=rule_id))
        except (APIException, RecordNotFoundException):
            pass


def _refund_trigger(word: str, group: str) -> Trigger:
    return Trigger(title=f"Refunds {word}", conditions={
        "all": [{"field": "update_type", "operator": "is", "value": "Create"},
                {"field": "subject_includes_word", "operator": "includes", "value": word}], "any": []},
        actions=[{"field": "group_id", "value": group}, {"field": "current_tags", "value": "refund"}])


def test_zenpy_creates_lists_shows_updates_and_deletes_a_trigger(stack, zendesk):
    client, made = zendesk
    word, group = f"refund{uuid.uuid4().hex[:6]}", department(stack, "Billing")

    created = client().triggers.create(_refund_trigger(word, group))
    made.append(("triggers", created.id))

    assert isinstance(created.id, int) and created.title == f"Refunds {word}" and created.active
    assert created.id in [t.id for t in client().triggers()]
    shown = client().triggers(id=created.id)
    assert [a["field"] for a in shown.actions] == ["group_id", "current_tags"]
    group_number = shown.actions[0]["value"]
    assert isinstance(group_number, int), "Zendesk shows groups by number"
    shown.title = "Refunds go to billing"
    assert client().triggers.update(shown).title == "Refunds go to billing"
    started = chat(stack, f"I want a {word} please")
    ticket = wait_ticket(stack, started["ticket_id"])["ticket"]
    assert ticket["department"] == group and "refund" in ticket["tags"], "a trigger saved through zenpy runs"
    client().triggers.delete(client().triggers(id=created.id))
    with pytest.raises(RecordNotFoundException):
        client().triggers(id=created.id)
    by_number = client().triggers.create(_refund_trigger(word, group_number))
    made.append(("triggers", by_number.id))
    stored = requests.get(stack.api(f"/triggers/{by_number.id}"), headers=stack.auth(), timeout=10).json()
    assert stored["trigger"]["actions"][0] == {"field": "group_id", "value": group}, "a group number is a department"


def test_an_automation_that_would_repeat_is_refused_as_zendesk_does(zendesk):
    client, made = zendesk
    with pytest.raises(APIException) as refused:
        client().automations.create(Automation(title="Close", conditions={
            "all": [{"field": "SOLVED", "operator": "greater_than", "value": 24}], "any": []},
            actions=[{"field": "status", "value": "closed"}]))

    assert refused.value.response.status_code == 422
    assert "again and again" in refused.value.response.text

    created = client().automations.create(Automation(title="Close solved after a day", conditions={
        "all": [{"field": "SOLVED", "operator": "greater_than", "value": 24},
                {"field": "status", "operator": "is", "value": "solved"}], "any": []},
        actions=[{"field": "status", "value": "closed"}]))
    made.append(("automations", created.id))
    assert created.id in [a.id for a in client().automations()]


def test_zenpy_shows_what_a_macro_would_change_on_a_ticket(stack, zendesk):
    client, made = zendesk
    macro = client().macros.create(Macro(title="Ask for the order number", actions=[
        {"field": "status", "value": "pending"}, {"field": "priority", "value": "high"},
        {"field": "comment_value", "value": "Hi {{ticket.requester.name}}, what is your order number?"}]))
    made.append(("macros", macro.id))
    audit = client().tickets.create(Ticket(subject="Missing parcel", comment=Comment(body="It never came."),
                                           requester=User(name="Mia {{agent.name}}",
                                                          email=f"mia.{uuid.uuid4().hex[:8]}@example.com")))

    effect = client(AGENT).tickets.show_macro_effect(audit.ticket, macro)

    assert effect.ticket.status == "pending" and effect.ticket.priority == "high"
    assert effect.comment.body == "Hi Mia {{agent.name}}, what is your order number?"
    assert client().tickets(id=audit.ticket.id).status != "pending", "showing the effect changes nothing"
    assert macro.id in [m.id for m in client(AGENT).macros()]


def test_the_v2_rules_api_speaks_zendesk_errors(stack):
    unauthenticated = requests.get(f"{stack.url}/api/v2/triggers.json", timeout=10)
    as_agent = requests.get(f"{stack.url}/api/v2/triggers.json", auth=(AGENT, PASSWORDS[AGENT]), timeout=10)
    missing = requests.get(f"{stack.url}/api/v2/triggers/1.json", auth=(ADMIN, PASSWORDS[ADMIN]), timeout=10)

    assert unauthenticated.status_code == 401
    assert as_agent.status_code == 403
    assert missing.status_code == 404 and missing.json()["error"] == "RecordNotFound"
