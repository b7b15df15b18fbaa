"""Live chat over WebSockets on the local stack: messages both ways, acks, typing, read receipts, resume."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import wait_for
from tests.ws_client import Chat, is_message, is_type


def new_visitor(stack) -> dict[str, str]:
    body = requests.post(stack.api("/sdk/sessions"), json={"name": "Chat Visitor"}, timeout=10).json()
    return {"customer_id": body["customer_id"], "token": body["visitor_token"],
            "Authorization": f"Bearer {body['visitor_token']}"}


def start_chat(stack, visitor, message: str = "Hello, is anyone there?") -> dict[str, Any]:
    response = requests.post(stack.api("/sdk/conversations"), json={"message": message},
                             headers={"Authorization": visitor["Authorization"]}, timeout=10)
    assert response.status_code == 201, response.text
    started = response.json()
    wait_for(lambda: requests.get(stack.api(f"/tickets/{started['ticket_id']}"), headers=stack.auth(),
                                  timeout=10).ok, message="the ticket to be created")
    return started


def customer_chat(stack, visitor) -> Chat:
    return Chat(f"{stack.ws_url}?token={visitor['token']}")


def agent_chat(stack, email: str = "agent1@parley.test") -> Chat:
    return Chat(f"{stack.ws_url}?token={stack.login(email)}")


def follow(agent: Chat, conversation_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
    """Resume a conversation as an agent (which follows it from then on); returns the frames."""
    agent.send(type="resume", conversation_id=conversation_id, after_seq=after_seq)
    return agent.frames_until(is_type("resumed", conversation_id=conversation_id))


def customer_messages(stack, visitor, conversation_id: str) -> list[dict[str, Any]]:
    response = requests.get(stack.api(f"/sdk/conversations/{conversation_id}/messages?after=0"),
                            headers={"Authorization": visitor["Authorization"]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


@pytest.fixture
def chat(stack):
    """A started conversation, a connected customer and a connected agent who follows it."""
    visitor = new_visitor(stack)
    started = start_chat(stack, visitor)
    agent = agent_chat(stack)
    follow(agent, started["conversation_id"])
    customer = customer_chat(stack, visitor)
    yield {"visitor": visitor, "conversation_id": started["conversation_id"], "ticket_id": started["ticket_id"],
           "agent": agent, "customer": customer}
    agent.close()
    customer.close()


def test_customer_and_agent_exchange_messages_with_sequence_numbers(chat):
    customer, agent, conversation_id = chat["customer"], chat["agent"], chat["conversation_id"]

    customer.send(type="message", conversation_id=conversation_id, body="My parcel is lost", client_msg_id="c-1")
    ack = customer.expect(is_type("ack"))
    at_agent = agent.expect(is_message("My parcel is lost"))
    agent.send(type="message", conversation_id=conversation_id, body="Let me check that for you",
               client_msg_id="a-1")
    agent_ack = agent.expect(is_type("ack"))
    at_customer = customer.expect(is_message("Let me check that for you"))

    assert ack["client_msg_id"] == "c-1" and ack["conversation_id"] == conversation_id
    assert at_agent["seq"] == 2 and at_agent["message"]["author_type"] == "customer"
    assert agent_ack["client_msg_id"] == "a-1" and agent_ack["seq"] == 3
    assert at_customer["seq"] == 3 and at_customer["conversation_id"] == conversation_id
    assert at_customer["message"]["author_type"] == "agent" and at_customer["message"]["author_name"] == "Sam Support"
    assert set(at_customer["message"]) >= {"id", "author_type", "body", "created_at"}


def test_a_resent_client_msg_id_is_stored_once(stack, chat):
    customer, agent, conversation_id = chat["customer"], chat["agent"], chat["conversation_id"]
    frame = {"type": "message", "conversation_id": conversation_id, "body": "Only once please",
             "client_msg_id": f"c-{uuid.uuid4().hex}"}

    customer.send(**frame)
    customer.send(**frame)
    first, second = customer.expect(is_type("ack")), customer.expect(is_type("ack"))
    agent.expect(is_message("Only once please"))
    customer.send(**frame)  # long after it was stored
    third = customer.expect(is_type("ack"))
    agent_frame = {"type": "message", "conversation_id": conversation_id, "body": "Replying once",
                   "client_msg_id": f"a-{uuid.uuid4().hex}"}
    agent.send(**agent_frame)
    agent_first = agent.expect(is_type("ack"))
    agent.send(**agent_frame)
    agent_second = agent.expect(is_type("ack"))

    assert first["client_msg_id"] == second["client_msg_id"] == third["client_msg_id"] == frame["client_msg_id"]
    assert third["duplicate"] is True and third["seq"] == 2
    assert agent_second["duplicate"] is True and agent_second["seq"] == agent_first["seq"]
    bodies = [m["body"] for m in customer_messages(stack, chat["visitor"], conversation_id)]
    assert bodies.count("Only once please") == 1 and bodies.count("Replying once") == 1


def test_typing_and_read_receipts_reach_the_other_party(stack, chat):
    customer, agent, conversation_id = chat["customer"], chat["agent"], chat["conversation_id"]

    customer.send(type="typing", conversation_id=conversation_id, state="start")
    customer_typing = agent.expect(is_type("typing", conversation_id=conversation_id))
    agent.send(type="typing", conversation_id=conversation_id, state="start")
    agent_typing = customer.expect(is_type("typing", conversation_id=conversation_id))
    agent.send(type="message", conversation_id=conversation_id, body="Here is your answer", client_msg_id="a-read")
    delivered = customer.expect(is_message("Here is your answer"))
    customer.send(type="read", conversation_id=conversation_id, seq=delivered["seq"])
    customer_read = agent.expect(is_type("read", conversation_id=conversation_id))
    agent.send(type="read", conversation_id=conversation_id, seq=1)
    agent_read = customer.expect(is_type("read", conversation_id=conversation_id))

    assert customer_typing["state"] == "start" and customer_typing["author_type"] == "customer"
    assert agent_typing["state"] == "start" and agent_typing["author_name"] == "Sam Support"
    assert customer_read["seq"] == delivered["seq"] and customer_read["reader"] == "customer"
    assert agent_read["seq"] == 1 and agent_read["reader"] == "agent"
    customer.send(type="resume", conversation_id=conversation_id, after_seq=delivered["seq"])
    assert customer.expect(is_type("resumed"))["read_seq"] == 1  # the agent's read position is kept


def test_a_customer_cannot_resume_or_post_into_someone_elses_conversation(stack, chat):
    intruder = customer_chat(stack, new_visitor(stack))
    conversation_id = chat["conversation_id"]
    try:
        intruder.send(type="resume", conversation_id=conversation_id, after_seq=0)
        resume_error = intruder.expect(is_type("error"))
        intruder.send(type="message", conversation_id=conversation_id, body="let me in", client_msg_id="x-1")
        post_error = intruder.expect(is_type("error"))
        intruder.send(type="typing", conversation_id=conversation_id, state="start")
        typing_error = intruder.expect(is_type("error"))
    finally:
        intruder.close()

    assert resume_error["error"] == "not_found" and resume_error["conversation_id"] == conversation_id
    assert post_error["error"] == "not_found" and post_error["client_msg_id"] == "x-1"
    assert typing_error["error"] == "not_found"
    assert "let me in" not in [m["body"] for m in customer_messages(stack, chat["visitor"], conversation_id)]


def test_a_reconnecting_customer_gets_what_they_missed_once_and_in_order(stack, chat):
    customer, agent, conversation_id = chat["customer"], chat["agent"], chat["conversation_id"]
    agent.send(type="message", conversation_id=conversation_id, body="Before the drop", client_msg_id="r-0")
    last_seen = customer.expect(is_message("Before the drop"))["seq"]

    customer.close()
    for n in (1, 2, 3):
        agent.send(type="message", conversation_id=conversation_id, body=f"Missed {n}", client_msg_id=f"r-{n}")
        agent.expect(is_type("ack", client_msg_id=f"r-{n}"))
    back = customer_chat(stack, chat["visitor"])
    back.send(type="resume", conversation_id=conversation_id, after_seq=last_seen)
    frames = back.frames_until(is_type("resumed"))
    agent.send(type="message", conversation_id=conversation_id, body="After the resume", client_msg_id="r-4")
    live = back.expect(is_message("After the resume"))
    chat["customer"] = back

    replayed = [(f["seq"], f["message"]["body"]) for f in frames if f["type"] == "message"]
    assert replayed == [(last_seen + 1, "Missed 1"), (last_seen + 2, "Missed 2"), (last_seen + 3, "Missed 3")]
    assert frames[-1]["last_seq"] == last_seen + 3
    assert live["seq"] == last_seen + 4


def test_resume_shows_customers_public_messages_only(stack, chat):
    agent, conversation_id = chat["agent"], chat["conversation_id"]
    agent.send(type="message", conversation_id=conversation_id, body="Internal: VIP", client_msg_id="n-1",
               public=False)
    agent.expect(is_type("ack", client_msg_id="n-1"))
    agent.send(type="message", conversation_id=conversation_id, body="Public answer", client_msg_id="n-2")
    chat["customer"].expect(is_message("Public answer"))

    chat["customer"].send(type="resume", conversation_id=conversation_id, after_seq=0)
    frames = chat["customer"].frames_until(is_type("resumed"))
    other_agent = agent_chat(stack, "agent2@parley.test")
    try:
        agent_view = follow(other_agent, conversation_id)
    finally:
        other_agent.close()

    customer_bodies = [f["message"]["body"] for f in frames if f["type"] == "message"]
    assert customer_bodies == ["Hello, is anyone there?", "Public answer"]
    assert [f["message"]["body"] for f in agent_view if f["type"] == "message"] == [
        "Hello, is anyone there?", "Internal: VIP", "Public answer"]


def test_light_agents_may_add_notes_but_not_chat_with_customers(stack, chat):
    light = agent_chat(stack, "agent3@parley.test")
    conversation_id = chat["conversation_id"]
    try:
        light.send(type="message", conversation_id=conversation_id, body="Hi from light", client_msg_id="l-1")
        refused = light.expect(is_type("error"))
        light.send(type="message", conversation_id=conversation_id, body="Note from light", client_msg_id="l-2",
                   public=False)
        noted = light.expect(is_type("ack"))
    finally:
        light.close()

    assert refused["error"] == "forbidden" and refused["client_msg_id"] == "l-1"
    assert noted["client_msg_id"] == "l-2" and noted["status"] == "stored"
    assert chat["agent"].expect(is_message("Note from light"))["message"]["public"] is False
    bodies = [m["body"] for m in customer_messages(stack, chat["visitor"], conversation_id)]
    assert "Hi from light" not in bodies and "Note from light" not in bodies


def test_a_gone_connection_is_removed_when_a_frame_cannot_be_delivered(stack, chat):
    table = stack.resources["CONNECTIONS_TABLE"]
    dynamodb = stack.boto("dynamodb")
    ghost = "Z2hvc3QtY29ubmVjdGlvbg=="
    dynamodb.put_item(TableName=table, Item={
        "connection_id": {"S": ghost}, "principal": {"S": f"customer#{chat['visitor']['customer_id']}"},
        "connected_at": {"N": str(int(time.time()))}, "expires_at": {"N": str(int(time.time()) + 365 * 86400)}})  # other tests move the clock

    chat["agent"].send(type="message", conversation_id=chat["conversation_id"], body="Anyone?",
                       client_msg_id="g-1")

    assert chat["customer"].expect(is_message("Anyone?"))
    wait_for(lambda: "Item" not in dynamodb.get_item(TableName=table, Key={"connection_id": {"S": ghost}}),
             message="the gone connection to be removed")


def test_a_customer_with_two_tabs_gets_messages_in_both(stack, chat):
    second_tab = customer_chat(stack, chat["visitor"])
    try:
        chat["agent"].send(type="message", conversation_id=chat["conversation_id"], body="To every tab",
                           client_msg_id="t-1")
        in_first = chat["customer"].expect(is_message("To every tab"))
        in_second = second_tab.expect(is_message("To every tab"))
    finally:
        second_tab.close()
    assert in_first["seq"] == in_second["seq"]


def test_a_bad_token_is_refused_at_connect(stack):
    with pytest.raises(InvalidStatus):
        connect(f"{stack.ws_url}?token=not-a-token", open_timeout=10)
    with pytest.raises(InvalidStatus):
        connect(stack.ws_url, open_timeout=10)


def test_an_unknown_frame_gets_an_error_that_says_what_is_supported(chat):
    chat["customer"].send(type="shout", conversation_id=chat["conversation_id"])
    error = chat["customer"].expect(is_type("error"))
    chat["customer"].send(type="message", conversation_id=chat["conversation_id"], body="no id")
    missing = chat["customer"].expect(is_type("error"))

    assert error["error"] == "invalid" and "message, typing, read, resume" in error["message"]
    assert "client_msg_id" in missing["message"]


def test_only_allowed_sites_may_open_a_chat_from_a_browser(stack, visitor):
    token = visitor["Authorization"].split()[1]
    with pytest.raises(InvalidStatus):
        connect(f"{stack.ws_url}?token={token}", origin="https://evil.example", open_timeout=10)
    with connect(f"{stack.ws_url}?token={token}", origin=stack.url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "ping", "id": "same-site"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong", "id": "same-site"}


def test_an_agent_closing_the_app_is_remembered_but_stays_available_for_a_grace_period(stack):
    requests.put(stack.api("/agents/me/presence"), json={"status": "online"},
                 headers=stack.auth("agent2@parley.test"), timeout=10).raise_for_status()
    dynamodb = stack.boto("dynamodb")

    def profile():
        item = dynamodb.get_item(TableName=stack.resources["AGENTS_TABLE"],
                                 Key={"pk": {"S": "AGENT#a_agent2"}, "sk": {"S": "AGENT"}})["Item"]
        return {k: v["S"] for k, v in item.items() if k in ("connected_at", "disconnected_at")}

    before = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    agent = agent_chat(stack, "agent2@parley.test")
    connected = wait_for(lambda: profile().get("connected_at", "") >= before and profile()["connected_at"],
                         message="the connection to be recorded")
    agent.close()
    left = wait_for(lambda: profile().get("disconnected_at", "") >= connected and profile()["disconnected_at"],
                    message="the disconnect to be recorded")

    assert left >= connected >= before
    assert requests.get(stack.api("/sdk/availability?department=Billing"), timeout=10).json()["online"] is True
