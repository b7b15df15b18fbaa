"""Keeps local data across restarts of the stack: DynamoDB items are saved to .local/ and loaded back.

moto holds everything in memory, so the stack snapshots the tables periodically and on exit.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("parley.local")


def save(dynamodb: Any, tables: list[str], path: Path) -> int:
    """Write every item of tables to path (atomically); returns the item count."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": table}
        while True:
            page = dynamodb.scan(**kwargs)  # local tooling only: the product never scans
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        snapshot[table] = items
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(snapshot))
    temporary.replace(path)
    return sum(len(items) for items in snapshot.values())


def load(dynamodb: Any, path: Path) -> int:
    """Put the saved items back; returns the item count (0 when there is no snapshot)."""
    if not path.exists():
        return 0
    try:
        snapshot = json.loads(path.read_text())
    except ValueError:
        log.warning("ignoring unreadable local snapshot %s", path)
        return 0
    count = 0
    for table, items in snapshot.items():
        for start in range(0, len(items), 25):
            request = {table: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
            while request:
                request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or None
        count += len(items)
    return count
