"""DynamoDB item encoding shared by every store (plain Python values in, plain values out), and paged queries."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [_from_dynamo(v) for v in value]
    return value


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """Encode a dict as a DynamoDB item, dropping None values (absent attributes keep GSIs sparse)."""
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in data.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """Decode a DynamoDB item into plain Python values (ints stay ints)."""
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in item.items()}


def query_all(dynamodb: Any, **params: Any) -> Iterator[dict[str, Any]]:
    """Every raw item a Query finds, page after page."""
    while True:
        result = dynamodb.query(**params)
        yield from result["Items"]
        if "LastEvaluatedKey" not in result:
            return
        params["ExclusiveStartKey"] = result["LastEvaluatedKey"]


def value(data: Any) -> dict[str, Any]:
    """Encode one attribute value."""
    return _serializer.serialize(_to_dynamo(data))


def transaction_failed_on_condition(error: Exception) -> list[str]:
    """The cancellation reason codes of a TransactionCanceledException ([] if it is another error)."""
    response = getattr(error, "response", {}) or {}
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    return [reason.get("Code", "None") for reason in response.get("CancellationReasons", [])]
