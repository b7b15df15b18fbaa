"""moto in server mode, with DynamoDB writes made atomic the way DynamoDB makes them.

moto checks a write's conditions and then applies it without a lock, so two concurrent
conditional writes (two routers claiming the last unit of an agent's capacity) can both pass.
DynamoDB never allows that. Serializing DynamoDB write requests restores its guarantee locally;
reads stay concurrent. See docs/decisions/0002-serialized-dynamodb-writes-on-moto.md.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


class AtomicDynamoWrites:
    """WSGI middleware: one DynamoDB write at a time."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_") and target.rsplit(".", 1)[-1] in _WRITES:
            with self._lock:
                return list(self._app(environ, start_response))
        return self._app(environ, start_response)


class MotoServer:
    """A moto server on host:port in a background thread."""

    def __init__(self, host: str, port: int):
        self._server = make_server(host, port, AtomicDynamoWrites(DomainDispatcherApplication(create_backend_app)),
                                   threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
