"""A live customer message is stored at once, and queued for the ingest consumer whenever it cannot be:
write races are retried on the new version, AWS failures queue it, and a conversation whose first
message is still queued keeps its order (fakes, no AWS)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib import bootstrap
from chalicelib.errors import ConflictError
from chalicelib.services import conversations, ingest
from chalicelib.services.ingest import Contact, Stored

CONVERSATION = {"ticket_id": 42, "customer_id": "cust-1", "channel": "chat", "last_seq": 3}


def contact() -> Contact:
    return Contact(channel="chat", message_id="m-1", body="Hello?", customer_id="cust-1", conversation_id="conv-1")


class Receiver:
    """Stands in for ingest's write: fails with the given errors first, then stores at seq 4."""

    def __init__(self, *failures: Exception):
        self.failures = list(failures)
        self.known: list[dict | None] = []

    def __call__(self, contact: Contact, conversation: dict | None = None) -> Stored:
        self.known.append(conversation)
        if self.failures:
            raise self.failures.pop(0)
        return Stored({"id": 42}, 4)


def test_a_lost_write_race_is_written_again_on_a_fresh_read(monkeypatch):
    receiver = Receiver(ConflictError("ticket 42 changed"), ConflictError("ticket 42 changed"))
    monkeypatch.setattr(ingest, "_receive", receiver)
    assert ingest.store_now(contact(), CONVERSATION) == Stored({"id": 42}, 4)
    assert receiver.known == [CONVERSATION, None, None]  # the caller's copy first, then read again


def test_a_message_that_cannot_be_stored_now_is_left_to_the_queue(monkeypatch):
    monkeypatch.setattr(ingest, "_receive", Receiver(ClientError({"Error": {"Code": "InternalServerError"}},
                                                                 "TransactWriteItems")))
    assert ingest.store_now(contact(), CONVERSATION) is None
    monkeypatch.setattr(ingest, "_receive", Receiver(*[ConflictError("changed")] * ingest.STORE_NOW_ATTEMPTS))
    assert ingest.store_now(contact(), CONVERSATION) is None


class FakeQueue:
    def __init__(self):
        self.sent: list[tuple[dict, str]] = []

    def send(self, body, group_id, dedup_id):
        self.sent.append((body, group_id))


@pytest.fixture
def queue(monkeypatch):
    fake = FakeQueue()
    monkeypatch.setattr(bootstrap, "inbound_queue", lambda: fake)
    return fake


def test_the_customer_learns_the_seq_when_stored_and_queued_otherwise(monkeypatch, queue):
    monkeypatch.setattr(conversations, "store_now", lambda contact, conversation: Stored({"id": 42}, 4))
    added = conversations.add_customer_message(customer_id="cust-1", conversation_id="conv-1", body="Hi",
                                               client_msg_id="m-1", conversation=CONVERSATION)
    assert (added["status"], added["seq"], queue.sent) == ("stored", 4, [])

    monkeypatch.setattr(conversations, "store_now", lambda contact, conversation: None)
    added = conversations.add_customer_message(customer_id="cust-1", conversation_id="conv-1", body="Hi again",
                                               client_msg_id="m-2", conversation=CONVERSATION)
    assert added["status"] == "queued" and "seq" not in added
    [(body, group)] = queue.sent
    assert (body["message_id"], body["body"], group) == ("m-2", "Hi again", "conv-1")


def test_a_follow_up_to_a_first_message_still_queued_waits_behind_it(monkeypatch, queue):
    monkeypatch.setattr(conversations, "store_now", lambda contact, conversation: pytest.fail("overtook"))
    added = conversations.add_customer_message(customer_id="cust-1", conversation_id="conv-1", body="Still there?",
                                               client_msg_id="m-3", conversation={**CONVERSATION, "last_seq": 0})
    assert added["status"] == "queued"
    assert [group for _, group in queue.sent] == ["conv-1"]
