"""Messaging channels in: webhook results become contacts on the inbound queue (answer the provider fast)."""
from __future__ import annotations

from typing import Any

from chalicelib.clock import iso
from chalicelib.channels.inbound_message import InboundMessage, ParseResult, StatusUpdate
from chalicelib.errors import ParleyError
from chalicelib.observability import logger
from chalicelib.services.ingest import Contact

# The identity a channel's address belongs to: one phone number is one person on WhatsApp, SMS and calls.
IDENTITY_KIND = {"whatsapp": "phone", "sms": "phone", "phone": "phone", "messenger": "messenger",
                 "instagram": "instagram", "telegram": "telegram"}

# Deliveries of a receipt whose provider message id Parley does not know before it is dropped as one for a
# message Parley never sent; below the inbound queue's maxReceiveCount (5), so it never reaches the DLQ.
RECEIPT_ATTEMPTS = 3


class ReceiptTooEarlyError(ParleyError):
    """A receipt for a provider message id Parley has not recorded (yet): the provider may have answered the
    send and reported on it before Parley wrote the id down. The queue delivers the receipt again later."""

    status = 503
    code = "receipt_too_early"


def contact_for(message: InboundMessage) -> Contact:
    """The normalized contact for one inbound channel message."""
    return Contact(
        channel=message.channel, message_id=message.provider_message_id, body=_text(message),
        identity=[IDENTITY_KIND[message.channel], message.identity], customer_name=message.display_name,
        attachments=[{k: v for k, v in vars(ref).items() if v is not None} for ref in message.attachments],
        metadata={"recipient": message.recipient, "kind": message.raw_kind} if message.recipient else {},
        received_at=iso(message.sent_at),
    )


def enqueue(result: ParseResult) -> dict[str, int]:
    """Queue every message and receipt of a parsed webhook; ignored events are logged with their reason."""
    from chalicelib.bootstrap import inbound_queue

    queue = inbound_queue()
    for message in result.messages:
        queue.send(contact_for(message).to_dict(), group_id=f"{message.channel}#{message.identity}",
                   dedup_id=f"{message.channel}#{message.provider_message_id}")
    for status in result.statuses:
        queue.send({"kind": "delivery_status", **status.to_dict()},
                   group_id=f"{status.channel}#status#{status.provider_message_id or status.identity}",
                   dedup_id=f"{status.channel}#{status.provider_message_id}#{status.status}#{status.to_dict()['at']}")
    for event in result.ignored:
        logger.info("webhook event ignored", extra={"channel": event.channel, "kind": event.kind,
                                                    "reason": event.reason, "provider_id": event.provider_id})
    return {"messages": len(result.messages), "statuses": len(result.statuses), "ignored": len(result.ignored)}


def apply_status(data: dict[str, Any], attempt: int = 1) -> None:
    """Record a delivery / read receipt on the message Parley sent.

    A receipt for an early part of a reply still going out is held on the message until it is marked sent.
    A receipt naming a provider id Parley does not know may have overtaken the recording of the send that
    the provider just answered: it raises ReceiptTooEarlyError, so the queue delivers it again, until
    `attempt` (the queue's receive count) reaches RECEIPT_ATTEMPTS; then it is logged and dropped.
    """
    from chalicelib.bootstrap import ticket_store

    status = StatusUpdate.from_dict({k: v for k, v in data.items() if k != "kind"})
    if not status.provider_message_id:
        logger.info("watermark receipt noted", extra={"channel": status.channel, "status": status.status})
        return
    outcome = ticket_store().record_delivery(status.channel, status.provider_message_id, status.status,
                                             iso(status.at), status.error)
    where = {"channel": status.channel, "provider_id": status.provider_message_id, "status": status.status}
    if outcome == "held":
        logger.info("receipt held until the reply's last part is sent", extra=where)
    elif outcome == "unknown":
        if attempt < RECEIPT_ATTEMPTS:
            raise ReceiptTooEarlyError(
                f"{status.channel} receipt '{status.status}' for {status.provider_message_id}: no message Parley "
                f"sent has that id (yet); try {attempt} of {RECEIPT_ATTEMPTS}")
        logger.warning("receipt for a message Parley never sent; dropped", extra={**where, "tries": attempt})
    elif outcome == "missing":
        logger.info("receipt for a message that was deleted", extra=where)


def _text(message: InboundMessage) -> str:
    parts = [message.text] if message.text else []
    if message.location:
        where = message.location
        label = " — ".join(p for p in (where.name, where.address) if p)
        parts.append(f"📍 Location: {where.lat}, {where.lon}" + (f" ({label})" if label else ""))
    for card in message.contacts:
        parts.append("👤 Contact: " + ", ".join(str(v) for v in (card.get("name"), *(card.get("phones") or []),
                                                                   *(card.get("emails") or [])) if v))
    for ref in message.attachments:
        parts.append(f"📎 {ref.kind}" + (f": {ref.caption}" if ref.caption else ""))
    return "\n".join(parts) or f"({message.raw_kind or 'message'})"

