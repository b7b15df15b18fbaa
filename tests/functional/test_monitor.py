"""The live monitor shows queues, waits, agents' load against capacity and presence."""
from __future__ import annotations

import requests


def test_the_monitor_shows_queues_agents_and_presence(stack, visitor):
    requests.post(stack.api("/sdk/conversations"), json={"message": "Anyone there?", "department": "Support"},
                  headers={"Authorization": visitor["Authorization"]}, timeout=10)
    snapshot = requests.get(stack.api("/monitor"), headers=stack.auth("agent1@parley.test"), timeout=10)
    assert snapshot.status_code == 200
    body = snapshot.json()
    queues = {q["department"]: q for q in body["queues"]}
    assert {"Support", "Billing", None} <= set(queues)
    assert body["queue_size"] == sum(q["waiting"] for q in body["queues"])
    assert all(q["average_wait_seconds"] <= q["longest_wait_seconds"] for q in body["queues"])
    agent_ids = {a["id"] for a in body["agents"]}
    assert {"a_agent1", "a_agent2"} <= agent_ids and "a_agent3" not in agent_ids, "light agents take no chats"
    assert sum(body["presence"].values()) == len(body["agents"])
    assert set(body["csat_today"]) == {"good", "bad", "score"}


def test_the_monitor_needs_a_login(stack):
    assert requests.get(stack.api("/monitor"), timeout=10).status_code == 401
