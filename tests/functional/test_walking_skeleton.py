"""A customer's message travels API → ingest → DynamoDB → EventBridge → agent."""
from __future__ import annotations

import json

import requests
from websockets.sync.client import connect

from tests.conftest import wait_for


def _start(stack, visitor, message="My order #4411 never arrived", **extra):
    response = requests.post(stack.api("/sdk/conversations"), json={"message": message, **extra},
                             headers={"Authorization": visitor["Authorization"]}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def _ticket(stack, ticket_id, email="agent1@parley.test"):
    response = requests.get(stack.api(f"/tickets/{ticket_id}"), headers=stack.auth(email), timeout=10)
    return response.json() if response.status_code == 200 else None


def test_customer_message_becomes_a_ticket_an_agent_can_open(stack, visitor):
    started = _start(stack, visitor, "My order #4411 never arrived\nIt was due last Friday.")
    assert isinstance(started["ticket_id"], int) and started["conversation_id"]

    shown = wait_for(lambda: _ticket(stack, started["ticket_id"]), message="the ticket to be created")

    ticket = shown["ticket"]
    assert ticket["subject"] == "My order #4411 never arrived"
    assert ticket["status"] == "new" and ticket["channel"] == "chat"
    assert ticket["requester_id"] == visitor["customer_id"]
    assert ticket["version"] == 1
    assert [m["body"] for m in shown["messages"]] == ["My order #4411 never arrived\nIt was due last Friday."]
    actions = [a["action"] for a in shown["audit"]]
    assert "ticket_created" in actions and ("assigned" in actions or "queued" in actions), actions
    listed = requests.get(stack.api("/tickets"), headers=stack.auth(), timeout=10).json()["tickets"]
    assert started["ticket_id"] in [t["id"] for t in listed]


def _ready(ws, ping_id):
    """Wait for the pong: the connection is registered (new-ticket frames of others may come first)."""
    ws.send(json.dumps({"type": "ping", "id": ping_id}))
    while (frame := json.loads(ws.recv(timeout=10)))["type"] != "pong":
        assert frame["type"] == "ticket_created"
    assert frame == {"type": "pong", "id": ping_id}


def _ticket_created(ws, ticket_id):
    while True:
        frame = json.loads(ws.recv(timeout=15))
        if frame["type"] == "ticket_created" and frame["ticket"]["id"] == ticket_id:
            return frame


def test_new_ticket_reaches_every_connected_agent_through_the_event_bus(stack, visitor):
    with connect(f"{stack.ws_url}?token={stack.login('agent2@parley.test')}", open_timeout=10) as second, \
            connect(f"{stack.ws_url}?token={stack.login('agent1@parley.test')}", open_timeout=10) as first:
        _ready(second, "p1")
        _ready(first, "p2")
        started = _start(stack, visitor, "Is there a student discount?")
        for ws in (second, first):
            assert _ticket_created(ws, started["ticket_id"])["ticket"]["subject"] == "Is there a student discount?"
    with connect(f"{stack.ws_url}?token={stack.login('agent2@parley.test')}", open_timeout=10) as again:
        _ready(again, "p3")  # the closed connections are gone; a new one is in the inbox audience
        started = _start(stack, visitor, "And for teachers?")
        assert _ticket_created(again, started["ticket_id"])["ticket"]["subject"] == "And for teachers?"


def test_a_follow_up_message_joins_the_same_conversation_in_order(stack, visitor):
    started = _start(stack, visitor, "First")
    for seq, body in ((2, "Second"), (3, "Third")):
        response = requests.post(stack.api(f"/sdk/conversations/{started['conversation_id']}/messages"),
                                 json={"body": body}, headers={"Authorization": visitor["Authorization"]}, timeout=10)
        assert response.status_code == 201, response.text
        assert (response.json()["status"], response.json()["seq"]) == ("stored", seq)

    def three_messages():
        r = requests.get(stack.api(f"/sdk/conversations/{started['conversation_id']}/messages?after=0"),
                         headers={"Authorization": visitor["Authorization"]}, timeout=10)
        return r.json()["messages"] if r.status_code == 200 and len(r.json()["messages"]) == 3 else None

    messages = wait_for(three_messages, message="three messages")
    assert [(m["seq"], m["body"]) for m in messages] == [(1, "First"), (2, "Second"), (3, "Third")]
    after = requests.get(stack.api(f"/sdk/conversations/{started['conversation_id']}/messages?after=2"),
                         headers={"Authorization": visitor["Authorization"]}, timeout=10).json()
    assert [m["body"] for m in after["messages"]] == ["Third"]


def test_a_visitor_cannot_see_another_customers_conversation(stack, visitor):
    other = requests.post(stack.api("/sdk/sessions"), json={}, timeout=10).json()
    started = _start(stack, visitor, "Private question")
    wait_for(lambda: _ticket(stack, started["ticket_id"]))
    response = requests.get(stack.api(f"/sdk/conversations/{started['conversation_id']}/messages"),
                            headers={"Authorization": f"Bearer {other['visitor_token']}"}, timeout=10)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    mine = requests.get(stack.api("/sdk/conversations"), headers={"Authorization": f"Bearer {other['visitor_token']}"},
                        timeout=10).json()
    assert mine["conversations"] == []
