"""Helpers for the widget's browser tests: the agent's side of the chat over the WebSocket, and the widget's state."""
from __future__ import annotations

import json
import time
from contextlib import ExitStack
from typing import Any, Callable

import requests
from playwright.sync_api import Page
from websockets.sync.client import connect

from tests.conftest import Stack


class AgentSocket:
    """An agent's WebSocket connection, driven from the test (the agent app's chat panel is tested elsewhere)."""

    def __init__(self, stack: Stack, email: str = "agent1@parley.test"):
        self._exit = ExitStack()
        self.ws = self._exit.enter_context(connect(f"{stack.ws_url}?token={stack.login(email)}", open_timeout=10))
        self.pending: list[dict[str, Any]] = []

    def send(self, **frame: Any) -> None:
        self.ws.send(json.dumps(frame))

    def expect(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0) -> dict[str, Any]:
        """The first frame matching predicate; other frames are kept for later calls."""
        for frame in self.pending:
            if predicate(frame):
                self.pending.remove(frame)
                return frame
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                frame = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            except TimeoutError:
                break
            if predicate(frame):
                return frame
            self.pending.append(frame)
        raise AssertionError(f"no matching frame within {timeout}s; got {self.pending}")

    def close(self) -> None:
        self._exit.close()


def frame(kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    """A predicate for a frame of a type with the given field values."""
    return lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items())


def message(body: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate for a message frame with this body."""
    return lambda f: f.get("type") == "message" and f["message"]["body"] == body


def widget_state(page: Page, stack: Stack) -> dict[str, Any]:
    """What the widget keeps in localStorage for this origin."""
    return page.evaluate("key => JSON.parse(localStorage.getItem(key) || '{}')", f"parley-widget:{stack.url}")


def wait_for_conversation(page: Page, stack: Stack) -> str:
    """The conversation the widget started (waits until it has one)."""
    handle = page.wait_for_function(
        "key => (JSON.parse(localStorage.getItem(key) || '{}').conversationId || null)",
        arg=f"parley-widget:{stack.url}", timeout=15_000)
    return handle.json_value()


def set_presence(stack: Stack, email: str, status: str) -> None:
    """Set an agent's presence through the API."""
    requests.put(stack.api("/agents/me/presence"), json={"status": status}, headers=stack.auth(email),
                 timeout=10).raise_for_status()


def serve_page(page: Page, stack: Stack, path: str, department: str = "Support") -> str:
    """Serve a host page embedding the widget at path on the stack's origin; returns its URL."""
    url = f"{stack.url}{path}"
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host page</title></head>'
            f'<body><h1>A customer site</h1><script src="/widget/parley-widget.js" data-color="#8a2be2" '
            f'data-department="{department}" data-language="en" async></script></body></html>')
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    return url
