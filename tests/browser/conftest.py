"""Browser fixtures: Debian's headless Chromium driven by Playwright, one clean context per test."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import Stack, wait_for

CHROMIUM = os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORDS = {"admin": "Parley-admin-1", "agent": "Parley-agent-1"}

expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
                    "(apt-get install chromium) or point PARLEY_CHROMIUM at a Chromium binary")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Open pages in fresh browser contexts (separate sessionStorage, like separate agents)."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


def sign_in(page: Page, stack: Stack, email: str = "admin@parley.test") -> None:
    """Sign in through the login form as a demo agent and wait for the inbox."""
    page.goto(stack.url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORDS["admin" if email.startswith("admin") else "agent"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Ticket views")).to_be_visible()


def find_in_inbox(page: Page, text: str) -> None:
    """Expect a ticket row with this text, paging with "Load more" when the inbox is longer than a page."""
    rows = page.locator("#ticket-list")
    expect(rows.locator("li").first).to_be_visible()
    more = page.get_by_role("button", name="Load more")
    while rows.get_by_text(text).count() == 0 and more.is_visible():
        more.click()
        expect(rows).to_have_attribute("aria-busy", "false")
    expect(rows.get_by_text(text)).to_be_visible()


def start_conversation(stack: Stack, message: str) -> dict:
    """A new visitor starts a chat through the customer API; returns ids once the ticket exists."""
    session = requests.post(stack.api("/sdk/sessions"), json={"name": "Robin Visitor"}, timeout=10)
    assert session.status_code == 201, session.text
    headers = {"Authorization": f"Bearer {session.json()['visitor_token']}"}
    started = requests.post(stack.api("/sdk/conversations"), json={"message": message}, headers=headers, timeout=10)
    assert started.status_code == 201, started.text
    return started.json()


def wait_for_ticket(stack: Stack, ticket_id: int) -> dict:
    """The ticket as the agent API shows it, once ingest has created it."""
    def shown() -> dict | None:
        response = requests.get(stack.api(f"/tickets/{ticket_id}"), headers=stack.auth(), timeout=10)
        return response.json() if response.status_code == 200 else None

    return wait_for(shown, message=f"ticket {ticket_id} to be created")


def agent_api_offers(stack: Stack, method: str, path: str) -> bool:
    """Whether the agent API has this route yet: it answers in Parley's error shape to an empty body."""
    response = requests.request(method, stack.api(path), json={}, headers={**stack.auth(), "If-Match": "0"},
                                timeout=10)
    try:
        return "error" in response.json()
    except ValueError:
        return False
