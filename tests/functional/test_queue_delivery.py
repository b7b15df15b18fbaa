"""The inbound queue: redelivered contacts change nothing; poison contacts end in the DLQ, not lost."""
from __future__ import annotations

import json
import uuid

import requests

from tests.conftest import wait_for


def _send(stack, contact, dedup):
    stack.boto("sqs").send_message(QueueUrl=stack.resources["INBOUND_QUEUE_URL"], MessageBody=json.dumps(contact),
                                   MessageGroupId=contact.get("conversation_id", "poison"),
                                   MessageDeduplicationId=dedup)


def test_a_redelivered_contact_creates_one_ticket_with_one_message(stack, visitor):
    started = requests.post(stack.api("/sdk/conversations"), json={"message": "Deliver me twice"},
                            headers={"Authorization": visitor["Authorization"]}, timeout=10).json()
    wait_for(lambda: requests.get(stack.api(f"/tickets/{started['ticket_id']}"), headers=stack.auth(),
                                  timeout=10).ok)
    contact = {"kind": "customer_message", "channel": "chat", "message_id": started["message_id"],
               "body": "Deliver me twice", "customer_id": visitor["customer_id"],
               "ticket_id": started["ticket_id"], "conversation_id": started["conversation_id"],
               "new_ticket_only": True}
    _send(stack, contact, dedup=uuid.uuid4().hex)  # a new dedup id: SQS delivers it again
    marker = requests.post(stack.api(f"/sdk/conversations/{started['conversation_id']}/messages"),
                           json={"body": "after the duplicate"}, headers={"Authorization": visitor["Authorization"]},
                           timeout=10)
    assert marker.status_code == 201

    def shown():
        ticket = requests.get(stack.api(f"/tickets/{started['ticket_id']}"), headers=stack.auth(), timeout=10).json()
        return ticket if ticket["messages"][-1]["body"] == "after the duplicate" else None

    ticket = wait_for(shown, message="the marker message")
    assert [m["body"] for m in ticket["messages"]] == ["Deliver me twice", "after the duplicate"]
    assert [a["action"] for a in ticket["audit"]].count("ticket_created") == 1


def test_a_poison_contact_goes_to_the_dead_letter_queue(stack):
    sqs = stack.boto("sqs")
    dlq = sqs.get_queue_url(QueueName=stack.resources["INBOUND_QUEUE_URL"].rsplit("/", 1)[1]
                            .replace("InboundQueue", "InboundDLQ"))["QueueUrl"]
    poison = {"kind": "nonsense", "conversation_id": f"poison-{uuid.uuid4().hex}"}
    _send(stack, poison, dedup=uuid.uuid4().hex)

    def in_dlq():
        messages = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        return [m for m in messages if json.loads(m["Body"]) == poison]

    found = wait_for(in_dlq, timeout=60, interval=0.3, message="the poison contact in the DLQ")
    assert len(found) == 1
    assert "contact kind 'nonsense' is not one of customer_message, delivery_status" in stack.log_text()
