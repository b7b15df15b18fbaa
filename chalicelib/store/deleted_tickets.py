"""Deleting a ticket (tickets table): it leaves every index at once and a tombstone keeps its last state.

    TICKET#<id> / TICKET    deleted (so the ticket drops out of GSI1–GSI4: lists, search, queues)
    TICKET#<id> / DELETED   the ticket as it was, with deleted_at and deleted_by (restore, erasure)

Messages, audit entries and the conversation stay where they are; the audit gains a "ticket_deleted" entry.
"""
from __future__ import annotations

from typing import Any

from chalicelib.domain.events import DomainEvent
from chalicelib.store import keys
from chalicelib.store.dynamo import from_item, to_item, transaction_failed_on_condition, value
from chalicelib.store.tickets import stale_ticket_error


def tombstone_key(ticket_id: int) -> dict[str, str]:
    return {"pk": f"TICKET#{ticket_id}", "sk": "DELETED"}


class DeletedTicketStore:
    """Soft deletion: one transaction removes the ticket and writes its tombstone, audit entry and outbox rows."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def delete(self, ticket: dict[str, Any], deleted: dict[str, Any], events: list[DomainEvent],
               audit: dict[str, Any], extra: list[dict[str, Any]] = ()) -> None:
        """Remove ticket if its version is still the one read; ConflictError (409) otherwise.

        extra: further transaction items that commit with it (the assignee's capacity given back).
        """
        items = [
            {"Delete": {"TableName": self._table, "Key": to_item(keys.ticket(ticket["id"])),
                        "ConditionExpression": "#ver = :expected", "ExpressionAttributeNames": {"#ver": "version"},
                        "ExpressionAttributeValues": {":expected": value(ticket["version"])}}},
            {"Put": {"TableName": self._table,
                     "Item": to_item({**tombstone_key(ticket["id"]), "kind": "deleted_ticket", **deleted})}},
            {"Put": {"TableName": self._table, "Item": to_item({**keys.audit(ticket["id"], audit["at"], audit["id"]),
                                                                "kind": "audit", **audit})}},
            *({"Put": {"TableName": self._table,  # the outbox row shape TicketStore writes
                       "Item": to_item({**keys.outbox(e.id), "kind": "outbox", "gsi1pk": "OUTBOX",
                                        "gsi1sk": e.occurred_at, **e.to_dict()})}} for e in events),
            *extra,
        ]
        try:
            self._db.transact_write_items(TransactItems=items)
        except self._db.exceptions.TransactionCanceledException as error:
            if "ConditionalCheckFailed" in transaction_failed_on_condition(error):
                raise stale_ticket_error(ticket["id"], ticket["version"]) from None
            raise

    def get(self, ticket_id: int) -> dict[str, Any] | None:
        """A deleted ticket's last state with deleted_at and deleted_by, or None."""
        item = self._db.get_item(TableName=self._table, Key=to_item(tombstone_key(ticket_id))).get("Item")
        if not item:
            return None
        return {k: v for k, v in from_item(item).items() if k not in ("pk", "sk", "kind")}
