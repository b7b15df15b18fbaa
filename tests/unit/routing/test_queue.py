"""The waiting queue: its order, and batches that give waiting tickets out when capacity frees."""
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.routing import Agent, channel_group, next_in_queue, queue_sort_key
from chalicelib.errors import ValidationError

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def agent(agent_id, presence="online", departments=("support",), **fields):
    return Agent.from_dict({"id": agent_id, "presence": presence, "departments": list(departments), **fields})


def waiting(ticket_id, minutes_ago, priority="normal", **fields):
    queued = (NOW - timedelta(minutes=minutes_ago)).isoformat()
    base = {"id": ticket_id, "status": "new", "priority": priority, "channel": "chat", "department": "support",
            "required_skills": [], "created_at": queued, "queued_at": queued, "assignee_id": None}
    return {**base, **fields}


def test_queue_key_is_priority_then_time_then_id():
    key = queue_sort_key({"id": 123, "priority": "urgent", "queued_at": "2026-11-24T09:00:00Z"})
    assert key == "0#2026-11-24T09:00:00.000Z#000000000123"


def test_queue_orders_urgent_before_old_normal():
    old_normal = waiting(1, minutes_ago=600, priority="normal")
    new_urgent = waiting(2, minutes_ago=1, priority="urgent")
    assert sorted([old_normal, new_urgent], key=queue_sort_key) == [new_urgent, old_normal]


def test_queue_orders_by_age_within_a_priority():
    tickets = [waiting(3, 5, "high"), waiting(4, 50, "high"), waiting(5, 1, "low"), waiting(6, 20, "high")]
    assert [t["id"] for t in sorted(tickets, key=queue_sort_key)] == [4, 6, 3, 5]


def test_queue_key_sorts_as_text_across_timezones_and_id_widths():
    # given times written with an offset and ids of different widths
    early = {"id": 1000000, "priority": "normal", "queued_at": "2026-11-24T10:00:00+02:00"}
    late = {"id": 9, "priority": "normal", "queued_at": "2026-11-24T08:30:00Z"}
    assert queue_sort_key(early) < queue_sort_key(late)


def test_queue_key_uses_created_at_when_the_ticket_was_never_requeued():
    key = queue_sort_key({"id": 1, "priority": "low", "created_at": "2026-11-24T09:00:00.250Z"})
    assert key == "3#2026-11-24T09:00:00.250Z#000000000001"


def test_queue_key_refuses_an_unknown_priority():
    with pytest.raises(ValidationError, match="priority 'asap' is not one of urgent, high, normal, low"):
        queue_sort_key({"id": 1, "priority": "asap", "created_at": "2026-11-24T09:00:00Z"})


def test_queue_key_needs_a_time():
    with pytest.raises(ValidationError, match="needs queued_at or created_at"):
        queue_sort_key({"id": 1, "priority": "low"})


def test_batch_never_exceeds_capacity():
    # given one agent with one free chat slot and three chats waiting
    agents = [agent("ann", load={"chat": 2})]
    tickets = [waiting(1, 30), waiting(2, 20), waiting(3, 10)]
    # when capacity frees and the queue is drained
    batch = next_in_queue(tickets, agents, now=NOW)
    # then only the oldest chat is given out, claiming the last slot
    assert [(a.ticket_id, a.decision.agent_id) for a in batch] == [(1, "ann")]
    assert batch[0].decision.claim.expected_load == 2


def test_batch_spreads_work_and_each_claim_expects_the_load_after_the_previous_one():
    agents = [agent("ann"), agent("bob", load={"chat": 1})]
    batch = next_in_queue([waiting(i, 60 - i) for i in range(1, 6)], agents, now=NOW)
    given_out = [(a.ticket_id, a.decision.agent_id, a.decision.claim.expected_load) for a in batch]
    # ties in load go to the agent with fewer open tickets, so work alternates once loads are level
    assert given_out == [(1, "ann", 0), (2, "bob", 1), (3, "ann", 1), (4, "bob", 2), (5, "ann", 2)]


def test_batch_gives_urgent_tickets_out_first():
    agents = [agent("ann", load={"chat": 2})]
    batch = next_in_queue([waiting(1, 90, "low"), waiting(2, 1, "urgent")], agents, now=NOW)
    assert [a.ticket_id for a in batch] == [2]


def test_ticket_nobody_can_take_does_not_block_the_ones_behind_it():
    agents = [agent("ann")]
    tickets = [waiting(1, 90, "urgent", required_skills=["japanese"]), waiting(2, 5)]
    assert [a.ticket_id for a in next_in_queue(tickets, agents, now=NOW)] == [2]


def test_batch_skips_assigned_offered_and_no_longer_waiting_tickets():
    tickets = [
        waiting(1, 50, assignee_id="bob"),
        waiting(2, 40, offered_to="bob", offer_expires_at=(NOW + timedelta(seconds=20)).isoformat()),
        waiting(3, 30, status="pending"),
        waiting(4, 20),
    ]
    assert [a.ticket_id for a in next_in_queue(tickets, [agent("ann")], now=NOW)] == [4]


def test_same_ticket_listed_twice_is_given_out_once():
    batch = next_in_queue([waiting(1, 10), waiting(1, 10)], [agent("ann")], now=NOW)
    assert [a.ticket_id for a in batch] == [1]


def test_batch_stops_at_the_limit():
    batch = next_in_queue([waiting(i, 10 + i) for i in range(1, 4)], [agent("ann")], now=NOW, limit=2)
    assert len(batch) == 2


def test_round_robin_batch_takes_turns_between_agents():
    agents = [agent("ann", capacity={"email": 5}), agent("bob", capacity={"email": 5})]
    tickets = [waiting(i, 10 - i, channel="email") for i in range(1, 5)]
    batch = next_in_queue(tickets, agents, now=NOW, departments=[{"name": "support", "strategy": "round_robin"}])
    assert [a.decision.agent_id for a in batch] == ["ann", "bob", "ann", "bob"]


def test_ticket_held_for_a_named_agent_is_given_out_once_they_have_room():
    rules = [{"id": "r", "position": 1, "assign": {"agent_id": "zed"},
              "conditions": {"all": [{"field": "channel", "operator": "is", "value": "chat"}]}}]
    agents = [agent("zed", load={"chat": 2}), agent("ann")]
    batch = next_in_queue([waiting(1, 10), waiting(2, 5)], agents, now=NOW, rules=rules)
    assert [(a.ticket_id, a.decision.agent_id) for a in batch] == [(1, "zed")]


CHANNELS = ["chat", "sdk", "whatsapp", "email", "sms", "phone"]

agent_strategy = st.fixed_dictionaries({
    "presence": st.sampled_from(["online", "online", "offline", "away"]),
    "departments": st.lists(st.sampled_from(["support", "billing"]), max_size=2, unique=True),
    "skills": st.dictionaries(st.sampled_from(["spanish", "tax"]), st.integers(1, 3), max_size=2),
    "capacity": st.dictionaries(st.sampled_from(["chat", "messaging", "email", "sms", "phone"]),
                                st.integers(0, 4), max_size=5),
    "load": st.dictionaries(st.sampled_from(["chat", "messaging", "email", "sms", "phone"]),
                            st.integers(0, 3), max_size=5),
    "open_tickets": st.integers(0, 6),
})
ticket_strategy = st.fixed_dictionaries({
    "id": st.integers(1, 40),
    "priority": st.sampled_from(["low", "normal", "high", "urgent"]),
    "channel": st.sampled_from(CHANNELS),
    "department": st.sampled_from(["support", "billing", None]),
    "required_skills": st.lists(st.sampled_from(["spanish", "tax"]), max_size=2),
    "minutes_ago": st.integers(0, 600),
})
department_strategy = st.fixed_dictionaries({
    "strategy": st.sampled_from(["least_busy", "round_robin"]),
    "include_offline": st.booleans(),
    "max_per_agent": st.none() | st.integers(1, 5),
    "weights": st.dictionaries(st.sampled_from(["chat", "phone"]), st.sampled_from([1, 2, "full"]), max_size=2),
    "skill_relaxations": st.just([{"skill": "*", "after_seconds": 3600}]),
})


@settings(max_examples=200, deadline=None)
@given(
    agent_specs=st.lists(agent_strategy, min_size=1, max_size=6),
    ticket_specs=st.lists(ticket_strategy, max_size=25),
    support=department_strategy,
    billing=department_strategy,
    rule_agent=st.none() | st.integers(0, 5),
)
def test_batch_never_overfills_an_agent_nor_gives_a_ticket_twice(agent_specs, ticket_specs, support, billing,
                                                                  rule_agent):
    # given random agents, departments, an optional direct rule and waiting tickets
    agents = [Agent.from_dict({"id": f"a{i}", **spec}) for i, spec in enumerate(agent_specs)]
    departments = [{"name": "support", **support}, {"name": "billing", **billing}]
    rules = []
    if rule_agent is not None:
        rules = [{"id": "r", "position": 1, "assign": {"agent_id": f"a{rule_agent}"}, "fallback": "department",
                  "conditions": {"all": [{"field": "priority", "operator": "is", "value": "urgent"}]}}]
    tickets = [waiting(s["id"], s["minutes_ago"], s["priority"], channel=s["channel"], department=s["department"],
                       required_skills=s["required_skills"]) for s in ticket_specs]
    # when the queue is drained
    batch = next_in_queue(tickets, agents, now=NOW, departments=departments, rules=rules)
    # then no ticket is given twice
    ids = [a.ticket_id for a in batch]
    assert len(ids) == len(set(ids))
    # and no agent ends over capacity in any channel group they were given work in
    added: Counter = Counter()
    by_id = {a.id: a for a in agents}
    for assignment in batch:
        claim = assignment.decision.claim
        assert claim.agent_id == assignment.decision.agent_id
        assert claim.expected_load == by_id[claim.agent_id].load_for(claim.channel_group) + added[
            (claim.agent_id, claim.channel_group)]
        added[(claim.agent_id, claim.channel_group)] += claim.weight
    for (agent_id, group), extra in added.items():
        assert by_id[agent_id].load_for(group) + extra <= by_id[agent_id].capacity_for(group)
    # and every ticket given out was really waiting in a group its channel maps to
    for assignment in batch:
        groups = {channel_group(t["channel"]) for t in tickets if t["id"] == assignment.ticket_id}
        assert assignment.decision.claim.channel_group in groups
