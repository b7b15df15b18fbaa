"""Zendesk-compatible tickets: /api/v2/tickets.json, /tickets/{id}.json, show_many, comments."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import (BadRequestError, RecordInvalidError, base_url, numeric_id, query_params,
                                         read_object, show_many_ids, zendesk_view)
from chalicelib.api.zendesk.pagination import cursor_body, offset_body, page_request, walk_to_offset
from chalicelib.api.zendesk.shapes import Presenter, agent_ref, custom_fields_out, customer_ref, zendesk_status
from chalicelib.api.zendesk.sideload import includes, sideloaded
from chalicelib.services import zendesk
from chalicelib.services.zendesk import Comment, TicketDraft

ZENDESK_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
_TAGS = re.compile(r"<[^>]+>")


# reads -------------------------------------------------------------------------------------------------
@zendesk_view()
def list_tickets(request: Any, principal: Principal) -> dict[str, Any]:
    """Every ticket newest first (deleted ones left out), by cursor or offset pagination; ?include=users,groups,
    organizations side-loads the people, groups and organizations they name."""
    from chalicelib.bootstrap import ticket_store

    params = query_params(request)
    page = page_request(params)
    url = f"{base_url(request)}/api/v2/tickets.json"
    presenter = Presenter(base_url(request))
    wanted = includes(params.get("include"))

    def fetch(limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        return ticket_store().list_tickets(limit=limit, cursor=cursor)

    if page.cursor:
        tickets, after = fetch(page.size, page.after)
        body = cursor_body("tickets", presenter.tickets(tickets), after, url, page.size)
    else:
        tickets, more = walk_to_offset(fetch, page)
        body = offset_body("tickets", presenter.tickets(tickets), more, url, page)
    return {**body, **sideloaded(presenter, tickets, wanted)}


@zendesk_view()
def show_ticket(request: Any, principal: Principal, ticket_id: str) -> dict[str, Any]:
    """One ticket; ?include=users,groups,organizations side-loads the records it names."""
    from chalicelib.services.tickets import load_ticket

    ticket = load_ticket(numeric_id(ticket_id))
    presenter = Presenter(base_url(request))
    wanted = includes(query_params(request).get("include"))
    return {"ticket": presenter.ticket(ticket), **sideloaded(presenter, [ticket], wanted)}


@zendesk_view()
def show_many(request: Any, principal: Principal) -> dict[str, Any]:
    """Up to 100 tickets by id (?ids=1,2,3), in the order asked; unknown ids are left out; ?include= side-loads."""
    from chalicelib.bootstrap import ticket_store

    wanted = show_many_ids(request, "ticket")
    found = {t["id"]: t for t in ticket_store().get_tickets(wanted)}
    tickets = [found[i] for i in wanted if i in found]
    presenter = Presenter(base_url(request))
    loads = sideloaded(presenter, tickets, includes(query_params(request).get("include")))
    return {"tickets": presenter.tickets(tickets), "next_page": None, "previous_page": None,
            "count": len(tickets), **loads}


@zendesk_view()
def list_comments(request: Any, principal: Principal, ticket_id: str) -> dict[str, Any]:
    """A ticket's comments oldest first (public replies and internal notes), cursor or offset paginated."""
    from chalicelib.services.tickets import load_ticket

    ticket = load_ticket(numeric_id(ticket_id))
    page = page_request(query_params(request))
    url = f"{base_url(request)}/api/v2/tickets/{ticket['id']}/comments.json"
    presenter = Presenter(base_url(request))

    def fetch(limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        if cursor is not None and not cursor.isdigit():
            raise BadRequestError("page[after] is not valid; pass the after_cursor of the previous page unchanged")
        messages, more = zendesk.ticket_messages(ticket, int(cursor or 0), limit)
        return messages, (str(messages[-1]["seq"]) if more and messages else None)

    if page.cursor:
        messages, after = fetch(page.size, page.after)
        return cursor_body("comments", presenter.comments(ticket, messages), after, url, page.size)
    messages, more = walk_to_offset(fetch, page)
    return offset_body("comments", presenter.comments(ticket, messages), more, url, page)


# writes ------------------------------------------------------------------------------------------------
@zendesk_view()
def create_ticket(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """A ticket with its first comment and requester ({"name", "email"} or requester_id)."""
    body = read_object(request, "ticket")
    changes, add_tags, remove_tags, field_values = _changes(body)
    if add_tags or remove_tags:
        changes["tags"] = [*changes.get("tags", []), *add_tags]
    if field_values:
        changes["custom_fields"] = field_values
    comment = _comment(body.get("comment"), fallback=body.get("description"))
    if comment is None:
        raise RecordInvalidError({"comment": "is required: send \"comment\": {\"body\": \"...\"}"})
    requester_id, requester = _requester(body)
    draft = TicketDraft(comment=comment, requester_id=requester_id, requester=requester,
                        subject=_text(body, "subject", 250), fields=changes, external_id=_text(body, "external_id", 255))
    ticket, audit = zendesk.create_ticket(principal, draft)
    presenter = Presenter(base_url(request))
    events = [{"type": "Create", "field_name": name, "value": value}
              for name, value in (("subject", ticket["subject"]), ("status", ticket["status"]),
                                  ("priority", ticket["priority"]), ("tags", ticket.get("tags")))]
    return 201, {"ticket": presenter.ticket(ticket),
                 "audit": _audit(presenter, ticket, audit, events, comment_seq=1, principal=principal)}


@zendesk_view()
def update_ticket(request: Any, principal: Principal, ticket_id: str) -> dict[str, Any]:
    """Change fields and/or add a comment, in one transaction; safe_update + updated_stamp give a 409 on races."""
    body = read_object(request, "ticket")
    changes, add_tags, remove_tags, field_values = _changes(body)
    if "requester_id" in body or "requester" in body:
        raise RecordInvalidError({"requester": "cannot be changed through this API"})
    stamp = None
    if body.get("safe_update"):
        stamp = _text(body, "updated_stamp", 40)
        if not stamp:
            raise RecordInvalidError({"updated_stamp": "is required with safe_update (the ticket's updated_at)"})
    comment = _comment(body.get("comment"))
    ticket, audit = zendesk.update_ticket(principal, numeric_id(ticket_id), changes, comment, add_tags=add_tags,
                                          remove_tags=remove_tags, field_values=field_values, updated_stamp=stamp)
    presenter = Presenter(base_url(request))
    if audit is None:
        return {"ticket": presenter.ticket(ticket)}
    events = _change_events(presenter, audit["changes"])
    seq = audit["message"]["seq"] if audit.get("message") else None
    return {"ticket": presenter.ticket(ticket),
            "audit": _audit(presenter, ticket, audit, events, comment_seq=seq, principal=principal)}


@zendesk_view()
def delete_ticket(request: Any, principal: Principal, ticket_id: str) -> tuple[int, None]:
    """Delete a ticket (204); it no longer shows in lists, search or by id."""
    zendesk.delete_ticket(principal, numeric_id(ticket_id))
    return 204, None


# translation from Zendesk's ticket JSON ----------------------------------------------------------------
def _changes(body: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[str], dict[str, Any]]:
    """Zendesk ticket fields in Parley's words: (changes, additional_tags, remove_tags, custom field values)."""
    changes: dict[str, Any] = {}
    if "subject" in body:
        changes["subject"] = body["subject"]
    if "status" in body:
        status = body["status"]
        if status not in ZENDESK_STATUSES:
            raise RecordInvalidError({"status": f"'{status}' is not one of {', '.join(ZENDESK_STATUSES)}"})
        changes["status"] = "on_hold" if status == "hold" else status
    if "priority" in body:
        changes["priority"] = body["priority"] or "normal"
    if "type" in body:
        changes["type"] = body["type"]
    if "tags" in body:
        changes["tags"] = _list(body, "tags")
    if "assignee_id" in body:
        changes["assignee_id"] = None if body["assignee_id"] is None else \
            zendesk.agent_for_number(_number(body, "assignee_id"))
    elif body.get("assignee_email"):
        agents = [p for kind, p in zendesk.users_by_email(str(body["assignee_email"])) if kind == "agent"]
        if not agents:
            raise RecordInvalidError({"assignee_email": f"{body['assignee_email']} is not an agent"})
        changes["assignee_id"] = agents[0]["id"]
    if "group_id" in body:
        changes["department"] = None if body["group_id"] is None else \
            zendesk.department_for_number(_number(body, "group_id"))
    values: dict[str, Any] = {}
    for name in ("custom_fields", "fields"):
        for entry in body.get(name) or []:
            if not isinstance(entry, dict) or not str(entry.get("id", "")).isdigit():
                raise RecordInvalidError({name: 'must be a list of {"id": <number>, "value": ...}'})
            values[str(int(entry["id"]))] = entry.get("value")
    return changes, _list(body, "additional_tags"), _list(body, "remove_tags"), values


def _requester(body: dict[str, Any]) -> tuple[str | None, tuple[str | None, str] | None]:
    """(customer id, None) for requester_id, or (None, (name, email)) for a requester to find or create."""
    requester = body.get("requester")
    if isinstance(requester, dict):
        if not isinstance(requester.get("email"), str):
            raise RecordInvalidError({"requester": "needs an email: {\"name\": \"...\", \"email\": \"...\"}"})
        name = requester.get("name") if isinstance(requester.get("name"), str) else None
        return None, (name, requester["email"])
    if body.get("requester_id") is not None:
        return zendesk.customer_for_number(_number(body, "requester_id")), None
    raise RecordInvalidError({"requester": "is required: send requester {\"name\", \"email\"} or the "
                                           "requester_id of an end-user"})


def _comment(raw: Any, fallback: Any = None) -> Comment | None:
    if raw is None and isinstance(fallback, str):
        raw = {"body": fallback}
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"body": raw}
    if not isinstance(raw, dict):
        raise RecordInvalidError({"comment": "must be an object such as {\"body\": \"...\", \"public\": true}"})
    body, html_body = raw.get("body"), raw.get("html_body")
    if body is None and isinstance(html_body, str):
        body = _TAGS.sub("", html_body)
    if not isinstance(body, str) or not body.strip():
        raise RecordInvalidError({"comment": "body must contain some text"})
    public = raw.get("public", True)
    if not isinstance(public, bool):
        raise RecordInvalidError({"comment": "public must be true or false"})
    author = None
    if raw.get("author_id") is not None:
        kind, record = zendesk.user_for_number(_number(raw, "author_id"))
        author = customer_ref(record["id"]) if kind == "customer" else agent_ref(record["id"])
    html = None
    if isinstance(html_body, str) and html_body.strip():
        import nh3

        html = nh3.clean(html_body)
    return Comment(body=body, public=public, html=html, author_ref=author)


def _number(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise RecordInvalidError({name: f"must be a whole number, got {value!r}"})
    return int(value)


def _list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordInvalidError({name: "must be a list of strings"})
    return value


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise RecordInvalidError({name: f"must be text of up to {limit} characters"})
    return value


def _change_events(presenter: Presenter, diff: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Audit "Change" events in Zendesk's words (hold, group_id, user numbers)."""
    users = presenter.user_numbers(agent_ref(v) for old_new in (diff.get("assignee_id") or []) for v in [old_new] if v)
    groups = presenter.group_numbers(v for v in (diff.get("department") or []) if v)
    translate = {
        "status": ("status", zendesk_status),
        "assignee_id": ("assignee_id", lambda v: users.get(agent_ref(v)) if v else None),
        "department": ("group_id", lambda v: groups.get(v.lower()) if v else None),
        "custom_fields": ("custom_fields", custom_fields_out),
    }
    events = []
    for name, (old, new) in diff.items():
        field_name, convert = translate.get(name, (name, lambda v: v))
        events.append({"type": "Change", "field_name": field_name, "value": convert(new),
                       "previous_value": convert(old)})
    return events


def _audit(presenter: Presenter, ticket: dict[str, Any], audit: dict[str, Any], events: list[dict[str, Any]], *,
           comment_seq: int | None, principal: Principal) -> dict[str, Any]:
    from chalicelib.api.zendesk.shapes import comment_id

    if comment_seq is not None:
        message = audit.get("message") or {}
        events = [*events, {"type": "Comment", "comment_id": comment_id(ticket["id"], comment_seq),
                            "body": message.get("body") or ticket.get("description"),
                            "public": message.get("public", True)}]
    number = int(audit["id"][:12], 16)
    return presenter.audit(ticket, agent_ref(principal.id), events, number, audit["at"])

