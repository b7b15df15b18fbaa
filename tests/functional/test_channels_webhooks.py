"""Messaging channel webhooks on the local stack: signed payloads become tickets for the right customer."""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests

from chalicelib.channels import whatsapp
from tests.conftest import wait_for
from tests.corpus import WEBHOOK_DIR
from tests.functional.channel_helpers import (
    post_meta,
    post_telegram,
    post_twilio,
    telegram_text,
    tickets_of,
    twilio_sms,
    unique,
    unique_phone,
    wait_for_ticket,
    whatsapp_text,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"


def _corpus_whatsapp_payloads() -> list[tuple[str, dict]]:
    payloads = []
    for path in sorted(WEBHOOK_DIR.glob("whatsapp__*.json")):
        for name, payload in json.loads(path.read_text()).items():
            payloads.append((f"{path.stem}:{name}", payload))
    return payloads


def _as_from(payload: dict, phone: str) -> tuple[bytes, list[str]]:
    """The payload re-addressed from `phone`, each message given a fresh id; returns (body, new ids)."""
    parsed = whatsapp.parse_webhook(payload)
    text = json.dumps(payload)
    new_ids = []
    for message in parsed.messages:
        new_id = unique("wamid.corpus-")
        text = text.replace(json.dumps(message.provider_message_id), json.dumps(new_id))
        new_ids.append(new_id)
        text = text.replace(message.identity.lstrip("+"), phone.lstrip("+"))
    return text.encode(), new_ids


def test_every_corpus_whatsapp_message_lands_on_the_senders_ticket(stack):
    # given the real WhatsApp payloads of the corpus, each re-sent from one new number with fresh ids
    phone = unique_phone()
    expected_ids = []
    for name, payload in _corpus_whatsapp_payloads():
        body, new_ids = _as_from(payload, phone)

        # when Meta posts each one, signed with the app secret
        response = post_meta(stack, "whatsapp", body)

        # then each is accepted at once
        assert response.status_code == 200, (name, response.text)
        expected_ids.extend(new_ids)

    # and every message they carry is on that customer's WhatsApp ticket, nothing else
    view = wait_for_ticket(stack, "phone", phone, channel="whatsapp", messages=len(expected_ids), timeout=60)
    assert sorted(m["id"] for m in view["messages"]) == sorted(expected_ids)
    assert all(m["author_type"] == "customer" and m["body"] for m in view["messages"])


def test_the_same_corpus_payload_posted_twice_is_one_message(stack):
    # given the corpus's text message, exactly as Meta sent it
    payload = dict(_corpus_whatsapp_payloads())["whatsapp__pywa__message:text"]
    body = json.dumps(payload).encode()
    sender = whatsapp.parse_webhook(payload).messages[0].identity

    # when Meta delivers it twice (providers retry), then a later message from the same number
    assert post_meta(stack, "whatsapp", body).status_code == 200
    assert post_meta(stack, "whatsapp", body).status_code == 200
    assert post_meta(stack, "whatsapp", whatsapp_text(sender, "a later message")).status_code == 200

    # then the ticket holds the message once, followed by the later one
    view = wait_for_ticket(stack, "phone", sender, channel="whatsapp", messages=2)
    assert [m["body"] for m in view["messages"]] == ["Body Text", "a later message"]


@pytest.mark.parametrize("fixture, channel, kind", [
    ("messenger__docs__text.json", "messenger", "messenger"),
    ("instagram__docs__text.json", "instagram", "instagram"),
])
def test_meta_fixture_creates_a_ticket_for_the_sender(stack, fixture, channel, kind):
    payload = json.loads((FIXTURES / fixture).read_text())
    entry = payload["entry"][0]["messaging"][0]

    response = post_meta(stack, channel, payload)

    assert response.status_code == 200, response.text
    view = wait_for_ticket(stack, kind, entry["sender"]["id"], channel=channel)
    assert view["messages"][0]["body"] == entry["message"]["text"]


def test_telegram_fixture_creates_a_ticket_for_the_chat(stack):
    update = json.loads((FIXTURES / "telegram__docs__message.json").read_text())

    response = post_telegram(stack, update)

    assert response.status_code == 200, response.text
    view = wait_for_ticket(stack, "telegram", str(update["message"]["chat"]["id"]), channel="telegram")
    assert view["messages"][0]["body"] == update["message"]["text"]
    assert view["customer"]["name"].startswith("Ada")


@pytest.mark.parametrize("fixture, path, channel", [
    ("twilio__docs__sms_inbound.form", "/channels/twilio/sms", "sms"),
    ("twilio__docs__whatsapp_inbound.form", "/channels/twilio/sms", "whatsapp"),
    ("twilio__docs__voicemail_transcription.form", "/channels/twilio/voice", "phone"),
])
def test_twilio_form_signed_for_the_stacks_url_creates_a_ticket(stack, fixture, path, channel):
    form = parse_qsl((FIXTURES / fixture).read_text().strip(), keep_blank_values=True)
    caller = dict(form)["From"].removeprefix("whatsapp:")

    response = post_twilio(stack, form, path=path)

    assert response.status_code == 200, response.text
    assert "<Response>" in response.text
    view = wait_for_ticket(stack, "phone", caller, channel=channel)
    assert view["messages"][0]["author_type"] == "customer"


def test_forged_and_unsigned_webhooks_are_refused_and_create_nothing(stack):
    # given messages from addresses Parley has never seen
    phone, psid, chat, sms_phone = unique_phone(), unique("9"), int(str(uuid.uuid4().int)[:9]), unique_phone()
    whatsapp_body = json.dumps(whatsapp_text(phone, "forged")).encode()

    # when they arrive with a wrong signature, no signature, a wrong secret token or a forged Twilio signature
    responses = [
        post_meta(stack, "whatsapp", whatsapp_body, secret="not-the-app-secret"),
        requests.post(stack.api("/channels/messenger"), json={"object": "page", "entry": [{"id": "1", "messaging": [
            {"sender": {"id": psid}, "recipient": {"id": "1"}, "timestamp": 1,
             "message": {"mid": unique("m_"), "text": "unsigned"}}]}]}, timeout=30),
        post_telegram(stack, telegram_text(chat, "wrong secret"), secret="guess"),
        post_telegram(stack, telegram_text(chat, "no secret"), secret=None),
        post_twilio(stack, twilio_sms(sms_phone, "forged"), signature="bm90IGEgc2lnbmF0dXJl"),
    ]

    # then each gets 401 with a reason, and no customer or ticket appears
    assert [r.status_code for r in responses] == [401] * 5
    assert all(r.json()["error"] == "unauthorized" for r in responses)
    marker_phone = unique_phone()
    assert post_meta(stack, "whatsapp", whatsapp_text(marker_phone, "signed")).status_code == 200
    wait_for_ticket(stack, "phone", marker_phone, channel="whatsapp")
    for kind, address in (("phone", phone), ("messenger", psid), ("telegram", str(chat)), ("phone", sms_phone)):
        assert tickets_of(stack, kind, address) == []


def test_meta_subscription_handshake_echoes_the_challenge_only_for_the_verify_token(stack):
    good = requests.get(stack.api("/channels/whatsapp"), params={
        "hub.mode": "subscribe", "hub.verify_token": "local-verify-token", "hub.challenge": "1158201444"}, timeout=30)
    bad = requests.get(stack.api("/channels/whatsapp"), params={
        "hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1158201444"}, timeout=30)

    assert (good.status_code, good.text) == (200, "1158201444")
    assert bad.status_code == 403


def test_a_logged_call_and_a_whatsapp_message_from_that_number_share_one_customer(stack):
    # given an agent logs a call from a number
    phone = unique_phone()
    logged = requests.post(stack.api("/calls"), json={"customer_phone": phone, "notes": "Asked about a refund",
                                                      "duration_seconds": 95}, headers=stack.auth(), timeout=30)
    assert logged.status_code == 202, logged.text

    # then a phone ticket exists for the caller
    call = wait_for_ticket(stack, "phone", phone, channel="phone")
    assert "Asked about a refund" in call["messages"][0]["body"]

    # when the same person writes on WhatsApp
    assert post_meta(stack, "whatsapp", whatsapp_text(phone, "Following up on my call")).status_code == 200

    # then the WhatsApp ticket belongs to the same customer, who sees both in their history
    chat = wait_for_ticket(stack, "phone", phone, channel="whatsapp")
    assert chat["ticket"]["requester_id"] == call["ticket"]["requester_id"]
    assert call["ticket"]["id"] in [t["id"] for t in chat["customer_tickets"]]
    wait_for(lambda: len(tickets_of(stack, "phone", phone)) == 2, message="two tickets for one customer")
