"""Ingest: every customer contact, from any channel, becomes a message on the right ticket.

A contact is resolved to its customer by identity, then the conversation style decides whether it
joins the customer's latest ticket, reopens it, or starts a new (possibly linked) ticket. Each outcome
is one DynamoDB transaction; a redelivered contact fails on its inbound marker and changes nothing.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.domain import events as ev
from chalicelib.domain.conversation_styles import StyleSettings, on_customer_message
from chalicelib.domain.tickets import Ticket, subject_from
from chalicelib.errors import ConflictError, ValidationError
from chalicelib.observability import count, logger
from chalicelib.store.keys import month_bucket
from chalicelib.services import rules
from chalicelib.services.routing import capacity_items, plan_new, route
from chalicelib.services.tickets import ticket_to_change
from chalicelib.services.ticket_fields import clean_metadata
from chalicelib.store.tickets import CapacityError, DuplicateError


ROUTING_ATTEMPTS = 3  # a capacity claim that lost a race is decided again this often
STORE_NOW_ATTEMPTS = 4  # a live message that lost a write race to another change is written again this often


@dataclass(frozen=True)
class Stored:
    """Where a contact's message went: the ticket, and the message's sequence number (None: stored before)."""

    ticket: dict[str, Any]
    seq: int | None


@dataclass
class Contact:
    """One customer message, normalized, as the inbound queue carries it."""

    channel: str                                   # chat, sdk, email, whatsapp, messenger, ... phone
    message_id: str                                # idempotency key: provider id, client id or Message-ID
    body: str
    customer_id: str | None = None                 # known (visitor token) ...
    identity: list[str] | None = None              # ... or [identity channel, address] to resolve
    customer_name: str | None = None
    customer_email: str | None = None
    subject: str | None = None
    ticket_id: int | None = None                   # pre-allocated (widget/SDK) or threaded (email)
    conversation_id: str | None = None
    department: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None
    received_at: str | None = None
    new_ticket_only: bool = False                  # the widget's "start a conversation": never append
    email: dict[str, Any] | None = None            # email only: Message-ID, References, full text, raw mail key

    def to_dict(self) -> dict[str, Any]:
        """The queue form."""
        return {"kind": "customer_message", **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Contact":
        """Rebuild from the queue form; a wrong shape is a ValidationError (goes to the DLQ with the reason)."""
        fields = {k: v for k, v in data.items() if k != "kind"}
        unknown = set(fields) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValidationError(f"contact has unknown fields {', '.join(sorted(unknown))}")
        try:
            return cls(**fields)
        except TypeError as error:
            raise ValidationError(f"contact is incomplete: {error}") from None


def handle_contact(contact: dict[str, Any], attempt: int = 1) -> None:
    """Process one contact from the inbound queue (`attempt`: its receive count); a redelivery changes nothing."""
    kind = contact.get("kind")
    if kind == "delivery_status":
        from chalicelib.services.channel_inbound import apply_status

        apply_status(contact, attempt)
        return
    if kind != "customer_message":
        raise ValidationError(f"contact kind '{kind}' is not one of customer_message, delivery_status")
    from chalicelib.services.channel_media import with_media

    receive(with_media(Contact.from_dict(contact), attempt))


def receive(contact: Contact) -> dict[str, Any]:
    """Store a customer's message on the ticket its conversation style picks; returns that ticket.

    A mail stored already (same sender and Message-ID) changes nothing, but its raw copy is indexed for erasure.
    """
    stored = _receive(contact)
    if stored.seq is None and contact.channel == "email":
        from chalicelib.services.email_inbound import keep_duplicate

        keep_duplicate(contact)
    return stored.ticket


def store_now(contact: Contact, conversation: dict[str, Any]) -> Stored | None:
    """Store a live customer message at once, as the queue consumer would (the chat's fast path).

    conversation: the contact's conversation, just read and checked to be the customer's. A write that
    loses a race to another change of the ticket is made again on the new version; when it still cannot
    be stored (races, or AWS failing), None: the caller queues the contact and the consumer stores it.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    for attempt in range(STORE_NOW_ATTEMPTS):
        try:
            return _receive(contact, conversation if attempt == 0 else None)
        except ConflictError:
            continue
        except (BotoCoreError, ClientError) as error:
            logger.warning("live message not stored at once; queued", extra={"error": str(error)})
            return None
    logger.warning("live message lost every write race; queued", extra={"message_id": contact.message_id})
    return None


def _receive(contact: Contact, conversation: dict[str, Any] | None = None) -> Stored:
    """Store the message on the ticket its conversation style picks."""
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services.customers import resolve_customer

    store = ticket_store()
    customer_id = contact.customer_id
    if customer_id is None:
        if not contact.identity:
            raise ValidationError("contact names neither customer_id nor identity")
        customer_id = resolve_customer(store, contact.identity[0], contact.identity[1],
                                       name=contact.customer_name, email=contact.customer_email)
    latest, preallocated, conversation = _target(store, contact, customer_id, conversation)
    if contact.new_ticket_only or latest is None:
        return _create(contact, customer_id, ticket_id=preallocated, linked=None)
    decision = on_customer_message(_style_settings(), latest, now())
    if decision.action == "new_ticket":  # a new ticket is a new conversation, whatever the contact addressed
        fresh = replace(contact, conversation_id=None, ticket_id=None)
        return _create(fresh, customer_id, ticket_id=None, linked=decision.linked_ticket_id)
    return _append(contact, latest, reopen=decision.action == "reopen", conversation=conversation)


def _target(store: Any, contact: Contact, customer_id: str, known: dict[str, Any] | None
            ) -> tuple[dict[str, Any] | None, int | None, dict[str, Any] | None]:
    """The ticket the contact addresses (or the customer's latest), a pre-allocated id for a new one, and the
    conversation when the contact named it (known: the caller's fresh copy of it)."""
    if contact.conversation_id:
        conversation = known or store.get_conversation(contact.conversation_id)
        if conversation is None or conversation["customer_id"] != customer_id:
            raise ValidationError(f"conversation {contact.conversation_id} is not this customer's")
        if conversation["last_seq"] == 0:  # reserved by the API; its ticket is created now
            return None, conversation["ticket_id"], None
        return ticket_to_change(conversation["ticket_id"]), None, conversation
    if contact.ticket_id:
        ticket = ticket_to_change(contact.ticket_id)
        if ticket and ticket["requester_id"] == customer_id:
            return ticket, None, None
        return None, None, None  # a token for someone else's ticket: start a new one
    return store.latest_ticket(contact.channel, customer_id), None, None


def _create(contact: Contact, customer_id: str, *, ticket_id: int | None, linked: int | None) -> Stored:
    from chalicelib.bootstrap import event_publisher, ticket_store

    store = ticket_store()
    at = iso(now())
    settings = _style_settings()
    conversation_id = contact.conversation_id or uuid.uuid4().hex
    ticket = Ticket(
        id=ticket_id or store.allocate_ticket_id(), subject=contact.subject or subject_from(contact.body),
        requester_id=customer_id, channel=contact.channel, conversation_id=conversation_id, created_at=at,
        updated_at=at, description=contact.body, department=_department(contact.department),
        custom_fields=clean_metadata(contact.metadata) if contact.metadata else {},
        conversation_style=settings.channel_styles.get(contact.channel),
    ).to_dict()
    customer = store.get_customer(customer_id) or {}
    ticket.update(last_customer_message_at=at, via_followup_source_id=linked,
                  requester_name=customer.get("name") or contact.customer_name,
                  organization_id=customer.get("organization_id"))
    message = _message(contact, seq=1, ticket_id=ticket["id"])
    change = rules.Change(event="created", actor_type="customer", actor_id=customer_id, via=contact.channel,
                          comment=message)
    outcome = rules.apply(None, ticket, change)
    try:
        for _ in range(ROUTING_ATTEMPTS):
            planned, claim = plan_new(outcome.ticket)
            try:
                ticket, created, added = _write_new(store, contact, replace(outcome, ticket=planned), message, at,
                                                    linked, claim)
                break
            except CapacityError:  # the agent filled up meanwhile, or a trigger chose one without room
                if not claim:
                    outcome = rules.apply(None, ticket, replace(change, locked=frozenset({"assignee_id"})))
        else:
            ticket, created, added = _write_new(store, contact, outcome, message, at, linked, [])
    except DuplicateError:
        logger.info("contact was processed already", extra={"message_id": contact.message_id})
        stored = store.get_ticket(ticket["id"])
        if stored:  # the first delivery may have failed before routing: route now
            route(stored)
        return Stored(stored or ticket, None)
    store.note_first_month(month_bucket(at).split("#")[1])
    count("TicketsCreated")
    logger.info("ticket created", extra={"ticket_id": ticket["id"], "channel": ticket["channel"]})
    event_publisher().publish([e.to_dict() for e in created])
    if not ticket.get("routing_reason"):
        route(ticket)
    return Stored(ticket, message["seq"])


def _write_new(store: Any, contact: Contact, outcome: Any, message: dict[str, Any], at: str,
               linked: int | None, claim: list[tuple]
               ) -> tuple[dict[str, Any], list[ev.DomainEvent], list[dict[str, Any]]]:
    """One transaction: the new ticket as rules and routing left it, its messages, events, marker, the routing
    decision in the audit, and the capacity claim (routing's, or one a trigger's assignment needs)."""
    ticket = outcome.ticket
    more, added = rules.rule_messages(outcome, ticket, message["seq"] + 1, at)
    events = [ev.DomainEvent(ev.TICKET_CREATED, {"ticket": ticket}, at),
              ev.message_added(ticket, message, at), *added, *outcome.events]
    audit = {"id": events[0].id, "at": at, "actor": f"customer#{ticket['requester_id']}", "action": "ticket_created",
             "detail": {"channel": ticket["channel"], "subject": ticket["subject"], "linked_ticket_id": linked,
                        **outcome.audit_detail()}}
    store.create_ticket(ticket, message, events, audit, more_messages=more, extra=[
        store.inbound_marker(contact.channel, contact.message_id),
        store.thread_put(contact.channel, ticket["requester_id"], ticket["id"], ticket["conversation_id"]),
        *(claim or capacity_items(None, ticket)), *_routing_audit(store, ticket, at)])
    return ticket, events, more


def _routing_audit(store: Any, ticket: dict[str, Any], at: str) -> list[tuple]:
    """The routing decision made at creation, as its own audit entry."""
    if not ticket.get("routing_reason"):
        return []
    action = "assigned" if ticket.get("assignee_id") else "queued"
    return [store.audit_item(ticket["id"], {"id": uuid.uuid4().hex, "at": at, "actor": "routing", "action": action,
                                            "detail": {"agent_id": ticket.get("assignee_id"),
                                                       "department": ticket.get("department"),
                                                       "reason": ticket["routing_reason"]}})]


def _append(contact: Contact, ticket: dict[str, Any], *, reopen: bool,
            conversation: dict[str, Any] | None = None) -> Stored:
    from chalicelib.bootstrap import event_publisher, ticket_store

    store = ticket_store()
    at = iso(now())
    conversation = store.conversation_of(ticket, conversation)
    message = _message(contact, seq=conversation["last_seq"] + 1, ticket_id=ticket["id"])
    changes: dict[str, Any] = {"updated_at": at, "last_customer_message_at": at}
    events = [ev.message_added(ticket, message, at)]
    audit = None
    if reopen:
        changes.update(status="open", close_at=None, solved_at=None)
        diff = {"status": [ticket["status"], "open"]}
        events.append(ev.DomainEvent(ev.TICKET_UPDATED, {"ticket": {**ticket, **changes}, "changes": diff,
                                                         "actor": f"customer#{ticket['requester_id']}"}, at))
        audit = {"id": events[-1].id, "at": at, "actor": f"customer#{ticket['requester_id']}",
                 "action": "ticket_reopened", "detail": diff}
    marker = store.inbound_marker(contact.channel, contact.message_id)
    change = rules.Change(event="updated", actor_type="customer", actor_id=ticket["requester_id"],
                          via=contact.channel, comment=message)
    outcome = rules.apply(ticket, {**ticket, **changes}, change)
    try:
        try:
            updated, events = _write_append(store, ticket, message, events, audit, outcome, marker, at)
        except CapacityError:  # the agent has no room for the reopened ticket: back to routing
            if audit:
                audit["detail"]["unassigned"] = "agent at capacity"
            outcome = rules.apply(ticket, {**ticket, **changes, "assignee_id": None},
                                  replace(change, locked=frozenset({"assignee_id"})))
            updated, events = _write_append(store, ticket, message, events, audit, outcome, marker, at)
    except DuplicateError:
        logger.info("contact was processed already", extra={"message_id": contact.message_id})
        return Stored(ticket, None)
    event_publisher().publish([e.to_dict() for e in events])
    if not updated.get("assignee_id") and (reopen or not updated.get("queued_at")):
        route(updated)  # a ticket already waiting in its queue is handed out when capacity frees (drain)
    return Stored(updated, message["seq"])


def _write_append(store: Any, ticket: dict[str, Any], message: dict[str, Any], events: list[ev.DomainEvent],
                  audit: dict[str, Any] | None, outcome: Any, marker: Any, at: str
                  ) -> tuple[dict[str, Any], list[ev.DomainEvent]]:
    """One transaction: the customer's message, the ticket as the rules left it, their messages and events."""
    final = outcome.ticket
    more, added = rules.rule_messages(outcome, final, message["seq"] + 1, at)
    events = [e for e in events if e.name != ev.TICKET_UPDATED] + added
    if outcome.changes:
        events.append(ev.DomainEvent(ev.TICKET_UPDATED, {"ticket": {**final, "version": ticket["version"] + 1},
                                                         "changes": outcome.changes,
                                                         "actor": f"customer#{ticket['requester_id']}"}, at))
    events += outcome.events
    detail = outcome.audit_detail()
    if detail or (outcome.changes and audit is None):
        audit = audit or {"id": uuid.uuid4().hex, "at": at, "actor": f"customer#{ticket['requester_id']}",
                          "action": "rules", "detail": {}}
        audit = {**audit, "detail": {**audit["detail"], **outcome.changes, **detail}}
    updated = store.append_message(ticket, message, {k: v for k, v in final.items() if k != "version"}, events,
                                   audit, extra=[marker, *capacity_items(ticket, final)], more_messages=more)
    return updated, events


def _message(contact: Contact, *, seq: int, ticket_id: int) -> dict[str, Any]:
    return {"id": contact.message_id, "seq": seq, "ticket_id": ticket_id, "author_type": "customer",
            "body": contact.body, "html": contact.html, "public": True, "channel": contact.channel,
            "attachments": contact.attachments or None, "created_at": contact.received_at or iso(now()),
            "email": contact.email}


def _department(name: str | None) -> str | None:
    """The department's name as an admin wrote it; an unknown one routes to the general queue."""
    from chalicelib.services.routing import department_named

    if not name:
        return None
    department = department_named(name)
    if department is None:
        logger.info("unknown department, using the general queue", extra={"department": name})
        return None
    return department["name"]


def _style_settings() -> StyleSettings:
    """The account's conversation style settings (defaults until an admin changes them)."""
    return rules.style_settings()
