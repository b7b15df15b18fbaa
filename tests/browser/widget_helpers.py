"""Helpers for the widget's browser tests: the agent's side of the chat over the WebSocket, and the widget's state."""
from __future__ import annotations

from typing import Any

import requests
from playwright.sync_api import Page

from tests.conftest import Stack
from tests.ws_client import Chat


def agent_socket(stack: Stack, email: str = "agent1@parley.test") -> Chat:
    """An agent's WebSocket connection, driven from the test (the agent app's chat panel is tested elsewhere)."""
    return Chat(f"{stack.ws_url}?token={stack.login(email)}")


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


def serve_page(page: Page, stack: Stack, path: str, department: str = "Support", language: str = "en") -> str:
    """Serve a host page embedding the widget at path on the stack's origin; returns its URL."""
    url = f"{stack.url}{path}"
    html = (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>Host page</title></head>'
            f'<body><h1>A customer site</h1><script src="/widget/parley-widget.js" data-color="#8a2be2" '
            f'data-department="{department}" data-language="{language}" async></script></body></html>')
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    return url
