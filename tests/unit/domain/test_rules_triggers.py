"""Triggers run on ticket updates, in order, may fire each other, and always stop."""
from chalicelib.domain.rules.actions import AddComment, SendNotification
from chalicelib.domain.rules.triggers import run_triggers
from tests.unit.domain.rule_fixtures import NOW, cond, ticket, update


def trigger(trigger_id, conditions, actions, position=0, active=True):
    return {"id": trigger_id, "title": trigger_id, "conditions": {"all": conditions, "any": []},
            "actions": actions, "position": position, "active": active}


def test_a_matching_trigger_changes_the_ticket_and_reports_what_it_changed():
    urgent = trigger("urgent-words", [cond("comment_includes_word", "includes", "outage")],
                     [{"field": "priority", "value": "urgent"}])
    outcome = run_triggers([urgent], ticket(), update(comment="Total outage here"), now=NOW)
    assert outcome.fired == ["urgent-words"]
    assert outcome.ticket["priority"] == "urgent"
    assert outcome.changed_fields == {"priority": ("normal", "urgent")}


def test_a_trigger_can_be_fired_by_another_triggers_change_even_if_it_comes_first():
    notify_urgent = trigger("notify-urgent", [cond("priority", "changed_to", "urgent")],
                            [{"field": "notification_group", "value": ["group_id", "Urgent", "#{{ticket.id}}"]}],
                            position=1)
    escalate_vip = trigger("escalate-vip", [cond("current_tags", "includes", "vip")],
                           [{"field": "priority", "value": "urgent"}], position=2)
    outcome = run_triggers([escalate_vip, notify_urgent], ticket(tags=["vip"]), update(), now=NOW)
    assert outcome.fired == ["escalate-vip", "notify-urgent"]
    assert SendNotification("Support", "Urgent", "#42", "group") in outcome.effects


def test_two_triggers_that_undo_each_other_stop():
    to_pending = trigger("to-pending", [cond("status", "is", "open")], [{"field": "status", "value": "pending"}], 1)
    to_open = trigger("to-open", [cond("status", "is", "pending")], [{"field": "status", "value": "open"}], 2)
    outcome = run_triggers([to_pending, to_open], ticket(status="open"), update(), now=NOW)
    assert outcome.fired == ["to-pending", "to-open"]
    assert outcome.ticket["status"] == "open"
    assert "status" not in outcome.changed_fields


def test_each_trigger_fires_at_most_once_per_update():
    tagger = trigger("tagger", [cond("status", "is", "open")], [{"field": "current_tags", "value": "seen"},
                                                                 {"field": "comment_value", "value": "Noted"}])
    other = trigger("other", [cond("current_tags", "includes", "seen")], [{"field": "priority", "value": "high"}], 1)
    outcome = run_triggers([tagger, other], ticket(), update(), now=NOW)
    assert outcome.fired.count("tagger") == 1
    assert [e for e in outcome.effects if isinstance(e, AddComment)] == [AddComment("Noted", public=True)]


def test_the_pass_bound_stops_a_long_chain():
    chain = [trigger(f"t{i}", [cond("current_tags", "includes", f"step{i}")],
                     [{"field": "current_tags", "value": f"step{i + 1}"}], position=i) for i in range(10)]
    outcome = run_triggers(chain, ticket(tags=["step0"]), update(), now=NOW, max_passes=3)
    assert outcome.truncated
    assert outcome.fired == ["t0", "t1", "t2"]


def test_changed_to_sees_changes_from_the_update_and_from_earlier_triggers():
    solved_by_update = trigger("survey", [cond("status", "changed_to", "solved")],
                               [{"field": "current_tags", "value": "survey"}])
    outcome = run_triggers([solved_by_update], ticket(status="solved"), update({"status": ("open", "solved")}),
                           now=NOW)
    assert outcome.fired == ["survey"]
    not_changed_now = run_triggers([solved_by_update], ticket(status="solved"),
                                   update({"priority": ("low", "normal")}), now=NOW)
    assert not_changed_now.fired == []


def test_inactive_triggers_and_order_by_position():
    first = trigger("first", [cond("status", "is", "open")], [{"field": "priority", "value": "low"}], position=1)
    second = trigger("second", [cond("status", "is", "open")], [{"field": "priority", "value": "high"}], position=2)
    off = trigger("off", [cond("status", "is", "open")], [{"field": "priority", "value": "urgent"}], 3, active=False)
    outcome = run_triggers([off, second, first], ticket(), update(), now=NOW)
    assert outcome.fired == ["first", "second"]
    assert outcome.ticket["priority"] == "high"


def test_zendesk_trigger_json_from_the_api_docs_loads_and_works():
    # The "Create Trigger" request body from Zendesk's Triggers API reference.
    zendesk = {
        "trigger": {
            "actions": [{"field": "group_id", "value": "20455932"}],
            "conditions": {"all": [{"field": "status", "operator": "is", "value": "open"},
                                   {"field": "priority", "operator": "less_than", "value": "high"}]},
            "title": "Roger Wilco",
        }
    }
    outcome = run_triggers([zendesk], ticket(priority="normal"), update(), now=NOW)
    assert outcome.fired == ["Roger Wilco"]
    assert outcome.ticket["department"] == "20455932"
    assert run_triggers([zendesk], ticket(priority="urgent"), update(), now=NOW).fired == []


def test_zendesk_default_requester_notification_trigger():
    # Shaped like Zendesk's default "Notify requester of new proactive ticket / received request".
    received = {"id": 1, "title": "Notify requester of received request", "active": True, "position": 0,
                "conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Create"},
                                       {"field": "status", "operator": "is_not", "value": "solved"},
                                       {"field": "ticket_is_public", "operator": "is", "value": "public"}],
                               "any": []},
                "actions": [{"field": "notification_user",
                             "value": ["requester_id", "[Request received]", "Your request ({{ticket.id}}) "
                                       "has been received and is being reviewed by our support staff."]}]}
    outcome = run_triggers([received], ticket(), update(event="created", comment="Help"), now=NOW)
    assert outcome.effects == [SendNotification(
        "cus-1", "[Request received]",
        "Your request (42) has been received and is being reviewed by our support staff.", "user")]


def test_trigger_with_an_unknown_condition_field_names_the_trigger_and_the_field():
    import pytest

    from chalicelib.errors import ValidationError

    with pytest.raises(ValidationError) as error:
        run_triggers([trigger("mood", [cond("customer_mood", "is", "angry")], [])], ticket(), update())
    assert error.value.message.startswith("trigger 'mood': condition field 'customer_mood' is not known")
