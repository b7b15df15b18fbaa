"""Opaque cursors for paginated queries, and one page of an index partition by such a cursor."""
from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.store.dynamo import from_item, to_item, value


def encode_cursor(state: dict[str, Any] | None) -> str | None:
    """An opaque, URL-safe cursor for state (None when there is no next page)."""
    if not state:
        return None
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """Decode a cursor from encode_cursor; a tampered one is a 400, not a 500."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("cursor is not valid; pass the next_cursor value from the previous page unchanged")
    if not isinstance(state, dict):
        raise ValidationError("cursor is not valid; pass the next_cursor value from the previous page unchanged")
    return state


def index_page(dynamodb: Any, table: str, partition: str, limit: int, cursor: str | None
               ) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the GSI1 partition's raw items (Query with Limit) and the cursor of the next; a cursor that
    is not a key of that partition is a 400."""
    params: dict[str, Any] = {"TableName": table, "IndexName": "GSI1", "KeyConditionExpression": "gsi1pk = :pk",
                              "ExpressionAttributeValues": {":pk": value(partition)}, "Limit": limit}
    state = decode_cursor(cursor)
    if state:
        if set(state) != {"pk", "sk", "gsi1pk", "gsi1sk"} or state["gsi1pk"] != partition:
            raise ValidationError("page[after] is not valid; pass the after_cursor of the previous page unchanged")
        params["ExclusiveStartKey"] = to_item(state)
    result = dynamodb.query(**params)
    last = result.get("LastEvaluatedKey")
    return result["Items"], encode_cursor(from_item(last) if last else None)
