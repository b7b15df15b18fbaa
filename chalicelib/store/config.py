"""Admin-defined rules stored as data in the agents table: assignment rules, triggers, automations, macros,
SLA policies, schedules. Hot paths read them through a short per-container cache."""
from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib.errors import NotFoundError
from chalicelib.store.dynamo import from_item, to_item, value

KINDS = ("assignment_rule", "trigger", "automation", "macro", "sla_policy", "schedule", "settings", "view")
CACHE_SECONDS = 30.0


def _key(kind: str, item_id: str) -> dict[str, str]:
    return {"pk": f"CONFIG#{kind}#{item_id}", "sk": "CONFIG"}


class ConfigStore:
    """CRUD for rule-like items, listed in position order with one query per kind."""

    def __init__(self, dynamodb: Any, table: str, cache_seconds: float = CACHE_SECONDS):
        self._db = dynamodb
        self._table = table
        self._cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._generation: dict[str, int] = {}
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()

    def put(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        """Create or replace one item (its "id" and "position" are required)."""
        position = int(item.get("position", 0))
        self._db.put_item(TableName=self._table, Item=to_item({
            **_key(kind, item["id"]), "kind": kind, "gsi1pk": f"CONFIG#{kind}",
            "gsi1sk": f"{position:08d}#{item['id']}", **item}))
        self._forget(kind)
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
        self._forget(kind)

    def list(self, kind: str, *, fresh: bool = False) -> list[dict[str, Any]]:
        """Every item of a kind by position; cached for CACHE_SECONDS unless fresh."""
        with self._lock:
            cached = self._cache.get(kind)
            if cached and not fresh and time.monotonic() - cached[0] < self._cache_seconds:
                return cached[1]
            generation = self._generation.get(kind, 0)
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"TableName": self._table, "IndexName": "GSI1",
                                  "KeyConditionExpression": "gsi1pk = :pk",
                                  "ExpressionAttributeValues": {":pk": value(f"CONFIG#{kind}")}}
        while True:
            result = self._db.query(**params)
            items.extend(_clean(i) for i in result["Items"])
            if "LastEvaluatedKey" not in result:
                break
            params["ExclusiveStartKey"] = result["LastEvaluatedKey"]
        with self._lock:
            if self._generation.get(kind, 0) == generation:  # no write in this container since the query began
                self._cache[kind] = (time.monotonic(), items)
        return items

    def _forget(self, kind: str) -> None:
        with self._lock:
            self._cache.pop(kind, None)
            self._generation[kind] = self._generation.get(kind, 0) + 1


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(item).items() if k not in ("pk", "sk", "kind", "gsi1pk", "gsi1sk")}
