"""Customers send files from the widget and SDKs: an upload form for their own conversation, the file posted
straight to (moto) S3, a message naming it, and the agent seeing and downloading it."""
from __future__ import annotations

import requests

from tests.conftest import wait_for
from tests.functional.channel_helpers import ticket
from tests.ws_client import Chat, is_message, is_type

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _headers(visitor) -> dict[str, str]:
    return {"Authorization": visitor["Authorization"]}


def _start(stack, visitor, text="The app shows an error") -> dict:
    """A chat the visitor started, once its ticket exists: conversation_id and ticket_id."""
    started = requests.post(stack.api("/sdk/conversations"), json={"message": text}, headers=_headers(visitor),
                            timeout=10)
    assert started.status_code == 201, started.text
    wait_for(lambda: requests.get(stack.api(f"/tickets/{started.json()['ticket_id']}"), headers=stack.auth(),
                                  timeout=10).ok, message="the chat ticket")
    return started.json()


def _upload_form(stack, visitor, conversation_id, filename="screenshot.png", content_type="image/png",
                 size=len(PNG)) -> requests.Response:
    return requests.post(stack.api(f"/sdk/conversations/{conversation_id}/attachments"),
                         json={"filename": filename, "content_type": content_type, "size": size},
                         headers=_headers(visitor), timeout=10)


def _upload(stack, visitor, conversation_id, filename="screenshot.png", content=PNG, content_type="image/png",
            **field_changes) -> dict:
    """Ask for a form and post the file with it, as the widget does; returns the attachment (its id)."""
    answer = _upload_form(stack, visitor, conversation_id, filename, content_type, len(content))
    assert answer.status_code == 201, answer.text
    form = answer.json()["upload"]
    stored = requests.post(form["url"], data={**form["fields"], **field_changes},
                           files={form["file_field"]: (filename, content)}, timeout=30)
    assert stored.status_code in (200, 201, 204), stored.text
    return answer.json()["attachment"]


def _send(stack, visitor, conversation_id, attachments, body="Here is a screenshot") -> requests.Response:
    return requests.post(stack.api(f"/sdk/conversations/{conversation_id}/messages"),
                         json={"body": body, "attachments": attachments}, headers=_headers(visitor), timeout=30)


def _message_with(stack, ticket_id, body) -> dict:
    def found():
        return next((m for m in ticket(stack, ticket_id)["messages"] if m["body"] == body), None)
    return wait_for(found, message=f"the message {body!r} on ticket {ticket_id}")


def test_a_customer_sends_a_file_that_the_agent_sees_and_downloads(stack, visitor):
    # given a chat, and a screenshot the customer uploaded for it with the form Parley handed out
    chat = _start(stack, visitor)
    attachment = _upload(stack, visitor, chat["conversation_id"], filename="Fehler: Bildschirm.png")
    assert attachment["id"].startswith(f"uploads/{chat['ticket_id']}/")
    assert attachment["filename"] == "Fehler_ Bildschirm.png"

    # when the customer sends a message naming it
    sent = _send(stack, visitor, chat["conversation_id"], [attachment["id"]])
    assert sent.status_code == 201, sent.text

    # then the agent API shows the message with the file, kept with the ticket's files
    message = _message_with(stack, chat["ticket_id"], "Here is a screenshot")
    [carried] = message["attachments"]
    assert message["author_type"] == "customer" and carried["key"].startswith(f"attachments/{chat['ticket_id']}/")
    assert (carried["filename"], carried["content_type"], carried["size"]) == ("Fehler_ Bildschirm.png", "image/png",
                                                                               len(PNG))

    # and the agent downloads it, as a download
    _, folder, name = carried["key"].split("/")
    link = requests.get(stack.api(f"/tickets/{chat['ticket_id']}/attachments/{folder}/{name}"),
                        headers={**stack.auth(), "Accept": "application/json"}, timeout=10)
    assert link.status_code == 200, link.text
    download = requests.get(link.json()["url"], timeout=30)
    assert download.content == PNG and download.headers["Content-Disposition"].startswith("attachment;")

    # and the customer gets their own file back as a signed link, never its S3 key
    listed = requests.get(stack.api(f"/sdk/conversations/{chat['conversation_id']}/messages?after=0"),
                          headers=_headers(visitor), timeout=10).json()["messages"]
    [shown] = [m["attachments"][0] for m in listed if m["attachments"]]
    assert set(shown) == {"filename", "content_type", "size", "url"}
    assert requests.get(shown["url"], timeout=30).content == PNG
    assert carried["key"] not in str(listed) and attachment["id"] not in str(listed)


def test_another_visitor_can_neither_upload_to_the_conversation_nor_send_its_file(stack, visitor):
    # given a file one visitor uploaded to their chat
    chat = _start(stack, visitor)
    attachment = _upload(stack, visitor, chat["conversation_id"])
    other = requests.post(stack.api("/sdk/sessions"), json={"name": "Someone Else"}, timeout=10).json()
    intruder = {"customer_id": other["customer_id"], "Authorization": f"Bearer {other['visitor_token']}"}
    own = _start(stack, intruder, "My own question")

    # when another visitor asks for a form or sends a message on that chat, then it is not found
    assert _upload_form(stack, intruder, chat["conversation_id"]).status_code == 404
    assert _send(stack, intruder, chat["conversation_id"], [attachment["id"]]).status_code == 404

    # and naming the file in their own chat is refused, and nothing is copied or sent
    refused = _send(stack, intruder, own["conversation_id"], [attachment["id"]], body="Look what I found")
    assert refused.status_code == 400
    assert f"uploaded to another conversation, not {own['conversation_id']}" in refused.json()["message"]
    assert all(m["body"] != "Look what I found" for m in ticket(stack, own["ticket_id"])["messages"])

    # and anonymous callers get no form at all
    anonymous = requests.post(stack.api(f"/sdk/conversations/{chat['conversation_id']}/attachments"),
                              json={"filename": "a.png", "content_type": "image/png", "size": 10}, timeout=10)
    assert anonymous.status_code == 401


def test_customers_get_the_agents_limits_and_each_upload_is_checked_again(stack, visitor):
    chat = _start(stack, visitor)
    conversation_id = chat["conversation_id"]

    # files Parley does not take are refused before upload, with the reason
    page = _upload_form(stack, visitor, conversation_id, filename="page.html", content_type="text/html")
    assert page.status_code == 400 and "cannot be attached" in page.json()["message"]
    program = _upload_form(stack, visitor, conversation_id, filename="setup.exe", content_type="")
    assert program.status_code == 400
    huge = _upload_form(stack, visitor, conversation_id, size=6 * 1024 * 1024)
    assert huge.status_code == 413 and "at most 5.0 MB" in huge.json()["message"]

    # an upload whose form was changed to store a page, an upload that never happened, and an agent's upload
    # to the same ticket are refused when a message names them
    page_upload = _upload(stack, visitor, conversation_id, content=b"<script>alert(1)</script>",
                          **{"Content-Type": "text/html"})
    changed = _send(stack, visitor, conversation_id, [page_upload["id"]])
    assert changed.status_code == 400 and "text/html" in changed.json()["message"]
    never = _send(stack, visitor, conversation_id, [f"uploads/{chat['ticket_id']}/0123456789abcdef-never.png"])
    assert never.status_code == 400 and "has not been uploaded" in never.json()["message"]
    form = requests.post(stack.api(f"/tickets/{chat['ticket_id']}/attachments"), headers=stack.auth(),
                         json={"filename": "internal.png", "content_type": "image/png", "size": len(PNG)},
                         timeout=10).json()
    requests.post(form["upload"]["url"], data=form["upload"]["fields"], files={"file": ("internal.png", PNG)},
                  timeout=30).raise_for_status()
    agents = _send(stack, visitor, conversation_id, [form["attachment"]["id"]])
    assert agents.status_code == 400 and "not uploaded by you" in agents.json()["message"]


def test_a_message_frame_carries_the_customers_file_and_a_bad_id_is_refused_on_the_socket(stack, visitor):
    chat = _start(stack, visitor)
    attachment = _upload(stack, visitor, chat["conversation_id"], filename="receipt.png")
    customer = Chat(f"{stack.ws_url}?token={visitor['Authorization'].removeprefix('Bearer ')}")
    try:
        customer.send(type="message", conversation_id=chat["conversation_id"], body="The receipt",
                      client_msg_id="file-1", attachments=[attachment["id"]])
        assert customer.expect(is_type("ack", client_msg_id="file-1"))["status"] == "stored"
        echoed = customer.expect(is_message("The receipt"))
        [shown] = echoed["message"]["attachments"]
        assert shown["filename"] == "receipt.png" and requests.get(shown["url"], timeout=30).content == PNG

        customer.send(type="message", conversation_id=chat["conversation_id"], body="Another", client_msg_id="file-2",
                      attachments=[f"uploads/{chat['ticket_id']}/0123456789abcdef-gone.png"])
        refused = customer.expect(is_type("error", client_msg_id="file-2"))
        assert refused["error"] == "invalid" and "has not been uploaded" in refused["message"]
    finally:
        customer.close()
    [carried] = _message_with(stack, chat["ticket_id"], "The receipt")["attachments"]
    assert carried["filename"] == "receipt.png"


def test_an_agents_message_frame_carries_files_too(stack, visitor):
    chat = _start(stack, visitor)
    form = requests.post(stack.api(f"/tickets/{chat['ticket_id']}/attachments"), headers=stack.auth(),
                         json={"filename": "manual.pdf", "content_type": "application/pdf", "size": 10},
                         timeout=10).json()
    requests.post(form["upload"]["url"], data=form["upload"]["fields"], files={"file": ("manual.pdf", b"%PDF-1.4 x")},
                  timeout=30).raise_for_status()
    agent = Chat(f"{stack.ws_url}?token={stack.login('agent1@parley.test')}")
    try:
        agent.send(type="message", conversation_id=chat["conversation_id"], body="The manual", client_msg_id="a-1",
                   attachments=[form["attachment"]["id"]])
        assert agent.expect(is_type("ack", client_msg_id="a-1"))["status"] == "stored"
    finally:
        agent.close()
    [carried] = _message_with(stack, chat["ticket_id"], "The manual")["attachments"]
    assert carried["filename"] == "manual.pdf" and carried["key"].startswith(f"attachments/{chat['ticket_id']}/")
