"""Helpers for the business-rules tests over the local stack: rules that clean up after themselves,
customer contacts on the inbound queue (as channel webhooks deliver them), tickets, the clock."""
from __future__ import annotations

import json
import uuid
from typing import Any

import requests

from tests.conftest import wait_for


class Rules:
    """Creates rules through the admin API and deletes them when the test ends."""

    def __init__(self, stack: Any):
        self.stack = stack
        self._created: list[str] = []

    def create(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(self.stack.api(f"/{collection}"), json=body, headers=self.stack.auth(), timeout=10)
        assert response.status_code == 201, response.text
        created = next(iter(response.json().values()))
        self._created.append(f"/{collection}/{created['id']}")
        return created

    def cleanup(self) -> None:
        for path in reversed(self._created):
            requests.delete(self.stack.api(path), headers=self.stack.auth(), timeout=10)


def uid() -> str:
    return uuid.uuid4().hex[:8]


def department(stack: Any, prefix: str = "Rules") -> str:
    name = f"{prefix}-{uid()}"
    response = requests.post(stack.api("/departments"), json={"name": name}, headers=stack.auth(), timeout=10)
    assert response.status_code == 201, response.text
    return name


def online_agent(stack: Any, department_name: str, capacity: int = 3, presence: str = "online") -> str:
    """An agent of the department, online unless said otherwise (written as an admin's tooling would)."""
    from boto3.dynamodb.types import TypeSerializer

    agent_id = f"a_{uid()}"
    item = {"pk": f"AGENT#{agent_id}", "sk": "AGENT", "kind": "agent", "gsi1pk": "AGENTS",
            "gsi1sk": f"{agent_id}@parley.test", "id": agent_id, "email": f"{agent_id}@parley.test",
            "name": f"Agent {agent_id}", "role": "agent", "presence": presence, "departments": [department_name],
            "skills": {}, "capacity": {"chat": capacity, "messaging": capacity, "email": capacity, "sms": capacity,
                                       "phone": 0}, "load": {}}
    serialize = TypeSerializer().serialize
    stack.boto("dynamodb").put_item(TableName=stack.resources["AGENTS_TABLE"],
                                    Item={k: serialize(v) for k, v in item.items()})
    return agent_id


def chat(stack: Any, text: str, *, department_name: str | None = None, channel: str = "chat",
         name: str = "Chat Visitor") -> dict[str, Any]:
    """A visitor starts a chat in the widget; returns its ids and the visitor's Authorization header."""
    session = requests.post(stack.api("/sdk/sessions"), json={"name": name}, timeout=10).json()
    auth = {"Authorization": f"Bearer {session['visitor_token']}"}
    body: dict[str, Any] = {"message": text, "channel": channel}
    if department_name:
        body["department"] = department_name
    started = requests.post(stack.api("/sdk/conversations"), json=body, headers=auth, timeout=10)
    assert started.status_code == 201, started.text
    return {**started.json(), "auth": auth, "customer_id": session["customer_id"]}


def say(stack: Any, conversation: dict[str, Any], text: str) -> None:
    """The visitor writes again in the same conversation."""
    response = requests.post(stack.api(f"/sdk/conversations/{conversation['conversation_id']}/messages"),
                             json={"body": text}, headers=conversation["auth"], timeout=10)
    assert response.status_code == 201, response.text


def contact(stack: Any, channel: str, address: str, body: str, subject: str | None = None,
            name: str = "Customer") -> None:
    """A customer message on the inbound queue, as a channel webhook or the mail receiver queues it."""
    message_id = uuid.uuid4().hex
    payload = {"kind": "customer_message", "channel": channel, "message_id": message_id, "body": body,
               "identity": [channel, address], "customer_name": name, "subject": subject}
    stack.boto("sqs").send_message(QueueUrl=stack.resources["INBOUND_QUEUE_URL"], MessageBody=json.dumps(payload),
                                   MessageGroupId=f"{channel}:{address}", MessageDeduplicationId=message_id)


def ticket(stack: Any, ticket_id: int) -> dict[str, Any] | None:
    response = requests.get(stack.api(f"/tickets/{ticket_id}"), headers=stack.auth(), timeout=10)
    return response.json() if response.ok else None


def wait_ticket(stack: Any, ticket_id: int, check=lambda t: True, message: str = "the ticket") -> dict[str, Any]:
    """The ticket (with messages and audit) once check(ticket) holds."""
    return wait_for(lambda: (shown := ticket(stack, ticket_id)) and check(shown["ticket"]) and shown,
                    timeout=20, message=message)


def customer_tickets(stack: Any, customer_id: str) -> list[dict[str, Any]]:
    response = requests.get(stack.api(f"/tickets?requester={customer_id}"), headers=stack.auth(), timeout=10)
    assert response.ok, response.text
    return response.json()["tickets"]


def find_by_subject(stack: Any, word: str) -> dict[str, Any] | None:
    response = requests.get(stack.api("/tickets?limit=50"), headers=stack.auth(), timeout=10)
    return next((t for t in response.json()["tickets"] if word in t["subject"]), None)


def patch(stack: Any, ticket_id: int, changes: dict[str, Any], who: str = "admin@parley.test") -> dict[str, Any]:
    response = requests.patch(stack.api(f"/tickets/{ticket_id}"), json=changes, headers=stack.auth(who), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["ticket"]


def reply(stack: Any, ticket_id: int, body: str, who: str = "admin@parley.test") -> None:
    response = requests.post(stack.api(f"/tickets/{ticket_id}/messages"), json={"body": body, "public": True},
                             headers=stack.auth(who), timeout=10)
    assert response.status_code == 201, response.text


def advance(stack: Any, seconds: float) -> str:
    """Move Parley's clock forward (the local stack's injectable clock) and return the new now."""
    response = requests.post(f"{stack.url}/_local/clock/advance", json={"seconds": seconds}, timeout=10)
    assert response.ok, response.text
    return response.json()["now"]


def tick(stack: Any) -> dict[str, Any]:
    """Fire the one-minute clock now; returns what it did."""
    return requests.post(f"{stack.url}/_local/clock/tick", timeout=120).json()
