"""Who gets a committed message's live frames (fan-out faked; no AWS)."""
from __future__ import annotations

import pytest

from chalicelib.domain import events as ev
from chalicelib.realtime import fanout
from chalicelib.services import live_delivery


@pytest.fixture
def sent(monkeypatch):
    """Frames sent, as (audience, frame); looking up a customer's connections is recorded too."""
    log: list[tuple[str, dict]] = []

    def customer_connections(customer_id):
        log.append(("looked up customer", {}))
        return [f"customer-connection-{customer_id}"]

    monkeypatch.setattr(fanout, "customer_connections", customer_connections)
    monkeypatch.setattr(fanout, "agent_connections", lambda conversation_id, assignee: [f"agent-connection-{assignee}"])
    monkeypatch.setattr(fanout, "send", lambda connections, frame, **kwargs: log.extend(
        (connection, frame) for connection in connections) or len(connections))
    return log


def added(author_type: str, channel: str, public: bool = True) -> dict:
    message = {"id": "m-1", "seq": 2, "author_type": author_type, "author_id": "agent-1", "body": "Hello",
               "public": public, "channel": channel, "created_at": "2026-12-04T10:00:00.000Z"}
    return {"id": "e-1", "name": ev.MESSAGE_ADDED, "detail": {
        "message": message, "conversation_id": "conv-1", "customer_id": "cust-1", "ticket_id": 7,
        "assignee_id": "agent-1"}}


def audience(log: list[tuple[str, dict]]) -> list[str]:
    return [who for who, _ in log]


def test_a_customers_chat_message_reaches_their_other_tabs_and_the_agent(sent):
    live_delivery.deliver_committed([added("customer", "chat")])
    assert audience(sent) == ["looked up customer", "customer-connection-cust-1", "agent-connection-agent-1"]


@pytest.mark.parametrize("channel", ["email", "whatsapp", "sms"])
def test_a_customers_mail_or_app_message_goes_to_the_agent_only(sent, channel):
    live_delivery.deliver_committed([added("customer", channel)])
    assert audience(sent) == ["agent-connection-agent-1"]  # not even a look-up of the customer's connections


def test_an_agents_reply_on_an_email_ticket_still_reaches_the_customers_app_but_a_note_does_not(sent):
    live_delivery.deliver_committed([added("agent", "email")])
    assert audience(sent) == ["looked up customer", "customer-connection-cust-1", "agent-connection-agent-1"]
    sent.clear()
    live_delivery.deliver_committed([added("agent", "email", public=False)])
    assert audience(sent) == ["agent-connection-agent-1"]
