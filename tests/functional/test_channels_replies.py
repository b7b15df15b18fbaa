"""Agent replies go back out on the customer's messaging channel; the provider's receipts update them."""
from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qsl

import pytest

from chalicelib.channels import whatsapp
from chalicelib.channels.http_sender import HttpResponse
from chalicelib.channels.outbound import simulated_response, split_text
from chalicelib.domain import events as ev
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


# --- receipts for a reply still going out, in this process ----------------------------------------------


@pytest.fixture
def sending_env(parley_env, monkeypatch):
    """chalicelib here on the stack's moto, with the local stack's WhatsApp sending settings."""
    from chalicelib.config import settings

    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "local-whatsapp-token")
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", "100000000000001")
    settings.cache_clear()


LONG_REPLY = "\n\n".join(f"Step {n}: " + "The courier calls you an hour before arriving. " * 25 for n in range(5))


def _pending_reply(stack, phone: str, body: str = LONG_REPLY, *, on_ticket: bool = False) -> dict:
    """A WhatsApp customer's agent reply (a long one by default), stored and not sent yet: the MessageAdded
    detail the delivery queue would carry (the stack's own delivery never sees it). The reply is in its own
    conversation, or (on_ticket) after the customer's message in the ticket's, where the ticket API shows it."""
    from chalicelib.store import keys
    from chalicelib.store.dynamo import to_item

    assert post_meta(stack, "whatsapp", whatsapp_text(phone, "How will the delivery work?")).status_code == 200
    view = wait_for_ticket(stack, "phone", phone, channel="whatsapp")
    conversation_id = view["ticket"]["conversation_id"] if on_ticket else unique("conv-")
    seq = max(m["seq"] for m in view["messages"]) + 1 if on_ticket else 1
    message = {"id": unique("m-"), "seq": seq, "ticket_id": view["ticket"]["id"], "author_type": "agent",
               "author_name": "Agent One", "body": body, "public": True, "channel": "whatsapp",
               "created_at": "2026-01-05T10:00:00.000Z"}
    stack.boto("dynamodb").put_item(TableName=stack.resources["TICKETS_TABLE"],
                                    Item=to_item({**keys.message(conversation_id, seq), "kind": "message", **message}))
    return {"conversation_id": conversation_id, "ticket_id": view["ticket"]["id"],
            "customer_id": view["ticket"]["requester_id"], "message": message}


def _stored(detail: dict) -> dict:
    from chalicelib.bootstrap import ticket_store

    (message,) = ticket_store().messages(detail["conversation_id"], after_seq=detail["message"]["seq"] - 1, limit=1)
    return message


def _receipt(provider_id: str, phone: str, status: str) -> dict:
    """The inbound queue's record for a WhatsApp status webhook, as the webhook handler queues it."""
    (update,) = whatsapp.parse_webhook(whatsapp_status(provider_id, phone, status)).statuses
    return {"kind": "delivery_status", **update.to_dict()}


class _WhatsAppMidReply:
    """The provider's send API, where WhatsApp's receipt for the first part comes in before the last part is
    answered (`last`: the answer to the last part, a success by default)."""

    def __init__(self, phone: str, receipt: str, last: HttpResponse | None = None, meanwhile=None):
        self.phone, self.receipt, self.last, self.ids, self.meanwhile = phone, receipt, last, [], meanwhile

    def __call__(self, request):
        from chalicelib.services.ingest import handle_contact

        if self.ids and len(self.ids) == len(split_text(LONG_REPLY, 4096)) - 1:
            handle_contact(_receipt(self.ids[0], self.phone, self.receipt))
            if self.meanwhile is not None:  # what the test looks at while the receipt is held
                self.meanwhile()
            if self.last is not None:
                return self.last
        response = simulated_response(request)
        self.ids.append(json.loads(response.body)["messages"][0]["id"])
        return response


def test_a_receipt_for_the_first_part_that_comes_before_the_last_part_is_sent_shows_on_the_reply(
        stack, sending_env, monkeypatch):
    from chalicelib import bootstrap
    from chalicelib.services.outbound_delivery import deliver_event

    # given a long reply to a WhatsApp customer, about to go out in two parts
    phone = unique_phone()
    detail = _pending_reply(stack, phone)
    provider = _WhatsAppMidReply(phone, "delivered")
    monkeypatch.setattr(bootstrap, "channel_sender", lambda: provider)

    # when it is sent, and WhatsApp reports the first part delivered before it has answered for the last part
    assert deliver_event(ev.MESSAGE_ADDED, detail) == "sent"

    # then the reply shows delivered, not merely sent
    stored = _stored(detail)
    assert stored["provider_message_ids"] == provider.ids and len(provider.ids) == 2
    assert (stored["delivery"], stored["delivery_at"]) == ("delivered", "2024-06-10T17:41:40.000Z")
    assert not {k for k in stored if k.startswith("pending_")}

    # and later receipts still move it on
    from chalicelib.services.ingest import handle_contact

    handle_contact(_receipt(provider.ids[1], phone, "read"))
    assert _stored(detail)["delivery"] == "read"


def test_a_receipt_held_for_an_early_part_does_not_hide_a_last_part_that_failed(stack, sending_env, monkeypatch):
    from chalicelib import bootstrap
    from chalicelib.services.outbound_delivery import DeliveryFailedError, deliver_event

    # given a long reply whose last part WhatsApp refuses, after reporting the first part read
    phone = unique_phone()
    detail = _pending_reply(stack, phone)
    refused = HttpResponse(400, b'{"error": {"message": "Message failed to send", "code": 131026}}',
                           {"Content-Type": "application/json"})
    provider = _WhatsAppMidReply(phone, "read", last=refused)
    monkeypatch.setattr(bootstrap, "channel_sender", lambda: provider)

    # when it is sent, the agent sees that it failed (the queue will try again)
    with pytest.raises(DeliveryFailedError):
        deliver_event(ev.MESSAGE_ADDED, detail)
    assert _stored(detail)["delivery"] == "failed"

    # when the queue's next try sends the last part
    provider.last = None
    assert deliver_event(ev.MESSAGE_ADDED, detail) == "sent"

    # then only the last part went out again, and the reply shows the receipt WhatsApp sent meanwhile
    stored = _stored(detail)
    assert len(provider.ids) == 2 and stored["provider_message_ids"] == provider.ids
    assert stored["delivery"] == "read" and "delivery_error" not in stored


def test_a_held_receipt_does_not_show_in_the_agent_api(stack, sending_env, monkeypatch):
    from chalicelib import bootstrap
    from chalicelib.services.outbound_delivery import deliver_event
    from chalicelib.store import keys
    from chalicelib.store.dynamo import from_item, to_item

    # given a long reply on a WhatsApp customer's ticket, about to go out in two parts
    phone = unique_phone()
    detail = _pending_reply(stack, phone, on_ticket=True)
    key = to_item(keys.message(detail["conversation_id"], detail["message"]["seq"]))
    seen = []

    def look():
        item = stack.boto("dynamodb").get_item(TableName=stack.resources["TICKETS_TABLE"], Key=key,
                                               ConsistentRead=True)["Item"]
        shown = next(m for m in ticket(stack, detail["ticket_id"])["messages"] if m["id"] == detail["message"]["id"])
        seen.append((from_item(item), shown))

    provider = _WhatsAppMidReply(phone, "delivered", meanwhile=look)
    monkeypatch.setattr(bootstrap, "channel_sender", lambda: provider)

    # when WhatsApp reports the first part delivered before the last part is sent, and an agent looks
    assert deliver_event(ev.MESSAGE_ADDED, detail) == "sent"

    # then the receipt is held on the message, and the agent API shows the reply going out, without it
    ((stored, shown),) = seen
    assert stored["pending_delivery"] == "delivered"
    assert shown["provider_message_ids"] == provider.ids[:1] and "delivery" not in shown
    assert not [name for name in shown if name.startswith("pending_")]

    # and once the last part went out, the reply shows the receipt
    assert _message(stack, detail["ticket_id"], detail["message"]["id"], delivery="delivered")


# --- receipts that come before Parley recorded the send -------------------------------------------------


def _queued(contact: dict, group: str) -> dict:
    """The inbound queue's message for a contact, as ReceiveMessage returns it the first time."""
    return {"MessageId": str(uuid.uuid4()), "ReceiptHandle": unique("handle-"), "Body": json.dumps(contact),
            "Attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": group,
                           "MessageDeduplicationId": unique(), "SentTimestamp": "1718041300000"}}


def _received_again(message: dict) -> dict:
    count = int(message["Attributes"]["ApproximateReceiveCount"]) + 1
    return {**message, "ReceiptHandle": unique("handle-"),
            "Attributes": {**message["Attributes"], "ApproximateReceiveCount": str(count)}}


def _consume(*messages: dict) -> dict:
    """Hand a batch to the inbound queue's consumer as Lambda does; returns its report of failed records."""
    from chalicelib.consumers import inbound_batch
    from local.lambda_events import sqs_event

    return inbound_batch(sqs_event(list(messages), "arn:aws:sqs:us-east-1:123456789012:parley-inbound.fifo",
                                   "us-east-1"), None)


class _WhatsAppReceiptFirst:
    """The provider's send API, where WhatsApp's receipt for the message reaches the inbound consumer before the
    send is answered, so before Parley records the message's id; in the same batch, a receipt of another
    conversation (a Messenger watermark)."""

    def __init__(self, phone: str, receipt: str):
        self.phone, self.receipt, self.queued, self.report = phone, receipt, None, None

    def __call__(self, request):
        response = simulated_response(request)
        provider_id = json.loads(response.body)["messages"][0]["id"]
        self.queued = _queued(_receipt(provider_id, self.phone, self.receipt), f"whatsapp#status#{provider_id}")
        psid = "7" + str(uuid.uuid4().int)[:15]
        watermark = {"kind": "delivery_status", "channel": "messenger", "provider_message_id": "", "status": "read",
                     "at": "2024-06-10T17:41:40.000Z", "error": None, "identity": psid,
                     "up_to": "2024-06-10T17:41:40.000Z"}
        self.report = _consume(self.queued, _queued(watermark, f"messenger#status#{psid}"))
        return response


def test_a_receipt_that_comes_before_the_send_is_recorded_is_tried_again_and_then_shows_on_the_reply(
        stack, sending_env, monkeypatch):
    from chalicelib import bootstrap
    from chalicelib.services.outbound_delivery import deliver_event

    # given a one-message reply to a WhatsApp customer
    phone = unique_phone()
    detail = _pending_reply(stack, phone, "It ships tomorrow.")
    provider = _WhatsAppReceiptFirst(phone, "delivered")
    monkeypatch.setattr(bootstrap, "channel_sender", lambda: provider)

    # when it is sent, and WhatsApp's receipt for it reaches the inbound consumer before the send is answered
    assert deliver_event(ev.MESSAGE_ADDED, detail) == "sent"

    # then the consumer reported the receipt failed, and only it, so SQS delivers it again; the reply is sent
    assert provider.report == {"batchItemFailures": [{"itemIdentifier": provider.queued["MessageId"]}]}
    assert _stored(detail)["delivery"] == "sent"

    # when SQS delivers the receipt again
    assert _consume(_received_again(provider.queued)) == {"batchItemFailures": []}

    # then the reply shows delivered
    stored = _stored(detail)
    assert (stored["delivery"], stored["delivery_at"]) == ("delivered", "2024-06-10T17:41:40.000Z")


def test_a_receipt_for_a_message_parley_never_sent_is_tried_a_few_times_then_logged_and_dropped(stack):
    from chalicelib.services.channel_inbound import RECEIPT_ATTEMPTS

    # given WhatsApp reports a message id Parley never sent as delivered
    provider_id = unique("wamid.never-sent-")
    assert post_meta(stack, "whatsapp", whatsapp_status(provider_id, unique_phone(), "delivered")).status_code == 200

    # then the inbound queue delivers it a few times, and the last try logs it and drops it
    def logged() -> list[dict]:
        return [json.loads(line) for line in stack.log_text().splitlines()
                if line.startswith("{") and provider_id in line]

    def dropped() -> list[dict] | None:
        lines = logged()
        return lines if any(line["message"] == "receipt for a message Parley never sent; dropped"
                            for line in lines) else None

    lines = wait_for(dropped, timeout=30, interval=0.2, message=f"the receipt for {provider_id} dropped")
    (warning,) = [line for line in lines if line["message"].startswith("receipt for a message Parley never sent")]
    assert warning["level"] == "WARNING"
    assert (warning["channel"], warning["provider_id"], warning["status"]) == ("whatsapp", provider_id, "delivered")
    assert warning["tries"] == RECEIPT_ATTEMPTS
    again = [line for line in lines if line["message"].startswith("inbound record is a receipt for a send not")]
    assert len(again) == RECEIPT_ATTEMPTS - 1
    assert not [line for line in lines if line["level"] == "ERROR"]

    # and it never reached the dead-letter queue
    sqs = stack.boto("sqs")
    dlq = sqs.get_queue_url(QueueName=stack.resources["INBOUND_QUEUE_URL"].rsplit("/", 1)[1]
                            .replace("InboundQueue", "InboundDLQ"))["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    assert not [m for m in dead if provider_id in m["Body"]]
