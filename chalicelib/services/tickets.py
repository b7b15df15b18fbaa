"""Agent-side ticket use cases: update fields, reply publicly, add internal notes."""
from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.clock import iso, now
from chalicelib.domain import events as ev
from chalicelib.domain.tickets import PRIORITIES, TYPES, check_transition, one_of
from chalicelib.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from chalicelib.services import attachments as agent_files
from chalicelib.services import routing
from chalicelib.services.ticket_fields import validate_values
from chalicelib.store.tickets import CapacityError, stale_ticket_error

EDITABLE = ("status", "priority", "type", "assignee_id", "department", "tags", "custom_fields", "subject")
MAX_TAGS = 50


def load_ticket(ticket_id: int, *, to_change: bool = False) -> dict[str, Any]:
    """A ticket or NotFoundError. to_change: the rules will run on it (see ticket_to_change)."""
    from chalicelib.bootstrap import ticket_store

    ticket = ticket_to_change(ticket_id) if to_change else ticket_store().get_ticket(ticket_id)
    if ticket is None:
        raise NotFoundError(f"ticket {ticket_id} not found")
    return ticket


def ticket_to_change(ticket_id: int) -> dict[str, Any] | None:
    """A ticket the rules will run on, or None: the admin-settings revision they need is read in the same round
    trip when this invocation has not read it yet."""
    from chalicelib.bootstrap import config_store, ticket_store

    settings = config_store().revision_to_read()
    if settings is None:
        return ticket_store().get_ticket(ticket_id)
    ticket, revision = ticket_store().get_ticket_and_item(ticket_id, *settings)
    config_store().saw_revision(revision)
    return ticket


def normalize_tags(tags: Any) -> list[str]:
    """Tags as Zendesk keeps them: lowercase words, spaces become underscores, unique, in order."""
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValidationError("tags must be a list of strings")
    seen: list[str] = []
    for tag in tags:
        clean = "_".join(tag.strip().lower().split())
        if not clean:
            continue
        if len(clean) > 80:
            raise ValidationError(f"tag '{clean[:20]}…' is longer than 80 characters")
        if clean not in seen:
            seen.append(clean)
    if len(seen) > MAX_TAGS:
        raise ValidationError(f"a ticket can have at most {MAX_TAGS} tags")
    return seen


def _validated(ticket: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.bootstrap import agent_store

    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"cannot change {', '.join(sorted(unknown))}; editable fields are {', '.join(EDITABLE)}")
    clean: dict[str, Any] = {}
    for field, new in changes.items():
        if field == "status":
            check_transition(ticket["status"], new)
        elif field == "priority":
            one_of("priority", new, PRIORITIES)
        elif field == "type" and new is not None:
            one_of("type", new, TYPES)
        elif field == "tags":
            new = normalize_tags(new)
        elif field == "assignee_id" and new is not None:
            if not isinstance(new, str) or agent_store().get_agent(new) is None:
                raise ValidationError(f"assignee_id '{new}' is not an agent")
        elif field == "department" and new is not None:
            department = agent_store().get_department(new) if isinstance(new, str) else None
            if department is None:
                raise ValidationError(f"department '{new}' does not exist")
            new = department["name"]
        elif field == "custom_fields":
            if not isinstance(new, dict):
                raise ValidationError("custom_fields must be an object of field name to value")
            new = {**(ticket.get("custom_fields") or {}), **validate_values(new)}
        elif field == "subject" and (not isinstance(new, str) or not new.strip() or len(new) > 250):
            raise ValidationError("subject must be 1 to 250 characters")
        if ticket.get(field) != new:
            clean[field] = new
    return clean


def validated_changes(ticket: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The changes that differ from ticket, checked (legal status move, known values, real agent and department)."""
    return _validated(ticket, changes)


def update_ticket(principal: Principal, ticket_id: int, changes: dict[str, Any],
                  expected_version: int | None, comment: tuple[str, bool] | None = None) -> dict[str, Any]:
    """Apply field changes (and an optional (body, public) comment) in one conditional write; 409 when stale.

    Triggers, conversation-style closing and SLA clocks run inside the same write (services/rules.py).
    """
    if principal.role == "light_agent":
        raise ForbiddenError("light agents can add internal notes but cannot change tickets")
    ticket = load_ticket(ticket_id, to_change=True)
    if expected_version is not None and expected_version != ticket["version"]:
        raise stale_ticket_error(ticket_id, expected_version)
    clean = _validated(ticket, changes)
    if not clean and comment is None:
        return ticket
    updated, _ = _commit(principal, ticket, clean, comment)
    return updated


def add_agent_message(principal: Principal, ticket_id: int, body: str, public: bool,
                      message_id: str | None = None, attachments: list[str] | None = None,
                      conversation: dict[str, Any] | None = None) -> dict[str, Any]:
    """A public reply or an internal note by an agent; light agents may only add notes.

    message_id (a client's id for the message) makes a re-send a DuplicateError instead of a second message;
    attachments are ids of files uploaded to this ticket (services.attachments); conversation, the ticket's
    conversation as the caller just read it (a stale copy fails the write with ConflictError).
    """
    if public and principal.role == "light_agent":
        raise ForbiddenError("light agents can add internal notes only; send it with \"public\": false")
    ticket = load_ticket(ticket_id, to_change=True)
    files = agent_files.attach(ticket, attachments) if attachments else None
    _, message = _commit(principal, ticket, {}, (body, public), message_id=message_id, files=files,
                         conversation=conversation)
    return message


def _commit(principal: Principal, ticket: dict[str, Any], clean: dict[str, Any], comment: tuple[str, bool] | None,
            message_id: str | None = None, files: list[dict[str, Any]] | None = None,
            conversation: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Write an agent's change: fields, an optional message, and what the rules add, in one transaction."""
    from chalicelib.bootstrap import agent_store, ticket_store
    from chalicelib.services import rules

    store = ticket_store()
    at = iso(now())
    updated = {**ticket, **clean, "updated_at": at}
    if clean.get("status") == "solved":
        updated["solved_at"] = at
    if "assignee_id" in clean:
        updated["assigned_at"] = at if clean["assignee_id"] else None
    message = None
    if comment is None:
        conversation = None
    else:
        body, public = comment
        if ticket["status"] == "closed":
            raise ValidationError("ticket is closed; closed is final — create a follow-up ticket instead")
        conversation = store.conversation_of(ticket, conversation)
        message = {"id": message_id or uuid.uuid4().hex, "seq": conversation["last_seq"] + 1, "ticket_id": ticket["id"],
                   "author_type": "agent", "author_id": principal.id,
                   "author_name": agent_store().name_of(principal.id),
                   "body": body, "public": public, "channel": ticket["channel"], "created_at": at}
        if files:
            message["attachments"] = files
        if public:
            updated["last_agent_message_at"] = at
            if ticket.get("offered_to") == principal.id:  # answering accepts the chat offer
                updated.update(offered_to=None, offer_expires_at=None)
            if not ticket.get("first_reply_at"):
                updated["first_reply_at"] = at
            if updated["status"] == "new":
                updated["status"] = "open"
    change = rules.Change(event="updated", actor_type="agent", actor_id=principal.id, via="web", comment=message)
    outcome = rules.apply(ticket, updated, change)
    try:
        written = write_change(principal, ticket, message, conversation, outcome, at)
    except CapacityError:
        if not outcome.rules_assigned:
            raise ConflictError(f"agent {outcome.ticket['assignee_id']} has no free capacity for this ticket's "
                                "channel; pick another agent or leave it unassigned") from None
        # a trigger picked an agent without room: keep everything else, leave the assignee to routing
        outcome = rules.apply(ticket, updated, replace(change, locked=frozenset({"assignee_id"})))
        try:
            written = write_change(principal, ticket, message, conversation, outcome, at)
        except CapacityError:
            raise ConflictError(f"agent {outcome.ticket['assignee_id']} has no free capacity for this ticket's "
                                "channel; pick another agent or leave it unassigned") from None
    freed = routing.freed_agent(ticket, written)
    if freed:
        routing.drain_for_agent(freed)
    if outcome.changes:
        routing.route(written)
    return written, message


def write_change(principal: Principal, ticket: dict[str, Any], message: dict[str, Any] | None,
           conversation: dict[str, Any] | None, outcome: Any, at: str) -> dict[str, Any]:
    """One transaction: the ticket (version n → n+1), its messages, audit entry, outbox rows, capacity moves."""
    from chalicelib.bootstrap import event_publisher, ticket_store
    from chalicelib.services import rules

    store = ticket_store()
    final = outcome.ticket
    written = {**final, "version": ticket["version"] + 1}
    events: list[ev.DomainEvent] = []
    extra = list(routing.capacity_items(ticket, final))
    if message:
        events.append(ev.message_added(ticket, message, at))
    rule_messages: list[dict[str, Any]] = []
    if outcome.comments:
        if conversation is None:
            conversation = store.get_conversation(ticket["conversation_id"])
        first = (message["seq"] if message else conversation["last_seq"]) + 1
        rule_messages, added = rules.rule_messages(outcome, final, first, at)
        events += added
    if outcome.changes:
        events.append(ev.DomainEvent(ev.TICKET_UPDATED, {"ticket": written, "changes": outcome.changes,
                                                         "actor": principal.key}, at))
    events += outcome.events
    detail: dict[str, Any] = {**outcome.changes, **outcome.audit_detail()}
    if message:
        detail["message_id"] = message["id"]
    action = "ticket_updated" if outcome.changes else (
        ("public_reply" if message["public"] else "internal_note") if message else "rules")
    audit = {"id": (events[0].id if events else uuid.uuid4().hex), "at": at, "actor": principal.key,
             "action": action, "detail": detail}
    if message:
        store.append_message(ticket, message, {k: v for k, v in final.items() if k != "version"}, events, audit,
                             extra=extra, more_messages=rule_messages)
    else:
        extra += store.message_items(ticket["conversation_id"], rule_messages,
                                     conversation["last_seq"] if conversation else 0)
        store.save_ticket(written, ticket["version"], events, audit, extra=extra)
    if events:
        event_publisher().publish([e.to_dict() for e in events])
    return written
