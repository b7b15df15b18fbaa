"""API tokens (agents table): only a SHA-256 of each secret is stored, so a leaked table leaks no token.

    APITOKEN#<sha256 of the secret> / APITOKEN   the token record (what verification reads: one get)
    APITOKENID#<id> / APITOKEN                   the same record by id; GSI1 API_TOKENS / <id, 12 digits>
    COUNTER#api_token / COUNTER                  the next token id
"""
from __future__ import annotations

from typing import Any

from chalicelib.errors import NotFoundError
from chalicelib.store.dynamo import from_item, query_all, to_item, value

_HIDDEN = {"pk", "sk", "kind", "gsi1pk", "gsi1sk", "token_hash"}


def hash_key(token_hash: str) -> dict[str, str]:
    return {"pk": f"APITOKEN#{token_hash}", "sk": "APITOKEN"}


def id_key(token_id: int) -> dict[str, str]:
    return {"pk": f"APITOKENID#{token_id}", "sk": "APITOKEN"}


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(item).items() if k not in _HIDDEN}


class ApiTokenStore:
    """Issue, find (by hash), list and revoke API tokens."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def allocate_id(self) -> int:
        """The next token id (one atomic counter update)."""
        result = self._db.update_item(
            TableName=self._table, Key=to_item({"pk": "COUNTER#api_token", "sk": "COUNTER"}),
            UpdateExpression="ADD #v :one", ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={":one": value(1)}, ReturnValues="UPDATED_NEW")
        return int(result["Attributes"]["value"]["N"])

    def create(self, record: dict[str, Any], token_hash: str) -> None:
        """Write the token under its hash and its id, in one transaction."""
        self._db.transact_write_items(TransactItems=[
            {"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(pk)",
                     "Item": to_item({**hash_key(token_hash), "kind": "api_token", **record})}},
            {"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(pk)",
                     "Item": to_item({**id_key(record["id"]), "kind": "api_token", **record,
                                      "token_hash": token_hash, "gsi1pk": "API_TOKENS",
                                      "gsi1sk": f"{record['id']:012d}"})}},
        ])

    def find(self, token_hash: str) -> dict[str, Any] | None:
        """The token whose secret hashes to token_hash, or None (one get)."""
        item = self._db.get_item(TableName=self._table, Key=to_item(hash_key(token_hash))).get("Item")
        return _clean(item) if item else None

    def list(self) -> list[dict[str, Any]]:
        """Every token, oldest first, without secrets (Query GSI1 API_TOKENS; an account has a few hundred)."""
        return [_clean(i) for i in query_all(self._db, TableName=self._table, IndexName="GSI1",
                                             KeyConditionExpression="gsi1pk = :pk",
                                             ExpressionAttributeValues={":pk": value("API_TOKENS")})]

    def delete(self, token_id: int) -> None:
        """Revoke a token: both its items go in one transaction; NotFoundError if there is no such token."""
        item = self._db.get_item(TableName=self._table, Key=to_item(id_key(token_id)), ConsistentRead=True).get("Item")
        if not item:
            raise NotFoundError(f"API token {token_id} not found")
        token_hash = from_item(item)["token_hash"]
        self._db.transact_write_items(TransactItems=[
            {"Delete": {"TableName": self._table, "Key": to_item(id_key(token_id))}},
            {"Delete": {"TableName": self._table, "Key": to_item(hash_key(token_hash))}},
        ])
