"""Which outbound deliveries already happened (idempotency table, expired by TTL after a week)."""
from __future__ import annotations

import time
from typing import Any

from chalicelib.store.dynamo import value

KEEP_SECONDS = 7 * 24 * 3600


class DeliveryLog:
    """Remembers "this webhook received this event" so retries never send a duplicate."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def delivered(self, key: str) -> bool:
        """True if key was marked delivered."""
        return "Item" in self._db.get_item(TableName=self._table, Key={"id": value(f"delivered#{key}")})

    def mark(self, key: str) -> None:
        """Mark key delivered."""
        self._db.put_item(TableName=self._table, Item={"id": value(f"delivered#{key}"),
                                                       "expiration": value(int(time.time()) + KEEP_SECONDS)})
