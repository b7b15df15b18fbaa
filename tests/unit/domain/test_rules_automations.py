"""Automations run on the clock, act once per state, and must be able to stop themselves."""
from datetime import timedelta

import pytest

from chalicelib.domain.rules.automations import next_automation_due, run_automations
from chalicelib.domain.rules.validation import validate_automation, validate_trigger
from chalicelib.errors import ValidationError
from tests.unit.domain.rule_fixtures import NOW, cond, ticket

CLOSE_SOLVED = {"id": "close-solved", "title": "Close ticket 4 days after status is set to solved",
                "conditions": {"all": [cond("SOLVED", "greater_than", "96"), cond("status", "is", "solved")]},
                "actions": [{"field": "status", "value": "closed"}]}


def solved_hours_ago(hours):
    return ticket(status="solved", solved_at=(NOW - timedelta(hours=hours)).isoformat())


def test_automation_acts_when_its_time_has_come():
    outcome = run_automations([CLOSE_SOLVED], solved_hours_ago(97), now=NOW)
    assert outcome.fired == ["close-solved"]
    assert outcome.ticket["status"] == "closed"
    assert run_automations([CLOSE_SOLVED], solved_hours_ago(10), now=NOW).fired == []


def test_automation_acts_once_per_matching_state():
    remind = {"id": "remind", "title": "Remind pending",
              "conditions": {"all": [cond("PENDING", "greater_than", "24"), cond("status", "is", "pending")]},
              "actions": [{"field": "notification_user", "value": ["requester_id", "Still there?", "..."]}]}
    pending = ticket(status="pending", pending_at=(NOW - timedelta(hours=30)).isoformat())
    first = run_automations([remind], pending, now=NOW)
    assert first.fired == ["remind"]
    again = run_automations([remind], pending, now=NOW + timedelta(hours=1), fired_before=first.fire_keys)
    assert again.fired == []
    pending_again = dict(pending, pending_at=(NOW - timedelta(hours=25)).isoformat())
    later = run_automations([remind], pending_again, now=NOW, fired_before=first.fire_keys)
    assert later.fired == ["remind"]


def test_automation_without_a_time_condition_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_automation({"title": "Close solved", "conditions": {"all": [cond("status", "is", "solved")]},
                             "actions": [{"field": "status", "value": "closed"}]})
    assert "no time condition" in error.value.message and "trigger" in error.value.message


def test_automation_without_a_nullifying_condition_is_refused_with_an_explanation():
    with pytest.raises(ValidationError) as error:
        validate_automation({"title": "Close old", "conditions": {"all": [cond("SOLVED", "greater_than", 24)]},
                             "actions": [{"field": "status", "value": "closed"}]})
    message = error.value.message
    assert "again and again" in message
    assert "add the condition 'status is_not closed'" in message


def test_tag_condition_nullified_by_the_tag_the_automation_adds_is_accepted():
    automation = validate_automation({
        "title": "Nudge", "conditions": {"all": [cond("hours_since_pending", "greater_than", 48),
                                                 cond("current_tags", "not_includes", "nudged")]},
        "actions": [{"field": "current_tags", "value": "nudged"},
                    {"field": "notification_user", "value": ["requester_id", "Nudge", "Any news?"]}]})
    assert automation.title == "Nudge"


def test_adding_a_different_tag_does_not_nullify():
    with pytest.raises(ValidationError, match="current_tags not_includes reminded"):
        validate_automation({
            "title": "Nudge", "conditions": {"all": [cond("hours_since_pending", "greater_than", 48),
                                                     cond("current_tags", "not_includes", "nudged")]},
            "actions": [{"field": "current_tags", "value": "reminded"}]})


def test_automation_conditions_cannot_look_at_update_changes():
    with pytest.raises(ValidationError, match="use a trigger"):
        validate_automation({"title": "x", "conditions": {"all": [cond("SOLVED", "greater_than", 1),
                                                                  cond("status", "changed_to", "solved")]},
                             "actions": [{"field": "status", "value": "closed"}]})


def test_zendesk_close_automation_validates():
    assert validate_automation(CLOSE_SOLVED).id == "close-solved"


def test_trigger_validation_requires_conditions_and_refuses_time_conditions():
    with pytest.raises(ValidationError, match="has no conditions"):
        validate_trigger({"title": "all", "conditions": {"all": []}, "actions": [{"field": "priority", "value": "low"}]})
    with pytest.raises(ValidationError, match="use an automation"):
        validate_trigger({"title": "late", "conditions": {"all": [cond("SOLVED", "greater_than", 2)]},
                          "actions": [{"field": "priority", "value": "low"}]})
    with pytest.raises(ValidationError, match="trigger 'typo': priority 'hgh'"):
        validate_trigger({"title": "typo", "conditions": {"all": [cond("status", "is", "open")]},
                          "actions": [{"field": "priority", "value": "hgh"}]})


def test_next_due_is_when_the_time_condition_will_hold():
    due = next_automation_due([CLOSE_SOLVED], solved_hours_ago(90), now=NOW)
    assert due == NOW + timedelta(hours=6, minutes=1)
    assert next_automation_due([CLOSE_SOLVED], ticket(status="open"), now=NOW) is None
