"""All DynamoDB access for open WebSocket connections (expired by TTL)."""
from __future__ import annotations

from typing import Any

from chalicelib.store.dynamo import from_item, to_item, value

CONNECTION_TTL_SECONDS = 2 * 60 * 60


class ConnectionStore:
    """Connections keyed by id, findable by who holds them ("agent#<id>" or "customer#<id>")."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def add(self, connection_id: str, principal: str, connected_at: int, role: str | None = None) -> None:
        """Record a new connection for principal (an agent's role is kept so frames need no lookup)."""
        self._db.put_item(TableName=self._table, Item=to_item({
            "connection_id": connection_id, "principal": principal, "connected_at": connected_at,
            "expires_at": connected_at + CONNECTION_TTL_SECONDS, "role": role,
        }))

    def get(self, connection_id: str) -> dict[str, Any] | None:
        """One connection, or None."""
        item = self._db.get_item(TableName=self._table, Key={"connection_id": value(connection_id)}).get("Item")
        return from_item(item) if item else None

    def remove(self, connection_id: str) -> None:
        """Forget a connection (disconnect, or 410 Gone from @connections)."""
        self._db.delete_item(TableName=self._table, Key={"connection_id": value(connection_id)})

    def for_principal(self, principal: str, now: int) -> list[str]:
        """Connection ids held by principal that have not expired (TTL deletion is lazy)."""
        result = self._db.query(
            TableName=self._table, IndexName="ByPrincipal", KeyConditionExpression="principal = :p",
            FilterExpression="expires_at > :now",
            ExpressionAttributeValues={":p": value(principal), ":now": value(now)},
        )
        return [from_item(i)["connection_id"] for i in result["Items"]]
