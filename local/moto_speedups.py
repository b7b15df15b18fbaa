"""DynamoDB transactions on the local moto server that cost the same however big the table is.

moto backs up every table a TransactWriteItems touches with ``copy.deepcopy`` (once per item of the
transaction) so it can roll back, which makes each write take time in proportion to the table's size
(about a second per ticket write once a table holds a few thousand items) and lets a concurrent write
break the copy ("dictionary changed size during iteration", answered with a 500). Here a transaction
instead remembers the items it touches and puts them back if it is cancelled, and transactions run one
at a time. Results and errors are the same as moto's.
"""
from __future__ import annotations

import copy
import threading
from typing import Any

_installed = False
_lock = threading.RLock()


class _CopyWithoutTables:
    """The ``copy`` module as moto's DynamoDB backend sees it, except that a Table is not deep-copied."""

    def __init__(self, table_type: type):
        self._table_type = table_type

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        return copy.deepcopy(value, memo)


def install() -> None:
    """Patch moto's DynamoDB backend in this process (the ThreadedMotoServer's); safe to call twice."""
    global _installed
    if _installed:
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items
    models.copy = _CopyWithoutTables(Table)

    def touched(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
        undo = []
        for entry in transact_items:
            if len(entry) != 1:
                continue
            op_type, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None or op_type not in ("Put", "Delete", "Update"):
                continue
            attributes = op.get("Item") if op_type == "Put" else op.get("Key")
            try:
                hash_value = DynamoType(attributes[table.hash_key_attr])
                range_value = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
                current = table.get_item(hash_value, range_value)
            except Exception:  # a malformed item: moto reports it, nothing to undo
                continue
            undo.append((table, hash_value, range_value, copy.deepcopy(current)))
        return undo

    def restore(undo: list[tuple[Any, Any, Any, Any]]) -> None:
        for table, hash_value, range_value, before in reversed(undo):
            if before is None:
                table.delete_item(hash_value, range_value)
            elif range_value is not None:
                table.items[hash_value][range_value] = before
            else:
                table.items[hash_value] = before

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _lock:
            undo = touched(self, transact_items)
            try:
                return original(self, transact_items)
            except Exception:
                restore(undo)
                raise

    models.DynamoDBBackend.transact_write_items = transact_write_items
    _installed = True
