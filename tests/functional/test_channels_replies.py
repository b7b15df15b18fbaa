"""Agent replies go back out on the customer's messaging channel; the provider's receipts update them."""
from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qsl

import pytest

from chalicelib.channels.outbound import split_text
from tests.conftest import wait_for
from tests.functional.channel_helpers import (
    messenger_text,
    outbox,
    post_meta,
    post_telegram,
    post_twilio,
    reply,
    telegram_text,
    ticket,
    twilio_sms,
    unique,
    unique_phone,
    wait_for_ticket,
    whatsapp_status,
    whatsapp_text,
)


def _message(stack, ticket_id: int, message_id: str, **expected) -> dict:
    def matches() -> dict | None:
        found = next((m for m in ticket(stack, ticket_id)["messages"] if m["id"] == message_id), None)
        return found if found and all(found.get(k) == v for k, v in expected.items()) else None

    return wait_for(matches, timeout=30, interval=0.3, message=f"message {message_id} with {expected}")


def _sent_to(stack, channel: str, recipient: str) -> dict:
    return wait_for(lambda: next((item for item in outbox(stack, channel) if item["recipient"] == recipient), None),
                    timeout=30, interval=0.3, message=f"a {channel} message to {recipient} in the local outbox")


def test_an_agent_reply_on_whatsapp_is_sent_and_delivery_receipts_update_it(stack):
    # given a customer wrote on WhatsApp
    phone = unique_phone()
    assert post_meta(stack, "whatsapp", whatsapp_text(phone, "Where is my order?")).status_code == 200
    ticket_id = wait_for_ticket(stack, "phone", phone, channel="whatsapp")["ticket"]["id"]

    # when an agent replies publicly
    sent = reply(stack, ticket_id, "It ships tomorrow.")

    # then a WhatsApp Cloud API request for that number is in the local outbox, and the message shows "sent"
    request = _sent_to(stack, "whatsapp", phone)["request"]
    assert request["method"] == "POST" and request["url"].endswith("/100000000000001/messages")
    assert json.loads(request["body"]) == {"messaging_product": "whatsapp", "to": phone.lstrip("+"),
                                           "type": "text", "text": {"body": "It ships tomorrow."}}
    assert "Authorization" not in request["headers"]
    stored = _message(stack, ticket_id, sent["id"], delivery="sent")

    # when WhatsApp reports it delivered, then read
    provider_id = stored["provider_message_id"]
    assert post_meta(stack, "whatsapp", whatsapp_status(provider_id, phone, "delivered")).status_code == 200
    _message(stack, ticket_id, sent["id"], delivery="delivered")
    assert post_meta(stack, "whatsapp", whatsapp_status(provider_id, phone, "read", "1718041400")).status_code == 200

    # then the agent sees the reply read
    assert _message(stack, ticket_id, sent["id"], delivery="read")["delivery_at"]


def test_a_long_whatsapp_reply_goes_out_in_parts_and_a_receipt_for_any_part_updates_it(stack):
    # given a customer wrote on WhatsApp
    phone = unique_phone()
    assert post_meta(stack, "whatsapp", whatsapp_text(phone, "How will the delivery work?")).status_code == 200
    ticket_id = wait_for_ticket(stack, "phone", phone, channel="whatsapp")["ticket"]["id"]

    # when an agent replies with more than WhatsApp's 4096 characters
    body = "\n\n".join(f"Step {n}: " + "The courier calls you an hour before arriving. " * 25 for n in range(5))
    sent = reply(stack, ticket_id, body)

    # then the reply goes out as whole paragraphs in two WhatsApp messages, and the message lists both ids
    stored = _message(stack, ticket_id, sent["id"], delivery="sent")
    first, second = stored["provider_message_ids"]
    assert stored["provider_message_id"] == first
    texts = {json.loads(item["request"]["body"])["text"]["body"] for item in outbox(stack, "whatsapp")
             if item["recipient"] == phone}
    assert texts == set(split_text(body, 4096)) and len(texts) == 2

    # when WhatsApp reports the second part delivered, the agent sees the reply delivered
    assert post_meta(stack, "whatsapp", whatsapp_status(second, phone, "delivered")).status_code == 200
    _message(stack, ticket_id, sent["id"], delivery="delivered")


def _start_messenger(stack):
    psid = "7" + str(uuid.uuid4().int)[:15]
    assert post_meta(stack, "messenger", messenger_text(psid, "Hello from Messenger")).status_code == 200
    return psid, wait_for_ticket(stack, "messenger", psid, channel="messenger")["ticket"]["id"]


def _start_telegram(stack):
    chat = int(str(uuid.uuid4().int)[:9])
    assert post_telegram(stack, telegram_text(chat, "Hello from Telegram")).status_code == 200
    return str(chat), wait_for_ticket(stack, "telegram", str(chat), channel="telegram")["ticket"]["id"]


def _start_sms(stack):
    phone = unique_phone()
    assert post_twilio(stack, twilio_sms(phone, "Hello by SMS")).status_code == 200
    return phone, wait_for_ticket(stack, "phone", phone, channel="sms")["ticket"]["id"]


@pytest.mark.parametrize("channel, start", [
    ("messenger", _start_messenger), ("telegram", _start_telegram), ("sms", _start_sms),
])
def test_an_agent_reply_goes_back_on_the_channel_the_customer_used(stack, channel, start):
    # given a customer's ticket on the channel
    address, ticket_id = start(stack)
    text = f"Thanks for writing ({unique()})"

    # when an agent replies
    sent = reply(stack, ticket_id, text)

    # then the provider's send API gets the text for that customer, and the message shows "sent"
    entry = _sent_to(stack, channel, address)
    assert entry["body"] == text
    if channel == "sms":
        form = dict(parse_qsl(entry["request"]["body"]))
        assert (form["To"], form["From"]) == (address, "+15550100000")
    if channel == "telegram":
        assert "<token>" in entry["request"]["url"]
    assert _message(stack, ticket_id, sent["id"], delivery="sent")["provider_message_id"]
