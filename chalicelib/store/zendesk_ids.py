"""Stable whole-number ids for the Zendesk-compatible API.

Zendesk ids are integers; Parley's customer, agent and department ids are strings. Each one gets a
number the first time the Zendesk API shows it, kept in two items of the tickets table so both
directions are one GetItem:

    ZID#<space>#<number> / ZID    ref      (number → Parley id)
    ZREF#<space>#<ref>   / ZREF   number   (Parley id → number)
    COUNTER#zendesk_<space> / COUNTER      (the next number)

Spaces: "user" (refs "customer:<id>" and "agent:<id>": Zendesk users are both) and "group"
(refs are department names, lowercase).
"""
from __future__ import annotations

from typing import Any, Iterable

from chalicelib.store.dynamo import from_item, to_item, value

USER = "user"
GROUP = "group"


def number_key(space: str, number: int) -> dict[str, str]:
    return {"pk": f"ZID#{space}#{number}", "sk": "ZID"}


def ref_key(space: str, ref: str) -> dict[str, str]:
    return {"pk": f"ZREF#{space}#{ref}", "sk": "ZREF"}


def counter_key(space: str) -> dict[str, str]:
    return {"pk": f"COUNTER#zendesk_{space}", "sk": "COUNTER"}


class ZendeskIdStore:
    """Numbers ↔ Parley ids, allocated on first use and never reused."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def ref_for(self, space: str, number: int) -> str | None:
        """The Parley ref a number stands for, or None (one get)."""
        item = self._db.get_item(TableName=self._table, Key=to_item(number_key(space, number))).get("Item")
        return from_item(item)["ref"] if item else None

    def number_for(self, space: str, ref: str) -> int:
        """The number of ref, allocated now if it has none."""
        return self.numbers_for(space, [ref])[ref]

    def numbers_for(self, space: str, refs: Iterable[str]) -> dict[str, int]:
        """Numbers for many refs: one BatchGetItem per 100, plus an allocation for each ref seen first."""
        wanted = list(dict.fromkeys(r for r in refs if r))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 100):
            request = {self._table: {"Keys": [to_item(ref_key(space, r)) for r in wanted[start:start + 100]]}}
            while request:
                result = self._db.batch_get_item(RequestItems=request)
                for item in result["Responses"].get(self._table, []):
                    row = from_item(item)
                    found[row["ref"]] = int(row["number"])
                request = result.get("UnprocessedKeys") or None
        for ref in wanted:
            if ref not in found:
                found[ref] = self._allocate(space, ref)
        return found

    def _allocate(self, space: str, ref: str) -> int:
        number = int(self._db.update_item(
            TableName=self._table, Key=to_item(counter_key(space)), UpdateExpression="ADD #v :one",
            ExpressionAttributeNames={"#v": "value"}, ExpressionAttributeValues={":one": value(1)},
            ReturnValues="UPDATED_NEW")["Attributes"]["value"]["N"])
        try:
            self._db.transact_write_items(TransactItems=[
                {"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(pk)",
                         "Item": to_item({**ref_key(space, ref), "kind": "zendesk_ref", "ref": ref,
                                          "number": number})}},
                {"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(pk)",
                         "Item": to_item({**number_key(space, number), "kind": "zendesk_id", "ref": ref})}},
            ])
        except self._db.exceptions.TransactionCanceledException:
            # another request numbered this ref a moment ago: theirs wins, this number stays unused
            item = self._db.get_item(TableName=self._table, Key=to_item(ref_key(space, ref)),
                                     ConsistentRead=True).get("Item")
            if item is None:
                raise
            return int(from_item(item)["number"])
        return number
