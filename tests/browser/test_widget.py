"""The embeddable widget in headless Chromium: a customer chats with an agent, reloads, rates; offline form; proactive chat."""
from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import jwt
import pytest
import requests
from playwright.sync_api import Page, expect

from local.resources import LOCAL_PARAMETERS
from tests.browser.conftest import sign_in
from tests.browser.widget_helpers import (agent_socket, reply, serve_page, set_presence, upload_file,
                                          wait_for_conversation, widget_state)
from tests.conftest import wait_for
from tests.ws_client import is_message, is_type

pytestmark = pytest.mark.browser


def _open_demo(page: Page, stack) -> None:
    page.goto(f"{stack.url}/widget/demo/")
    page.locator(".launcher").click()
    expect(page.locator(".panel")).to_be_visible()


def _say(page: Page, text: str) -> None:
    page.locator(".input").fill(text)
    page.locator(".input").press("Enter")


def _ticket_of(stack, conversation_id: str) -> dict:
    def found():
        for ticket in requests.get(stack.api("/tickets?limit=100"), headers=stack.auth(), timeout=10).json()["tickets"]:
            if ticket["conversation_id"] == conversation_id:
                return ticket
        return None
    return wait_for(found, message="the widget's ticket")


def test_a_customer_chats_with_an_agent_who_solves_it_and_gets_rated(stack, page):
    set_presence(stack, "agent1@parley.test", "online")
    _open_demo(page, stack)
    expect(page.locator(".msg.greeting")).to_contain_text("Questions about an order")
    _say(page, "Do you ship to Norway?")
    conversation_id = wait_for_conversation(page, stack)
    agent = agent_socket(stack)
    try:
        agent.send(type="resume", conversation_id=conversation_id, after_seq=0)
        agent.expect(is_message("Do you ship to Norway?"))

        agent.send(type="typing", conversation_id=conversation_id, state="start")
        expect(page.locator(".typing")).to_have_text("Sam Support is typing…")
        agent.send(type="message", conversation_id=conversation_id, body="Yes, in about 3 days.", client_msg_id="w-1")
        expect(page.locator(".msg.agent")).to_contain_text("Yes, in about 3 days.")
        expect(page.locator(".typing")).to_have_text("")
        read_by_customer = agent.expect(is_type("read", reader="customer"))

        page.locator(".input").press_sequentially("Great", delay=20)
        assert agent.expect(is_type("typing", state="start"))["author_type"] == "customer"
        page.locator(".input").press_sequentially(", thanks!")
        page.locator(".input").press("Enter")
        reply = agent.expect(is_message("Great, thanks!"))
        agent.send(type="read", conversation_id=conversation_id, seq=reply["seq"])
        expect(page.locator(".receipt.seen")).to_be_visible()

        ticket = _ticket_of(stack, conversation_id)
        requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"status": "solved"},
                       headers=stack.auth("agent1@parley.test"), timeout=10).raise_for_status()
        expect(page.locator(".rating")).to_contain_text("How was this chat?")
        page.locator(".rating [data-score=good]").click()
        page.locator(".rating .comment").fill("Fast and friendly")
        page.locator(".rating .rate").click()
        expect(page.locator(".rating")).to_contain_text("Thank you for your feedback!")
        rated = agent.expect(is_type("rated", conversation_id=conversation_id))
    finally:
        agent.close()

    assert read_by_customer["seq"] == 2
    assert rated["rating"] == {"score": "good", "comment": "Fast and friendly", "rated_at": rated["rating"]["rated_at"]}
    shown = requests.get(stack.api(f"/tickets/{ticket['id']}"), headers=stack.auth(), timeout=10).json()
    assert [m["body"] for m in shown["messages"]] == ["Do you ship to Norway?", "Yes, in about 3 days.", "Great, thanks!"]
    assert shown["ticket"]["rating"]["score"] == "good"


def test_the_chat_survives_a_reload_and_shows_markup_as_text(stack, page):
    set_presence(stack, "agent1@parley.test", "online")
    _open_demo(page, stack)
    _say(page, "Hello from before the reload")
    conversation_id = wait_for_conversation(page, stack)
    agent = agent_socket(stack)
    try:
        agent.send(type="resume", conversation_id=conversation_id, after_seq=0)
        agent.expect(is_type("resumed"))
        markup = '<img src=x onerror="window.pwned=1"><b>bold?</b>'
        agent.send(type="message", conversation_id=conversation_id, body=markup, client_msg_id="x-1")
        expect(page.locator(".msg.agent")).to_contain_text(markup)

        page.reload()
        page.locator(".launcher").click()
        expect(page.locator(".msg.customer")).to_have_text(["Hello from before the reload"])
        agent.send(type="message", conversation_id=conversation_id, body="Still here after your reload",
                   client_msg_id="x-2")
        expect(page.locator(".msg.agent").last).to_contain_text("Still here after your reload")
    finally:
        agent.close()

    expect(page.locator(".msg.agent")).to_have_count(2)
    assert page.locator(".msg.agent img, .msg.agent b").count() == 0
    assert page.evaluate("window.pwned === undefined")
    assert widget_state(page, stack)["conversationId"] == conversation_id


def test_with_no_agent_online_the_widget_offers_a_form_that_becomes_an_email_ticket(stack, page):
    url = serve_page(page, stack, f"/widget/host-{uuid.uuid4().hex[:6]}.html", department=f"Night-{uuid.uuid4().hex[:6]}")
    email = f"night-owl-{uuid.uuid4().hex[:6]}@example.com"
    page.goto(url)
    page.locator(".launcher").click()

    form = page.locator("form.offline")
    expect(form).to_contain_text("We are away right now")
    form.get_by_label("Name").fill("Night Owl")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Message").fill("Please call me back tomorrow about order 8812")
    form.get_by_role("button", name="Send message").click()
    expect(page.locator(".offline .result")).to_have_text(f"Thank you! We will reply to {email}.")

    def email_ticket():
        tickets = requests.get(stack.api("/tickets?limit=50"), headers=stack.auth(), timeout=10).json()["tickets"]
        return next((t for t in tickets if t["subject"].startswith("Please call me back tomorrow about order 8812")), None)

    ticket = wait_for(email_ticket, message="the offline form's ticket")
    assert ticket["channel"] == "email"
    customer = requests.get(stack.api(f"/tickets/{ticket['id']}"), headers=stack.auth(), timeout=10).json()["customer"]
    assert customer["email"] == email and customer["name"] == "Night Owl"


def test_outside_business_hours_the_offline_form_says_when_the_team_is_back_in_the_visitors_time(stack, browser):
    now = datetime.fromisoformat(requests.post(f"{stack.url}/_local/clock/advance", json={"seconds": 0},
                                               timeout=10).json()["now"].replace("Z", "+00:00"))
    opens = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    department = f"Evenings-{uuid.uuid4().hex[:6]}"
    requests.post(stack.api("/departments"), headers=stack.auth(), timeout=10, json={"name": department,
                  "business_hours": {"time_zone": "UTC", "intervals": {
                      "mon-sun": f"{opens:%H:%M}-{opens + timedelta(hours=1):%H:%M}"}}}).raise_for_status()
    context = browser.new_context(timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(serve_page(page, stack, f"/widget/hours-{uuid.uuid4().hex[:6]}.html", department=department,
                             language="de"))
        page.locator(".launcher").click()

        form = page.locator("form.offline")
        expect(form).to_contain_text("Gerade ist niemand da")
        in_tokyo = opens.astimezone(ZoneInfo("Asia/Tokyo"))
        expect(form.locator(".back")).to_contain_text(f"ab {in_tokyo.hour}:{in_tokyo:%M} Uhr wieder da.")
        expect(form.get_by_label("E-Mail")).to_be_visible()
    finally:
        context.close()


def test_page_loads_reuse_the_stored_visitor_and_the_customer_is_written_by_the_first_message(stack, page):
    set_presence(stack, "agent1@parley.test", "online")
    sessions = []
    page.on("request", lambda r: sessions.append(r.url) if r.url.endswith("/api/sdk/sessions") else None)
    url = serve_page(page, stack, f"/widget/visits-{uuid.uuid4().hex[:6]}.html")

    page.goto(url)
    token = page.wait_for_function("key => (JSON.parse(localStorage.getItem(key) || '{}').token || null)",
                                   arg=f"parley-widget:{stack.url}").json_value()
    page.reload()
    page.goto(url)
    customer_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    before = requests.get(stack.api(f"/customers/{customer_id}"), headers=stack.auth(), timeout=10)
    page.locator(".launcher").click()
    _say(page, "Is the green one back in stock?")
    ticket = _ticket_of(stack, wait_for_conversation(page, stack))

    assert len(sessions) == 1, "later page loads reuse the stored visitor token"
    assert widget_state(page, stack)["token"] == token
    assert before.status_code == 404, "page loads alone write no customer"
    assert ticket["requester_id"] == customer_id
    assert requests.get(stack.api(f"/customers/{customer_id}"), headers=stack.auth(), timeout=10).ok


def test_a_proactive_rule_opens_the_widget_with_its_message(stack, page):
    path = f"/widget/pricing-{uuid.uuid4().hex[:6]}.html"
    requests.post(stack.api("/proactive-rules"), headers=stack.auth(), timeout=10, json={
        "name": f"pricing{path}", "url_contains": path, "min_seconds": 1, "message": "Comparing plans? Ask us!"}
    ).raise_for_status()
    url = serve_page(page, stack, path)

    page.goto(url)

    expect(page.locator(".panel")).to_be_visible()
    expect(page.locator(".msg.proactive")).to_have_text("Comparing plans? Ask us!")


def test_a_dropped_connection_reconnects_and_catches_up_without_gaps_or_duplicates(stack, page):
    network = {"up": True, "sockets": []}

    def route(ws):
        if not network["up"]:
            ws.close(code=1011, reason="network down")
            return
        network["sockets"].append((ws, ws.connect_to_server()))

    page.route_web_socket(re.compile(r"/ws\?"), route)
    set_presence(stack, "agent1@parley.test", "online")
    _open_demo(page, stack)
    _say(page, "Will you stay with me?")
    conversation_id = wait_for_conversation(page, stack)
    agent = agent_socket(stack)
    try:
        agent.send(type="resume", conversation_id=conversation_id, after_seq=0)
        agent.expect(is_type("resumed"))
        agent.send(type="message", conversation_id=conversation_id, body="Before the drop", client_msg_id="d-0")
        expect(page.locator(".msg.agent .body")).to_have_text(["Before the drop"])

        network["up"] = False
        for page_side, server_side in network["sockets"]:
            page_side.close(code=1001)
            server_side.close()
        expect(page.locator(".status")).to_have_text("Reconnecting…")
        for n in (1, 2, 3):
            agent.send(type="message", conversation_id=conversation_id, body=f"Missed {n}", client_msg_id=f"d-{n}")
            agent.expect(is_type("ack", client_msg_id=f"d-{n}"))
        network["up"] = True

        expect(page.locator(".status")).to_have_text("", timeout=30_000)
        expect(page.locator(".msg.agent .body")).to_have_text(["Before the drop", "Missed 1", "Missed 2", "Missed 3"])
        agent.send(type="message", conversation_id=conversation_id, body="Welcome back", client_msg_id="d-4")
        expect(page.locator(".msg.agent .body")).to_have_text(
            ["Before the drop", "Missed 1", "Missed 2", "Missed 3", "Welcome back"])
    finally:
        agent.close()

    seqs = [int(s) for s in page.locator(".msg.agent").evaluate_all("nodes => nodes.map(n => n.dataset.seq)")]
    assert seqs == sorted(set(seqs)) and len(seqs) == 5


def test_a_customer_downloads_the_file_an_agent_replied_with_and_never_sees_a_notes_file(stack, page):
    set_presence(stack, "agent1@parley.test", "online")
    _open_demo(page, stack)
    _say(page, "Can I have my invoice?")
    ticket_id = _ticket_of(stack, wait_for_conversation(page, stack))["id"]
    invoice = b"%PDF-1.4\n% invoice 1042\n" + bytes(range(256)) * 8

    # an internal note with a file, then a public reply with another
    reply(stack, ticket_id, "Note: customer owes us money", [upload_file(
        stack, ticket_id, "internal-ledger.csv", b"customer,owes\nx,100\n", "text/csv")], public=False)
    reply(stack, ticket_id, "Here is your invoice.", [upload_file(
        stack, ticket_id, "invoice 1042.pdf", invoice, "application/pdf")])

    bubble = page.locator(".msg.agent", has_text="Here is your invoice.")
    link = bubble.locator("a.file")
    expect(link).to_have_text("invoice 1042.pdf")
    href = link.get_attribute("href")
    assert href.startswith(f"{stack.url}/api/files/{ticket_id}/") and "signature=" in href
    assert "noopener" in link.get_attribute("rel").split()
    with page.expect_download() as downloading:
        link.click()
    with open(downloading.value.path(), "rb") as saved:
        assert saved.read() == invoice
    assert requests.get(href, timeout=30).content == invoice, "the link works without the widget too"

    # the note and its file never reached the widget, live or stored
    text = page.locator(".messages").inner_text()
    assert "owes us money" not in text and "internal-ledger" not in text
    assert page.locator("a.file").count() == 1
    stored = str(widget_state(page, stack))
    assert "internal-ledger" not in stored and "attachments/" not in stored


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the local stack's short secret
def test_an_identified_widget_session_is_the_sites_user(stack, page, new_page):
    set_presence(stack, "agent1@parley.test", "online")
    external_id = f"shop-user-{uuid.uuid4().hex[:8]}"

    def user_token() -> str:
        return jwt.encode({"external_id": external_id, "name": "Uma Shopper", "exp": int(time.time()) + 600},
                          LOCAL_PARAMETERS["SdkSharedSecret"], algorithm="HS256")

    # the site's page passes its user's token on the tag
    page.goto(serve_page(page, stack, f"/widget/account-{uuid.uuid4().hex[:6]}.html", user_token=user_token()))
    page.locator(".launcher").click()
    _say(page, "Where is my order?")
    ticket = _ticket_of(stack, wait_for_conversation(page, stack))
    customer = requests.get(stack.api("/customers"), params={"external_id": external_id}, headers=stack.auth(),
                            timeout=10).json()["customer"]
    assert ticket["requester_id"] == customer["id"] and customer["name"] == "Uma Shopper"
    assert widget_state(page, stack)["customerId"] == customer["id"]

    # another browser, where the site identifies the user after the widget loaded, is the same customer
    other = new_page()
    other.goto(serve_page(other, stack, f"/widget/later-{uuid.uuid4().hex[:6]}.html"))
    other.wait_for_function("() => window.Parley && window.Parley.identify")
    other.evaluate("token => window.Parley.identify(token)", user_token())
    assert widget_state(other, stack)["customerId"] == customer["id"]
    token = widget_state(other, stack)["token"]
    listed = requests.get(stack.api("/sdk/conversations"), headers={"Authorization": f"Bearer {token}"},
                          timeout=10).json()["conversations"]
    assert [c["ticket_id"] for c in listed] == [ticket["id"]]


# The stub a page defines before the widget's script tag (docs/websocket.md, "The widget").
STUB = ("window.Parley = window.Parley || { q: [] };"
        "['identify', 'open', 'close'].forEach(function (name) {"
        "  Parley[name] = Parley[name] || function () { Parley.q.push([name, arguments]); };"
        "});")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the local stack's short secret
def test_a_page_that_identifies_its_user_before_the_widget_loaded_chats_as_that_user(stack, page):
    set_presence(stack, "agent1@parley.test", "online")
    external_id = f"early-user-{uuid.uuid4().hex[:8]}"
    token = jwt.encode({"external_id": external_id, "name": "Eli Early", "exp": int(time.time()) + 600},
                       LOCAL_PARAMETERS["SdkSharedSecret"], algorithm="HS256")

    # the page queues identify and open on the stub before the async widget script has run
    head = (f"<script>{STUB} Parley.identify({json.dumps(token)}); Parley.open();"
            " window.queuedBeforeLoad = Parley.q.length;</script>")
    page.goto(serve_page(page, stack, f"/widget/early-{uuid.uuid4().hex[:6]}.html", head=head))

    # then the widget replays them once loaded: it opens by itself, and its first chat is the identified user's
    expect(page.locator(".panel")).to_be_visible()
    assert page.evaluate("window.queuedBeforeLoad") == 2
    assert page.evaluate("typeof window.Parley.identify === 'function' && !('q' in window.Parley)")
    _say(page, "Is my order on its way?")
    ticket = _ticket_of(stack, wait_for_conversation(page, stack))
    customer = requests.get(stack.api("/customers"), params={"external_id": external_id}, headers=stack.auth(),
                            timeout=10).json()["customer"]
    assert ticket["requester_id"] == customer["id"] and customer["name"] == "Eli Early"
    assert widget_state(page, stack)["customerId"] == customer["id"]


def test_a_customer_attaches_a_file_that_the_agent_app_shows_as_a_download(stack, page, new_page):
    set_presence(stack, "agent1@parley.test", "online")
    _open_demo(page, stack)
    attach = page.get_by_role("button", name="Attach a file")
    expect(attach).to_be_hidden()  # a file belongs to a chat: the paperclip shows once it has started
    _say(page, "The checkout page shows an error")
    ticket_id = _ticket_of(stack, wait_for_conversation(page, stack))["id"]
    screenshot = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16

    # a file Parley does not take is refused in plain words, and can be removed
    with page.expect_file_chooser() as chooser:
        attach.click()
    chooser.value.set_files({"name": "fix.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"})
    chosen = page.get_by_role("list", name="Files to send")
    expect(chosen.locator(".upload.failed")).to_contain_text("Not attached: fix.exe")
    expect(chosen.locator(".upload.failed")).to_contain_text("cannot be attached")
    chosen.get_by_role("button", name="Remove fix.exe").click()
    expect(chosen).to_be_hidden()

    # the customer attaches a screenshot: it uploads, then goes with the next message
    with page.expect_file_chooser() as chooser:
        attach.click()
    chooser.value.set_files({"name": "checkout error.png", "mimeType": "image/png", "buffer": screenshot})
    expect(chosen.locator(".upload.ready")).to_contain_text("checkout error.png")
    expect(chosen.locator(".upload.ready")).to_contain_text("ready to send")
    _say(page, "Here is a screenshot")
    expect(chosen).to_be_hidden()
    bubble = page.locator(".msg.customer", has_text="Here is a screenshot")
    link = bubble.locator("a.file")
    expect(link).to_have_text("checkout error.png")
    assert link.get_attribute("href").startswith(f"{stack.url}/api/files/{ticket_id}/")
    assert "uploads/" not in str(widget_state(page, stack)), "sent files leave no upload ids behind"

    # and the agent app shows the customer's file on the message, and it downloads
    agent = new_page()
    sign_in(agent, stack, "agent1@parley.test")
    agent.goto(f"{stack.url}/#/all/{ticket_id}")
    message = agent.get_by_role("article").filter(has_text="Here is a screenshot")
    files = message.get_by_role("list", name="Attachments")
    expect(files).to_contain_text("checkout error.png")
    with agent.expect_download() as download:
        files.get_by_role("button", name=re.compile("checkout error.png")).click()
    assert download.value.suggested_filename == "checkout error.png"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == screenshot
