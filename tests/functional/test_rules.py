"""Triggers, automations and the admin rules API over the local stack."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.conftest import wait_for
from tests.functional.rules_helpers import (Rules, advance, chat, contact, department, find_by_subject, patch, tick,
                                            uid, wait_ticket)


@pytest.fixture
def rules(stack):
    made = Rules(stack)
    yield made
    made.cleanup()


def test_a_trigger_on_create_sends_refund_tickets_to_billing_with_a_tag(stack, rules):
    billing = department(stack, "Billing")
    rules.create("triggers", {"title": "Refunds to billing", "conditions": {
        "all": [{"field": "update_type", "operator": "is", "value": "Create"},
                {"field": "subject_includes_word", "operator": "includes", "value": "refund"}]},
        "actions": [{"field": "group_id", "value": billing}, {"field": "current_tags", "value": "refund"}]})

    started = chat(stack, "I want a refund for order 1234")
    other = chat(stack, "Where is my parcel?")

    shown = wait_ticket(stack, started["ticket_id"])
    assert shown["ticket"]["department"] == billing
    assert "refund" in shown["ticket"]["tags"]
    created = next(a for a in shown["audit"] if a["action"] == "ticket_created")
    assert created["detail"]["triggers"], "the audit says which trigger acted"
    untouched = wait_ticket(stack, other["ticket_id"])["ticket"]
    assert untouched["department"] != billing and "refund" not in untouched["tags"]


def test_a_change_made_by_one_trigger_fires_another_in_the_same_update(stack, rules):
    word, tag = f"broken{uid()}", f"escalate_{uid()}"
    escalate = rules.create("triggers", {"title": "Escalated tickets are urgent", "position": 1, "conditions": {
        "all": [{"field": "current_tags", "operator": "includes", "value": tag}]},
        "actions": [{"field": "priority", "value": "urgent"},
                    {"field": "internal_note", "value": "Escalated: {{ticket.subject}}"}]})
    tagger = rules.create("triggers", {"title": "Broken things escalate", "position": 2, "conditions": {
        "all": [{"field": "subject_includes_word", "operator": "includes", "value": word}]},
        "actions": [{"field": "current_tags", "value": tag}]})

    started = chat(stack, f"My lamp is {word}")

    shown = wait_ticket(stack, started["ticket_id"])
    assert tag in shown["ticket"]["tags"] and shown["ticket"]["priority"] == "urgent"
    notes = [m for m in shown["messages"] if m["author_type"] == "system"]
    assert [(n["body"], n["public"]) for n in notes] == [(f"Escalated: My lamp is {word}", False)]
    fired = next(a for a in shown["audit"] if a["action"] == "ticket_created")["detail"]["triggers"]
    assert fired == [tagger["id"], escalate["id"]], "the tagger fired first; its tag then fired the escalation"


def test_an_agent_change_runs_triggers_once_in_the_same_write(stack, rules):
    tag = f"vip_{uid()}"
    rules.create("triggers", {"title": "VIP tickets go high", "conditions": {
        "all": [{"field": "current_tags", "operator": "includes", "value": tag},
                {"field": "update_type", "operator": "is", "value": "Change"}]},
        "actions": [{"field": "priority", "value": "high"}, {"field": "comment_value", "value": "We are on it."}]})
    started = chat(stack, "Hello there")
    created = wait_ticket(stack, started["ticket_id"])["ticket"]

    updated = patch(stack, created["id"], {"tags": [tag]})

    assert updated["priority"] == "high", "the trigger's change comes back with the agent's own write"
    shown = wait_ticket(stack, created["id"])
    replies = [m for m in shown["messages"] if m["author_type"] == "system"]
    assert [(m["body"], m["public"]) for m in replies] == [("We are on it.", True)]
    assert sum(a["action"] == "ticket_updated" for a in shown["audit"]) == 1


def test_an_automation_without_a_nullifying_condition_is_refused_with_the_reason(stack, rules):
    response = requests.post(stack.api("/automations"), json={
        "title": "Close solved tickets", "conditions": {"all": [
            {"field": "SOLVED", "operator": "greater_than", "value": 24}]},
        "actions": [{"field": "status", "value": "closed"}]}, headers=stack.auth(), timeout=10)

    assert response.status_code == 400
    message = response.json()["message"]
    assert "again and again" in message and "status is_not closed" in message


def test_invalid_rules_are_refused_with_what_to_fix(stack):
    no_conditions = requests.post(stack.api("/triggers"), json={"title": "Everything", "conditions": {"all": []},
                                                                "actions": [{"field": "priority", "value": "high"}]},
                                  headers=stack.auth(), timeout=10)
    bad_field = requests.post(stack.api("/triggers"), json={"title": "Typo", "conditions": {"all": [
        {"field": "stauts", "operator": "is", "value": "open"}]}, "actions": [{"field": "priority", "value": "low"}]},
        headers=stack.auth(), timeout=10)
    by_agent = requests.post(stack.api("/triggers"), json={"title": "x"}, headers=stack.auth("agent1@parley.test"),
                             timeout=10)

    assert no_conditions.status_code == 400 and "no conditions" in no_conditions.json()["message"]
    assert bad_field.status_code == 400 and "'stauts' is not known" in bad_field.json()["message"]
    assert by_agent.status_code == 403


def test_an_automation_closes_tickets_solved_more_than_two_hours_ago_once(stack, rules):
    word, tag = f"invoice{uid()}", f"autoclose_{uid()}"
    rules.create("automations", {"title": "Close solved after 2 hours", "conditions": {"all": [
        {"field": "SOLVED", "operator": "greater_than", "value": 2},
        {"field": "status", "operator": "is", "value": "solved"},
        {"field": "current_tags", "operator": "includes", "value": tag}]},
        "actions": [{"field": "status", "value": "closed"}]})
    contact(stack, "email", f"{word}@example.com", "Please send the invoice again", subject=f"Invoice {word}")
    created = wait_for(lambda: find_by_subject(stack, word), message="the email ticket")
    solved = patch(stack, created["id"], {"tags": [tag], "status": "solved"})
    assert solved["status"] == "solved" and solved["next_due_at"], "the ticket waits in the clock's due index"

    tick(stack)
    assert wait_ticket(stack, created["id"])["ticket"]["status"] == "solved", "not yet: only just solved"
    advance(stack, 2 * 3600 + 120)
    tick(stack)

    shown = wait_ticket(stack, created["id"], lambda t: t["status"] == "closed", "the automation to close it")
    assert shown["ticket"].get("next_due_at") is None, "nothing more is due on a closed ticket"
    tick(stack)
    acted = [a for a in wait_ticket(stack, created["id"])["audit"] if a["action"] == "automation"]
    assert len(acted) == 1, "an automation acts once per matching state"


def test_an_automation_saved_after_a_ticket_was_solved_still_acts_on_it(stack, rules):
    word, tag = f"manual{uid()}", f"late_{uid()}"
    contact(stack, "email", f"{word}@example.com", "Where is the manual?", subject=f"Manual {word}")
    created = wait_for(lambda: find_by_subject(stack, word), message="the email ticket")
    solved = patch(stack, created["id"], {"tags": [tag], "status": "solved"})
    assert solved.get("next_due_at") is None, "nothing is due on it yet"

    rules.create("automations", {"title": "Close late", "conditions": {"all": [
        {"field": "hours_since_solved", "operator": "greater_than", "value": 1},
        {"field": "status", "operator": "is_not", "value": "closed"},
        {"field": "current_tags", "operator": "includes", "value": tag}]},
        "actions": [{"field": "status", "value": "closed"}]})

    assert wait_ticket(stack, created["id"])["ticket"].get("next_due_at"), "saving the automation set its due time"
    advance(stack, 3600 + 120)
    tick(stack)
    wait_ticket(stack, created["id"], lambda t: t["status"] == "closed", "the automation to close it")


def test_testing_a_trigger_lists_the_recent_tickets_it_would_match(stack):
    word = f"parcel{uid()}"
    started = chat(stack, f"Where is my {word}?")
    wait_ticket(stack, started["ticket_id"])

    response = requests.post(stack.api("/triggers/test"), json={"conditions": {"all": [
        {"field": "subject_includes_word", "operator": "includes", "value": word}]},
        "actions": [{"field": "priority", "value": "high"}]}, headers=stack.auth(), timeout=10)

    assert response.status_code == 200, response.text
    body = response.json()
    assert [t["id"] for t in body["tickets"]] == [started["ticket_id"]]
    assert body["checked"] >= 1
    assert wait_ticket(stack, started["ticket_id"])["ticket"]["priority"] == "normal", "a test changes nothing"


def test_rules_can_be_disabled_reordered_and_deleted(stack, rules):
    first = rules.create("triggers", {"title": "First", "conditions": {"all": [
        {"field": "subject_includes_word", "operator": "includes", "value": f"never{uid()}"}]},
        "actions": [{"field": "priority", "value": "high"}]})
    second = rules.create("triggers", {"title": "Second", "conditions": {"all": [
        {"field": "subject_includes_word", "operator": "includes", "value": f"never{uid()}"}]},
        "actions": [{"field": "priority", "value": "low"}]})

    disabled = requests.patch(stack.api(f"/triggers/{first['id']}"), json={"active": False}, headers=stack.auth(),
                              timeout=10)
    reordered = requests.post(stack.api("/triggers/reorder"), json={"ids": [second["id"], first["id"]]},
                              headers=stack.auth(), timeout=10)

    assert disabled.status_code == 200 and disabled.json()["trigger"]["active"] is False
    order = [t["id"] for t in reordered.json()["triggers"]]
    assert order.index(second["id"]) < order.index(first["id"])
    assert requests.delete(stack.api(f"/triggers/{first['id']}"), headers=stack.auth(), timeout=10).status_code == 204
    assert requests.get(stack.api(f"/triggers/{first['id']}"), headers=stack.auth(), timeout=10).status_code == 404


def test_assignment_rules_follow_the_routing_contract(stack, rules):
    billing = department(stack, "Billing")
    created = rules.create("assignment-rules", {"name": "Refunds", "position": 1, "conditions": {
        "all": [{"field": "subject_includes_word", "operator": "includes", "value": f"chargeback{uid()}"}],
        "any": []}, "assign": {"department": billing}})
    refused = requests.post(stack.api("/assignment-rules"), json={"name": "Nowhere", "conditions": {"all": []},
                                                                  "assign": {}}, headers=stack.auth(), timeout=10)

    assert created["assign"] == {"department": billing} and created["name"] == "Refunds"
    assert refused.status_code == 400


def test_triggers_run_on_tickets_created_through_the_zendesk_api(stack):
    word = f"zen{uuid.uuid4().hex[:6]}"
    trigger = requests.post(stack.api("/triggers"), json={
        "title": f"Tag {word}", "conditions": {"all": [{"field": "subject_includes_word", "operator": "includes",
                                                        "value": word}]},
        "actions": [{"field": "current_tags", "value": f"{word}_seen"}]}, headers=stack.auth(), timeout=10)
    assert trigger.status_code == 201, trigger.text
    basic = ("admin@parley.test", "Parley-admin-1")
    created = requests.post(f"{stack.url}/api/v2/tickets.json", auth=basic, timeout=10, json={"ticket": {
        "subject": f"Question about {word}", "comment": {"body": "Hello"},
        "requester": {"name": "Zed", "email": f"{word}@example.com"}}})
    assert created.status_code == 201, created.text
    assert f"{word}_seen" in created.json()["ticket"]["tags"]
    requests.delete(stack.api(f"/triggers/{trigger.json()['trigger']['id']}"), headers=stack.auth(), timeout=10)
