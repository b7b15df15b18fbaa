"""The agent app in headless Chromium: sign in, the inbox, a ticket, live updates, replies and notes."""
from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import (agent_api_offers, find_in_inbox, sign_in, start_conversation,
                                    wait_for_ticket)
from tests.conftest import wait_for
from tests.functional.channel_helpers import post_meta, unique_phone
from tests.functional.channel_helpers import wait_for_ticket as wait_for_channel_ticket
from tests.functional.test_channel_media import corpus_whatsapp

pytestmark = pytest.mark.browser

DEMO_SUBJECTS = ("I can't log in to my account", "charged twice for my November invoice",
                 "Does the Pro plan include phone support?")


def test_admin_logs_in_and_sees_the_ticket_list(page, stack):
    page.goto(stack.url)
    expect(page.get_by_role("heading", name="Sign in to your help desk")).to_be_visible()

    page.get_by_label("Email").fill("admin@parley.test")
    page.get_by_label("Password").fill("Parley-admin-1")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="All tickets")).to_be_visible()
    for subject in DEMO_SUBJECTS:
        find_in_inbox(page, subject)
    expect(page.get_by_role("navigation", name="Ticket views")).to_contain_text("Ada Admin")
    for view in ("All tickets", "Mine", "New", "Open", "Pending", "Solved"):
        expect(page.get_by_role("link", name=view, exact=True)).to_be_visible()


def test_wrong_password_shows_the_reason(page, stack):
    page.goto(stack.url)
    page.get_by_label("Email").fill("admin@parley.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("email or password is not right")
    expect(page.get_by_label("Email")).to_have_value("admin@parley.test")
    expect(page.get_by_role("navigation", name="Ticket views")).to_be_hidden()


def test_a_rejected_session_goes_back_to_sign_in_with_the_reason(page, stack):
    sign_in(page, stack)
    page.evaluate("""() => sessionStorage.setItem('parley.session',
        JSON.stringify({token: 'not-a-token', agent: {id: 'x', name: 'Someone', role: 'agent'}}))""")

    page.reload()

    expect(page.get_by_role("alert")).to_contain_text("You were signed out: token is not valid")
    expect(page.get_by_label("Password")).to_be_visible()


def test_agent_opens_a_ticket_and_sees_the_conversation_and_customer(page, stack):
    sign_in(page, stack, "agent1@parley.test")
    find_in_inbox(page, "charged twice for my November invoice")

    page.locator("#ticket-list").get_by_text("charged twice for my November invoice").click()

    expect(page.get_by_role("heading", name=re.compile("charged twice for my November invoice"))).to_be_visible()
    expect(page.get_by_role("article", name="Message from Jonas Weber")).to_contain_text(
        "I was charged twice for my November invoice — can you refund one of them?")
    details = page.get_by_role("complementary", name="Customer and ticket details")
    expect(details).to_contain_text("Jonas Weber")
    expect(details).to_contain_text("jonas.weber@example.com")
    expect(page.get_by_label("Status")).to_have_value("new")
    expect(page).to_have_url(re.compile(r"#/all/\d+$"))


def test_new_ticket_appears_live_without_reload(page, stack):
    sign_in(page, stack)
    find_in_inbox(page, DEMO_SUBJECTS[0])
    expect(page.get_by_text("Live updates on")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    subject = f"Where is my parcel {uuid.uuid4().hex[:8]}?"

    start_conversation(stack, subject)

    expect(page.locator("#ticket-list li").first).to_contain_text(subject)
    assert page.evaluate("window.notReloaded === true"), "the page reloaded"


def test_customer_message_appears_in_the_open_ticket_live(page, stack, visitor):
    started = requests.post(stack.api("/sdk/conversations"), json={"message": "Is the API rate limit per key?"},
                            headers={"Authorization": visitor["Authorization"]}, timeout=10).json()
    wait_for_ticket(stack, started["ticket_id"])
    sign_in(page, stack, "agent2@parley.test")
    page.goto(f"{stack.url}/#/all/{started['ticket_id']}")
    expect(page.get_by_role("heading", name="Is the API rate limit per key?")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    follow_up = requests.post(stack.api(f"/sdk/conversations/{started['conversation_id']}/messages"),
                              json={"body": "Asking because we have three keys."},
                              headers={"Authorization": visitor["Authorization"]}, timeout=10)
    assert follow_up.status_code == 201, follow_up.text

    thread = page.get_by_role("list", name="Conversation")
    expect(thread.get_by_role("listitem")).to_have_count(2)
    expect(thread.get_by_role("listitem").last).to_contain_text("Asking because we have three keys.")
    assert page.evaluate("window.notReloaded === true"), "the page reloaded"


def test_customer_html_is_shown_as_text(page, stack):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile = "<img src=x onerror=alert(1)>hello"
    started = start_conversation(stack, hostile)
    wait_for_ticket(stack, started["ticket_id"])
    sign_in(page, stack)

    page.goto(f"{stack.url}/#/all/{started['ticket_id']}")

    message = page.get_by_role("article", name="Message from Robin Visitor")
    expect(message).to_contain_text(hostile)
    expect(page.locator("#ticket-pane img, #ticket-list img")).to_have_count(0)
    assert dialogs == []


def test_agent_replies_and_adds_an_internal_note(new_page, stack):
    if not agent_api_offers(stack, "POST", "/tickets/1/messages"):
        pytest.skip("the agent API has no POST /api/tickets/{id}/messages yet")
    started = start_conversation(stack, "My invoice shows the wrong address")
    ticket_id = started["ticket_id"]
    wait_for_ticket(stack, ticket_id)
    page = new_page()
    sign_in(page, stack, "agent1@parley.test")
    page.goto(f"{stack.url}/#/all/{ticket_id}")
    reply, note = f"Sorry about that — fixed it now ({uuid.uuid4().hex[:6]})", f"Checked billing system {uuid.uuid4().hex[:6]}"

    page.get_by_role("textbox", name="Your message").fill(reply)
    page.get_by_role("button", name="Send reply").click()
    page.get_by_role("radio", name="Internal note").check()
    page.get_by_role("textbox", name="Your message").fill(note)
    page.get_by_role("button", name="Add note").click()

    expect(page.get_by_role("article", name="Message from Sam Support")).to_contain_text(reply)
    shown_note = page.get_by_role("article", name="Internal note from Sam Support")
    expect(shown_note).to_contain_text(note)
    expect(shown_note).to_contain_text("Internal note")
    stored = {m["body"]: m["public"] for m in wait_for_ticket(stack, ticket_id)["messages"]}
    assert stored[reply] is True and stored[note] is False

    light = new_page()
    sign_in(light, stack, "agent3@parley.test")
    light.goto(f"{stack.url}/#/all/{ticket_id}")
    expect(light.get_by_role("button", name="Add note")).to_be_visible()
    expect(light.get_by_role("radio", name="Public reply")).to_have_count(0)
    expect(light.get_by_label("Public reply")).to_have_count(0)
    expect(light.get_by_role("button", name="Send reply")).to_have_count(0)
    expect(light.get_by_label("Status")).to_be_disabled()


def test_saving_over_a_colleagues_change_says_so_and_reloads(page, stack):
    if not agent_api_offers(stack, "PATCH", "/tickets/1"):
        pytest.skip("the agent API has no PATCH /api/tickets/{id} yet")
    started = start_conversation(stack, "Can I change my plan mid-month?")
    ticket = wait_for_ticket(stack, started["ticket_id"])["ticket"]
    sign_in(page, stack, "agent2@parley.test")
    page.goto(f"{stack.url}/#/all/{ticket['id']}")
    expect(page.get_by_label("Priority")).to_have_value("normal")
    wait_for(lambda: colleague_sets_priority(stack, ticket["id"], "urgent"), message="the colleague's change")

    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("alert").filter(has_text="Someone else changed this ticket")).to_be_visible()
    expect(page.get_by_label("Priority")).to_have_value("urgent")


def test_saving_a_different_field_than_a_colleague_keeps_both_changes(page, stack):
    if not agent_api_offers(stack, "PATCH", "/tickets/1"):
        pytest.skip("the agent API has no PATCH /api/tickets/{id} yet")
    started = start_conversation(stack, "Please add my colleague to our account")
    ticket = wait_for_ticket(stack, started["ticket_id"])["ticket"]
    sign_in(page, stack, "agent2@parley.test")
    page.goto(f"{stack.url}/#/all/{ticket['id']}")
    expect(page.get_by_label("Tags")).to_have_value("")
    wait_for(lambda: colleague_sets_priority(stack, ticket["id"], "high"), message="the colleague's change")

    page.get_by_label("Tags").fill("accounts seats")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("list", name="Tags")).to_contain_text("accounts")
    expect(page.get_by_label("Priority")).to_have_value("high")
    expect(page.get_by_text("Someone else changed this ticket")).to_have_count(0)
    saved = wait_for_ticket(stack, ticket["id"])["ticket"]
    assert sorted(saved["tags"]) == ["accounts", "seats"] and saved["priority"] == "high"


def colleague_sets_priority(stack, ticket_id, priority):
    """Another agent changes the priority on the latest version (routing may bump it meanwhile)."""
    latest = wait_for_ticket(stack, ticket_id)["ticket"]
    response = requests.patch(stack.api(f"/tickets/{ticket_id}"), json={"priority": priority},
                              headers={**stack.auth("agent1@parley.test"), "If-Match": str(latest["version"])},
                              timeout=10)
    assert response.status_code in (200, 409), response.text
    return response.status_code == 200


def test_typing_a_slash_offers_shortcuts_and_picking_one_fills_the_reply(page, stack):
    name = f"thanks-{uuid.uuid4().hex[:6]}"
    created = requests.post(stack.api("/shortcuts"), headers=stack.auth(), timeout=10, json={
        "name": name, "text": "Hello {{customer.first_name}}, this is {{agent.name}}. Anything else?"})
    assert created.status_code == 201, created.text
    ticket_id = start_conversation(stack, "Can you check my order?")["ticket_id"]
    wait_for_ticket(stack, ticket_id)
    sign_in(page, stack, "agent1@parley.test")
    page.goto(f"{stack.url}/#/all/{ticket_id}")
    message = page.get_by_role("textbox", name="Your message")
    shortcuts = page.get_by_role("listbox", name="Shortcuts")

    # typing "/" and part of the name lists the matching shortcut; Escape closes the list
    message.press_sequentially(f"Sure! /{name[:9]}")
    expect(shortcuts.get_by_role("option", name=f"/{name}")).to_be_visible()
    message.press("Escape")
    expect(shortcuts).to_be_hidden()

    # Enter picks the highlighted shortcut: "/name" becomes its text, filled in for this ticket
    message.press_sequentially(name[9:])
    expect(shortcuts.get_by_role("option", name=f"/{name}")).to_have_attribute("aria-selected", "true")
    message.press("Enter")
    expect(message).to_have_value("Sure! Hello Robin, this is Sam Support. Anything else?")
    expect(shortcuts).to_be_hidden()

    # a click picks one too
    message.press_sequentially(f" /{name}")
    shortcuts.get_by_role("option", name=f"/{name}").click()
    expect(message).to_have_value("Sure! Hello Robin, this is Sam Support. Anything else? "
                                  "Hello Robin, this is Sam Support. Anything else?")


def test_a_reply_with_an_attached_file_shows_it_on_the_message(page, stack):
    ticket_id = start_conversation(stack, "Please send me the receipt")["ticket_id"]
    wait_for_ticket(stack, ticket_id)
    sign_in(page, stack, "agent1@parley.test")
    page.goto(f"{stack.url}/#/all/{ticket_id}")
    receipt = b"%PDF-1.4\n% receipt\n" + b"1" * 500

    # the agent attaches two files and removes one before sending
    for name, kind, content in (("receipt.pdf", "application/pdf", receipt), ("draft.txt", "text/plain", b"x")):
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Attach files").click()
        chooser.value.set_files({"name": name, "mimeType": kind, "buffer": content})
    chosen = page.get_by_role("list", name="Files to send")
    expect(chosen).to_contain_text("receipt.pdf")
    expect(chosen).to_contain_text("draft.txt")
    chosen.get_by_role("button", name="Remove draft.txt").click()
    expect(chosen).not_to_contain_text("draft.txt")
    page.get_by_role("textbox", name="Your message").fill("Here is your receipt.")
    page.get_by_role("button", name="Send reply").click()

    # then the reply shows the file, and the file downloads
    reply = page.get_by_role("article", name="Message from Sam Support").filter(has_text="Here is your receipt.")
    files = reply.get_by_role("list", name="Attachments")
    expect(files).to_contain_text("receipt.pdf")
    expect(files).not_to_contain_text("draft.txt")
    expect(chosen.get_by_role("listitem")).to_have_count(0)
    with page.expect_download() as download:
        files.get_by_role("button", name=re.compile("receipt.pdf")).click()
    assert download.value.suggested_filename == "receipt.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == receipt
    stored = wait_for_ticket(stack, ticket_id)["messages"][-1]
    assert [a["filename"] for a in stored["attachments"]] == ["receipt.pdf"]


def test_a_customers_file_that_was_not_downloaded_shows_why_and_offers_nothing_to_open(page, stack, providers):
    # given a WhatsApp document whose media the provider no longer has
    phone, media_id = unique_phone(), str(uuid.uuid4().int)[:15]
    providers.json(f"/v21.0/{media_id}", {"error": {"message": "Media not found", "code": 100}}, status=404)
    assert post_meta(stack, "whatsapp", corpus_whatsapp("document", phone, media_id)).status_code == 200
    ticket_id = wait_for_channel_ticket(stack, "phone", phone, channel="whatsapp")["ticket"]["id"]

    # when an agent opens the ticket
    sign_in(page, stack, "agent1@parley.test")
    page.goto(f"{stack.url}/#/all/{ticket_id}")

    # then the file is listed as not downloaded, with the reason, and without an open button
    files = page.get_by_role("list", name="Attachments")
    expect(files).to_contain_text("filename.pdf")
    expect(files).to_contain_text(re.compile(r"not downloaded: .*HTTP 404.*Media not found"))
    expect(files.get_by_role("button")).to_have_count(0)
