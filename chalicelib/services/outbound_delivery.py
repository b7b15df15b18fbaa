"""Agent replies go out on the ticket's channel: email through SES, messaging channels through their providers.

The DeliveryQueue receives the bus's MessageAdded events for public agent messages. For each one:

* email: a reply composed with the ticket token, Parley's Message-ID and the conversation's
  In-Reply-To/References (so the customer's answer threads back), plain text and HTML from the
  templates below and the message's files attached, sent with SES ``SendRawEmail``;
* whatsapp, messenger, instagram, telegram, sms: the provider's send API through
  ``channels.outbound.deliver_reply`` (retries with backoff on 429/5xx) and the sender bootstrap chose
  (HTTPS in AWS, the local outbox on the local stack). Files go as the provider's own media messages
  (an image, a document...) by a signed link to the file, after the text; a file the channel cannot take
  (its type or size, see ``channels.outbound.native_media``) goes as that link under the text instead.

A reply goes out as several provider messages when it needs them, in order: its text in as many parts as
the channel's length limit needs, then one media message per file (on SMS, one MMS for up to ten). Each
part's id is kept as it is sent, so a retry resumes after the parts that went out. Every provider message id has a
sent marker, written as its part goes out, so delivery receipts (services.channel_inbound.apply_status)
find the message; a receipt for an early part that comes before the last part went out is held on the
message and becomes its state when the reply is marked sent; one that comes before the send is recorded
(the last part's marker is written with it) is tried again by the inbound queue. A failure is shown on the
message and raised: SQS retries the record and, after maxReceiveCount, moves it to the DeliveryDLQ with
the reason in the log. A message marked sent already (a redelivered record) is not sent again.
"""
from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.channels.email import compose_reply
from chalicelib.channels.email.html import text_to_html
from chalicelib.channels.outbound import (SENDABLE_CHANNELS, ChannelConfig, Media, OutboundFile, deliver_reply,
                                          native_media)
from chalicelib.clock import iso, now
from chalicelib.domain import events as ev
from chalicelib.domain.placeholders import render
from chalicelib.errors import ParleyError
from chalicelib.observability import invocation, logger
from chalicelib.services.attachments import customer_link, file_bytes

DELIVERABLE_CHANNELS = ("email", *SENDABLE_CHANNELS)
_SENT_STATES = ("sent", "delivered", "read")
# The identity kind a reply on a channel is addressed to (one phone number serves WhatsApp and SMS).
_ADDRESS_KIND = {"email": "email", "whatsapp": "phone", "sms": "phone", "messenger": "messenger",
                 "instagram": "instagram", "telegram": "telegram"}

REPLY_TEXT_TEMPLATE = "{{body}}\n\n-- \n{{agent_name}}\nTicket #{{ticket_id}}: reply to this email to continue.\n"
REPLY_HTML_FOOTER_TEMPLATE = ('<p style="color:#6b7280;font-size:12px;margin-top:24px">{{agent_name}}<br>'
                              'Ticket #{{ticket_id}}: reply to this email to continue.</p>')


class DeliveryFailedError(ParleyError):
    """A reply could not be sent (the provider refused it or could not be reached after retries)."""

    status = 502
    code = "delivery_failed"


class UndeliverableAddressError(ParleyError):
    """The customer's address is known not to work (it bounced); sending again would bounce again."""

    status = 409
    code = "undeliverable"


def delivery_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The DeliveryQueue consumer: each record an EventBridge event; failures reported one by one."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    def record_handler(record: Any) -> None:
        try:
            envelope = json.loads(record.body)
            deliver_event(envelope.get("detail-type", ""), envelope.get("detail") or {})
        except Exception as error:
            logger.error("delivery record failed; it will be retried and then go to the DLQ",
                         extra={"message_id": record.message_id, "reason": f"{type(error).__name__}: {error}"})
            raise

    with invocation(getattr(context, "aws_request_id", None)):
        return process_partial_response(event=event, record_handler=record_handler,
                                        processor=BatchProcessor(event_type=EventType.SQS), context=context)


def deliver_event(name: str, detail: dict[str, Any]) -> str:
    """Send the public agent message a MessageAdded event carries; returns what happened (for logs and tests)."""
    from chalicelib.bootstrap import ticket_store

    message = detail.get("message") or {}
    if name != ev.MESSAGE_ADDED or message.get("author_type") != "agent" or not message.get("public"):
        return "ignored"
    channel = message.get("channel") or ""
    if channel not in DELIVERABLE_CHANNELS:
        return "not_sent"  # chat and SDK replies reach the customer over the WebSocket fan-out
    store = ticket_store()
    conversation_id, seq = detail["conversation_id"], message["seq"]
    stored = store.messages(conversation_id, after_seq=seq - 1, limit=1)
    if not stored or stored[0].get("id") != message.get("id"):
        logger.warning("reply to deliver is not stored (deleted?)", extra={"message_id": message.get("id")})
        return "missing"
    if stored[0].get("delivery") in _SENT_STATES:
        return "already_sent"
    ticket = store.get_ticket(detail["ticket_id"]) or {}
    customer = store.get_customer(detail.get("customer_id") or ticket.get("requester_id", "")) or {}
    try:
        if channel == "email":
            provider_id, details = _send_email(store, ticket, customer, stored[0])
            provider_ids = [provider_id]
        else:
            provider_ids, details = _send_message(store, channel, customer, stored[0], conversation_id), {}
    except UndeliverableAddressError as error:
        store.mark_delivery_failed(conversation_id, seq, iso(now()), error.message)
        logger.info("reply not sent: address undeliverable", extra={"message_id": message["id"]})
        return "undeliverable"
    except Exception as error:
        reason = error.message if isinstance(error, ParleyError) else f"{type(error).__name__}: {error}"
        store.mark_delivery_failed(conversation_id, seq, iso(now()), reason)
        raise DeliveryFailedError(f"{channel} reply {message['id']} on ticket {detail['ticket_id']} "
                                  f"was not sent: {reason}") from error
    store.mark_sent(channel, provider_ids, conversation_id, seq, iso(now()), details)
    logger.info("reply sent", extra={"channel": channel, "ticket_id": detail["ticket_id"],
                                     "provider_message_id": provider_ids[0], "parts": len(provider_ids)})
    return "sent"


def channel_config() -> ChannelConfig:
    """The messaging channels' ids and tokens, from configuration (template parameters / local defaults)."""
    from chalicelib.config import settings

    s = settings()
    return ChannelConfig(
        whatsapp_phone_number_id=s.whatsapp_phone_number_id, whatsapp_access_token=s.whatsapp_access_token,
        messenger_page_access_token=s.meta_page_access_token, instagram_access_token=s.meta_page_access_token,
        telegram_bot_token=s.telegram_bot_token, telegram_secret_token=s.telegram_secret_token,
        twilio_account_sid=s.twilio_account_sid, twilio_auth_token=s.twilio_auth_token,
        twilio_from_number=s.twilio_from_number, meta_app_secret=s.meta_app_secret,
        meta_verify_token=s.meta_verify_token, graph_api_base=s.graph_api_base,
        telegram_api_base=s.telegram_api_base, twilio_api_base=s.twilio_api_base,
    )


def customer_address(customer: dict[str, Any], channel: str) -> str:
    """Where a reply on channel goes: the customer's identity of that kind (their email for email)."""
    from chalicelib.errors import ValidationError

    kind = _ADDRESS_KIND[channel]
    for identity in customer.get("identities") or []:
        if identity.get("channel") == kind and identity.get("address"):
            return identity["address"]
    if channel == "email" and customer.get("email"):
        return customer["email"]
    raise ValidationError(f"customer {customer.get('id')} has no {kind} address to send a {channel} reply to; "
                          "reply on a channel the customer used")


# --- email -----------------------------------------------------------------------------------------


def _send_email(store: Any, ticket: dict[str, Any], customer: dict[str, Any], message: dict[str, Any]
                ) -> tuple[str, dict[str, Any]]:
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    s = settings()
    to = customer_address(customer, "email")
    if to.lower() in {a.lower() for a in customer.get("undeliverable_emails") or []}:
        raise UndeliverableAddressError(f"{to} bounced earlier; ask the customer for another address")
    previous = _latest_customer_email(store, ticket.get("conversation_id", ""), message["seq"])
    in_reply_to = previous.get("message_id")
    values = {"body": message.get("body", ""), "agent_name": message.get("author_name") or "Support",
              "ticket_id": ticket["id"]}
    text = render(REPLY_TEXT_TEMPLATE, values)
    html = text_to_html(message.get("body", "")) + render(REPLY_HTML_FOOTER_TEMPLATE, values, html=True)
    sent_id, raw = compose_reply(
        ticket_id=ticket["id"], message_id=_message_token(message["id"]), from_address=s.support_address,
        from_name=message.get("author_name") or "Support", to_address=to, subject=_reply_subject(ticket),
        text=text, html=html, mail_domain=s.mail_domain, in_reply_to=in_reply_to,
        references=list(previous.get("references") or []), auto=False,
        attachments=[(a["filename"], a.get("content_type") or "application/octet-stream", file_bytes(a["key"]))
                     for a in message.get("attachments") or []])
    response = client("ses").send_raw_email(RawMessage={"Data": raw})
    return response["MessageId"], {"email": {"message_id": sent_id, "to": [to], "in_reply_to": in_reply_to,
                                             "subject": _reply_subject(ticket)}}


def _latest_customer_email(store: Any, conversation_id: str, before_seq: int) -> dict[str, Any]:
    """Threading headers of the newest customer email before this reply ({} when the customer never mailed)."""
    recent = store.messages(conversation_id, after_seq=max(0, before_seq - 50), limit=50)
    for message in reversed(recent):
        if message["seq"] < before_seq and message.get("author_type") == "customer" and message.get("email"):
            return message["email"]
    return {}


def _reply_subject(ticket: dict[str, Any]) -> str:
    subject = str(ticket.get("subject") or "").strip()
    return subject if re.match(r"^(re|aw|sv|antw)\s*:", subject, re.I) else f"Re: {subject}"


def _message_token(message_id: str) -> str:
    """The message id as the local part of a Message-ID (letters, digits and .-_ only)."""
    token = re.sub(r"[^A-Za-z0-9._-]", "", str(message_id))[:64].strip(".")
    return token or "m"


# --- messaging channels ------------------------------------------------------------------------------


def _send_message(store: Any, channel: str, customer: dict[str, Any], message: dict[str, Any],
                  conversation_id: str) -> list[str]:
    """Send the reply in as many parts as the channel needs; returns each part's provider id."""
    from chalicelib.bootstrap import channel_sender

    def part_sent(index: int, provider_id: str) -> None:
        store.record_part_sent(channel, conversation_id, message["seq"], index, provider_id)

    text, media = _text_and_media(channel, message)
    result = deliver_reply(channel, to=customer_address(customer, channel), text=text, media=media,
                           config=channel_config(), sender=channel_sender(),
                           sent=message.get("provider_message_ids") or (), on_sent=part_sent)
    if not result.ok:
        raise DeliveryFailedError(f"the {channel} provider did not accept the reply: {result.error}")
    return result.provider_message_ids


def _text_and_media(channel: str, message: dict[str, Any]) -> tuple[str, list[tuple[Media, ...]]]:
    """The reply's text and its media messages: the files the channel takes go as media, by their signed link;
    the text ends with a line per other file (its link, or its name alone when Parley has no public URL)."""
    files = [OutboundFile(url=customer_link(a) or "", filename=a["filename"], content_type=a.get("content_type") or "",
                          size=a.get("size") or 0) for a in message.get("attachments") or []]
    media, left = native_media(channel, [f for f in files if f.url])
    linked = set(left)
    lines = [f"{f.filename}: {f.url}" if f.url else f.filename for f in files if not f.url or f in linked]
    body = message.get("body", "")
    return ("\n\n".join([body, "\n".join(lines)]) if lines else body), media
