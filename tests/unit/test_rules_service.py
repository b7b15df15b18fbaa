"""The rules service on one ticket change, with rules as data in a fake config store (no AWS)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import bootstrap, clock
from chalicelib.services import rules
from chalicelib.services.clock_jobs import due_buckets
from chalicelib.store.keys import due_bucket, ticket_index_keys

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


class FakeConfig:
    """The config store's list(): rules by kind, the same list object until changed (as its cache does)."""

    def __init__(self):
        self.items: dict[str, list] = {}

    def add(self, kind: str, item: dict) -> None:
        self.items[kind] = [*self.items.get(kind, []), item]

    def list(self, kind: str, fresh: bool = False) -> list:
        return self.items.setdefault(kind, [])


class FakePeople:
    """Customer and agent profiles, counting how often they are read."""

    def __init__(self):
        self.reads = 0

    def get_customer(self, customer_id):
        self.reads += 1
        return {"id": customer_id, "name": "{{agent.email}}", "email": "c@example.com"}

    def get_agent(self, agent_id):
        self.reads += 1
        return {"id": agent_id, "name": "Agent Smith", "email": "smith@parley.test"}


@pytest.fixture
def config(monkeypatch):
    fake, people = FakeConfig(), FakePeople()
    monkeypatch.setattr(bootstrap, "config_store", lambda: fake)
    monkeypatch.setattr(bootstrap, "ticket_store", lambda: people)
    monkeypatch.setattr(bootstrap, "agent_store", lambda: people)
    monkeypatch.setattr(rules, "base_url", lambda: "https://help.example.com")
    clock.set_clock(lambda: NOW)
    fake.people = people
    yield fake
    clock.set_clock(None)


def _ticket(**fields) -> dict:
    base = {"id": 7, "subject": "Lamp is broken", "description": "Lamp is broken", "requester_id": "c1",
            "channel": "chat", "conversation_id": "cv1", "created_at": "2026-11-24T08:00:00.000Z",
            "updated_at": "2026-11-24T08:00:00.000Z", "status": "open", "priority": "normal", "type": None,
            "assignee_id": "a1", "department": None, "tags": [], "custom_fields": {}, "version": 3}
    return {**base, **fields}


def _trigger(trigger_id: str, position: int, conditions: list, actions: list, **extra) -> dict:
    return {"id": trigger_id, "title": trigger_id, "position": position, "conditions": {"all": conditions},
            "actions": actions, **extra}


AGENT_CHANGE = rules.Change(event="updated", actor_type="agent", actor_id="a1", via="web")


def test_a_triggers_change_fires_a_later_trigger_and_each_fires_once(config):
    config.add("trigger", _trigger("urgent", 1, [{"field": "current_tags", "operator": "includes", "value": "vip"}],
                                   [{"field": "priority", "value": "urgent"}]))
    config.add("trigger", _trigger("tag", 2, [{"field": "subject_includes_word", "operator": "includes",
                                               "value": "broken"}], [{"field": "current_tags", "value": "vip"}]))
    before = _ticket()

    outcome = rules.apply(before, {**before, "status": "pending"}, AGENT_CHANGE)

    assert outcome.fired == ["tag", "urgent"]
    assert outcome.ticket["priority"] == "urgent" and outcome.ticket["tags"] == ["vip"]
    assert outcome.changes == {"status": ["open", "pending"], "priority": ["normal", "urgent"], "tags": [[], ["vip"]]}
    assert outcome.by_rules == {"priority": ["normal", "urgent"], "tags": [[], ["vip"]]}


def test_an_invalid_stored_rule_is_skipped_and_the_others_still_run(config):
    config.add("trigger", {"id": "bad", "title": "bad", "conditions": {"all": [{"field": "nonsense"}]}, "actions": []})
    config.add("trigger", _trigger("ok", 2, [{"field": "status", "operator": "is", "value": "open"}],
                                   [{"field": "current_tags", "value": "seen"}]))

    outcome = rules.apply(_ticket(), _ticket(), AGENT_CHANGE)

    assert outcome.fired == ["ok"]


def test_notifications_and_webhooks_become_outbox_events(config):
    config.add("trigger", _trigger("notify", 1, [{"field": "status", "operator": "changed_to", "value": "solved"}], [
        {"field": "notification_user", "value": ["requester_id", "Solved #{{ticket.id}}", "Bye {{customer.name}}"]},
        {"field": "notification_webhook", "value": ["crm", '{"ticket": "{{ticket.id}}", "who": "{{customer.name}}"}']},
    ]))
    before = _ticket(channel="email")

    outcome = rules.apply(before, {**before, "status": "solved"}, AGENT_CHANGE)

    by_name = {e.name: e.detail for e in outcome.events}
    assert by_name[rules.NOTIFICATION_REQUESTED]["recipient"] == "c1"
    assert by_name[rules.NOTIFICATION_REQUESTED]["body"] == "Bye {{agent.email}}", "customer data stays literal"
    assert by_name[rules.WEBHOOK_REQUESTED]["payload"] == {"ticket": "7", "who": "{{agent.email}}"}


def test_profiles_are_read_only_when_a_rule_renders_text(config):
    config.add("trigger", _trigger("tag", 1, [{"field": "status", "operator": "is", "value": "open"}],
                                   [{"field": "current_tags", "value": "seen"}]))

    rules.apply(_ticket(), _ticket(), AGENT_CHANGE)

    assert config.people.reads == 0


def test_a_trigger_note_becomes_a_system_message_after_the_change(config):
    config.add("trigger", _trigger("note", 1, [{"field": "status", "operator": "is", "value": "open"}],
                                   [{"field": "internal_note", "value": "Customer {{customer.name}} waits"}]))

    outcome = rules.apply(_ticket(), _ticket(), AGENT_CHANGE)
    messages, events = rules.rule_messages(outcome, outcome.ticket, 5, "2026-11-24T09:00:00.000Z")

    assert [(m["seq"], m["author_type"], m["public"], m["body"]) for m in messages] == \
        [(5, "system", False, "Customer {{agent.email}} waits")]
    assert [e.name for e in events] == ["MessageAdded"]


def test_locked_fields_keep_the_callers_values(config):
    config.add("trigger", _trigger("grab", 1, [{"field": "status", "operator": "is", "value": "open"}],
                                   [{"field": "assignee_id", "value": "a9"}, {"field": "status", "value": "pending"},
                                    {"field": "priority", "value": "high"}]))
    change = rules.Change(event="updated", actor_type="system", locked=frozenset({"assignee_id", "status"}))

    outcome = rules.apply(_ticket(), _ticket(), change)

    assert (outcome.ticket["assignee_id"], outcome.ticket["status"], outcome.ticket["priority"]) == \
        ("a1", "open", "high")
    assert not outcome.rules_assigned


# conversation styles ------------------------------------------------------------------------------


def test_a_solved_chat_closes_in_the_same_change(config):
    before = _ticket(conversation_style="chat")

    outcome = rules.apply(before, {**before, "status": "solved"}, AGENT_CHANGE)

    assert outcome.ticket["status"] == "closed" and outcome.ticket["closed_at"] == clock.iso(NOW)
    assert outcome.ticket["next_due_at"] is None


@pytest.mark.parametrize("style, settings, delay", [
    ("returning_chat", {}, timedelta(minutes=30)),
    ("returning_chat", {"returning_chat_window_minutes": 5}, timedelta(minutes=5)),
    ("social", {}, timedelta(days=4)),
    ("social", {"social_close_after_days": 1}, timedelta(days=1)),
])
def test_returning_chat_and_social_close_later_on_the_clock(config, style, settings, delay):
    config.add("settings", {"id": rules.STYLE_SETTINGS_ID, "settings": settings})
    before = _ticket(conversation_style=style)

    solved = rules.apply(before, {**before, "status": "solved"}, AGENT_CHANGE).ticket

    assert solved["status"] == "solved" and solved["close_at"] == clock.iso(NOW + delay)
    assert solved["next_due_at"] == solved["close_at"]
    reopened = rules.apply(solved, {**solved, "status": "open"}, AGENT_CHANGE).ticket
    assert reopened["close_at"] is None and reopened["next_due_at"] is None


def test_an_email_ticket_is_not_closed_by_a_style(config):
    before = _ticket(channel="email", conversation_style=None)

    solved = rules.apply(before, {**before, "status": "solved"}, AGENT_CHANGE).ticket

    assert solved["status"] == "solved" and not solved.get("close_at")


# SLA ------------------------------------------------------------------------------------------------


def _chat_policy(config, minutes: int = 1) -> None:
    config.add("sla_policy", {"id": "chat", "title": "Chat", "conditions": {"all": [
        {"field": "channel", "operator": "is", "value": "chat"}]}, "policy_metrics": [
        {"metric": "first_reply_time", "priority": "normal", "target": minutes, "business_hours": False}]})


def test_a_new_ticket_gets_its_first_reply_due_time(config):
    _chat_policy(config, minutes=10)
    new = _ticket(status="new", created_at=clock.iso(NOW), assignee_id=None)

    created = rules.apply(None, new, rules.Change(event="created", actor_type="customer", via="chat")).ticket

    assert created["sla"]["policy_id"] == "chat" and not created["sla"]["breached"]
    assert created["next_due_at"] == clock.iso(NOW + timedelta(minutes=10))


def test_a_breach_is_recorded_once_with_one_event(config):
    _chat_policy(config, minutes=1)
    new = _ticket(status="new", created_at=clock.iso(NOW), assignee_id=None)
    created = rules.apply(None, new, rules.Change(event="created", actor_type="customer", via="chat")).ticket
    clock.set_clock(lambda: NOW + timedelta(minutes=2))
    system = rules.Change(event="updated", actor_type="system", via="rule")

    first = rules.apply(created, created, system)
    again = rules.apply(first.ticket, first.ticket, system)

    assert [e.name for e in first.events] == [rules.SLA_BREACHED] and first.breaches == ["first_reply"]
    assert first.ticket["sla"]["breached"] and first.ticket["next_due_at"] is None
    assert again.events == [] and again.breaches == []


def test_a_trigger_sees_a_breach_recorded_in_the_same_change(config):
    _chat_policy(config, minutes=1)
    config.add("trigger", _trigger("escalate", 1, [{"field": "sla_breached", "operator": "is", "value": True}],
                                   [{"field": "priority", "value": "urgent"}]))
    new = _ticket(status="new", created_at=clock.iso(NOW), assignee_id=None)
    created = rules.apply(None, new, rules.Change(event="created", actor_type="customer", via="chat")).ticket
    clock.set_clock(lambda: NOW + timedelta(minutes=5))

    outcome = rules.apply(created, created, rules.Change(event="updated", actor_type="system", via="rule"))

    assert outcome.ticket["priority"] == "urgent" and outcome.fired == ["escalate"]


def test_an_agents_public_reply_fulfils_the_first_reply_target(config):
    _chat_policy(config, minutes=10)
    new = _ticket(status="new", created_at=clock.iso(NOW), assignee_id=None)
    created = rules.apply(None, new, rules.Change(event="created", actor_type="customer", via="chat")).ticket
    reply = {"body": "Hi", "public": True, "author_type": "agent"}

    answered = rules.apply(created, {**created, "status": "open"}, rules.Change(
        event="updated", actor_type="agent", actor_id="a1", via="web", comment=reply)).ticket

    assert answered["next_due_at"] is None and not answered["sla"]["breached"]


# automations and the clock index ------------------------------------------------------------------------


def test_the_next_due_time_is_the_earliest_of_close_sla_and_automation(config):
    config.add("automation", {"id": "remind", "title": "Remind", "conditions": {"all": [
        {"field": "PENDING", "operator": "greater_than", "value": 1},
        {"field": "status", "operator": "is", "value": "pending"}]}, "actions": [{"field": "status", "value": "open"}]})
    before = _ticket()

    pending = rules.apply(before, {**before, "status": "pending", "pending_at": clock.iso(NOW)}, AGENT_CHANGE).ticket

    assert pending["next_due_at"] == clock.iso(NOW + timedelta(hours=1, minutes=1))


def test_a_ticket_with_a_due_time_is_in_the_five_minute_slot_of_the_clock_index():
    keys = ticket_index_keys(_ticket(next_due_at="2026-11-24T09:07:30.000Z"))

    assert keys["gsi5pk"] == "DUE#2026-11-24T09:05"
    assert keys["gsi5sk"] == "2026-11-24T09:07:30.000Z#0000000007"
    assert "gsi5pk" not in ticket_index_keys(_ticket())


def test_a_tick_reads_the_slots_from_the_cursor_up_to_now():
    at = datetime(2026, 11, 24, 9, 12, tzinfo=timezone.utc)

    assert due_buckets("DUE#2026-11-24T08:55", at) == [
        "DUE#2026-11-24T08:55", "DUE#2026-11-24T09:00", "DUE#2026-11-24T09:05", "DUE#2026-11-24T09:10"]
    assert due_buckets(None, at)[0] == "DUE#2026-11-24T07:10", "the first tick looks back two hours"
    assert due_buckets("DUE#2026-12-01T00:00", at)[-1] == due_bucket(clock.iso(at)), "a cursor ahead of now resets"
