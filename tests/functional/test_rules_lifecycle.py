"""Conversation styles, SLA breaches, macros and shortcuts over the local stack, with the clock moved
forward through the local stack's injectable clock (never by sleeping)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
import requests

from tests.conftest import wait_for
from tests.functional.rules_helpers import (Rules, advance, chat, contact, customer_tickets, department,
                                            find_by_subject, online_agent, patch, reply, say, tick, uid, wait_ticket)


@pytest.fixture
def rules(stack):
    made = Rules(stack)
    yield made
    made.cleanup()


@pytest.fixture
def styles(stack):
    """Change the conversation style settings for one test, then put them back."""
    before = requests.get(stack.api("/settings/conversation-styles"), headers=stack.auth(), timeout=10).json()

    def change(**settings):
        response = requests.put(stack.api("/settings/conversation-styles"), json=settings, headers=stack.auth(),
                                timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["conversation_styles"]

    yield change
    requests.put(stack.api("/settings/conversation-styles"), json=before["conversation_styles"],
                 headers=stack.auth(), timeout=10)


# conversation styles -------------------------------------------------------------------------------


def test_a_solved_chat_closes_at_once(stack):
    started = chat(stack, "Can I change my delivery address?")
    created = wait_ticket(stack, started["ticket_id"])["ticket"]
    reply(stack, created["id"], "Yes, done.")

    solved = patch(stack, created["id"], {"status": "solved"})

    assert solved["status"] == "closed" and solved.get("closed_at"), "chat style: solved → closed in the same write"
    say(stack, started, "One more thing!")
    newer = wait_for(lambda: [t for t in customer_tickets(stack, started["customer_id"]) if t["id"] != created["id"]],
                     message="a new ticket for the returning customer")
    assert newer[0]["status"] == "new" and newer[0].get("via_followup_source_id") is None


def test_returning_chat_reopens_for_the_same_agent_inside_the_window_and_starts_anew_after(stack, styles):
    styles(channel_styles={"sdk": "returning_chat"}, returning_chat_window_minutes=30)
    team = department(stack, "Returning")
    agent = online_agent(stack, team, presence="away")  # away: queues do not fill their capacity meanwhile
    started = chat(stack, "My app crashes on start", department_name=team, channel="sdk")
    waiting = wait_ticket(stack, started["ticket_id"], lambda t: t.get("routing_reason"))["ticket"]
    ticket = patch(stack, waiting["id"], {"assignee_id": agent})
    assert ticket["assignee_id"] == agent and ticket["conversation_style"] == "returning_chat"

    solved = patch(stack, ticket["id"], {"status": "solved"})
    assert solved["status"] == "solved" and solved["close_at"] and solved["next_due_at"] == solved["close_at"]
    say(stack, started, "It crashes again!")
    reopened = wait_ticket(stack, ticket["id"], lambda t: t["status"] == "open", "the ticket to reopen")["ticket"]
    assert reopened["assignee_id"] == agent and reopened.get("close_at") is None

    patch(stack, ticket["id"], {"status": "solved"})
    advance(stack, 31 * 60)
    tick(stack)
    closed = wait_ticket(stack, ticket["id"], lambda t: t["status"] == "closed", "the window to close it")
    assert any(a["action"] == "closed_by_conversation_style" for a in closed["audit"])
    say(stack, started, "Hello again, new question")
    newer = wait_for(lambda: [t for t in customer_tickets(stack, started["customer_id"]) if t["id"] != ticket["id"]],
                     message="a new ticket after the window")
    assert newer[0].get("via_followup_source_id") is None


def test_social_conversations_close_after_n_days_and_a_later_reply_starts_a_linked_ticket(stack, styles):
    styles(social_close_after_days=2)
    word, phone = f"blender{uid()}", f"+1555{uuid.uuid4().int % 10_000_000:07d}"
    contact(stack, "whatsapp", phone, f"My {word} arrived broken")
    first = wait_for(lambda: find_by_subject(stack, word), message="the WhatsApp ticket")
    assert first["conversation_style"] == "social"
    reply(stack, first["id"], "Sorry! A replacement is on its way.")
    solved = patch(stack, first["id"], {"status": "solved"})
    assert solved["status"] == "solved" and solved["close_at"]

    advance(stack, 24 * 3600)
    tick(stack)
    assert wait_ticket(stack, first["id"])["ticket"]["status"] == "solved", "one day in: still solved"
    advance(stack, 24 * 3600 + 300)
    tick(stack)
    wait_ticket(stack, first["id"], lambda t: t["status"] == "closed", "two days after solved: closed")

    contact(stack, "whatsapp", phone, "The replacement is broken too")
    followup = wait_for(lambda: [t for t in customer_tickets(stack, first["requester_id"]) if t["id"] != first["id"]],
                        message="a follow-up ticket")[0]
    assert followup["via_followup_source_id"] == first["id"] and followup["status"] == "new"


def test_style_settings_are_validated(stack):
    response = requests.put(stack.api("/settings/conversation-styles"), json={"social_close_after_days": 40},
                            headers=stack.auth(), timeout=10)
    assert response.status_code == 400 and "from 1 to 28" in response.json()["message"]


# SLA -----------------------------------------------------------------------------------------------


@pytest.fixture
def breaches(stack):
    """A queue that receives every SLABreached event from the bus (what an escalation consumer would see)."""
    sqs, events = stack.boto("sqs"), stack.boto("events")
    name = f"sla-breaches-{uid()}"
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.resources["EVENT_BUS_NAME"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"detail-type": ["SLABreached"]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    def received():
        found = []
        while True:
            batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not batch:
                return found
            found += [json.loads(m["Body"])["detail"] for m in batch]

    yield received
    events.remove_targets(Rule=name, EventBusName=bus, Ids=["q"])
    events.delete_rule(Name=name, EventBusName=bus)


def test_a_chat_first_reply_target_breaches_once_when_the_clock_passes_it(stack, rules, breaches):
    team = department(stack, "Sla")
    rules.create("sla-policies", {"title": "Chat answers within a minute", "conditions": {"all": [
        {"field": "group_id", "operator": "is", "value": team}]}, "policy_metrics": [
        {"metric": "first_reply_time", "priority": "normal", "target": 1, "business_hours": False, "channel": "chat"},
        {"metric": "first_reply_time", "priority": "normal", "target": 480, "business_hours": False}]})
    started = chat(stack, "Is anyone there?", department_name=team)
    ticket = wait_ticket(stack, started["ticket_id"], lambda t: (t.get("sla") or {}).get("next_due_at"))["ticket"]
    assert ticket["next_due_at"] and not ticket["sla"]["breached"]

    advance(stack, 120)
    tick(stack)
    breached = wait_ticket(stack, ticket["id"], lambda t: t["sla"]["breached"], "the breach to be recorded")
    tick(stack)

    shown = wait_ticket(stack, ticket["id"])
    assert shown["ticket"]["sla"]["breached_metrics"] and shown["ticket"].get("next_due_at") is None
    assert sum(a["action"] == "sla_breached" for a in shown["audit"]) == 1
    assert breached["ticket"]["sla"] == shown["ticket"]["sla"]
    published = wait_for(lambda: [d for d in breaches() if d["ticket_id"] == ticket["id"]], message="SLABreached")
    assert [(d["metric"], d["ticket_id"]) for d in published] == [("first_reply", ticket["id"])]


def test_sla_targets_in_business_hours_count_only_open_hours(stack, rules):
    now = datetime.fromisoformat(advance(stack, 0).replace("Z", "+00:00"))
    opens = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
    rules.create("schedules", {"name": "Support hours", "time_zone": "UTC", "intervals": {
        "mon-sun": [f"{opens:%H:%M}-{opens + timedelta(hours=1):%H:%M}"]}})
    team = department(stack, "Hours")
    rules.create("sla-policies", {"title": "Chat in business hours", "conditions": {"all": [
        {"field": "group_id", "operator": "is", "value": team}]}, "policy_metrics": [
        {"metric": "first_reply_time", "priority": "normal", "target": 30, "business_hours": True}]})

    started = chat(stack, "Are you open?", department_name=team)

    ticket = wait_ticket(stack, started["ticket_id"], lambda t: t.get("next_due_at"))["ticket"]
    due = datetime.fromisoformat(ticket["next_due_at"].replace("Z", "+00:00"))
    assert due == opens + timedelta(minutes=30), "the clock starts when support opens, not now"
    refused = requests.post(stack.api("/schedules"), json={"name": "Mars", "time_zone": "Mars/Olympus",
                                                           "intervals": {"mon": "09:00-17:00"}},
                            headers=stack.auth(), timeout=10)
    assert refused.status_code == 400 and "IANA" in refused.json()["message"]


# macros and shortcuts --------------------------------------------------------------------------------


def test_a_macro_shows_then_applies_its_changes_with_placeholders_rendered_as_plain_text(stack, rules):
    macro = rules.create("macros", {"title": "Waiting for photos", "actions": [
        {"field": "status", "value": "pending"},
        {"field": "comment_value", "value": "Hi {{customer.name}}, could you send a photo of #{{ticket.id}}?"}]})
    started = chat(stack, "The lamp flickers", name="{{agent.email}}")
    ticket = wait_ticket(stack, started["ticket_id"])["ticket"]
    path = stack.api(f"/tickets/{ticket['id']}/macros/{macro['id']}/apply")

    preview = requests.get(path, headers=stack.auth("agent1@parley.test"), timeout=10).json()
    expected = f"Hi {{{{agent.email}}}}, could you send a photo of #{ticket['id']}?"
    assert preview["comment"]["body"] == expected and preview["ticket"]["status"] == "pending"
    assert wait_ticket(stack, ticket["id"])["ticket"]["status"] != "pending", "showing changes nothing"

    applied = requests.post(path, headers=stack.auth("agent1@parley.test"), timeout=10)

    assert applied.status_code == 200, applied.text
    assert applied.json()["ticket"]["status"] == "pending"
    shown = wait_ticket(stack, ticket["id"])
    last = shown["messages"][-1]
    assert (last["author_type"], last["public"], last["body"]) == ("agent", True, expected)


def test_agents_use_macros_but_only_admins_write_them(stack, rules):
    macro = rules.create("macros", {"title": "Thanks", "actions": [{"field": "comment_value", "value": "Thanks!"}]})
    agent = stack.auth("agent1@parley.test")

    listed = requests.get(stack.api("/macros"), headers=agent, timeout=10)
    written = requests.post(stack.api("/macros"), json={"title": "x", "actions": []}, headers=agent, timeout=10)
    notifying = requests.post(stack.api("/macros"), json={"title": "Notify", "actions": [
        {"field": "notification_user", "value": ["requester_id", "s", "b"]}]}, headers=stack.auth(), timeout=10)

    assert listed.status_code == 200 and macro["id"] in [m["id"] for m in listed.json()["macros"]]
    assert written.status_code == 403
    assert notifying.status_code == 400 and "belong in triggers" in notifying.json()["message"]


def test_a_chat_shortcut_expands_for_the_ticket(stack, rules):
    name = f"hello{uid()}"
    rules.create("shortcuts", {"name": name, "text": "Hello {{customer.first_name}}, I'm {{agent.name}}."})
    started = chat(stack, "Hi", name="Ada {{ticket.id}}")
    ticket = wait_ticket(stack, started["ticket_id"])["ticket"]

    response = requests.get(stack.api(f"/tickets/{ticket['id']}/shortcuts/{name}"),
                            headers=stack.auth("agent1@parley.test"), timeout=10)

    assert response.status_code == 200, response.text
    text = response.json()["text"]
    assert text.startswith("Hello Ada, I'm ") and "{{" not in text.split(",")[0]
    unknown = requests.post(stack.api("/shortcuts"), json={"name": f"x{uid()}", "text": "Hi {{customer.nmae}}"},
                            headers=stack.auth(), timeout=10)
    assert unknown.status_code == 400 and "customer.nmae" in unknown.json()["message"]
