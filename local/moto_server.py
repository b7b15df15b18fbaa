"""moto in server mode, with DynamoDB requests made atomic the way DynamoDB makes them.

moto checks a write's conditions and then applies it without a lock, so two concurrent
conditional writes (two routers claiming the last unit of an agent's capacity) can both pass,
and a read iterating a table while a write changes it fails ("dictionary changed size during
iteration"). DynamoDB never allows either. Serializing DynamoDB requests restores its guarantees
locally. See docs/decisions/0002-serialized-dynamodb-writes-on-moto.md.
"""
from __future__ import annotations

import copy
import functools
import inspect
import io
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from local.gc_pauses import keep_collections_short

STATS_PATH = "/_parley/calls"


class CallStats:
    """Counts moto requests and their server time by operation; `GET /_parley/calls` reads them (benchmarks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, list[float]] = {}

    def add(self, operation: str, seconds: float) -> None:
        with self._lock:
            entry = self._calls.setdefault(operation, [0, 0.0])
            entry[0] += 1
            entry[1] += seconds

    def snapshot(self) -> bytes:
        with self._lock:
            return json.dumps({op: {"calls": n, "seconds": round(t, 4)} for op, (n, t) in self._calls.items()}).encode()


def operation_of(environ: dict[str, Any]) -> str:
    """'DynamoDB.Query', 'SQS.SendMessage', 'S3.PUT'... from a request's target header or method."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        service, _, action = target.partition(".")
        return f"{service.split('_')[0].replace('Amazon', '').replace('AWS', '')}.{action}"
    return f"{environ.get('REQUEST_METHOD', '?')} (REST)"


class AtomicDynamoDB:
    """WSGI middleware: one DynamoDB request at a time, one FIFO receive at a time (others stay concurrent);
    every request is counted in stats."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self._app = app
        self._lock = threading.Lock()
        self._fifo_lock = threading.Lock()
        self.stats = CallStats()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == STATS_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [self.stats.snapshot()]
        started = time.perf_counter()
        try:
            return list(self._serve(environ, start_response))
        finally:
            self.stats.add(operation_of(environ), time.perf_counter() - started)

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            with self._lock:
                return list(self._app(environ, start_response))
        if target == "AmazonSQS.ReceiveMessage":
            # moto checks which FIFO message groups are in flight without a lock, so two concurrent receives
            # could both take messages of one group; SQS hands a group to one consumer at a time.
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            if b".fifo" in body:
                with self._fifo_lock:
                    return list(self._app(environ, start_response))
        return self._app(environ, start_response)


class MotoServer:
    """A moto server on host:port in its own process (so the gateway and moto use separate cores)."""

    def __init__(self, host: str, port: int):
        self._host, self._port = host, port
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        # its own session: Ctrl-C in the terminal stops the stack, which saves its data and then stops moto
        self._process = subprocess.Popen([sys.executable, "-m", "local.moto_server", self._host, str(self._port)],
                                         cwd=Path(__file__).resolve().parents[1], start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto could not start on {self._host}:{self._port} (is the port in use?)")
            try:
                socket.create_connection((self._host, self._port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"moto did not start on {self._host}:{self._port} within 30 s")

    def stop(self) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait(timeout=10)


def serve(host: str, port: int) -> None:
    """Run moto, with atomic DynamoDB requests and item-scoped transactions, until terminated."""
    install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines in `make run`
    server = make_server(host, port, AtomicDynamoDB(DomainDispatcherApplication(create_backend_app)),
                         threaded=True, request_handler=MotoRequestHandler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the stack that started it decides when it stops
    keep_collections_short()
    server.serve_forever()


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """TransactWriteItems as DynamoDB does it: check every condition, then apply every write.

    moto's own version deep-copies each named table once per item to roll back, which costs
    O(items × table size) per transaction; here only the items the transaction touches are kept.
    """
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (MultipleTransactionsException, TooManyTransactionsException,
                                          TransactionCanceledException, TransactWriteSingleOpException)

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    plan, errors = [], []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        table = self.get_table(table_name)
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        marker = (table_name, str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        current = self.get_item(table_name, key)
        condition = op.get("ConditionExpression")
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if condition is not None and not get_filter_expression(condition, names, values).expr(current):
            old = (current.to_json()["Attributes"] if current
                   and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None)
            errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
        else:
            errors.append((None, None, None))
        plan.append((op_type, op, table_name, key, current))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    applied: list[tuple[str, dict[str, Any], Any]] = []
    try:
        for op_type, op, table_name, key, current in plan:
            if op_type == "ConditionCheck":
                continue
            applied.append((table_name, key, copy.deepcopy(current)))
            if op_type == "Put":
                self.put_item(table_name, op["Item"])
            elif op_type == "Delete":
                self.delete_item(table_name, key)
            else:
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 expression_attribute_names=op.get("ExpressionAttributeNames"),
                                 expression_attribute_values=op.get("ExpressionAttributeValues"))
    except Exception:
        for table_name, key, previous in reversed(applied):  # all or nothing
            if previous is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, previous.to_json()["Attributes"])
        raise


def install() -> None:
    """Use the faithful, item-scoped TransactWriteItems in this process's moto, and take its largest
    per-request costs away without changing an answer: item results written as plain JSON, queries that
    read their partition, SQS sends and receives that do not count every queued message, EventBridge's
    JSONPath input paths parsed once (moto built a new parser, tables and all, for each of the eight
    paths of every event for every target) and moto's list of its own modules read once (it listed its
    package folder on every request), and FIFO long polls that wait instead of spinning.
    """
    import jsonpath_ng.ext
    from moto import backends
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    DynamoDBBackend.transact_write_items = _transact_write_items
    DynamoHandler.serialized = _plain_json_results(DynamoHandler.serialized)
    _query_reads_only_what_it_needs()
    _sqs_without_whole_queue_scans()
    _fifo_long_polls_that_wait()
    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=256)(jsonpath_ng.ext.parse)
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def _query_reads_only_what_it_needs() -> None:
    """A query reads its own partition (a table query) or the items unsorted (an index query).

    moto's Query takes every item of the table, sorted, and then keeps the partition asked for, so each
    query cost O(n log n) in the table's size; the results are sorted again afterwards either way.
    """
    from moto.dynamodb.models.table import Table

    query, all_items = Table.query, Table.all_items
    index_position = list(inspect.signature(query).parameters).index("index_name") - 2  # after self, hash_key

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[index_position] if len(args) > index_position else kwargs.get("index_name")
        self._query_partition = (hash_key,) if index_name is None else ()
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            del self._query_partition

    def items_for_query(self: Any) -> list[Any]:
        partition = getattr(self, "_query_partition", None)
        if partition is None:  # a scan, or any other caller: every item in key order
            return all_items(self)
        if partition:
            found = self.items.get(partition[0])
            if found is None:
                return []
            return list(found.values()) if self.range_key_attr else [found]
        if self.range_key_attr:
            return [item for hash_set in self.items.values() for item in hash_set.values()]
        return list(self.items.values())

    Table.query = partition_query
    Table.all_items = items_for_query


def _sqs_without_whole_queue_scans() -> None:
    """Sending and receiving stop computing every queue attribute for one of them.

    moto's queue attributes include three message counts, each a pass over every message in the queue;
    a send read them to learn ContentBasedDeduplication and a receive read them once per message to learn
    MessageRetentionPeriod, so a backlog of n messages made every receive cost O(n²).
    """
    from moto.core.utils import unix_time
    from moto.sqs.models import Queue, SQSBackend

    every_attribute = Queue.attributes.fget
    sending = threading.local()

    def attributes(self: Any) -> dict[str, Any]:
        if getattr(sending, "active", False):  # all a send reads is ContentBasedDeduplication
            return {"ContentBasedDeduplication": str(bool(self.content_based_deduplication)).lower()} \
                if self.fifo_queue else {}
        return every_attribute(self)

    def while_sending(send: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(send)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            outer = getattr(sending, "active", False)
            sending.active = True
            try:
                return send(*args, **kwargs)
            finally:
                sending.active = outer
        return wrapper

    def retained(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return retention + message.sent_timestamp / 1000 > unix_time()

    Queue.attributes = property(attributes)
    Queue.add_message = while_sending(Queue.add_message)
    SQSBackend.send_message = while_sending(SQSBackend.send_message)
    SQSBackend.is_message_valid_based_on_retention_period = retained


def _fifo_long_polls_that_wait() -> None:
    """A long poll waits until there is a message it may take, as SQS's does.

    moto's long poll waits until the queue has any visible message; on a FIFO queue whose visible
    messages all belong to message groups being processed, it returns at once and polls again, spinning
    a core until those groups are done. Here it waits for a message of a free group, and deleting a
    message or changing its visibility (what frees a group) wakes the waiting polls.
    """
    from moto.sqs.models import Queue, SQSBackend

    def takeable(queue: Any) -> bool:
        visible = queue.messages
        if not queue.fifo_queue:
            return bool(visible)
        busy, pending = queue.pending_message_groups, queue.pending_messages
        # a visible message still marked pending timed out in its consumer's hands: it may be taken again
        return any(message.group_id not in busy or message in pending for message in visible)

    def wait_for_messages(self: Any, timeout: int) -> None:
        with self._messages_lock:
            self._messages_lock.wait_for(lambda: takeable(self), timeout=timeout)

    def wake(queue: Any) -> None:
        with queue._messages_lock:
            queue._messages_lock.notify_all()

    def deleting(delete: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(delete)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return delete(self, *args, **kwargs)
            finally:
                wake(self)
        return wrapper

    def changing_visibility(change: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(change)
        def wrapper(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return change(self, queue_name, *args, **kwargs)
            finally:
                wake(self.get_queue(queue_name))
        return wrapper

    Queue.wait_for_messages = wait_for_messages
    Queue.delete_message = deleting(Queue.delete_message)
    SQSBackend.change_message_visibility = changing_visibility(SQSBackend.change_message_visibility)


def _plain_json_results(serialized: Callable[..., Any]) -> Callable[..., Any]:
    """DynamoDB results that already are plain JSON (every item API's) are written out as they are.

    moto walks the operation's output shape for every attribute value of every item, which made reading
    one ticket cost several milliseconds; here only the top-level keys are checked against the shape.
    Results holding bytes or datetimes still take the walk.
    """
    from moto.core.utils import get_service_model
    from moto.dynamodb.responses import DynamoResult

    @functools.lru_cache(maxsize=None)
    def output_members(action: str) -> frozenset[str]:
        shape = get_service_model("dynamodb").operation_model(action).output_shape
        return frozenset(shape.members) if shape is not None else frozenset()

    def fast(self: Any, action_result: Any) -> Any:
        result = action_result.result
        if isinstance(action_result, DynamoResult) and isinstance(result, dict):
            members = output_members(self._get_action())
            try:
                body = json.dumps({k: v for k, v in result.items() if v is not None and k in members})
            except (TypeError, ValueError):
                return serialized(self, action_result)
            return 200, {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}, body
        return serialized(self, action_result)

    return fast


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
