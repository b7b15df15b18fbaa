"""Candidate tickets for search, newest first, read from the index partitions that fit the query.

Every ticket index sorts by the same key, ``<created_at>#<id, 10 digits>`` (GSI1 status, GSI2 requester,
GSI3 assignee, GSI4 created month), so the union of several partitions is a lazy k-way merge, and
"continue after ticket X" is a sort-key condition (``sk < X``) on each partition: no scan, no offsets.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from chalicelib.store import keys
from chalicelib.store.dynamo import from_item, to_item, value

_HIDDEN = {"pk", "sk", "kind", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk"}


@dataclass(frozen=True)
class Partition:
    """One index partition whose sort key is the ticket order key."""

    index: str  # "GSI1".."GSI4"
    key: str    # e.g. "STATUS#open"


def order_key(ticket: dict[str, Any]) -> str:
    """Where a ticket sorts in every index: created time, then id."""
    return f"{ticket['created_at']}#{int(ticket['id']):010d}"


def month_partitions(newest: str, oldest: str) -> list[Partition]:
    """GSI4 partitions from month newest back to month oldest ("2026-03" … "2025-11")."""
    months: list[Partition] = []
    month = newest
    while month >= oldest:
        months.append(Partition("GSI4", keys.month_bucket(month + "-01")))
        year, mon = int(month[:4]), int(month[5:7])
        month = f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"
    return months


class TicketSearchStore:
    """Reads index partitions page by page, only as far as the caller iterates."""

    def __init__(self, dynamodb: Any, table: str, page_size: int = 100):
        self._db = dynamodb
        self._table = table
        self._page_size = page_size
        self.items_read = 0

    def first_month(self) -> str | None:
        """The month of the oldest ticket ("2025-11"), where a walk over all months stops."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.counter("ticket")),
                                 ProjectionExpression="first_month").get("Item") or {}
        return from_item(item).get("first_month")

    def merged(self, partitions: Iterable[Partition], *, lower: str | None, upper: str | None) -> Iterator[dict]:
        """Tickets of several partitions merged newest first, with lower <= order key < upper."""
        streams = [self.partition(p, lower=lower, upper=upper) for p in partitions]
        return heapq.merge(*streams, key=order_key, reverse=True)

    def chained(self, partitions: Iterable[Partition], *, lower: str | None, upper: str | None) -> Iterator[dict]:
        """Tickets of partitions that hold disjoint, newer-to-older ranges (months), read one after another."""
        return itertools.chain.from_iterable(self.partition(p, lower=lower, upper=upper) for p in partitions)

    def partition(self, partition: Partition, *, lower: str | None, upper: str | None) -> Iterator[dict]:
        """One partition newest first, lower <= order key < upper, a page per Query as iteration needs it."""
        name = partition.index.lower()
        condition = f"{name}pk = :pk"
        values: dict[str, Any] = {":pk": value(partition.key)}
        if lower and upper:
            condition += f" AND {name}sk BETWEEN :lo AND :hi"
            values.update({":lo": value(lower), ":hi": value(upper)})
        elif upper:
            condition += f" AND {name}sk < :hi"
            values[":hi"] = value(upper)
        elif lower:
            condition += f" AND {name}sk >= :lo"
            values[":lo"] = value(lower)
        params: dict[str, Any] = {"TableName": self._table, "IndexName": partition.index,
                                  "KeyConditionExpression": condition, "ExpressionAttributeValues": values,
                                  "ScanIndexForward": False, "Limit": self._page_size}
        while True:
            result = self._db.query(**params)
            for item in result["Items"]:
                self.items_read += 1
                ticket = {k: v for k, v in from_item(item).items() if k not in _HIDDEN}
                if upper is None or order_key(ticket) < upper:
                    yield ticket
            if "LastEvaluatedKey" not in result:
                return
            params["ExclusiveStartKey"] = result["LastEvaluatedKey"]
