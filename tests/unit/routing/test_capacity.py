"""Capacity accounting by status, transfers, and where a reopened ticket goes."""
from datetime import datetime, timezone

import pytest

from chalicelib.domain.routing import (
    Agent, CapacityMove, capacity_delta, consumes_capacity, reopen, status_change_moves, transfer,
)
from chalicelib.errors import ConflictError, ValidationError

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def agent(agent_id, presence="online", departments=("support",), **fields):
    return Agent.from_dict({"id": agent_id, "presence": presence, "departments": list(departments), **fields})


def ticket(**fields):
    base = {"id": 9, "status": "open", "priority": "normal", "channel": "chat", "department": "support",
            "required_skills": [], "created_at": "2026-11-24T08:00:00Z", "assignee_id": "ann"}
    return {**base, **fields}


@pytest.mark.parametrize("status", ["new", "open"])
def test_new_and_open_tickets_hold_capacity(status):
    assert consumes_capacity(status)


@pytest.mark.parametrize("status", ["pending", "on_hold", "solved", "closed"])
def test_waiting_and_finished_tickets_free_capacity(status):
    assert not consumes_capacity(status)


@pytest.mark.parametrize(
    "old, new, delta",
    [
        (None, "new", 1), (None, "pending", 0),
        ("new", "open", 0), ("open", "pending", -1), ("open", "on_hold", -1), ("open", "solved", -1),
        ("new", "closed", -1), ("pending", "open", 1), ("solved", "open", 1), ("on_hold", "open", 1),
        ("pending", "solved", 0), ("solved", "closed", 0), ("open", "open", 0),
    ],
)
def test_capacity_delta_follows_whether_the_status_holds_capacity(old, new, delta):
    assert capacity_delta(old, new) == delta


def test_unknown_status_is_refused_with_the_choices():
    with pytest.raises(ValidationError, match="status 'exploded' is not one of new, open, pending, on_hold, solved, closed"):
        capacity_delta("open", "exploded")


def test_solving_gives_back_the_weight_the_ticket_claimed():
    moves = status_change_moves(ticket(channel="phone", capacity_weight=2), "solved")
    assert moves == (CapacityMove("ann", "phone", -2),)


def test_status_change_of_an_unassigned_ticket_moves_no_capacity():
    assert status_change_moves(ticket(assignee_id=None), "pending") == ()


def test_customer_reply_reopening_a_pending_ticket_takes_capacity_again():
    assert status_change_moves(ticket(status="pending", channel="whatsapp"), "open") == (
        CapacityMove("ann", "messaging", 1),)


def test_transfer_to_another_agent_moves_the_capacity():
    # given Ann holds an open chat and Bob has room
    ann, bob = agent("ann", name="Ann", load={"chat": 2}), agent("bob", name="Bob", load={"chat": 1})
    # when Ann transfers it to Bob
    moved = transfer(ticket(), ann, bob)
    # then Ann's chat load goes down and Bob's claim expects his current load
    assert moved.release == CapacityMove("ann", "chat", -1)
    assert (moved.claim.agent_id, moved.claim.channel_group, moved.claim.expected_load) == ("bob", "chat", 1)
    assert moved.assignee_id == "bob" and moved.requeue is False
    assert moved.reason == "transferred from Ann to Bob"


def test_transfer_to_an_agent_continuing_on_email_claims_email_capacity():
    ann, bob = agent("ann", name="Ann"), agent("bob", name="Bob", load={"email": 4})
    moved = transfer(ticket(), ann, bob, channel="email")
    assert moved.release == CapacityMove("ann", "chat", -1)
    assert (moved.claim.channel_group, moved.claim.expected_load) == ("email", 4)
    assert moved.channel == "email" and moved.reason == "transferred from Ann to Bob on email"


def test_transfer_to_an_agent_at_capacity_is_refused_with_a_way_out():
    ann, bob = agent("ann"), agent("bob", name="Bob", load={"chat": 3})
    with pytest.raises(ConflictError, match="Bob is at chat capacity 3/3; transfer to a department"):
        transfer(ticket(), ann, bob)


def test_transfer_to_a_department_frees_the_agent_and_queues_the_ticket():
    moved = transfer(ticket(), agent("ann", name="Ann"), "billing")
    assert moved.release == CapacityMove("ann", "chat", -1) and moved.claim is None
    assert moved.assignee_id is None and moved.department == "billing" and moved.requeue is True
    assert moved.reason == "transferred from Ann to department billing"


def test_transfer_of_a_pending_ticket_moves_no_capacity():
    moved = transfer(ticket(status="pending"), agent("ann"), agent("bob", load={"chat": 3}))
    assert moved.release is None and moved.claim is None and moved.assignee_id == "bob"


def test_transfer_of_a_closed_ticket_is_refused():
    with pytest.raises(ValidationError, match="closed is final"):
        transfer(ticket(status="closed"), agent("ann"), "billing")


def test_transfer_to_the_same_agent_on_the_same_channel_is_refused():
    with pytest.raises(ValidationError, match="already assigned to ann"):
        transfer(ticket(), agent("ann"), agent("ann"))


def test_reopened_ticket_goes_back_to_the_same_agent_with_room():
    # given Ann solved the chat, and has room, while Bob is idle
    agents = [agent("ann", name="Ann", load={"chat": 2}), agent("bob")]
    # when the customer writes again
    decision = reopen(ticket(status="solved"), agents, now=NOW)
    # then it is Ann's again
    assert decision.agent_id == "ann" and decision.claim.expected_load == 2
    assert decision.reason == "reopened: back to Ann 2/3 chat"


def test_reopened_ticket_goes_to_routing_when_its_agent_is_full():
    agents = [agent("ann", name="Ann", load={"chat": 3}), agent("bob", name="Bob")]
    decision = reopen(ticket(status="solved"), agents, now=NOW)
    assert decision.agent_id == "bob"
    assert decision.reason == "reopened: Ann at capacity; least busy: Bob 0/3 chat"


def test_reopened_ticket_goes_to_routing_when_its_agent_went_offline():
    agents = [agent("ann", presence="offline"), agent("bob")]
    assert reopen(ticket(status="pending"), agents, now=NOW).agent_id == "bob"


def test_reopened_ticket_without_agent_is_routed():
    assert reopen(ticket(status="solved", assignee_id=None), [agent("bob")], now=NOW).agent_id == "bob"
