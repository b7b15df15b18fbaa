"""Admin-defined rules stored as data in the agents table: assignment rules, triggers, automations, macros,
SLA policies, schedules.

Hot paths read them through a per-container cache that is exact: every write bumps one stored revision,
and an invocation reads that revision (one GetItem) before it first uses a cached list, so a rule an
admin saved applies to the very next ticket change, whichever container handles it. Routing's cache of
departments keys on the same revision.
"""
from __future__ import annotations

import threading
from typing import Any

from chalicelib.errors import NotFoundError
from chalicelib.observability import invocation_number
from chalicelib.store.dynamo import from_item, query_all, to_item, value

KINDS = ("assignment_rule", "trigger", "automation", "macro", "sla_policy", "schedule", "settings", "view")
_REVISION_KEY = {"pk": "CONFIG#revision", "sk": "CONFIG"}


def _key(kind: str, item_id: str) -> dict[str, str]:
    return {"pk": f"CONFIG#{kind}#{item_id}", "sk": "CONFIG"}


class ConfigStore:
    """CRUD for rule-like items, listed in position order with one query per kind."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table
        self._cache: dict[str, tuple[int, list[dict[str, Any]]]] = {}  # kind -> (revision read before, items)
        self._seen = threading.local()  # (invocation number, revision) this thread last read

    def put(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        """Create or replace one item (its "id" and "position" are required)."""
        position = int(item.get("position", 0))
        self._db.put_item(TableName=self._table, Item=to_item({
            **_key(kind, item["id"]), "kind": kind, "gsi1pk": f"CONFIG#{kind}",
            "gsi1sk": f"{position:08d}#{item['id']}", **item}))
        self.bump()
        return item

    def get(self, kind: str, item_id: str) -> dict[str, Any]:
        """One item; NotFoundError when there is none."""
        item = self._db.get_item(TableName=self._table, Key=to_item(_key(kind, item_id))).get("Item")
        if not item:
            raise NotFoundError(f"{kind.replace('_', ' ')} {item_id} not found")
        return _clean(item)

    def delete(self, kind: str, item_id: str) -> None:
        """Remove one item; NotFoundError when there is none."""
        try:
            self._db.delete_item(TableName=self._table, Key=to_item(_key(kind, item_id)),
                                 ConditionExpression="attribute_exists(pk)")
        except self._db.exceptions.ConditionalCheckFailedException:
            raise NotFoundError(f"{kind.replace('_', ' ')} {item_id} not found") from None
        self.bump()

    def list(self, kind: str, *, fresh: bool = False) -> list[dict[str, Any]]:
        """Every item of a kind by position (from the cache while the stored revision is unchanged)."""
        revision = self.revision(fresh)
        cached = self._cache.get(kind)
        if cached and cached[0] == revision:
            return cached[1]
        items = [_clean(i) for i in query_all(self._db, TableName=self._table, IndexName="GSI1",
                                              KeyConditionExpression="gsi1pk = :pk",
                                              ExpressionAttributeValues={":pk": value(f"CONFIG#{kind}")})]
        self._cache[kind] = (revision, items)  # read before the query: a write meanwhile shows next time
        return items

    def revision(self, fresh: bool = False) -> int:
        """The stored revision of admin settings, read once per invocation (always outside one, or when fresh);
        a container's cache of any admin setting is exact while it is unchanged."""
        number = invocation_number()
        seen = getattr(self._seen, "revision", None)
        if seen and number and seen[0] == number and not fresh:
            return seen[1]
        item = self._db.get_item(TableName=self._table, Key=to_item(_REVISION_KEY),
                                 ConsistentRead=True).get("Item")
        revision = int(from_item(item)["revision"]) if item else 0
        self._seen.revision = (number, revision)
        return revision

    def revision_to_read(self) -> tuple[str, dict[str, Any]] | None:
        """(table, key) of the revision item when this invocation has not read it yet (None when it has), for a
        caller that reads it along with something else in one BatchGetItem (consistently) and hands it to
        `saw_revision`."""
        number = invocation_number()
        seen = getattr(self._seen, "revision", None)
        if number and seen and seen[0] == number:
            return None
        return self._table, _REVISION_KEY

    def saw_revision(self, item: dict[str, Any] | None) -> None:
        """The revision item (raw, or None when there is none) a caller read for this invocation."""
        self._seen.revision = (invocation_number(), int(from_item(item)["revision"]) if item else 0)

    def bump(self) -> None:
        """Make every container read admin settings again (after a rule or a department changed)."""
        self._db.update_item(TableName=self._table, Key=to_item(_REVISION_KEY), UpdateExpression="ADD revision :one",
                             ExpressionAttributeValues={":one": value(1)})
        self._seen.revision = None


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(item).items() if k not in ("pk", "sk", "kind", "gsi1pk", "gsi1sk")}
