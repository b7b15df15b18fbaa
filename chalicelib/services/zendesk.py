"""Use cases the Zendesk-compatible API needs beyond the agent API's.

Tickets created by an agent with a first comment, an update and a comment in one transaction, soft
deletion, end-users (customers with an email identity) that join their organization by email domain,
organizations, API tokens, and ticket search over the indexes. Every state change is one DynamoDB
transaction with its audit entry and outbox rows; capacity and routing follow the same rules as the
agent API (services/routing.py).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.clock import iso, now
from chalicelib.domain import events as ev
from chalicelib.domain.tickets import Ticket, subject_from
from chalicelib.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from chalicelib.services.organizations import organization_for_email

UPDATE_ATTEMPTS = 10  # each lost race means another update committed, so ten writers all get through
MAX_COMMENT_CHARS = 64_000
MAX_SEARCH_CANDIDATES = 1000  # tickets examined per search request, whatever the query
_EMAIL = re.compile(r"^[^@\s]+@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$")


@dataclass
class Comment:
    """A comment on a ticket: a public reply or an internal note; author_ref may name the requester."""

    body: str
    public: bool = True
    html: str | None = None
    author_ref: str | None = None


@dataclass
class TicketDraft:
    """A ticket an agent creates, in Parley's words (the API layer translates Zendesk's)."""

    comment: Comment
    requester_id: str | None = None              # an existing customer ...
    requester: tuple[str | None, str] | None = None  # ... or (name, email), found or created once all else is valid
    subject: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # status, priority, type, tags, assignee_id, ...
    external_id: str | None = None


# numbers ↔ Parley ids --------------------------------------------------------------------------------
def user_for_number(number: int) -> tuple[str, dict[str, Any]]:
    """("customer" | "agent", record) for a Zendesk user id; NotFoundError if it names nobody."""
    from chalicelib.bootstrap import agent_store, ticket_store, zendesk_id_store
    from chalicelib.store.zendesk_ids import USER

    ref = zendesk_id_store().ref_for(USER, number)
    kind, _, parley_id = (ref or "").partition(":")
    record = ticket_store().get_customer(parley_id) if kind == "customer" else \
        agent_store().get_agent(parley_id) if kind == "agent" else None
    if record is not None and record.get("merged_into"):  # a merged customer lives on in the one kept
        record = ticket_store().get_customer(record["merged_into"])
    if record is None:
        raise NotFoundError(f"user {number} not found")
    return kind, record


def agent_for_number(number: int, field_name: str = "assignee_id") -> str:
    """The agent id behind a Zendesk user id; ValidationError (422) if it is not an agent."""
    try:
        kind, record = user_for_number(number)
    except NotFoundError:
        kind, record = "", {}
    if kind != "agent":
        raise ValidationError(f"{field_name} {number} is not an agent")
    return record["id"]


def customer_for_number(number: int, field_name: str = "requester_id") -> str:
    """The customer id behind a Zendesk user id; ValidationError (422) if it is not an end-user."""
    try:
        kind, record = user_for_number(number)
    except NotFoundError:
        kind, record = "", {}
    if kind != "customer":
        raise ValidationError(f"{field_name} {number} is not an end-user; Parley tickets are requested by customers")
    return record["id"]


def department_for_number(number: int) -> str:
    """The department name behind a Zendesk group id; ValidationError (422) if there is none."""
    from chalicelib.bootstrap import agent_store, zendesk_id_store
    from chalicelib.store.zendesk_ids import GROUP

    name = zendesk_id_store().ref_for(GROUP, number)
    department = agent_store().get_department(name) if name else None
    if department is None:
        raise ValidationError(f"group_id {number} is not a department")
    return department["name"]


def users_by_email(email: str) -> list[tuple[str, dict[str, Any]]]:
    """The customer and/or agent with this email address (two gets)."""
    from chalicelib.bootstrap import agent_store, ticket_store

    email = email.strip().lower()
    found: list[tuple[str, dict[str, Any]]] = []
    customer_id = ticket_store().customer_for_identity("email", email)
    customer = ticket_store().get_customer(customer_id) if customer_id else None
    if customer:
        found.append(("customer", customer))
    agent_id = agent_store().agent_id_for_email(email)
    agent = agent_store().get_agent(agent_id) if agent_id else None
    if agent:
        found.append(("agent", agent))
    return found


# end-users and organizations -------------------------------------------------------------------------
def check_email(email: Any, field_name: str = "email") -> str:
    """A lowercase email address, or ValidationError naming the field."""
    if not isinstance(email, str) or not _EMAIL.match(email.strip()) or len(email) > 254:
        raise ValidationError(f"{field_name} '{email}' is not a valid email address")
    return email.strip().lower()


def create_end_user(*, name: str | None, email: str, organization_id: int | None = None,
                    details: str | None = None, notes: str | None = None,
                    external_id: str | None = None) -> dict[str, Any]:
    """A customer with an email identity; joins organization_id, else the organization of their email domain."""
    from chalicelib.bootstrap import organization_store, ticket_store
    from chalicelib.services.customers import new_customer_id
    from chalicelib.store.tickets import DuplicateError

    email = check_email(email)
    if organization_id is not None and organization_store().get(organization_id) is None:
        raise ValidationError(f"organization_id {organization_id} is not an organization")
    at = iso(now())
    external_id = external_id.strip() if external_id and external_id.strip() else None
    identities = [("email", email), *((("external", external_id),) if external_id else ())]
    customer = {"id": new_customer_id(), "name": (name or "").strip() or email.split("@")[0], "email": email,
                "created_at": at, "updated_at": at,
                "identities": [{"channel": channel, "address": address} for channel, address in identities],
                "organization_id": organization_id if organization_id is not None else organization_for_email(email),
                "details": details, "notes": notes, "external_id": external_id}
    try:
        ticket_store().create_customer(customer, identities)
    except DuplicateError:
        taken = f"external_id {external_id}" if external_id and \
            ticket_store().customer_for_identity("external", external_id) else f"email {email}"
        raise ValidationError(f"{taken} is already being used by another user") from None
    return customer


def requester_for(name: str | None, email: str) -> str:
    """The customer with this email, created (and matched to an organization) on first use."""
    from chalicelib.bootstrap import ticket_store

    email = check_email(email, "requester")
    existing = ticket_store().customer_for_identity("email", email)
    if existing:
        return existing
    try:
        return create_end_user(name=name, email=email)["id"]
    except ValidationError:  # created by another request a moment ago
        existing = ticket_store().customer_for_identity("email", email)
        if existing:
            return existing
        raise


def update_end_user(customer: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Change a customer through Zendesk's user fields: profile and identities in one transaction.

    name, email, phone, external_id, organization_id, details, notes, tags and user_fields. A new email,
    phone or external_id replaces the customer's identity on that channel, so lookups find the new address
    and no longer the old; an address someone else has is refused (422). Returns the customer afterwards.
    """
    from chalicelib.bootstrap import organization_store, ticket_store
    from chalicelib.domain import zendesk_users as zu
    from chalicelib.services.tickets import normalize_tags
    from chalicelib.store.tickets import DuplicateError

    changes: dict[str, Any] = {}
    replace: dict[str, tuple[str | None, str | None]] = {}
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise ValidationError("name must be text of 1 to 255 characters")
        changes["name"] = name.strip()
    if "email" in body:
        if body["email"] is None:
            raise ValidationError("email cannot be removed: Parley finds end-users by their email address")
        email = check_email(body["email"])
        replace["email"] = (customer.get("email"), email)
        changes["email"] = email
    if "phone" in body:
        phone = None if body["phone"] in (None, "") else zu.normalize_phone(body["phone"])
        replace["phone"] = (zu.first_address(customer.get("identities") or [], "phone"), phone)
    if "external_id" in body:
        external = body["external_id"]
        if external is not None and (not isinstance(external, (str, int)) or isinstance(external, bool)
                                     or not str(external).strip() or len(str(external)) > 255):
            raise ValidationError("external_id must be text of up to 255 characters, or null")
        external = None if external is None else str(external).strip()
        replace["external"] = (customer.get("external_id"), external)
        changes["external_id"] = external
    if "organization_id" in body:
        org = body["organization_id"]
        if org is not None and (isinstance(org, bool) or not str(org).isdigit()):
            raise ValidationError(f"organization_id must be a whole number or null, got {org!r}")
        if org is not None and organization_store().get(int(org)) is None:
            raise ValidationError(f"organization_id {org} is not an organization")
        changes["organization_id"] = None if org is None else int(org)
    for name in ("details", "notes"):
        if name in body:
            if body[name] is not None and (not isinstance(body[name], str) or len(body[name]) > 65_000):
                raise ValidationError(f"{name} must be text or null")
            changes[name] = body[name]
    if "tags" in body:
        changes["tags"] = normalize_tags(body["tags"] or [])
    if "user_fields" in body:
        fields = body["user_fields"]
        if not isinstance(fields, dict) or not all(
                isinstance(k, str) and (v is None or isinstance(v, (str, int, float, bool))) for k, v in fields.items()):
            raise ValidationError("user_fields must be an object of field keys to text, numbers, true/false or null")
        changes["user_fields"] = {**(customer.get("user_fields") or {}), **fields}
    removed, added, identities = zu.identity_moves(customer.get("identities") or [], replace)
    if not changes and not removed and not added:
        return customer
    at = iso(now())
    changes.update(identities=identities, updated_at=at)
    try:
        ticket_store().change_customer(customer["id"], customer.get("updated_at"), changes, removed, added)
    except DuplicateError:
        channel, address = added[0] if len(added) == 1 else next(iter(added), ("", ""))
        field_name = {"email": "email", "phone": "phone", "external": "external_id"}.get(channel, "base")
        raise ValidationError(f"{field_name} {', '.join(a for _, a in added)} is already being used by another "
                              "user") from None
    return {**customer, **changes}


def delete_end_user(actor: str, customer: dict[str, Any]) -> dict[str, Any]:
    """Zendesk's user deletion for a customer: a soft delete. The customer shows as inactive, leaves the user
    list, and its identities are freed (a new contact from them starts a new customer); its tickets and
    history stay. Erasing everything is the separate permanent deletion (DELETE /api/customers/{id})."""
    from chalicelib.bootstrap import ticket_store

    store = ticket_store()
    at = iso(now())
    identities = [(i["channel"], i["address"]) for i in customer.get("identities") or []]
    store.soft_delete_customer(customer["id"], at, identities)
    store.record([], {"id": uuid.uuid4().hex, "at": at, "actor": actor, "action": "customer_deleted",
                      "customer_id": customer["id"], "identities": len(identities)})
    return {**customer, "deleted_at": at, "updated_at": at}


def update_agent_user(agent: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Change an agent through Zendesk's user fields: the name. Role and email belong to the sign-in settings
    (Cognito groups and username), so a different one is refused (422) rather than ignored."""
    from chalicelib.bootstrap import agent_store
    from chalicelib.domain.zendesk_users import zendesk_role

    role = zendesk_role(agent.get("role"))
    if "role" in body and body["role"] != role:
        raise ValidationError(f"role of an agent is set in Parley's sign-in settings (groups admin, agent, "
                              f"light_agent), not here; it is {role}")
    if "email" in body and str(body["email"] or "").strip().lower() != (agent.get("email") or "").lower():
        raise ValidationError("email of an agent is their sign-in name and cannot be changed here")
    for name in ("phone", "external_id", "organization_id", "details", "notes", "tags", "user_fields"):
        if body.get(name) not in (None, [], {}, ""):
            raise ValidationError(f"{name} is not kept for agents in Parley; only their name can be changed here")
    if "name" not in body:
        return agent
    name = body["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ValidationError("name must be text of 1 to 200 characters")
    return agent_store().update_agent(agent["id"], {"name": name.strip(), "updated_at": iso(now())})


# groups (Parley's departments) -------------------------------------------------------------------------
MAX_GROUP_NAME = 100


def create_group(name: Any, description: Any = None) -> dict[str, Any]:
    """A department for a new Zendesk group, with the default routing settings (least busy); 422 for a name
    that is taken (departments are named case-insensitively)."""
    from chalicelib.bootstrap import agent_store
    from chalicelib.services.agents import save_department

    name = _group_name(name)
    if agent_store().get_department(name) is not None:
        raise ValidationError(f"name {name} has already been taken by another group")
    return save_department({"name": name, **({"description": _group_description(description)}
                                               if description is not None else {})})


def update_group(department: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Change a group's description. Its name is its department's key, which tickets, queues, agents and rules
    refer to, so a new name is refused (422) rather than half applied."""
    from chalicelib.services.agents import save_department

    if "name" in body and _group_name(body["name"]).lower() != department["name"].lower():
        raise ValidationError("name of a group cannot be changed: tickets, queues, agents and rules refer to "
                              "Parley's department by its name; create a group with the new name and move them")
    if "description" not in body:
        return department
    settings = {k: v for k, v in department.items() if k not in ("queue_length",)}
    return save_department({**settings, "description": _group_description(body["description"])})


def delete_group(department: dict[str, Any]) -> None:
    """Delete a department that nothing depends on any more: no agent in it, no ticket waiting in its queue,
    no other department overflowing to it (each a 422 that says what to move first)."""
    from chalicelib.bootstrap import agent_store, ticket_store
    from chalicelib.services.routing import forget_departments

    store = agent_store()
    name = department["name"]
    members = sorted(a.get("email") or a["id"] for a in store.list_agents()
                     if name.lower() in [d.lower() for d in a.get("departments") or []])
    if members:
        raise ValidationError(f"base: group {name} still has agents ({', '.join(members[:5])}); take them out of "
                              "it first (PATCH /api/agents/{id} departments)")
    waiting = ticket_store().queue_length(name)
    if waiting:
        raise ValidationError(f"base: {waiting} ticket(s) wait in group {name}'s queue; move them to another group "
                              "first")
    feeding = sorted(d["name"] for d in store.list_departments()
                     if ((d.get("overflow") or {}).get("department") or "").lower() == name.lower())
    if feeding:
        raise ValidationError(f"base: group {name} takes the overflow of {', '.join(feeding)}; change that first")
    store.delete_department(name)
    forget_departments()


def _group_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_GROUP_NAME:
        raise ValidationError(f"name must be text of 1 to {MAX_GROUP_NAME} characters")
    return name.strip()


def _group_description(description: Any) -> str | None:
    if description is not None and (not isinstance(description, str) or len(description) > 1000):
        raise ValidationError("description must be text of up to 1000 characters, or null")
    return description


# tickets ---------------------------------------------------------------------------------------------
def _forbid_light_agent(principal: Principal, what: str) -> None:
    if principal.role == "light_agent":
        raise ForbiddenError(f"light agents can add internal notes only; they cannot {what}")


def _check_comment(principal: Principal, comment: Comment | None) -> None:
    if comment is None:
        return
    if not comment.body.strip():
        raise ValidationError("comment: body must contain some text")
    if len(comment.body) > MAX_COMMENT_CHARS:
        raise ValidationError(f"comment: body is longer than {MAX_COMMENT_CHARS} characters")
    if comment.public and principal.role == "light_agent":
        raise ForbiddenError("light agents can add internal notes only; send the comment with \"public\": false")


def _message(principal: Principal, ticket: dict[str, Any], comment: Comment, seq: int, at: str) -> dict[str, Any]:
    from chalicelib.bootstrap import agent_store

    by_requester = comment.author_ref == f"customer:{ticket['requester_id']}"
    message = {"id": uuid.uuid4().hex, "seq": seq, "ticket_id": ticket["id"], "body": comment.body,
               "html": comment.html, "public": comment.public, "channel": ticket["channel"], "created_at": at}
    if by_requester:
        return {**message, "author_type": "customer", "public": True}
    agent = agent_store().get_agent(principal.id) or {}
    return {**message, "author_type": "agent", "author_id": principal.id, "author_name": agent.get("name")}


def create_ticket(principal: Principal, draft: TicketDraft) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ticket an agent opens for a customer, with its first comment: one transaction; returns (ticket, audit)."""
    from chalicelib.bootstrap import event_publisher, ticket_store
    from chalicelib.services import routing, rules
    from chalicelib.services.tickets import validated_changes
    from chalicelib.store.tickets import CapacityError

    _forbid_light_agent(principal, "create tickets")
    _check_comment(principal, draft.comment)
    store = ticket_store()
    at = iso(now())
    base = Ticket(id=0, subject=draft.subject or subject_from(draft.comment.body), requester_id="",
                  channel="api", conversation_id=uuid.uuid4().hex, created_at=at, updated_at=at,
                  description=draft.comment.body).to_dict()
    clean = validated_changes(base, draft.fields)
    if draft.requester:
        check_email(draft.requester[1], "requester")
    requester_id = draft.requester_id or requester_for(*draft.requester)
    customer = store.get_customer(requester_id) or {}
    ticket = {**base, **clean, "id": store.allocate_ticket_id(), "requester_id": requester_id,
              "organization_id": customer.get("organization_id"), "submitter_id": principal.id,
              "external_id": draft.external_id}
    if ticket.get("assignee_id"):
        ticket["assigned_at"] = at
    if ticket["status"] == "solved":
        ticket["solved_at"] = at
    message = _message(principal, ticket, draft.comment, 1, at)
    outcome = rules.apply(None, ticket, rules.Change(event="created", actor_type=message["author_type"],
                                                     actor_id=principal.id, via="api", comment=message))
    ticket = outcome.ticket  # triggers run on tickets created through the API too
    more, rule_events = rules.rule_messages(outcome, ticket, 2, at)
    created = ev.DomainEvent(ev.TICKET_CREATED, {"ticket": ticket}, at)
    added = ev.message_added(ticket, message, at)
    events = [created, added, *rule_events, *outcome.events]
    audit = {"id": created.id, "at": at, "actor": principal.key, "action": "ticket_created",
             "detail": {"channel": "api", "subject": ticket["subject"], "fields": clean, **outcome.audit_detail()}}
    try:
        store.create_ticket(ticket, message, events, audit, more_messages=more,
                            extra=routing.capacity_items(None, ticket))
    except CapacityError:
        raise ConflictError(f"agent {ticket['assignee_id']} has no free capacity for this ticket's channel; "
                            "pick another agent or leave it unassigned") from None
    store.note_first_month(at[:7])
    event_publisher().publish([e.to_dict() for e in events])
    routing.route(ticket)
    return ticket, audit


def update_ticket(principal: Principal, ticket_id: int, changes: dict[str, Any], comment: Comment | None, *,
                  add_tags: list[str] = (), remove_tags: list[str] = (), field_values: dict[str, Any] | None = None,
                  updated_stamp: str | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Field changes and a comment in one transaction; returns (ticket, audit or None when nothing changed).

    With updated_stamp (Zendesk's safe update) a ticket changed since that time is a 409; without it a
    lost race is retried on fresh data, so concurrent updates never lose each other's changes.
    """
    from chalicelib.services.tickets import load_ticket

    if changes or add_tags or remove_tags or field_values:
        _forbid_light_agent(principal, "change ticket fields")
    _check_comment(principal, comment)
    for attempt in range(UPDATE_ATTEMPTS):
        ticket = load_ticket(ticket_id)
        if updated_stamp and _second(ticket["updated_at"]) != _second(updated_stamp):
            raise ConflictError(f"ticket {ticket_id} was updated at {ticket['updated_at']}, after {updated_stamp}; "
                                "fetch it again and retry (safe update)")
        try:
            wanted = dict(changes)
            if field_values:  # the custom fields sent change; the others keep their values
                wanted["custom_fields"] = {**(ticket.get("custom_fields") or {}), **field_values}
            return _apply(principal, ticket, wanted, comment, add_tags, remove_tags)
        except ConflictError:
            if updated_stamp or attempt == UPDATE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _second(moment: str) -> str:
    return moment[:19]


def _apply(principal: Principal, ticket: dict[str, Any], changes: dict[str, Any], comment: Comment | None,
           add_tags: list[str], remove_tags: list[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services import routing, rules
    from chalicelib.services.tickets import normalize_tags, validated_changes, write_change
    from chalicelib.store.tickets import CapacityError

    wanted = dict(changes)
    if add_tags or remove_tags:
        removed = set(normalize_tags(list(remove_tags)))
        wanted["tags"] = [t for t in normalize_tags(list(wanted.get("tags", ticket.get("tags") or [])) + list(add_tags))
                          if t not in removed]
    clean = validated_changes(ticket, wanted)
    if comment and ticket["status"] == "closed":
        raise ValidationError("status: ticket is closed; closed is final — create a follow-up ticket instead")
    if not clean and comment is None:
        return ticket, None
    store = ticket_store()
    at = iso(now())
    updated = {**ticket, **clean, "updated_at": at}
    if clean.get("status") == "solved":
        updated["solved_at"] = at
    if "assignee_id" in clean:
        updated["assigned_at"] = at if clean["assignee_id"] else None
    message = conversation = None
    if comment:
        conversation = store.get_conversation(ticket["conversation_id"])
        message = _message(principal, ticket, comment, conversation["last_seq"] + 1, at)
        if message["public"] and message["author_type"] == "agent":
            updated["last_agent_message_at"] = at
            if not ticket.get("first_reply_at"):
                updated["first_reply_at"] = at
            if updated["status"] == "new":
                updated["status"] = clean["status"] = "open"
        elif message["author_type"] == "customer":
            updated["last_customer_message_at"] = at
    change = rules.Change(event="updated", actor_type=message["author_type"] if message else "agent",
                          actor_id=principal.id, via="api", comment=message)
    outcome = rules.apply(ticket, updated, change)  # triggers run on API changes too, in the same write
    try:
        written = write_change(principal, ticket, message, conversation, outcome, at)
    except CapacityError:
        raise ConflictError(f"agent {outcome.ticket.get('assignee_id')} has no free capacity for this ticket's "
                            "channel; pick another agent or leave it unassigned") from None
    diff = outcome.changes
    freed = routing.freed_agent(ticket, written)
    if freed:
        routing.drain_for_agent(freed)
    if diff:
        routing.route(written)
    action = "ticket_updated" if diff else ("public_reply" if message and message["public"] else "internal_note")
    audit = {"id": uuid.uuid4().hex, "at": at, "actor": principal.key, "action": action, "detail": dict(diff)}
    return written, {**audit, "message": message, "changes": diff}


def delete_ticket(principal: Principal, ticket_id: int) -> None:
    """Soft-delete a ticket: it leaves every list, search and queue; its assignee's capacity is given back."""
    from chalicelib.bootstrap import deleted_ticket_store, event_publisher
    from chalicelib.services import routing
    from chalicelib.services.tickets import load_ticket

    _forbid_light_agent(principal, "delete tickets")
    ticket = load_ticket(ticket_id)
    at = iso(now())
    event = ev.DomainEvent(ev.TICKET_DELETED, {"ticket": ticket, "actor": principal.key}, at)
    audit = {"id": event.id, "at": at, "actor": principal.key, "action": "ticket_deleted", "detail": {}}
    released = routing.capacity_items(ticket, {**ticket, "status": "closed"})
    deleted_ticket_store().delete(ticket, {**ticket, "deleted_at": at, "deleted_by": principal.id}, [event], audit,
                                  extra=[item for item, _ in released])
    event_publisher().publish([event.to_dict()])
    freed = routing.freed_agent(ticket, {**ticket, "status": "closed"})
    if freed:
        routing.drain_for_agent(freed)


def ticket_messages(ticket: dict[str, Any], after_seq: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """A page of a ticket's messages oldest first, and whether more follow (one query)."""
    from chalicelib.bootstrap import ticket_store

    messages = ticket_store().messages(ticket["conversation_id"], after_seq=after_seq, limit=limit + 1)
    return messages[:limit], len(messages) > limit


# API tokens ------------------------------------------------------------------------------------------
def issue_api_token(principal: Principal, description: Any) -> tuple[dict[str, Any], str]:
    """A new API token (admins only): returns the record and the secret, which is never shown again."""
    from chalicelib.api.basic_auth import hash_api_token, new_api_token
    from chalicelib.bootstrap import api_token_store

    if description is not None and (not isinstance(description, str) or len(description) > 255):
        raise ValidationError("description must be text of up to 255 characters")
    store = api_token_store()
    if len(store.list()) >= 256:
        raise ValidationError("base: an account has at most 256 API tokens; delete one first")
    secret = new_api_token()
    record = {"id": store.allocate_id(), "description": description, "active": True, "created_at": iso(now()),
              "created_by": principal.id, "token_last_four": secret[-4:]}
    store.create(record, hash_api_token(secret))
    return record, secret


# search ----------------------------------------------------------------------------------------------
@dataclass
class SearchPage:
    """One page of search results and where the next page starts (None when the search is done)."""

    tickets: list[dict[str, Any]]
    next_after: str | None
    examined: int


def search_tickets(terms: list[Any], *, limit: int, after: str | None) -> SearchPage:
    """Tickets matching every term, newest first, reading at most MAX_SEARCH_CANDIDATES index items.

    The most selective index the terms allow gives the candidates (requester → GSI2, assignee → GSI3,
    statuses → GSI1 partitions merged, otherwise the created-month partitions of GSI4, narrowed by any
    created range as a sort-key condition); the other terms are tested in memory. When the bound is
    reached before a page fills, the page ends early with a next_after cursor that continues the walk.
    """
    from chalicelib.bootstrap import ticket_search_store
    from chalicelib.domain import search_query as q
    from chalicelib.store.ticket_search import order_key

    moment = now()
    terms = [_resolve(term) for term in terms]
    bounds = q.created_range(terms, moment)
    upper = min(u for u in (bounds.upper, after) if u) if (bounds.upper or after) else None
    store = ticket_search_store()
    candidates = _candidates(store, terms, bounds.lower, upper)
    found: list[dict[str, Any]] = []
    examined, last, exhausted = 0, None, True
    for ticket in candidates:
        examined += 1
        last = order_key(ticket)
        if q.matches(ticket, terms, moment):
            found.append(ticket)
            if len(found) > limit:
                break
        if examined >= MAX_SEARCH_CANDIDATES:
            exhausted = False
            break
    if len(found) > limit:
        found = found[:limit]
        return SearchPage(found, order_key(found[-1]), examined)
    return SearchPage(found, None if exhausted else last, examined)


MAX_SORTED_CANDIDATES = 10_000  # tickets a sorted search may examine: it needs every match to sort them


def search_tickets_sorted(terms: list[Any], *, field: str, descending: bool, offset: int,
                          limit: int) -> tuple[list[dict[str, Any]], int]:
    """A page of the tickets matching every term in the order asked for, and how many match in all.

    Sorting needs every match, so the search walks all its candidates (in bounded steps, as search_tickets
    does) up to MAX_SORTED_CANDIDATES; a query with more is a ValidationError asking to narrow it, never a
    wrong order. Each page walks again: sorted pages cost more reads than newest-first ones.
    """
    from chalicelib.domain.search_sort import sorted_tickets

    found: list[dict[str, Any]] = []
    examined, after = 0, None
    while True:
        step = search_tickets(terms, limit=MAX_SEARCH_CANDIDATES, after=after)
        found += step.tickets
        examined += step.examined
        after = step.next_after
        if after is None:
            break
        if examined >= MAX_SORTED_CANDIDATES:
            raise ValidationError(f"sort_by: a sorted search examines at most {MAX_SORTED_CANDIDATES} tickets; "
                                  "narrow the query (status, requester, a created range) or leave sort_by out")
    ordered = sorted_tickets(found, field, descending)
    return ordered[offset:offset + limit], len(ordered)


def _resolve(term: Any) -> Any:
    """Put the Parley ids a lookup term names into it (requester email → customer id, ...)."""
    from chalicelib.bootstrap import agent_store, organization_store
    from chalicelib.domain import search_query as q

    value = term.value.strip()
    if term.field == "requester":
        if value.isdigit():
            return q.with_resolved(term, _kind_ids(int(value), "customer"))
        return q.with_resolved(term, [p["id"] for kind, p in users_by_email(value) if kind == "customer"])
    if term.field in ("assignee", "submitter"):
        if value.lower() == "none":
            return q.with_resolved(term, [None])
        if value.isdigit():
            return q.with_resolved(term, _kind_ids(int(value), "agent"))
        return q.with_resolved(term, [p["id"] for kind, p in users_by_email(value) if kind == "agent"])
    if term.field == "group":
        if value.lower() == "none":
            return q.with_resolved(term, [None])
        if value.isdigit():
            try:
                return q.with_resolved(term, [department_for_number(int(value)).lower()])
            except ValidationError:
                return q.with_resolved(term, [])
        department = agent_store().get_department(value)
        return q.with_resolved(term, [department["name"].lower()] if department else [])
    if term.field == "organization":
        if value.lower() == "none":
            return q.with_resolved(term, [None])
        org_id = int(value) if value.isdigit() else organization_store().for_name(value)
        return q.with_resolved(term, [org_id] if org_id is not None else [])
    return term


def _kind_ids(number: int, wanted: str) -> list[str]:
    try:
        kind, record = user_for_number(number)
    except NotFoundError:
        return []
    return [record["id"]] if kind == wanted else []


def _candidates(store: Any, terms: list[Any], lower: str | None, upper: str | None) -> Any:
    """The index partitions that hold every possible match, as one newest-first stream."""
    from chalicelib.domain import search_query as q
    from chalicelib.store.ticket_search import Partition, month_partitions

    def positive(name: str) -> list[Any]:
        return [t for t in terms if t.field == name and t.op == ":" and not t.negated]

    requesters = positive("requester")
    if requesters:
        ids = {i for t in requesters for i in t.resolved if i}
        return store.merged([Partition("GSI2", f"CUSTOMER#{i}") for i in sorted(ids)], lower=lower, upper=upper)
    assignees = positive("assignee")
    if assignees and all(i for t in assignees for i in t.resolved):
        ids = {i for t in assignees for i in t.resolved}
        return store.merged([Partition("GSI3", f"ASSIGNEE#{i}") for i in sorted(ids)], lower=lower, upper=upper)
    statuses = q.allowed_statuses(terms)
    if statuses is not None and len(statuses) < len(q.STATUS_ORDER):
        return store.merged([Partition("GSI1", f"STATUS#{s}") for s in sorted(statuses)], lower=lower, upper=upper)
    first = store.first_month()
    if not first:
        return iter(())
    newest = (upper or iso(now()))[:7]
    oldest = max(first, lower[:7]) if lower else first
    return store.chained(month_partitions(newest, oldest), lower=lower, upper=upper)
