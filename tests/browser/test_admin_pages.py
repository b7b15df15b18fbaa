"""The admin section, saved views, macros and the customer page in headless Chromium."""
from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import sign_in, start_conversation, wait_for_ticket
from tests.conftest import wait_for

pytestmark = pytest.mark.browser


def unique(prefix):
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def open_admin(page, stack, section):
    sign_in(page, stack)
    page.get_by_role("navigation", name="Ticket views").get_by_role("link", name=section, exact=True).click()
    expect(page.get_by_role("heading", name=section, level=1)).to_be_visible()


def visitor_conversation(stack, visitor, message):
    """The visitor starts a chat; returns the ticket once ingest has created it."""
    started = requests.post(stack.api("/sdk/conversations"), json={"message": message},
                            headers={"Authorization": visitor["Authorization"]}, timeout=10)
    assert started.status_code == 201, started.text
    return wait_for_ticket(stack, started.json()["ticket_id"])["ticket"]


def tag_ticket(stack, ticket_id, tag):
    """An agent tags a ticket on its latest version (routing may change it meanwhile)."""
    def tagged():
        latest = wait_for_ticket(stack, ticket_id)["ticket"]
        response = requests.patch(stack.api(f"/tickets/{ticket_id}"), json={"tags": [*latest["tags"], tag]},
                                  headers={**stack.auth("agent1@parley.test"), "If-Match": str(latest["version"])},
                                  timeout=10)
        assert response.status_code in (200, 409), response.text
        return response.status_code == 200

    wait_for(tagged, message=f"ticket {ticket_id} to be tagged")


def test_admin_creates_a_department_and_sees_it_listed(page, stack):
    open_admin(page, stack, "Departments")
    name = unique("Returns")

    page.get_by_role("button", name="New department").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Strategy").select_option("round_robin")
    page.get_by_label("Max per agent").fill("4")
    page.get_by_role("button", name="Create department").click()

    row = page.get_by_role("row", name=re.compile(f"^{name}"))
    expect(row).to_contain_text("Round robin")
    expect(row).to_contain_text("4")
    listed = requests.get(stack.api("/departments"), headers=stack.auth(), timeout=10).json()["departments"]
    saved = next(d for d in listed if d["name"] == name)
    assert saved["strategy"] == "round_robin" and saved["max_per_agent"] == 4
    page.screenshot(path="/tmp/parley-admin-departments.png", full_page=True)


def test_admin_edits_an_agents_capacity_and_skills(page, stack):
    agents = requests.get(stack.api("/agents"), headers=stack.auth(), timeout=10).json()["agents"]
    before = next(a for a in agents if a["email"] == "agent2@parley.test")
    open_admin(page, stack, "Agents")
    skill = f"german{uuid.uuid4().hex[:4]}"

    try:
        page.get_by_role("button", name="Edit Billie Billing").click()
        page.get_by_label("Chat capacity").fill("4")
        page.get_by_role("button", name="Add skill").click()
        page.get_by_label("Skill 1 name").fill(skill)
        page.get_by_label("Skill 1 level").fill("3")
        page.get_by_role("button", name="Save agent").click()

        row = page.get_by_role("row", name=re.compile("Billie Billing"))
        expect(row).to_contain_text(f"{skill} 3")
        expect(row).to_contain_text("Chat 4")
        agents = requests.get(stack.api("/agents"), headers=stack.auth(), timeout=10).json()["agents"]
        billie = next(a for a in agents if a["email"] == "agent2@parley.test")
        assert billie["capacity"]["chat"] == 4 and billie["skills"][skill] == 3
    finally:
        requests.patch(stack.api(f"/agents/{before['id']}"), json={"capacity": before["capacity"],
                                                                  "skills": before["skills"]},
                       headers=stack.auth(), timeout=10)


def test_agent_does_not_see_the_admin_section_and_is_refused_when_opening_it(page, stack):
    sign_in(page, stack, "agent1@parley.test")
    nav = page.get_by_role("navigation", name="Ticket views")
    expect(nav.get_by_role("link", name="Monitor", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Departments")).to_have_count(0)
    expect(nav.get_by_role("link", name="Triggers")).to_have_count(0)
    expect(nav.get_by_role("link", name="Shortcuts")).to_have_count(0)

    page.goto(f"{stack.url}/#/admin/triggers")

    expect(page.get_by_role("alert")).to_contain_text("only admins can see triggers; you are agent")

    # agents may read shortcuts (they use them in replies), but the page to manage them is not theirs
    page.goto(f"{stack.url}/#/admin/shortcuts")

    expect(page.get_by_role("alert")).to_contain_text("only admins can manage shortcuts; you are agent")
    expect(page.get_by_role("button", name="New shortcut")).to_have_count(0)
    expect(page.get_by_role("table", name="Shortcuts")).to_have_count(0)


def test_admin_sees_why_a_trigger_is_refused_then_creates_a_valid_one(page, stack):
    open_admin(page, stack, "Triggers")
    title = unique("Tag returning customers")
    tag = f"returning{uuid.uuid4().hex[:6]}"

    page.get_by_role("button", name="New trigger").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("All condition 1 field").fill("colour")
    page.get_by_label("All condition 1 operator").fill("is")
    page.get_by_label("All condition 1 value").fill("red")
    page.get_by_label("Action 1 field").fill("current_tags")
    page.get_by_label("Action 1 value").fill(f"seen_{tag}")
    page.get_by_role("button", name="Create trigger").click()

    explanation = page.get_by_role("alert").filter(has_text="condition field 'colour' is not known")
    expect(explanation).to_contain_text("use one of: assignee_id, channel")
    page.screenshot(path="/tmp/parley-trigger-refused.png", full_page=True)

    page.get_by_label("All condition 1 field").fill("current_tags")
    page.get_by_label("All condition 1 operator").fill("includes")
    page.get_by_label("All condition 1 value").fill(tag)
    page.get_by_role("button", name="Create trigger").click()

    row = page.get_by_role("row", name=re.compile(title))
    try:
        expect(row).to_contain_text(f"If current_tags includes {tag} · then current_tags → seen_{tag}")
        expect(row.get_by_role("checkbox", name=f"Enabled: {title}")).to_be_checked()
        expect(explanation).to_have_count(0)
        stored = wait_for(lambda: stored_rule(stack, "triggers", title), message="the trigger to be stored")
        assert stored["conditions"]["all"] == [{"field": "current_tags", "operator": "includes", "value": tag}]

        row.get_by_role("checkbox", name=f"Enabled: {title}").uncheck()

        wait_for(lambda: stored_rule(stack, "triggers", title)["active"] is False, message="the trigger disabled")
    finally:
        delete_rules(stack, "triggers", title)


def test_admin_creates_an_assignment_rule_that_sends_tickets_to_a_department(page, stack):
    open_admin(page, stack, "Assignment rules")
    name = unique("Refunds to billing")
    tag = f"refund{uuid.uuid4().hex[:6]}"

    page.get_by_role("button", name="New assignment rule").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("All condition 1 field").fill("current_tags")
    page.get_by_label("All condition 1 operator").fill("includes")
    page.get_by_label("All condition 1 value").fill(tag)
    page.get_by_role("button", name="Create assignment rule").click()
    expect(page.get_by_role("alert")).to_contain_text("needs assign")

    page.get_by_label("Department", exact=True).select_option("Billing")
    page.get_by_role("button", name="Create assignment rule").click()

    try:
        expect(page.get_by_role("row", name=re.compile(name))).to_contain_text("send to department Billing")
        assert stored_rule(stack, "assignment-rules", name)["assign"] == {"department": "Billing"}
    finally:
        delete_rules(stack, "assignment-rules", name)


def test_admin_creates_a_shortcut_that_an_agent_then_expands_in_a_reply(new_page, stack):
    name = f"welcome-{uuid.uuid4().hex[:6]}"
    admin = new_page()
    open_admin(admin, stack, "Shortcuts")

    try:
        # the server explains what is wrong with the name, then with the placeholder
        admin.get_by_role("button", name="New shortcut").click()
        admin.get_by_label("Name").fill("Welcome Back")
        admin.get_by_label("Text").fill("Hi {{customer.first_name}}, {{agent.nickname}} here.")
        admin.get_by_role("button", name="Create shortcut").click()
        expect(admin.get_by_role("alert")).to_contain_text("shortcut name must be 1 to 40 lowercase letters")

        admin.get_by_label("Name").fill(name)
        admin.get_by_role("button", name="Create shortcut").click()
        expect(admin.get_by_role("alert")).to_contain_text("unknown placeholder(s) agent.nickname")

        admin.get_by_label("Text").fill("Hi {{customer.first_name}}, <b>{{agent.name}}</b> here.")
        admin.get_by_role("button", name="Create shortcut").click()
        row = admin.get_by_role("row", name=re.compile(rf"^\/{name}"))
        expect(row).to_contain_text("Hi {{customer.first_name}}, <b>{{agent.name}}</b> here.")
        expect(row.locator("b")).to_have_count(0)
        expect(row).to_contain_text("Yes")

        # editing changes the text; the name stays
        row.get_by_role("button", name=f"Edit /{name}").click()
        expect(admin.get_by_label("Name")).to_have_attribute("readonly", "")
        admin.get_by_label("Text").fill("Hi {{customer.first_name}}, {{agent.name}} here. How can I help?")
        admin.get_by_role("button", name="Save shortcut").click()
        expect(row).to_contain_text("{{agent.name}} here. How can I help?")
        admin.screenshot(path="/tmp/parley-admin-shortcuts.png", full_page=True)

        # an agent types /name in a reply and gets the text filled in for the ticket
        ticket_id = start_conversation(stack, "Is anyone there?")["ticket_id"]
        wait_for_ticket(stack, ticket_id)
        agent = new_page()
        sign_in(agent, stack, "agent1@parley.test")
        agent.goto(f"{stack.url}/#/all/{ticket_id}")
        message = agent.get_by_role("textbox", name="Your message")
        message.press_sequentially(f"/{name}")
        expect(agent.get_by_role("listbox", name="Shortcuts").get_by_role("option", name=f"/{name}")).to_be_visible()
        message.press("Enter")
        expect(message).to_have_value("Hi Robin, Sam Support here. How can I help?")

        # deleting asks once more
        row.get_by_role("button", name=f"Delete /{name}").click()
        row.get_by_role("button", name=f"Confirm: Delete /{name}").click()
        expect(admin.get_by_role("row", name=re.compile(rf"^\/{name}"))).to_have_count(0)
        assert stored_rule(stack, "shortcuts", name) is None
    finally:
        requests.delete(stack.api(f"/shortcuts/{name}"), headers=stack.auth(), timeout=10)


def test_admin_adds_a_webhook_and_sees_its_secret_once(page, stack):
    open_admin(page, stack, "Webhooks")
    url = f"https://crm.example.com/parley/{uuid.uuid4().hex[:6]}"

    page.get_by_label("URL", exact=True).fill(url)
    page.get_by_label("Ticket created").check()
    page.get_by_role("button", name="Add webhook").click()

    secret = page.get_by_label("Signing secret")
    expect(secret).to_have_value(re.compile(r"^\S{20,}$"))
    row = page.get_by_role("row").filter(has_text=url)
    expect(row).to_contain_text("TicketCreated")
    expect(row).not_to_contain_text(secret.input_value())

    page.reload()
    expect(page.get_by_role("row").filter(has_text=url)).to_be_visible()
    expect(page.get_by_label("Signing secret")).to_have_count(0)
    page.get_by_role("button", name=f"Delete webhook {url}").click()
    page.get_by_role("button", name=f"Confirm: Delete webhook {url}").click()
    expect(page.get_by_role("row").filter(has_text=url)).to_have_count(0)


def test_admin_writes_a_macro_as_raw_json(page, stack):
    open_admin(page, stack, "Macros")
    title = unique("Close politely")

    page.get_by_role("button", name="New macro").click()
    page.get_by_role("button", name="Edit as JSON").click()
    page.get_by_label("The macro as JSON").fill(
        '{"title": "%s", "actions": [{"field": "status", "value": "exploded"}]}' % title)
    page.get_by_role("button", name="Create macro").click()
    expect(page.get_by_role("alert")).to_contain_text("'exploded' is not one of new, open, pending")

    page.get_by_label("The macro as JSON").fill('{"title": "%s", "actions": [{"field": "status", "value": "solved"}]}'
                                                % title)
    page.get_by_role("button", name="Create macro").click()

    expect(page.get_by_role("row", name=re.compile(title))).to_contain_text("status → solved")


def test_saved_view_appears_in_the_nav_with_its_count(page, stack, visitor):
    tag = f"vip{uuid.uuid4().hex[:6]}"
    ticket = visitor_conversation(stack, visitor, "Our whole team is locked out")
    tag_ticket(stack, ticket["id"], tag)
    open_admin(page, stack, "Saved views")
    expect(page.get_by_role("table", name="Views").get_by_role("link", name="Unassigned")).to_be_visible()
    name = unique("VIP")

    page.get_by_label("Name").fill(name)
    page.get_by_label("Tags").fill(tag)
    page.get_by_role("button", name="Save view").click()

    nav = page.get_by_role("navigation", name="Ticket views")
    link = nav.get_by_role("link", name=f"{name}, 1 ticket", exact=True)
    expect(link).to_be_visible()
    expect(link).to_contain_text("1")
    link.click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.locator("#ticket-list li")).to_have_count(1)
    expect(page.locator("#ticket-list")).to_contain_text("Our whole team is locked out")
    page.screenshot(path="/tmp/parley-saved-view.png", full_page=True)


def test_customer_page_lists_the_customers_tickets_across_conversations(page, stack, visitor):
    first = visitor_conversation(stack, visitor, "The export button does nothing")
    second = visitor_conversation(stack, visitor, "Also, how do I add a second admin?")
    sign_in(page, stack, "agent1@parley.test")
    page.goto(f"{stack.url}/#/all/{second['id']}")

    page.get_by_role("link", name=re.compile("^Customer page")).click()

    expect(page.get_by_role("heading", name="Test Visitor", level=1)).to_be_visible()
    history = page.get_by_role("region", name=re.compile(r"^Open tickets \(2\)"))
    expect(history).to_contain_text("The export button does nothing")
    expect(history).to_contain_text("Also, how do I add a second admin?")
    expect(history.locator(".channel-badge").first).to_have_text("Chat")
    page.screenshot(path="/tmp/parley-customer.png", full_page=True)

    history.get_by_role("link", name=re.compile("The export button does nothing")).click()
    expect(page.get_by_role("heading", name=re.compile("The export button does nothing"))).to_be_visible()
    expect(page).to_have_url(re.compile(f"#/all/{first['id']}$"))


def test_agent_merges_a_customer_into_another(page, stack):
    keep = new_visitor(stack, "Kim Keep")
    gone = new_visitor(stack, "Kim Duplicate")
    visitor_conversation(stack, keep, "Question from my work account")
    visitor_conversation(stack, gone, "Question from my phone")
    sign_in(page, stack, "agent1@parley.test")
    page.goto(f"{stack.url}/#/customers/{gone['customer_id']}")
    expect(page.get_by_role("heading", name="Kim Duplicate", level=1)).to_be_visible()

    page.get_by_role("button", name="Merge into…").click()
    page.get_by_label("The other customer’s email, phone or id").fill(keep["customer_id"])
    page.get_by_role("button", name="Find customer").click()
    page.get_by_role("button", name="Merge into Kim Keep").click()

    expect(page.get_by_role("heading", name="Kim Keep", level=1)).to_be_visible()
    history = page.get_by_role("region", name=re.compile(r"^Open tickets \(2\)"))
    expect(history).to_contain_text("Question from my work account")
    expect(history).to_contain_text("Question from my phone")


def test_agent_applies_a_macro_to_a_ticket(page, stack, visitor):
    title = unique("Mark pending")
    created = requests.post(stack.api("/macros"), json={"title": title, "actions": [
        {"field": "status", "value": "pending"}, {"field": "current_tags", "value": "waiting_on_customer"}]},
        headers=stack.auth(), timeout=10)
    assert created.status_code == 201, created.text
    ticket = visitor_conversation(stack, visitor, "Can you check my order status?")
    sign_in(page, stack, "agent1@parley.test")
    page.goto(f"{stack.url}/#/all/{ticket['id']}")
    expect(page.get_by_role("heading", name="Can you check my order status?")).to_be_visible()

    page.get_by_role("button", name="Macros").click()
    page.get_by_role("button", name=title).click()

    expect(page.get_by_label("Status", exact=True)).to_have_value("pending")
    expect(page.get_by_role("list", name="Tags")).to_contain_text("waiting_on_customer")
    stored = wait_for_ticket(stack, ticket["id"])["ticket"]
    assert stored["status"] == "pending" and "waiting_on_customer" in stored["tags"]
    requests.delete(stack.api(f"/macros/{created.json()['macro']['id']}"), headers=stack.auth(), timeout=10)


def new_visitor(stack, name):
    response = requests.post(stack.api("/sdk/sessions"), json={"name": name}, timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    return {"customer_id": body["customer_id"], "Authorization": f"Bearer {body['visitor_token']}"}


def stored_rule(stack, collection, name):
    """The stored rule of a kind with this title or name (None when there is none)."""
    body = requests.get(stack.api(f"/{collection}"), headers=stack.auth(), timeout=10).json()
    rules = next(value for value in body.values() if isinstance(value, list))
    return next((r for r in rules if name in (r.get("title"), r.get("name"))), None)


def delete_rules(stack, collection, name):
    """Remove what a test created, so later tests meet the demo rules only."""
    while (rule := stored_rule(stack, collection, name)) is not None:
        requests.delete(stack.api(f"/{collection}/{rule['id']}"), headers=stack.auth(), timeout=10)
