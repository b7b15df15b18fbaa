"""Outbound webhooks: signed deliveries of domain events to an integration, retried until accepted."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.conftest import wait_for


class Receiver:
    """An integration's endpoint on loopback: records deliveries, can refuse the first N."""

    def __init__(self, refuse_first: int = 0):
        self.deliveries: list[tuple[dict, bytes]] = []
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.refused < refuse_first:
                    receiver.refused += 1
                    self.send_response(503)
                else:
                    receiver.deliveries.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def for_ticket(self, ticket_id: int, event: str):
        return [(h, b) for h, b in self.deliveries
                if json.loads(b)["event"] == event and _ticket_id(json.loads(b)["detail"]) == ticket_id]


def _ticket_id(detail):
    return detail.get("ticket", {}).get("id") or detail.get("ticket_id")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _subscribe(stack, url, events=None):
    response = requests.post(stack.api("/webhooks"), json={"url": url, **({"events": events} if events else {})},
                             headers=stack.auth(), timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["webhook"]


def test_a_new_ticket_is_delivered_signed_to_the_subscriber(stack, visitor, receiver):
    hook = _subscribe(stack, receiver.url, ["TicketCreated"])
    started = requests.post(stack.api("/sdk/conversations"), json={"message": "Sync me to the CRM"},
                            headers={"Authorization": visitor["Authorization"]}, timeout=10).json()

    headers, body = wait_for(lambda: receiver.for_ticket(started["ticket_id"], "TicketCreated"),
                             message="the webhook delivery")[0]
    expected = "sha256=" + hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Parley-Signature"] == expected
    assert json.loads(body)["detail"]["ticket"]["subject"] == "Sync me to the CRM"
    listed = requests.get(stack.api("/webhooks"), headers=stack.auth(), timeout=10).json()["webhooks"]
    assert all("secret" not in h for h in listed)
    requests.delete(stack.api(f"/webhooks/{hook['id']}"), headers=stack.auth(), timeout=10)


def test_a_refused_delivery_is_retried_until_accepted_without_duplicates(stack, visitor):
    flaky = Receiver(refuse_first=2)
    hook = _subscribe(stack, flaky.url, ["TicketCreated"])
    started = requests.post(stack.api("/sdk/conversations"), json={"message": "Retry me"},
                            headers={"Authorization": visitor["Authorization"]}, timeout=10).json()
    wait_for(lambda: flaky.for_ticket(started["ticket_id"], "TicketCreated"), timeout=30)
    assert flaky.refused == 2
    assert len(flaky.for_ticket(started["ticket_id"], "TicketCreated")) == 1
    requests.delete(stack.api(f"/webhooks/{hook['id']}"), headers=stack.auth(), timeout=10)
    flaky.server.shutdown()


def test_only_admins_manage_webhooks_and_urls_are_checked(stack):
    agent = requests.post(stack.api("/webhooks"), json={"url": "https://crm.example.com/hook"},
                          headers=stack.auth("agent1@parley.test"), timeout=10)
    assert agent.status_code == 403
    bad = requests.post(stack.api("/webhooks"), json={"url": "ftp://x"}, headers=stack.auth(), timeout=10)
    assert bad.status_code == 400 and "http" in bad.json()["message"]
    unknown = requests.post(stack.api("/webhooks"), json={"url": "https://x.example/h", "events": ["Exploded"]},
                            headers=stack.auth(), timeout=10)
    assert unknown.status_code == 400 and "Exploded" in unknown.json()["message"]


def test_a_trigger_notifies_the_requester_by_email_and_calls_a_webhook(stack, receiver):
    hook = _subscribe(stack, receiver.url, ["CustomerMerged"])  # subscribed to nothing a new ticket emits
    word = f"notify{uuid.uuid4().hex[:6]}"
    trigger = requests.post(stack.api("/triggers"), json={
        "title": f"Acknowledge {word}",
        "conditions": {"all": [{"field": "subject_includes_word", "operator": "includes", "value": word}]},
        "actions": [{"field": "notification_user", "value": ["requester_id", "We got it: #{{ticket.id}}",
                                                              "Thanks {{ticket.requester.name}}"]},
                    {"field": "notification_target", "value": [hook["id"], '{"ticket": "{{ticket.id}}"}']}]},
        headers=stack.auth(), timeout=10)
    assert trigger.status_code == 201, trigger.text
    email = f"{word}@example.com"
    created = requests.post(f"{stack.url}/api/v2/tickets.json", auth=("admin@parley.test", "Parley-admin-1"),
                            json={"ticket": {"subject": f"Help with {word}", "comment": {"body": "Hi"},
                                             "requester": {"name": "Noa", "email": email}}}, timeout=10)
    assert created.status_code == 201, created.text
    ticket_id = created.json()["ticket"]["id"]

    def mailed():
        outbox = requests.get(stack.api("/_local/outbox?channel=email"), headers=stack.auth(), timeout=10).json()
        return [m for m in outbox["items"] if email in str(m)]

    sent = wait_for(mailed, timeout=20, message="the notification email")
    assert f"We got it: #{ticket_id}" in str(sent[0])
    called = wait_for(lambda: [b for _, b in receiver.deliveries if json.loads(b)["event"] == "WebhookRequested"],
                      timeout=20, message="the rule's webhook call")
    assert json.loads(called[0])["detail"]["payload"] == {"ticket": str(ticket_id)}
    requests.delete(stack.api(f"/triggers/{trigger.json()['trigger']['id']}"), headers=stack.auth(), timeout=10)
    requests.delete(stack.api(f"/webhooks/{hook['id']}"), headers=stack.auth(), timeout=10)
