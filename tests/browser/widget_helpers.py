"""Helpers for the widget's browser tests: the agent's side of the chat over the WebSocket, and the widget's state."""
from __future__ import annotations

from html import escape as html_escape
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


def serve_page(page: Page, stack: Stack, path: str, department: str = "Support", language: str = "en",
               user_token: str | None = None, head: str = "") -> str:
    """Serve a host page embedding the widget at path on the stack's origin; returns its URL.

    head: markup for the page's <head>, which runs before the widget's script tag is even parsed.
    """
    url = f"{stack.url}{path}"
    identified = f' data-user-token="{html_escape(user_token)}"' if user_token else ""
    html = (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>Host page</title>{head}</head>'
            f'<body><h1>A customer site</h1><script src="/widget/parley-widget.js" data-color="#8a2be2" '
            f'data-department="{department}" data-language="{language}"{identified} async></script></body></html>')
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    return url


def upload_file(stack: Stack, ticket_id: int, filename: str, content: bytes, content_type: str) -> str:
    """Upload a file for a ticket as the agent app does (pre-signed form); returns the id a message names it by."""
    form = requests.post(stack.api(f"/tickets/{ticket_id}/attachments"), headers=stack.auth("agent1@parley.test"),
                         json={"filename": filename, "content_type": content_type, "size": len(content)}, timeout=10)
    assert form.status_code == 201, form.text
    upload = form.json()["upload"]
    stored = requests.post(upload["url"], data=upload["fields"], files={upload["file_field"]: (filename, content)},
                           timeout=30)
    assert stored.status_code in (200, 201, 204), stored.text
    return form.json()["attachment"]["id"]


def reply(stack: Stack, ticket_id: int, body: str, attachments: list[str], public: bool = True) -> None:
    """An agent's reply (or internal note) on a ticket through the API."""
    requests.post(stack.api(f"/tickets/{ticket_id}/messages"), headers=stack.auth("agent1@parley.test"), timeout=30,
                  json={"body": body, "public": public, "attachments": attachments}).raise_for_status()
