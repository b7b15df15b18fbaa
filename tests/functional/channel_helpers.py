"""Helpers for the channel tests: send mail over SMTP, sign webhooks, find a customer's tickets, read the outbox."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import uuid
from typing import Any
from urllib.parse import urlencode

import requests

from tests.conftest import wait_for

META_SECRET = "local-meta-secret"
TWILIO_TOKEN = "local-twilio-token"
TELEGRAM_SECRET = "local-telegram-secret"
SUPPORT = "support@parley.test"

_identities: dict[str, list[tuple[str, str]]] = {}  # requester id -> [(kind, address)], customers seen so far


def unique(prefix: str = "") -> str:
    """A short unique token for ids, subjects and addresses."""
    return prefix + uuid.uuid4().hex[:12]


def unique_phone() -> str:
    """A fresh E.164 number in a fictional range (+1 555 01xx xxxx)."""
    return "+1555" + str(uuid.uuid4().int)[:7]


# --- email -------------------------------------------------------------------------------------------


def send_mail(stack: Any, raw: bytes, *, mail_from: str = "", to: str = SUPPORT) -> str:
    """Deliver raw mail over SMTP to the local listener; returns its 250 reply text (it says what Parley did)."""
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=60) as smtp:
        smtp.ehlo()
        code, reply = smtp.mail(mail_from)
        assert code == 250, reply
        code, reply = smtp.rcpt(to)
        assert code == 250, reply
        code, reply = smtp.data(raw)
        assert code == 250, reply
        return reply.decode("utf-8", errors="replace")


def outbox(stack: Any, channel: str | None = None) -> list[dict[str, Any]]:
    """GET /api/_local/outbox as the admin, newest first."""
    query = f"?channel={channel}" if channel else ""
    response = requests.get(stack.api(f"/_local/outbox{query}"), headers=stack.auth(), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- tickets -----------------------------------------------------------------------------------------


def ticket(stack: Any, ticket_id: int) -> dict[str, Any]:
    """GET /api/tickets/{id} as the admin: ticket, messages, audit, customer."""
    response = requests.get(stack.api(f"/tickets/{ticket_id}"), headers=stack.auth(), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _listed(stack: Any, pages: int = 10) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(pages):
        url = stack.api("/tickets?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        body = requests.get(url, headers=stack.auth(), timeout=30).json()
        found.extend(body["tickets"])
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return found


def _identities_of(stack: Any, summary: dict[str, Any]) -> list[tuple[str, str]]:
    requester = summary["requester_id"]
    if requester not in _identities:
        customer = ticket(stack, summary["id"])["customer"]
        _identities[requester] = [(i["channel"], i["address"]) for i in customer.get("identities") or []]
    return _identities[requester]


def tickets_of(stack: Any, kind: str, address: str, *, channel: str | None = None,
               subject: str | None = None) -> list[dict[str, Any]]:
    """The tickets (summaries, newest first) of the customer with identity (kind, address)."""
    return [t for t in _listed(stack)
            if (channel is None or t["channel"] == channel) and (subject is None or t["subject"] == subject)
            and (kind, address) in _identities_of(stack, t)]


def wait_for_ticket(stack: Any, kind: str, address: str, *, channel: str | None = None,
                    subject: str | None = None, messages: int = 1, timeout: float = 30) -> dict[str, Any]:
    """Wait until the customer has a ticket (with at least `messages` messages); returns its full view."""

    def found() -> dict[str, Any] | None:
        for summary in tickets_of(stack, kind, address, channel=channel, subject=subject):
            view = ticket(stack, summary["id"])
            if len(view["messages"]) >= messages:
                return view
        return None

    return wait_for(found, timeout=timeout, interval=0.3,
                    message=f"a {channel or ''} ticket of {kind} {address} with {messages} message(s)")


def reply(stack: Any, ticket_id: int, body: str, email: str = "agent1@parley.test") -> dict[str, Any]:
    """An agent's public reply."""
    response = requests.post(stack.api(f"/tickets/{ticket_id}/messages"), json={"body": body, "public": True},
                             headers=stack.auth(email), timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["message"]


# --- webhooks ----------------------------------------------------------------------------------------


def meta_headers(body: bytes, secret: str = META_SECRET) -> dict[str, str]:
    """Content-Type and X-Hub-Signature-256 as Meta signs a webhook body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def post_meta(stack: Any, channel: str, payload: dict[str, Any] | bytes, *, secret: str = META_SECRET
              ) -> requests.Response:
    """POST a signed WhatsApp / Messenger / Instagram webhook."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return requests.post(stack.api(f"/channels/{channel}"), data=body, headers=meta_headers(body, secret),
                         timeout=30)


def post_telegram(stack: Any, update: dict[str, Any], *, secret: str | None = TELEGRAM_SECRET) -> requests.Response:
    """POST a Telegram update with the secret token header (None: without it)."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return requests.post(stack.api("/channels/telegram"), data=json.dumps(update).encode(), headers=headers,
                         timeout=30)


def twilio_signature(url: str, form: list[tuple[str, str]], token: str = TWILIO_TOKEN) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by the sorted parameters."""
    payload = url + "".join(name + value for name, value in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def post_twilio(stack: Any, form: list[tuple[str, str]], *, path: str = "/channels/twilio/sms",
                signature: str | None = None) -> requests.Response:
    """POST a Twilio form signed for the URL the stack is reached at (or with the given signature)."""
    url = stack.api(path)
    return requests.post(url, data=urlencode(form), timeout=30, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature if signature is not None else twilio_signature(url, form)})


def whatsapp_text(phone: str, text: str, message_id: str | None = None, name: str = "Wanda") -> dict[str, Any]:
    """A WhatsApp Cloud API webhook for one text message (the shape Meta documents)."""
    digits = phone.lstrip("+")
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100000", "phone_number_id": "100000000000001"},
            "contacts": [{"profile": {"name": name}, "wa_id": digits}],
            "messages": [{"from": digits, "id": message_id or unique("wamid.test-"), "timestamp": "1718041200",
                          "type": "text", "text": {"body": text}}]}}]}]}


def whatsapp_status(provider_id: str, phone: str, status: str, timestamp: str = "1718041300") -> dict[str, Any]:
    """A WhatsApp Cloud API webhook with one delivery status for a message we sent."""
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100000", "phone_number_id": "100000000000001"},
            "statuses": [{"id": provider_id, "status": status, "timestamp": timestamp,
                          "recipient_id": phone.lstrip("+")}]}}]}]}


def messenger_text(psid: str, text: str, *, object_kind: str = "page") -> dict[str, Any]:
    """A Messenger (object "page") or Instagram (object "instagram") webhook with one text message."""
    return {"object": object_kind, "entry": [{"id": "106693558736910", "time": 1718041200000, "messaging": [{
        "sender": {"id": psid}, "recipient": {"id": "106693558736910"}, "timestamp": 1718041199812,
        "message": {"mid": unique("m_test-"), "text": text}}]}]}


def telegram_text(chat_id: int, text: str) -> dict[str, Any]:
    """A Telegram Update with one private text message."""
    person = {"id": chat_id, "first_name": "Tess", "is_bot": False}
    return {"update_id": int(uuid.uuid4().int % 10**9), "message": {
        "message_id": int(uuid.uuid4().int % 10**6), "from": person, "chat": {**person, "type": "private"},
        "date": 1718041200, "text": text}}


def twilio_sms(phone: str, body: str) -> list[tuple[str, str]]:
    """Twilio's form for an incoming SMS."""
    sid = "SM" + uuid.uuid4().hex
    return [("MessageSid", sid), ("SmsMessageSid", sid), ("SmsSid", sid), ("AccountSid", "AC" + "a" * 32),
            ("From", phone), ("To", "+15550100000"), ("Body", body), ("NumMedia", "0"), ("SmsStatus", "received"),
            ("ApiVersion", "2010-04-01")]
