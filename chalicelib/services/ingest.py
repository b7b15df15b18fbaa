"""Ingest: turn a queued customer contact into a ticket or a message on an existing one."""
from __future__ import annotations

import uuid
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.domain import events as ev
from chalicelib.domain.tickets import Ticket, subject_from
from chalicelib.errors import ValidationError
from chalicelib.observability import logger, metrics
from chalicelib.store.keys import month_bucket
from chalicelib.store.tickets import DuplicateError


def handle_contact(contact: dict[str, Any]) -> None:
    """Process one contact from the inbound queue; a redelivered contact changes nothing."""
    kind = contact.get("kind")
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise ValidationError(f"contact kind '{kind}' is not one of {', '.join(_HANDLERS)}")
    handler(contact)


def _conversation_started(contact: dict[str, Any]) -> None:
    from chalicelib.bootstrap import event_publisher, ticket_store

    store = ticket_store()
    at = iso(now())
    first = contact["message"]
    ticket = Ticket(
        id=int(contact["ticket_id"]), subject=contact.get("subject") or subject_from(first["body"]),
        requester_id=contact["customer_id"], channel=contact["channel"],
        conversation_id=contact["conversation_id"], created_at=at, updated_at=at,
        description=first["body"], department=contact.get("department"),
        custom_fields=contact.get("metadata") or {},
    ).to_dict()
    message = _message(first, seq=1, ticket_id=ticket["id"], channel=ticket["channel"])
    created = ev.DomainEvent(ev.TICKET_CREATED, {"ticket": ticket}, at)
    added = ev.DomainEvent(ev.MESSAGE_ADDED, {"ticket_id": ticket["id"], "conversation_id": ticket["conversation_id"],
                                              "customer_id": ticket["requester_id"], "message": message}, at)
    audit = {"id": created.id, "at": at, "actor": f"customer#{ticket['requester_id']}", "action": "ticket_created",
             "detail": {"channel": ticket["channel"], "subject": ticket["subject"]}}
    try:
        store.create_ticket(ticket, message, [created, added], audit)
    except DuplicateError:
        logger.info("contact was processed already", extra={"ticket_id": ticket["id"]})
        return
    store.note_first_month(month_bucket(at).split("#")[1])
    metrics.add_metric(name="TicketsCreated", unit="Count", value=1)
    logger.info("ticket created", extra={"ticket_id": ticket["id"], "channel": ticket["channel"]})
    event_publisher().publish([created.to_dict(), added.to_dict()])


def _customer_message(contact: dict[str, Any]) -> None:
    from chalicelib.bootstrap import event_publisher, ticket_store

    store = ticket_store()
    conversation_id = contact["conversation_id"]
    if store.message_seq(conversation_id, contact["message"]["id"]) is not None:
        return
    conversation = store.get_conversation(conversation_id)
    if conversation is None:
        raise ValidationError(f"conversation {conversation_id} does not exist")
    ticket = store.get_ticket(conversation["ticket_id"])
    at = iso(now())
    message = _message(contact["message"], seq=conversation["last_seq"] + 1, ticket_id=ticket["id"],
                       channel=ticket["channel"])
    added = ev.DomainEvent(ev.MESSAGE_ADDED, {"ticket_id": ticket["id"], "conversation_id": conversation_id,
                                              "customer_id": conversation["customer_id"], "message": message}, at)
    try:
        store.append_message(ticket, message, {"updated_at": at, "last_customer_message_at": at}, [added])
    except DuplicateError:
        return
    event_publisher().publish([added.to_dict()])


def _message(source: dict[str, Any], *, seq: int, ticket_id: int, channel: str) -> dict[str, Any]:
    return {"id": source.get("id") or uuid.uuid4().hex, "seq": seq, "ticket_id": ticket_id,
            "author_type": "customer", "body": source["body"], "public": True, "channel": channel,
            "created_at": source.get("created_at") or iso(now())}


_HANDLERS = {"conversation_started": _conversation_started, "customer_message": _customer_message}
