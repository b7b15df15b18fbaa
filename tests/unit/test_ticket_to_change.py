"""A ticket about to change comes with the admin-settings revision the rules need, in one round trip, once per
invocation (fake DynamoDB client; the real ConfigStore and TicketStore)."""
from __future__ import annotations

import pytest

from chalicelib import bootstrap
from chalicelib.observability import invocation
from chalicelib.services.tickets import ticket_to_change
from chalicelib.store.config import ConfigStore
from chalicelib.store.dynamo import to_item
from chalicelib.store.tickets import TicketStore


class FakeDynamo:
    """Answers GetItem and BatchGetItem from two tables' items; records each call's name."""

    def __init__(self):
        self.calls: list[str] = []
        self.items = {("tickets", "TICKET#7"): to_item({"pk": "TICKET#7", "sk": "TICKET", "kind": "ticket", "id": 7,
                                                         "subject": "Broken lamp", "version": 3}),
                      ("agents", "CONFIG#revision"): to_item({"pk": "CONFIG#revision", "sk": "CONFIG", "revision": 12})}

    def get_item(self, TableName, Key, **kwargs):
        self.calls.append("GetItem")
        found = self.items.get((TableName, Key["pk"]["S"]))
        return {"Item": found} if found else {}

    def batch_get_item(self, RequestItems):
        self.calls.append("BatchGetItem")
        assert RequestItems["agents"]["ConsistentRead"] is True
        return {"Responses": {table: [self.items[(table, key["pk"]["S"])] for key in request["Keys"]
                                      if (table, key["pk"]["S"]) in self.items]
                              for table, request in RequestItems.items()}}


@pytest.fixture
def dynamo(monkeypatch):
    fake = FakeDynamo()
    config, tickets = ConfigStore(fake, "agents"), TicketStore(fake, "tickets")
    monkeypatch.setattr(bootstrap, "config_store", lambda: config)
    monkeypatch.setattr(bootstrap, "ticket_store", lambda: tickets)
    return fake


def test_the_first_ticket_of_an_invocation_brings_the_settings_revision_in_the_same_read(dynamo):
    with invocation("request-1"):
        assert ticket_to_change(7)["subject"] == "Broken lamp"
        assert bootstrap.config_store().revision() == 12  # known now: no read of its own
        assert ticket_to_change(7)["version"] == 3
    assert dynamo.calls == ["BatchGetItem", "GetItem"]


def test_each_invocation_reads_the_revision_again_and_a_missing_ticket_is_none(dynamo):
    with invocation("request-2"):
        assert ticket_to_change(8) is None
    with invocation("request-3"):
        ticket_to_change(7)
    assert dynamo.calls == ["BatchGetItem", "BatchGetItem"]
