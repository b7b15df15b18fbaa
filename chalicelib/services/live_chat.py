"""Live chat use cases: messages, typing, read receipts and resume over WebSockets; rating, availability,
the offline form and proactive chat over REST.

Customer messages take the same path as REST (the FIFO inbound queue, then ingest), so their order and
idempotency are the same whichever way they arrive; agent messages use the same service as
POST /api/tickets/{id}/messages. Typing and read receipts go straight to the other party's connections.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.clock import iso, now
from chalicelib.domain import events as ev
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.realtime import fanout
from chalicelib.realtime.frames import MessageFrame, ReadFrame, ResumeFrame, TypingFrame, message_frame
from chalicelib.store.tickets import DuplicateError

RESUME_PAGE = 100
RESUME_MAX_PAGES = 10
RATING_STATUSES = ("solved", "closed")
WRITE_ATTEMPTS = 4
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# conversations as the caller may see them --------------------------------------------------------
def conversation_for(principal: Principal, conversation_id: str) -> dict[str, Any]:
    """The conversation if the caller may act on it: a customer their own, an agent any (404 otherwise)."""
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services.conversations import own_conversation

    if principal.kind == "customer":
        return own_conversation(principal.id, conversation_id)
    conversation = ticket_store().get_conversation(conversation_id)
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id} not found")
    return conversation


def _ticket_of(conversation: dict[str, Any]) -> dict[str, Any] | None:
    from chalicelib.bootstrap import ticket_store

    return ticket_store().get_ticket(conversation["ticket_id"])


def _ack(frame: MessageFrame, status: str, message_id: str, seq: int | None = None,
         duplicate: bool = False) -> dict[str, Any]:
    ack: dict[str, Any] = {"type": "ack", "client_msg_id": frame.client_msg_id,
                           "conversation_id": frame.conversation_id, "message_id": message_id, "status": status}
    if seq is not None:
        ack["seq"] = seq
    if duplicate:
        ack["duplicate"] = True
    if frame.id:
        ack["id"] = frame.id
    return ack


# messages --------------------------------------------------------------------------------------------
def send_message(principal: Principal, frame: MessageFrame, connection_id: str) -> dict[str, Any]:
    """Store a message (a customer's is queued when it cannot be stored now); the ack carries client_msg_id.
    A re-send is stored once: its message id fails the write, and the ack says duplicate."""
    conversation = conversation_for(principal, frame.conversation_id)
    if not frame.body.strip():
        raise ValidationError("body: must contain some text")
    if principal.kind == "agent":
        fanout.watch(frame.conversation_id, connection_id)
        return _agent_message(principal, frame, conversation)
    return _customer_message(principal, frame, conversation)


def _customer_message(principal: Principal, frame: MessageFrame, conversation: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.services.conversations import add_customer_message

    if not frame.public:
        raise ValidationError("customers cannot send internal notes; leave out \"public\"")
    added = add_customer_message(customer_id=principal.id, conversation_id=frame.conversation_id,
                                 body=frame.body, client_msg_id=frame.client_msg_id, conversation=conversation,
                                 attachments=frame.attachments)
    return _ack(frame, added["status"], added["message_id"], added.get("seq"), duplicate=added.get("duplicate", False))


def _agent_message(principal: Principal, frame: MessageFrame, conversation: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services.tickets import add_agent_message

    for attempt in range(WRITE_ATTEMPTS):
        try:
            message = add_agent_message(principal, conversation["ticket_id"], frame.body, frame.public,
                                        message_id=frame.client_msg_id, attachments=frame.attachments,
                                        conversation=conversation if attempt == 0 else None)
            return _ack(frame, "stored", message["id"], message["seq"])
        except DuplicateError:
            seq = ticket_store().message_seq(frame.conversation_id, frame.client_msg_id)
            return _ack(frame, "stored", frame.client_msg_id, seq, duplicate=True)
        except ConflictError:  # a customer message or a ticket change landed first: write on the new version
            if attempt == WRITE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


# typing and read receipts --------------------------------------------------------------------------
def relay_typing(principal: Principal, frame: TypingFrame, connection_id: str) -> None:
    """Tell the other party (and other agents following the chat) that the sender is typing."""
    conversation = conversation_for(principal, frame.conversation_id)
    out: dict[str, Any] = {"type": "typing", "conversation_id": frame.conversation_id, "state": frame.state,
                           "author_type": principal.kind}
    ticket = _ticket_of(conversation)
    assignee = (ticket or {}).get("assignee_id")
    agents = fanout.agent_connections(frame.conversation_id, assignee)
    if principal.kind == "customer":
        fanout.send(agents, out, conversation_id=frame.conversation_id)
        return
    out["author_name"] = _agent_name(principal.id)
    fanout.send(fanout.customer_connections(conversation["customer_id"]), out)
    fanout.send(agents, {**out, "author_id": principal.id}, exclude=connection_id,
                conversation_id=frame.conversation_id)


def mark_read(principal: Principal, frame: ReadFrame) -> None:
    """Record how far the sender has read (never backwards) and tell the other party."""
    from chalicelib.bootstrap import live_chat_store

    conversation = conversation_for(principal, frame.conversation_id)
    if frame.seq > conversation["last_seq"]:
        raise ValidationError(f"seq {frame.seq} is after the conversation's last message "
                              f"({conversation['last_seq']})")
    reader = "customer" if principal.kind == "customer" else "agent"
    if not live_chat_store().mark_read(frame.conversation_id, reader, frame.seq):
        return
    out = {"type": "read", "conversation_id": frame.conversation_id, "seq": frame.seq, "reader": reader}
    if reader == "customer":
        ticket = _ticket_of(conversation)
        fanout.send(fanout.agent_connections(frame.conversation_id, (ticket or {}).get("assignee_id")), out,
                    conversation_id=frame.conversation_id)
    else:
        fanout.send(fanout.customer_connections(conversation["customer_id"]), out)


def _agent_name(agent_id: str) -> str | None:
    from chalicelib.bootstrap import agent_store

    return agent_store().name_of(agent_id)


# resume ----------------------------------------------------------------------------------------------
def resume(principal: Principal, frame: ResumeFrame, connection_id: str) -> list[dict[str, Any]]:
    """Every message after after_seq, in order (public ones for customers), then a "resumed" frame.

    An agent's connection follows the conversation from now on. At most RESUME_PAGE * RESUME_MAX_PAGES
    messages are sent at once; "more": true asks the client to resume again from last_seq.
    """
    from chalicelib.bootstrap import ticket_store

    conversation = conversation_for(principal, frame.conversation_id)
    for_agent = principal.kind == "agent"
    if for_agent:
        fanout.watch(frame.conversation_id, connection_id)
    frames: list[dict[str, Any]] = []
    last_seq, more = frame.after_seq, False
    for _ in range(RESUME_MAX_PAGES):
        page = ticket_store().messages(frame.conversation_id, after_seq=last_seq, limit=RESUME_PAGE)
        frames.extend(message_frame(frame.conversation_id, m, for_agent=for_agent,
                                    ticket_id=conversation["ticket_id"])
                      for m in page if for_agent or m.get("public"))
        if page:
            last_seq = page[-1]["seq"]
        more = len(page) == RESUME_PAGE
        if not more:
            break
    ticket = _ticket_of(conversation) or {}
    resumed: dict[str, Any] = {
        "type": "resumed", "conversation_id": frame.conversation_id, "last_seq": last_seq, "more": more,
        "status": ticket.get("status"),
        "read_seq": conversation.get("agent_read_seq" if not for_agent else "customer_read_seq", 0),
    }
    if for_agent:
        resumed["ticket_id"] = conversation["ticket_id"]
    else:
        resumed["rating"] = ticket.get("rating")
        resumed["agent"] = _public_agent(ticket.get("assignee_id"))
    if frame.id:
        resumed["id"] = frame.id
    return [*frames, resumed]


def _public_agent(agent_id: str | None) -> dict[str, Any] | None:
    """What a customer sees of an agent: the name."""
    if not agent_id:
        return None
    return {"id": agent_id, "name": _agent_name(agent_id)}


# rating ------------------------------------------------------------------------------------------------
def rate_conversation(customer_id: str, conversation_id: str, score: str, comment: str | None) -> dict[str, Any]:
    """Store a customer's good/bad rating on the ticket and count it on the customer (CSAT), in one write.

    Allowed once the ticket is solved or closed; rating again replaces the earlier rating.
    """
    from chalicelib.bootstrap import event_publisher, live_chat_store, ticket_store
    from chalicelib.services.conversations import own_conversation

    if score not in ("good", "bad"):
        raise ValidationError(f"score '{score}' is not one of good, bad")
    conversation = own_conversation(customer_id, conversation_id)
    actor = f"customer#{customer_id}"
    for attempt in range(WRITE_ATTEMPTS):
        ticket = _ticket_of(conversation)
        if ticket is None:
            raise NotFoundError(f"conversation {conversation_id} has no ticket yet; try again in a moment")
        if ticket["status"] not in RATING_STATUSES:
            raise ValidationError(f"a conversation can be rated once it is solved; it is {ticket['status']}")
        at = iso(now())
        rating = {"score": score, "comment": (comment or "").strip() or None, "rated_at": at}
        rating = {k: v for k, v in rating.items() if v is not None}
        previous = ticket.get("rating")
        updated = {**ticket, "rating": rating, "updated_at": at, "version": ticket["version"] + 1}
        event = ev.DomainEvent(ev.TICKET_UPDATED, {"ticket": updated, "changes": {"rating": [previous, rating]},
                                                   "actor": actor}, at)
        audit = {"id": event.id, "at": at, "actor": actor, "action": "ticket_rated",
                 "detail": {"score": score, "comment": rating.get("comment")}}
        csat = live_chat_store().customer_csat_update(ticket["requester_id"], {**rating, "ticket_id": ticket["id"]},
                                                       (previous or {}).get("score"))
        day = at[:10]  # the monitor's CSAT today counts ratings given today (a changed rating moves its count)
        deltas = {} if (previous or {}).get("score") == score else {f"csat_{score}": 1}
        if deltas and previous and previous.get("rated_at", "")[:10] == day:
            deltas[f"csat_{previous['score']}"] = -1
        counts = [ticket_store().stats_change(day, deltas)] if deltas else []
        try:
            ticket_store().save_ticket(updated, ticket["version"], [event], audit, extra=[(csat, None), *counts])
        except ConflictError:
            if attempt == WRITE_ATTEMPTS - 1:
                raise
            continue
        event_publisher().publish([event.to_dict()])
        return {"ticket_id": ticket["id"], "conversation_id": conversation_id, "rating": rating}
    raise AssertionError("unreachable")


# availability and the offline form ---------------------------------------------------------------------
def availability(department: str | None) -> dict[str, Any]:
    """Whether an agent who can answer chats is online now (in the department, when one is given).

    Outside the department's business hours nobody is: the answer says when it opens (opens_at).
    """
    from chalicelib.bootstrap import agent_store
    from chalicelib.realtime.presence import in_department, is_available

    at = now()
    offline = {"online": False, "department": department or None}
    opens = _closed_until(department, at)
    if opens is not None:
        return {**offline, "reason": "outside_business_hours", "opens_at": iso(opens)}
    if any(in_department(a, department) and is_available(a, at) for a in agent_store().list_agents()):
        return {**offline, "online": True}
    return {**offline, "reason": "no_agent_online"}


def _closed_until(department: str | None, at: datetime) -> datetime | None:
    """When the named department opens again, if it is outside its business hours (None for unknown ones)."""
    from chalicelib.domain.routing.departments import Department
    from chalicelib.services.routing import department_named

    settings = department_named(department) if department else None
    return Department.from_dict(settings).closed_until(at) if settings else None


def leave_offline_message(*, name: str, email: str, message: str, department: str | None) -> dict[str, Any]:
    """The widget's offline form: an email ticket for the customer who owns that email address."""
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services.conversations import start_conversation
    from chalicelib.services.customers import resolve_customer

    address = email.strip().lower()
    if not _EMAIL.match(address):
        raise ValidationError(f"email '{email}' is not an email address; we reply there")
    if not message.strip():
        raise ValidationError("message: must contain some text")
    customer_id = resolve_customer(ticket_store(), "email", address, name=name.strip() or None, email=address)
    started = start_conversation(customer_id=customer_id, body=message, channel="email", department=department,
                                 metadata={"source": "offline_form"})
    return {**started, "customer_id": customer_id}


# proactive chat --------------------------------------------------------------------------------------------
def save_proactive_rule(body: dict[str, Any]) -> dict[str, Any]:
    """Validate and store an admin's proactive rule (same name: replaced)."""
    from chalicelib.bootstrap import proactive_store
    from chalicelib.domain.proactive import ProactiveRule

    rule = ProactiveRule.from_dict(body).to_dict()
    proactive_store().put_rule(rule)
    return rule


def proactive_rules() -> list[dict[str, Any]]:
    """Every proactive rule, by name."""
    from chalicelib.bootstrap import proactive_store

    return proactive_store().list_rules()


def record_page_view(customer_id: str, url: str, seconds_on_page: int) -> dict[str, Any]:
    """Count a visit (seconds_on_page 0 is a new page load) and say whether a rule opens the chat now.

    A rule opens the chat once per customer; otherwise check_after_seconds says when to report again.
    """
    from chalicelib.bootstrap import proactive_store
    from chalicelib.domain.proactive import ProactiveDecision, ProactiveRule, decide, page_of

    page = page_of(url)
    store = proactive_store()
    if seconds_on_page == 0:
        store.record_visit(customer_id, page)
    rules = [ProactiveRule.from_dict(r) for r in store.list_rules()]
    if not rules:
        return ProactiveDecision().to_dict()
    decision = decide(rules, page, seconds_on_page, store.visits(customer_id), store.fired(customer_id))
    if decision.rule and not store.mark_fired(customer_id, decision.rule.name):
        return ProactiveDecision().to_dict()
    return decision.to_dict()
