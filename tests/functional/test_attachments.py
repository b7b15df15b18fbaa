"""Agents attach files to replies and notes: pre-signed uploads, checks, the thread, email and messaging delivery."""
from __future__ import annotations

import base64
import json
import uuid
from email import policy
from email.parser import BytesParser
from urllib.parse import urlsplit

import requests

from tests.conftest import wait_for
from tests.ws_client import Chat, is_message, is_type
from tests.functional.channel_helpers import (
    outbox,
    post_meta,
    post_telegram,
    send_mail,
    telegram_text,
    ticket,
    unique,
    unique_phone,
    wait_for_ticket,
    whatsapp_status,
    whatsapp_text,
)

PDF = b"%PDF-1.4\n% a tiny invoice\n" + b"0" * 2000
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")
CSV = b"sku,qty\nA1,2\n"


def _chat_ticket(stack, visitor, text="My invoice is wrong") -> int:
    started = requests.post(stack.api("/sdk/conversations"), json={"message": text},
                            headers={"Authorization": visitor["Authorization"]}, timeout=10).json()
    wait_for(lambda: requests.get(stack.api(f"/tickets/{started['ticket_id']}"), headers=stack.auth(),
                                  timeout=10).ok, message="the chat ticket")
    return started["ticket_id"]


def _upload_form(stack, ticket_id, filename="invoice.pdf", content_type="application/pdf", size=len(PDF),
                 who="agent1@parley.test") -> requests.Response:
    return requests.post(stack.api(f"/tickets/{ticket_id}/attachments"),
                         json={"filename": filename, "content_type": content_type, "size": size},
                         headers=stack.auth(who), timeout=10)


def _upload(stack, ticket_id, filename="invoice.pdf", content=PDF, content_type="application/pdf",
            who="agent1@parley.test", **field_changes) -> dict:
    """Ask for a form and send the file with it, as the browser does; returns the attachment (its id)."""
    answer = _upload_form(stack, ticket_id, filename, content_type, len(content), who)
    assert answer.status_code == 201, answer.text
    form = answer.json()["upload"]
    fields = {**form["fields"], **field_changes}
    stored = requests.post(form["url"], data=fields, files={form["file_field"]: (filename, content)}, timeout=30)
    assert stored.status_code in (200, 201, 204), stored.text
    return answer.json()["attachment"]


def _send(stack, ticket_id, attachments, public=True, who="agent1@parley.test", body="Please see the file."):
    return requests.post(stack.api(f"/tickets/{ticket_id}/messages"),
                         json={"body": body, "public": public, "attachments": attachments},
                         headers=stack.auth(who), timeout=30)


def test_an_agent_replies_with_a_file_that_shows_on_the_message_and_downloads(stack, visitor):
    # given a chat ticket and a PDF the agent uploaded for it
    ticket_id = _chat_ticket(stack, visitor)
    attachment = _upload(stack, ticket_id, filename="Rechnung März.pdf")
    assert attachment["filename"] == "Rechnung März.pdf" and attachment["id"].startswith(f"uploads/{ticket_id}/")

    # when the agent replies with it
    sent = _send(stack, ticket_id, [attachment["id"]])

    # then the message carries the file, kept with the ticket's files
    assert sent.status_code == 201, sent.text
    [carried] = sent.json()["message"]["attachments"]
    assert carried["key"].startswith(f"attachments/{ticket_id}/")
    assert (carried["filename"], carried["content_type"], carried["size"]) == ("Rechnung März.pdf",
                                                                               "application/pdf", len(PDF))
    assert ticket(stack, ticket_id)["messages"][-1]["attachments"] == [carried]

    # and an agent downloads it through a short-lived link, as a download (never shown as a page)
    _, folder, name = carried["key"].split("/")
    link = requests.get(stack.api(f"/tickets/{ticket_id}/attachments/{folder}/{name}"),
                        headers={**stack.auth(), "Accept": "application/json"}, timeout=10)
    assert link.status_code == 200 and link.json()["expires_in"] > 0
    download = requests.get(link.json()["url"], timeout=30)
    assert download.content == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Rechnung%20M%C3%A4rz.pdf" in download.headers["Content-Disposition"]


def test_files_parley_does_not_take_are_refused_before_upload(stack, visitor):
    ticket_id = _chat_ticket(stack, visitor)

    page = _upload_form(stack, ticket_id, filename="page.html", content_type="text/html")
    assert page.status_code == 400 and "cannot be attached" in page.json()["message"]
    disguised = _upload_form(stack, ticket_id, filename="page.html", content_type="image/png")
    assert disguised.status_code == 400
    program = _upload_form(stack, ticket_id, filename="setup.bat", content_type="text/plain")
    assert program.status_code == 400
    huge = _upload_form(stack, ticket_id, size=6 * 1024 * 1024)
    assert huge.status_code == 413 and "at most 5.0 MB" in huge.json()["message"]
    anonymous = requests.post(stack.api(f"/tickets/{ticket_id}/attachments"),
                              json={"filename": "a.pdf", "content_type": "application/pdf", "size": 10}, timeout=10)
    assert anonymous.status_code == 401
    missing = _upload_form(stack, 999_999_999)
    assert missing.status_code == 404


def test_a_message_may_only_carry_files_uploaded_to_its_own_ticket(stack, visitor):
    # given a file uploaded to one ticket
    first, second = _chat_ticket(stack, visitor, "first"), _chat_ticket(stack, visitor, "second")
    attachment = _upload(stack, first)

    # when a reply on another ticket names it, then it is refused and nothing is sent
    other = _send(stack, second, [attachment["id"]])
    assert other.status_code == 400
    assert f"uploaded to ticket {first}, not ticket {second}" in other.json()["message"]
    assert all(not m.get("attachments") for m in ticket(stack, second)["messages"])

    # and keys that are not uploads, or uploads that never happened, are refused with the reason
    stored = _send(stack, first, [f"attachments/{first}/0123456789abcdef-x.pdf"])
    assert stored.status_code == 400 and "not a file uploaded" in stored.json()["message"]
    never = _send(stack, first, [f"uploads/{first}/0123456789abcdef-never.pdf"])
    assert never.status_code == 400 and "has not been uploaded" in never.json()["message"]


def test_the_upload_is_checked_again_when_a_message_names_it(stack, visitor):
    # given an upload whose form fields were changed to store an HTML page instead
    ticket_id = _chat_ticket(stack, visitor)
    attachment = _upload(stack, ticket_id, content=b"<script>alert(1)</script>", **{"Content-Type": "text/html"})

    # when a reply names it, then Parley refuses it
    refused = _send(stack, ticket_id, [attachment["id"]])
    assert refused.status_code == 400 and "text/html" in refused.json()["message"]


def test_light_agents_attach_files_to_internal_notes_only(stack, visitor):
    ticket_id = _chat_ticket(stack, visitor)
    attachment = _upload(stack, ticket_id, who="agent3@parley.test")

    public = _send(stack, ticket_id, [attachment["id"]], who="agent3@parley.test")
    assert public.status_code == 403 and "internal notes" in public.json()["message"]
    note = _send(stack, ticket_id, [attachment["id"]], public=False, who="agent3@parley.test")
    assert note.status_code == 201 and note.json()["message"]["attachments"][0]["filename"] == "invoice.pdf"


def test_an_emailed_reply_carries_its_files_as_mime_attachments(stack):
    # given a customer's email became a ticket
    sender, subject = f"{unique('erin-')}@customer.example", f"Invoice {unique()}"
    raw = (f"From: Erin <{sender}>\r\nTo: support@parley.test\r\nSubject: {subject}\r\n"
           f"Message-ID: <{unique()}@customer.example>\r\n\r\nPlease send the invoice again.\r\n").encode()
    send_mail(stack, raw, mail_from=sender)
    ticket_id = wait_for_ticket(stack, "email", sender, channel="email", subject=subject)["ticket"]["id"]

    # when an agent replies with a PDF and a CSV
    files = [_upload(stack, ticket_id), _upload(stack, ticket_id, "items.csv", b"sku,qty\nA1,2\n", "text/csv")]
    assert _send(stack, ticket_id, [f["id"] for f in files]).status_code == 201

    # then the email holds both files, byte for byte
    sent = wait_for(lambda: next((m for m in outbox(stack, "email") if sender in m["recipient"]), None),
                    timeout=30, interval=0.3, message=f"the reply to {sender}")
    mail = BytesParser(policy=policy.default).parsebytes(sent["raw"].encode("utf-8", errors="surrogateescape"))
    attached = {part.get_filename(): (part.get_content_type(), part.get_content()) for part in mail.iter_attachments()}
    assert attached["invoice.pdf"] == ("application/pdf", PDF)
    assert attached["items.csv"][0] == "text/csv" and attached["items.csv"][1].replace("\r\n", "\n") == \
        "sku,qty\nA1,2\n"
    assert "Please see the file." in mail.get_body(preferencelist=("plain",)).get_content()


def _sent_to(stack, channel: str, recipient: str, count: int) -> list[dict]:
    """The local outbox's `count` newest messages on channel to recipient, once that many are there."""
    def found() -> list[dict] | None:
        items = [m for m in outbox(stack, channel) if m["recipient"] == recipient]
        return items if len(items) >= count else None

    return wait_for(found, timeout=30, interval=0.3, message=f"{count} {channel} message(s) to {recipient}")


def _sent_message(stack, ticket_id: int, message_id: str, **expected) -> dict:
    def matches() -> dict | None:
        found = next((m for m in ticket(stack, ticket_id)["messages"] if m["id"] == message_id), None)
        return found if found and all(found.get(k) == v for k, v in expected.items()) else None

    return wait_for(matches, timeout=30, interval=0.3, message=f"message {message_id} with {expected}")


def test_a_whatsapp_reply_sends_its_image_as_a_whatsapp_image_after_the_text(stack):
    # given a customer wrote on WhatsApp
    phone = unique_phone()
    assert post_meta(stack, "whatsapp", whatsapp_text(phone, "Which cable do I need?")).status_code == 200
    ticket_id = wait_for_ticket(stack, "phone", phone, channel="whatsapp")["ticket"]["id"]

    # when an agent replies with a photo
    photo = _upload(stack, ticket_id, "cable.png", content=PNG, content_type="image/png")
    sent = _send(stack, ticket_id, [photo["id"]], body="This one.")
    assert sent.status_code == 201, sent.text

    # then WhatsApp gets the text as it was written, and the photo as an image message
    entries = _sent_to(stack, "whatsapp", phone, 2)
    [text] = [e for e in entries if "media" not in e]
    [image] = [e for e in entries if "media" in e]
    assert json.loads(text["request"]["body"])["text"] == {"body": "This one."}
    assert image["media"] == [{"type": "image", "url": image["media"][0]["url"], "filename": "cable.png"}]
    link = json.loads(image["request"]["body"])["image"]["link"]
    assert link == image["media"][0]["url"] and link.startswith(f"{stack.url}/api/files/{ticket_id}/")

    # and the link WhatsApp fetches serves the photo without signing in (HEAD too, as Twilio checks first)
    assert requests.get(link, timeout=30).content == PNG
    checked = requests.head(link, allow_redirects=True, timeout=30)
    assert checked.status_code == 200 and int(checked.headers["Content-Length"]) == len(PNG)
    assert requests.head(link.replace("signature=", "signature=0"), timeout=30).status_code == 403

    # and the reply shows both WhatsApp messages; WhatsApp's receipt for the image updates it
    stored = _sent_message(stack, ticket_id, sent.json()["message"]["id"], delivery="sent")
    assert len(stored["provider_message_ids"]) == 2
    image_id = stored["provider_message_ids"][1]
    assert post_meta(stack, "whatsapp", whatsapp_status(image_id, phone, "delivered")).status_code == 200
    _sent_message(stack, ticket_id, sent.json()["message"]["id"], delivery="delivered")


def test_a_telegram_reply_sends_a_pdf_as_a_document_and_a_file_telegram_cannot_fetch_as_a_link(stack):
    # given a customer wrote on Telegram
    chat = int(str(uuid.uuid4().int)[:9])
    assert post_telegram(stack, telegram_text(chat, "Can you send the manual?")).status_code == 200
    ticket_id = wait_for_ticket(stack, "telegram", str(chat), channel="telegram")["ticket"]["id"]

    # when an agent replies with a PDF and a CSV (Telegram fetches only GIF, PDF and ZIP documents by URL)
    manual = _upload(stack, ticket_id, "manual.pdf")
    items = _upload(stack, ticket_id, "items.csv", content=CSV, content_type="text/csv")
    assert _send(stack, ticket_id, [manual["id"], items["id"]]).status_code == 201

    # then the text goes out as before, with the CSV's link under it, and the PDF as a Telegram document
    entries = _sent_to(stack, "telegram", str(chat), 2)
    [text] = [e for e in entries if "media" not in e]
    [document] = [e for e in entries if "media" in e]
    assert text["body"].startswith("Please see the file.\n\nitems.csv: ")
    assert document["request"]["url"].endswith("/sendDocument") and "<token>" in document["request"]["url"]
    assert document["media"][0]["type"] == "document" and document["media"][0]["filename"] == "manual.pdf"
    assert json.loads(document["request"]["body"])["caption"] == "manual.pdf"

    # and both links serve their file without signing in
    assert requests.get(document["media"][0]["url"], timeout=30).content == PDF
    csv_link = text["body"].rsplit(": ", 1)[1]
    assert requests.get(csv_link, timeout=30).content.replace(b"\r\n", b"\n") == CSV

    # and a link with a changed signature or file name leads nowhere
    path = urlsplit(csv_link)
    forged = requests.get(f"{stack.url}{path.path}?{path.query[:-4]}0000", allow_redirects=False, timeout=10)
    assert forged.status_code == 403 and "not valid" in forged.json()["message"]
    renamed = requests.get(f"{stack.url}{path.path}x?{path.query}", allow_redirects=False, timeout=10)
    assert renamed.status_code == 403


def _customer_socket(stack, visitor) -> Chat:
    return Chat(f"{stack.ws_url}?token={visitor['Authorization'].removeprefix('Bearer ')}")


def _no_secret_in(frames, *secrets) -> None:
    text = json.dumps(frames)
    for secret in secrets:
        assert secret not in text, f"{secret!r} reached the customer"


def test_a_chat_customer_gets_the_agents_file_with_a_link_and_never_a_notes_file(stack, visitor):
    # given a chat customer connected to their conversation
    ticket_id = _chat_ticket(stack, visitor)
    conversation_id = requests.get(stack.api("/sdk/conversations"), headers={"Authorization": visitor["Authorization"]},
                                   timeout=10).json()["conversations"][0]["conversation_id"]
    customer = _customer_socket(stack, visitor)
    try:
        # when an agent writes an internal note with a file, then replies with another file
        note = _send(stack, ticket_id, [_upload(stack, ticket_id, "internal-margins.csv", b"sku,margin\nA1,42\n",
                                                "text/csv")["id"]], public=False, body="Margins: do not share")
        assert note.status_code == 201, note.text
        note_key = note.json()["message"]["attachments"][0]["key"]
        reply = _send(stack, ticket_id, [_upload(stack, ticket_id, "Rechnung März.pdf")["id"]])
        assert reply.status_code == 201, reply.text
        reply_key = reply.json()["message"]["attachments"][0]["key"]

        # then the customer's live frame lists the reply's file with a signed link, not its S3 key
        live = customer.frames_until(is_message("Please see the file."))
        [shown] = live[-1]["message"]["attachments"]
        assert set(shown) == {"filename", "content_type", "size", "url"}
        assert (shown["filename"], shown["content_type"], shown["size"]) == ("Rechnung März.pdf", "application/pdf",
                                                                             len(PDF))
        assert shown["url"].startswith(f"{stack.url}/api/files/{ticket_id}/")
        # and the link downloads the right bytes, without signing in
        assert requests.get(shown["url"], timeout=30).content == PDF

        # and the same on resume and over REST, while the note and its file never reach the customer
        customer.send(type="resume", conversation_id=conversation_id, after_seq=0, id="r1")
        resumed = customer.frames_until(is_type("resumed", id="r1"))
        [replayed] = [f for f in resumed if f.get("type") == "message" and f["message"]["attachments"]]
        assert replayed["message"]["attachments"][0]["filename"] == "Rechnung März.pdf"
        listed = requests.get(stack.api(f"/sdk/conversations/{conversation_id}/messages?after=0"),
                              headers={"Authorization": visitor["Authorization"]}, timeout=10).json()["messages"]
        assert [m["attachments"] for m in listed if m["attachments"]][0][0]["size"] == len(PDF)
        assert all(m["attachments"] == [] for m in listed if m["body"] != "Please see the file.")
        _no_secret_in([live, resumed, listed], "Margins", "internal-margins", note_key, reply_key)
    finally:
        customer.close()
