"""The live monitor in headless Chromium: tiles, the department queues, and agents' presence and load."""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DEMO_AGENTS = ("Ada Admin", "Sam Support", "Billie Billing")


def open_monitor(page, stack, email="agent1@parley.test"):
    sign_in(page, stack, email)
    page.get_by_role("link", name="Monitor", exact=True).click()
    expect(page.get_by_role("heading", name="Monitor", level=1)).to_be_visible()


def set_presence(stack, email, presence):
    response = requests.put(stack.api("/agents/me/presence"), json={"status": presence}, headers=stack.auth(email),
                            timeout=10)
    assert response.status_code == 200, response.text


def presence_of(stack, email):
    agents = requests.get(stack.api("/agents"), headers=stack.auth(), timeout=10).json()["agents"]
    return next(agent["presence"] for agent in agents if agent["email"] == email)


def test_monitor_shows_the_demo_queue_and_agents(page, stack):
    open_monitor(page, stack)

    for tile in ("Queue size", "Average wait", "Agents online", "CSAT today"):
        expect(page.get_by_role("group", name=tile)).to_be_visible()
    expect(page.get_by_role("group", name="Queue size")).to_contain_text(re.compile(r"\d+\s*tickets? waiting"))
    queues = page.get_by_role("table", name="Waiting tickets by department")
    for department in ("Billing", "Support", "No department"):
        expect(queues.get_by_role("row", name=re.compile(rf"^{department} \d+"))).to_be_visible()
    agents = page.get_by_role("table", name="Agents, their presence and load against capacity")
    for name in DEMO_AGENTS:
        row = agents.get_by_role("row", name=re.compile(name))
        expect(row).to_be_visible()
        expect(row.get_by_role("meter", name=f"{name} chat load")).to_have_attribute("aria-valuemax", "3")
    expect(agents).not_to_contain_text("Lee Light")
    page.screenshot(path="/tmp/parley-monitor.png", full_page=True)


def test_monitor_follows_an_agent_changing_presence_without_reload(page, stack):
    before = presence_of(stack, "agent2@parley.test")
    set_presence(stack, "agent2@parley.test", "offline")
    open_monitor(page, stack)
    row = page.get_by_role("table", name=re.compile("^Agents")).get_by_role("row", name=re.compile("Billie Billing"))
    expect(row).to_contain_text("Offline")
    page.evaluate("window.notReloaded = true")

    try:
        set_presence(stack, "agent2@parley.test", "away")

        expect(row).to_contain_text("Away")
        expect(page.get_by_role("group", name="Agents online")).to_contain_text(re.compile(r"[1-9]\d* away"))
        assert page.evaluate("window.notReloaded === true"), "the page reloaded"
    finally:
        set_presence(stack, "agent2@parley.test", before)


def test_agent_sees_the_monitor_in_the_nav_but_not_the_admin_section(page, stack):
    sign_in(page, stack, "agent1@parley.test")

    nav = page.get_by_role("navigation", name="Ticket views")
    expect(nav.get_by_role("link", name="Monitor", exact=True)).to_be_visible()
    expect(nav.get_by_text("Admin", exact=True)).to_be_hidden()
    expect(nav.get_by_role("link", name="Triggers")).to_have_count(0)
