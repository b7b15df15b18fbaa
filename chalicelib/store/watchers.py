"""Which agent connections follow a conversation, kept in the connections table (expired by TTL).

A watch is an item beside the connection items: its key is "watch#<conversation>#<connection>" and its
``principal`` is "conversation#<conversation>", so the table's ByPrincipal index lists a conversation's
watchers in one query.
"""
from __future__ import annotations

from typing import Any

from chalicelib.store.dynamo import from_item, to_item, value

WATCH_TTL_SECONDS = 2 * 60 * 60
REMEMBERED_WATCHES = 8192


def _audience(conversation_id: str) -> str:
    return f"conversation#{conversation_id}"


def _key(conversation_id: str, connection_id: str) -> str:
    return f"watch#{conversation_id}#{connection_id}"


class WatcherStore:
    """Agent connections that opened a conversation and want its live frames."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table
        self._written: dict[str, int] = {}  # watch key -> expires_at, for the watches this process wrote

    def watch(self, conversation_id: str, connection_id: str, now: int) -> None:
        """Let connection_id receive the conversation's frames; renewed once less than half its time is left."""
        key = _key(conversation_id, connection_id)
        if self._written.get(key, 0) - now > WATCH_TTL_SECONDS // 2:
            return
        self._db.put_item(TableName=self._table, Item=to_item({
            "connection_id": key, "principal": _audience(conversation_id),
            "target": connection_id, "kind": "watch", "expires_at": now + WATCH_TTL_SECONDS}))
        if len(self._written) >= REMEMBERED_WATCHES:
            self._written.clear()
        self._written[key] = now + WATCH_TTL_SECONDS

    def unwatch(self, conversation_id: str, connection_id: str) -> None:
        """Stop sending the conversation's frames to connection_id."""
        self._written.pop(_key(conversation_id, connection_id), None)
        self._db.delete_item(TableName=self._table,
                             Key={"connection_id": value(_key(conversation_id, connection_id))})

    def watchers(self, conversation_id: str, now: int) -> list[str]:
        """Connection ids watching the conversation that have not expired (one query)."""
        result = self._db.query(
            TableName=self._table, IndexName="ByPrincipal", KeyConditionExpression="principal = :p",
            FilterExpression="expires_at > :now",
            ExpressionAttributeValues={":p": value(_audience(conversation_id)), ":now": value(now)})
        return [from_item(i)["target"] for i in result["Items"]]
