"""A WebSocket client for tests: one connection that keeps the frames it has not been asked about yet."""
from __future__ import annotations

import json
import time
from contextlib import ExitStack
from typing import Any, Callable

from websockets.sync.client import connect


class Chat:
    """One WebSocket connection that keeps the frames it has not been asked about yet."""

    def __init__(self, url: str):
        self._exit = ExitStack()
        self.ws = self._exit.enter_context(connect(url, open_timeout=10))
        self.pending: list[dict[str, Any]] = []

    def send(self, **frame: Any) -> None:
        self.ws.send(json.dumps(frame))

    def expect(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0) -> dict[str, Any]:
        """The first frame matching predicate (earlier unmatched frames are kept for later)."""
        for frame in self.pending:
            if predicate(frame):
                self.pending.remove(frame)
                return frame
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching frame within {timeout}s; got {self.pending}")
            try:
                frame = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                continue
            if predicate(frame):
                return frame
            self.pending.append(frame)

    def frames_until(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0) -> list[dict]:
        """Every frame up to and including the first matching one, in arrival order."""
        seen = list(self.pending)
        self.pending.clear()
        for index, frame in enumerate(seen):
            if predicate(frame):
                self.pending.extend(seen[index + 1:])
                return seen[:index + 1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                frame = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            except TimeoutError:
                break
            seen.append(frame)
            if predicate(frame):
                return seen
        raise AssertionError(f"no matching frame within {timeout}s; got {seen}")

    def close(self) -> None:
        self._exit.close()


def is_type(kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items())


def is_message(body: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("type") == "message" and f["message"]["body"] == body
