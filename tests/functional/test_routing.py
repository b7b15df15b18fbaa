"""Routing over the local stack: the right available agent, never over capacity, queues that drain."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import wait_for


@pytest.fixture
def department(stack):
    """A fresh department with two online agents of chat capacity 1 (written as an admin's tooling would)."""
    name = f"Routing-{uuid.uuid4().hex[:6]}"
    assert requests.post(stack.api("/departments"), json={"name": name, "strategy": "least_busy"},
                         headers=stack.auth(), timeout=10).status_code == 201
    agents = [_agent(stack, name, capacity=1) for _ in range(2)]
    return {"name": name, "agents": agents}


def _agent(stack, department, capacity, presence="online"):
    from boto3.dynamodb.types import TypeSerializer

    agent_id = f"a_{uuid.uuid4().hex[:8]}"
    item = {"pk": f"AGENT#{agent_id}", "sk": "AGENT", "kind": "agent", "gsi1pk": "AGENTS",
            "gsi1sk": f"{agent_id}@parley.test", "id": agent_id, "email": f"{agent_id}@parley.test",
            "name": agent_id, "role": "agent", "presence": presence, "departments": [department], "skills": {},
            "capacity": {"chat": capacity, "messaging": 0, "email": 0, "sms": 0, "phone": 0}, "load": {}}
    serialize = TypeSerializer().serialize
    stack.boto("dynamodb").put_item(TableName=stack.resources["AGENTS_TABLE"],
                                    Item={k: serialize(v) for k, v in item.items()})
    return agent_id


def _chat(stack, department, text="Help with my order"):
    session = requests.post(stack.api("/sdk/sessions"), json={}, timeout=10).json()
    return requests.post(stack.api("/sdk/conversations"), json={"message": text, "department": department},
                         headers={"Authorization": f"Bearer {session['visitor_token']}"}, timeout=10).json()


def _ticket(stack, ticket_id):
    response = requests.get(stack.api(f"/tickets/{ticket_id}"), headers=stack.auth(), timeout=10)
    return response.json()["ticket"] if response.ok else None


def _agents(stack):
    return {a["id"]: a for a in requests.get(stack.api("/agents"), headers=stack.auth(), timeout=10).json()["agents"]}


def test_new_chats_go_to_free_agents_and_the_rest_wait_in_the_queue(stack, department):
    started = [_chat(stack, department["name"], f"Question {i}") for i in range(3)]
    tickets = [wait_for(lambda s=s: (t := _ticket(stack, s["ticket_id"])) and t.get("routing_reason") and t)
               for s in started]

    assignees = [t.get("assignee_id") for t in tickets]  # chats arriving together may be routed in any order
    assert sorted(a for a in assignees if a) == sorted(department["agents"])
    assert assignees.count(None) == 1, "one chat waits: both agents are at capacity 1"
    agents = _agents(stack)
    assert all(agents[a]["load"]["chat"] == 1 for a in department["agents"])
    queues = {d["name"]: d["queue_length"] for d in
              requests.get(stack.api("/departments"), headers=stack.auth(), timeout=10).json()["departments"]}
    assert queues[department["name"]] == 1
    first_assigned = next(t for t in tickets if t.get("assignee_id"))
    shown = requests.get(stack.api(f"/tickets/{first_assigned['id']}"), headers=stack.auth(), timeout=10).json()
    assert any(a["action"] == "assigned" and "least busy" in a["detail"]["reason"] for a in shown["audit"])


def test_solving_a_chat_frees_capacity_and_the_queue_drains_at_once(stack, department):
    routed = []
    for i in range(3):  # one after the other, so the third is the one that waits
        started = _chat(stack, department["name"], f"Q{i}")
        routed.append(wait_for(lambda: (t := _ticket(stack, started["ticket_id"])) and t.get("routing_reason") and t))
    ticket, waiting = routed[0], routed[2]
    assert ticket["assignee_id"] and waiting["assignee_id"] is None

    solved = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"status": "solved"},
                            headers={**stack.auth(), "If-Match": str(ticket["version"])}, timeout=10)
    assert solved.status_code == 200, solved.text

    assigned = wait_for(lambda: (t := _ticket(stack, waiting["id"])) and t.get("assignee_id") and t,
                        timeout=10, message="the waiting chat to be assigned")
    assert assigned["assignee_id"] == ticket["assignee_id"]
    assert _agents(stack)[ticket["assignee_id"]]["load"]["chat"] == 1


def test_an_agent_coming_online_takes_the_waiting_chat(stack):
    name = f"Routing-{uuid.uuid4().hex[:6]}"
    requests.post(stack.api("/departments"), json={"name": name}, headers=stack.auth(), timeout=10)
    agent = _agent(stack, name, capacity=2, presence="offline")
    started = _chat(stack, name)
    waiting = wait_for(lambda: (t := _ticket(stack, started["ticket_id"])) and t.get("routing_reason") and t)
    assert waiting["assignee_id"] is None and "offline" in waiting["routing_reason"]

    raised = requests.patch(stack.api(f"/agents/{agent}"), json={"capacity": {"chat": 3}}, headers=stack.auth(),
                            timeout=10)
    assert raised.status_code == 200 and raised.json()["agent"]["capacity"]["chat"] == 3
    from boto3.dynamodb.types import TypeSerializer

    stack.boto("dynamodb").update_item(
        TableName=stack.resources["AGENTS_TABLE"], Key={"pk": {"S": f"AGENT#{agent}"}, "sk": {"S": "AGENT"}},
        UpdateExpression="SET presence = :p", ExpressionAttributeValues={":p": TypeSerializer().serialize("online")})
    stack.tick()  # the clock's safety net drains every queue

    assert wait_for(lambda: (t := _ticket(stack, started["ticket_id"])) and t.get("assignee_id")) == agent


def test_concurrent_routers_never_push_an_agent_over_capacity(stack, parley_env):
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services import routing

    name = f"Race-{uuid.uuid4().hex[:6]}"
    requests.post(stack.api("/departments"), json={"name": name}, headers=stack.auth(), timeout=10)
    started = [_chat(stack, name, f"Race {i}") for i in range(12)]
    wait_for(lambda: all((t := _ticket(stack, s["ticket_id"])) and t.get("routing_reason") for s in started),
             message="every chat queued")
    agents = [_agent(stack, name, capacity=2) for _ in range(3)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: routing.drain(name), range(8)))

    tickets = [ticket_store().get_ticket(s["ticket_id"]) for s in started]
    assigned = [t["assignee_id"] for t in tickets if t.get("assignee_id")]
    assert len(assigned) == 6, "3 agents × capacity 2"
    assert all(assigned.count(a) == 2 for a in agents)
    loads = _agents(stack)
    assert all(loads[a]["load"]["chat"] == 2 for a in agents)
    audits = [ticket_store().audit(t["id"]) for t in tickets if t.get("assignee_id")]
    assert all(sum(a["action"] == "assigned" for a in audit) == 1 for audit in audits), "never assigned twice"



def test_an_unanswered_chat_offer_moves_to_the_next_agent_and_sets_the_silent_one_away(stack):
    name = f"Offers-{uuid.uuid4().hex[:6]}"
    assert requests.post(stack.api("/departments"), json={"name": name, "offer_timeout_seconds": 30},
                         headers=stack.auth(), timeout=10).status_code == 201
    first = _agent(stack, name, capacity=1)
    started = _chat(stack, name, "Is anyone there?")
    offered = wait_for(lambda: (t := _ticket(stack, started["ticket_id"])) and t.get("assignee_id") and t)
    assert offered["assignee_id"] == first and offered["offered_to"] == first
    second = _agent(stack, name, capacity=1)

    requests.post(f"{stack.url}/_local/clock/advance", json={"seconds": 31}, timeout=10)
    stack.tick()

    moved = _ticket(stack, started["ticket_id"])
    assert moved["assignee_id"] == second and moved["offered_to"] == second
    agents = _agents(stack)
    assert agents[first]["presence"] == "away" and agents[first]["load"]["chat"] == 0
    assert agents[second]["load"]["chat"] == 1
    audit = requests.get(stack.api(f"/tickets/{moved['id']}"), headers=stack.auth(), timeout=10).json()["audit"]
    assert any(a["action"] == "offer_expired" for a in audit)

