"""All DynamoDB access for open WebSocket connections (expired by TTL)."""
from __future__ import annotations

import threading
from typing import Any

from chalicelib.store.dynamo import from_item, query_all, to_item, value

CONNECTION_TTL_SECONDS = 2 * 60 * 60
REMEMBERED_CONNECTIONS = 4096


AGENTS_AUDIENCE = "agents"


def _audience_key(connection_id: str) -> str:
    return f"{AGENTS_AUDIENCE}#{connection_id}"


class ConnectionStore:
    """Connections keyed by id, findable by who holds them ("agent#<id>" or "customer#<id>").

    Who holds a connection never changes, so the store remembers the connections it has read or added
    and every frame after a connection's first needs no read. An agent's connection also gets an item
    "agents#<connection>" with principal "agents", so every agent connection is one query (the inbox's
    new-ticket frames), however many agents there are.
    """

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table
        self._known: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, connection_id: str, principal: str, connected_at: int, role: str | None = None) -> None:
        """Record a new connection for principal (an agent's role is kept so frames need no lookup)."""
        connection = {"connection_id": connection_id, "principal": principal, "connected_at": connected_at,
                      "expires_at": connected_at + CONNECTION_TTL_SECONDS, "role": role}
        if principal.startswith("agent#"):
            audience = {"connection_id": _audience_key(connection_id), "principal": AGENTS_AUDIENCE,
                        "target": connection_id, "kind": "audience", "expires_at": connection["expires_at"]}
            self._db.transact_write_items(TransactItems=[{"Put": {"TableName": self._table, "Item": to_item(item)}}
                                                         for item in (connection, audience)])
        else:
            self._db.put_item(TableName=self._table, Item=to_item(connection))
        self._remember(connection)

    def get(self, connection_id: str) -> dict[str, Any] | None:
        """One connection, or None."""
        connection = self._known.get(connection_id)
        if connection is None:
            item = self._db.get_item(TableName=self._table, Key={"connection_id": value(connection_id)}).get("Item")
            connection = from_item(item) if item else None
            if connection is not None:
                self._remember(connection)
        return connection

    def remove(self, connection_id: str) -> None:
        """Forget a connection (disconnect, or 410 Gone from @connections)."""
        known = self._known.pop(connection_id, None)
        if known is not None and not known["principal"].startswith("agent#"):
            self._db.delete_item(TableName=self._table, Key={"connection_id": value(connection_id)})
            return
        self._db.transact_write_items(TransactItems=[
            {"Delete": {"TableName": self._table, "Key": {"connection_id": value(key)}}}
            for key in (connection_id, _audience_key(connection_id))])

    def _remember(self, connection: dict[str, Any]) -> None:
        with self._lock:
            if len(self._known) >= REMEMBERED_CONNECTIONS:
                self._known.pop(next(iter(self._known)))
            self._known[connection["connection_id"]] = connection

    def for_principal(self, principal: str, now: int) -> list[str]:
        """Connection ids held by principal that have not expired (TTL deletion is lazy)."""
        result = self._db.query(
            TableName=self._table, IndexName="ByPrincipal", KeyConditionExpression="principal = :p",
            FilterExpression="expires_at > :now",
            ExpressionAttributeValues={":p": value(principal), ":now": value(now)},
        )
        return [from_item(i)["connection_id"] for i in result["Items"]]

    def agent_connections(self, now: int) -> list[str]:
        """Every open agent connection (one query on the "agents" audience items)."""
        return [from_item(i)["target"] for i in query_all(
            self._db, TableName=self._table, IndexName="ByPrincipal", KeyConditionExpression="principal = :p",
            FilterExpression="expires_at > :now",
            ExpressionAttributeValues={":p": value(AGENTS_AUDIENCE), ":now": value(now)})]
