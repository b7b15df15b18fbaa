"""SLA policies: which policy applies, when each target falls due, and breaches reported once."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.business_hours import weekly
from chalicelib.domain.sla import SlaEvent, SlaState, check_breaches, compute_sla, next_due, pick_policy
from chalicelib.errors import ValidationError
from tests.unit.domain.rule_fixtures import cond, ticket

T0 = datetime(2024, 6, 12, 10, 0, tzinfo=timezone.utc)  # Wednesday 12:00 in Berlin
OFFICE = weekly("Europe/Berlin", {"mon-fri": "09:00-17:00"})

STANDARD = {"id": "standard", "title": "Standard", "position": 2,
            "filter": {"all": [], "any": []},
            "policy_metrics": [
                {"priority": "normal", "metric": "first_reply_time", "target": 60, "business_hours": False},
                {"priority": "normal", "metric": "next_reply_time", "target": 120, "business_hours": False},
                {"priority": "normal", "metric": "agent_work_time", "target": 480, "business_hours": False},
                {"priority": "urgent", "metric": "first_reply_time", "target": 15, "business_hours": False},
            ]}
CHAT = {"id": "chat", "title": "Live chat", "position": 1,
        "filter": {"all": [cond("via_id", "is", "chat")]},
        "policy_metrics": [{"priority": "normal", "metric": "first_reply", "target": 2, "business_hours": False}]}


def minutes(n):
    return T0 + timedelta(minutes=n)


def test_first_matching_policy_by_position_wins():
    assert pick_policy([STANDARD, CHAT], ticket(channel="chat")).id == "chat"
    assert pick_policy([STANDARD, CHAT], ticket(channel="email")).id == "standard"


def test_first_reply_due_depends_on_priority():
    normal = compute_sla(STANDARD, ticket(priority="normal"), [SlaEvent("created", T0)])
    urgent = compute_sla(STANDARD, ticket(priority="urgent"), [SlaEvent("created", T0)])
    assert normal.current("first_reply").due_at == minutes(60)
    assert urgent.current("first_reply").due_at == minutes(15)


def test_channel_specific_target_wins_over_the_general_one():
    policy = {"id": "p", "title": "p", "policy_metrics": [
        {"priority": "normal", "metric": "first_reply", "target": 240, "business_hours": False},
        {"priority": "normal", "metric": "first_reply", "target": 5, "business_hours": False, "channel": "whatsapp"}]}
    whatsapp = compute_sla(policy, ticket(channel="whatsapp"), [SlaEvent("created", T0)])
    email = compute_sla(policy, ticket(channel="email"), [SlaEvent("created", T0)])
    assert whatsapp.current("first_reply").due_at == minutes(5)
    assert email.current("first_reply").due_at == minutes(240)


def test_business_hours_targets_wait_for_the_office_to_open():
    policy = {"id": "p", "title": "p", "policy_metrics": [
        {"priority": "normal", "metric": "first_reply", "target": 60, "business_hours": True}]}
    friday_evening = datetime(2024, 6, 14, 18, 0, tzinfo=timezone.utc)  # 20:00 Berlin
    state = compute_sla(policy, ticket(), [SlaEvent("created", friday_evening)], schedule=OFFICE)
    assert state.current("first_reply").due_at == datetime(2024, 6, 17, 8, 0, tzinfo=timezone.utc)  # Mon 10:00


def test_public_agent_reply_fulfils_first_reply_and_internal_note_does_not():
    noted = compute_sla(STANDARD, ticket(), [SlaEvent("created", T0), SlaEvent("agent_reply", minutes(5), public=False)])
    assert noted.current("first_reply").status == "active"
    replied = compute_sla(STANDARD, ticket(), [SlaEvent("created", T0), SlaEvent("agent_reply", minutes(5))])
    assert replied.current("first_reply").status == "fulfilled"
    assert next_due(replied) == minutes(480)  # only resolution is still running


def test_next_reply_runs_from_the_oldest_unanswered_customer_message():
    state = compute_sla(STANDARD, ticket(), [
        SlaEvent("created", T0), SlaEvent("agent_reply", minutes(10)),
        SlaEvent("customer_message", minutes(30)), SlaEvent("customer_message", minutes(50)),
    ])
    assert state.current("next_reply").due_at == minutes(30 + 120)


def test_pending_pauses_resolution_and_reopening_resumes_it():
    state = compute_sla(STANDARD, ticket(), [
        SlaEvent("created", T0), SlaEvent("status", minutes(60), status="pending"),
        SlaEvent("status", minutes(60 + 24 * 60), status="open"),
    ])
    resolution = state.current("resolution")
    assert resolution.status == "active"
    assert resolution.due_at == minutes(60 + 24 * 60 + 420)  # 60 of 480 minutes were used before the pause
    paused = compute_sla(STANDARD, ticket(), [SlaEvent("created", T0), SlaEvent("status", minutes(60), status="pending")])
    assert next_due(paused) == minutes(60)  # first reply still due; resolution paused
    assert paused.current("resolution").status == "paused"


def test_solving_fulfils_every_running_clock():
    state = compute_sla(STANDARD, ticket(), [SlaEvent("created", T0), SlaEvent("status", minutes(30), status="solved")])
    assert next_due(state) is None


def test_a_breach_is_reported_exactly_once():
    state = compute_sla(STANDARD, ticket(), [SlaEvent("created", T0)])
    state, breaches = check_breaches(state, minutes(59))
    assert breaches == []
    state, breaches = check_breaches(state, minutes(61))
    assert [b.metric for b in breaches] == ["first_reply"]
    state, breaches = check_breaches(state, minutes(62))
    assert breaches == []
    assert state.to_dict()["breached"] is True
    assert next_due(state) == minutes(480)  # the breached clock no longer wakes the clock


def test_late_reply_is_reported_even_if_the_clock_never_looked_in_time():
    state = compute_sla(STANDARD, ticket(), [SlaEvent("created", T0), SlaEvent("agent_reply", minutes(90))])
    state, breaches = check_breaches(state, minutes(91))
    assert [b.metric for b in breaches] == ["first_reply"]
    assert check_breaches(state, minutes(200))[1] == []


def test_recomputing_keeps_breaches_already_reported():
    events = [SlaEvent("created", T0)]
    state, _ = check_breaches(compute_sla(STANDARD, ticket(), events), minutes(70))
    stored = SlaState.from_dict(state.to_dict())
    recomputed = compute_sla(STANDARD, ticket(), events + [SlaEvent("agent_reply", minutes(75))], previous=stored)
    assert check_breaches(recomputed, minutes(80))[1] == []


def test_unknown_metric_is_refused():
    with pytest.raises(ValidationError, match="first_reply, next_reply, resolution"):
        pick_policy([{"id": "x", "title": "x", "policy_metrics": [
            {"priority": "normal", "metric": "vibes", "target": 5}]}], ticket())
