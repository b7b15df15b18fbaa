"""Views: saved ticket filters (built-in and admin-defined), each with a live count.

A view picks the narrowest index for its filter (assignee → GSI3, unassigned → the department queues,
status → GSI1) and applies the remaining conditions to at most MAX_SCANNED tickets of that index.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.domain.tickets import CHANNELS, STATUSES, one_of
from chalicelib.errors import ValidationError

MAX_SCANNED = 500
BUILT_IN = [
    {"id": "unassigned", "name": "Unassigned", "filter": {"assignee": "none", "status": ["new", "open"]}},
    {"id": "my_open", "name": "My open tickets", "filter": {"assignee": "me", "status": ["new", "open"]}},
    {"id": "pending_24h", "name": "Pending more than 24 h", "filter": {"status": ["pending"],
                                                                       "updated_more_than_hours_ago": 24}},
    {"id": "recently_solved", "name": "Recently solved", "filter": {"status": ["solved"]}},
]
FILTER_KEYS = ("status", "assignee", "department", "tags", "channel", "updated_more_than_hours_ago")


def validate_filter(data: Any) -> dict[str, Any]:
    """A view filter with known keys and values, or a ValidationError naming what is wrong."""
    if not isinstance(data, dict) or not data:
        raise ValidationError(f"filter must be an object with some of {', '.join(FILTER_KEYS)}")
    unknown = set(data) - set(FILTER_KEYS)
    if unknown:
        raise ValidationError(f"unknown filter keys {', '.join(sorted(unknown))}; use {', '.join(FILTER_KEYS)}")
    for status in data.get("status") or []:
        one_of("status", status, STATUSES)
    if data.get("channel"):
        one_of("channel", data["channel"], CHANNELS)
    hours = data.get("updated_more_than_hours_ago")
    if hours is not None and (not isinstance(hours, (int, float)) or hours < 0):
        raise ValidationError("updated_more_than_hours_ago must be a number of hours (0 or more)")
    return data


def all_views(agent_id: str) -> list[dict[str, Any]]:
    """Built-in and saved views, each with its count."""
    from chalicelib.bootstrap import config_store

    views = BUILT_IN + config_store().list("view", fresh=True)
    return [{**v, "count": len(run(v["filter"], agent_id))} for v in views]


def view_tickets(view_id: str, agent_id: str) -> dict[str, Any]:
    """A view's tickets, newest first."""
    from chalicelib.bootstrap import config_store

    view = next((v for v in BUILT_IN if v["id"] == view_id), None) or config_store().get("view", view_id)
    tickets = run(view["filter"], agent_id)
    return {"view": view, "tickets": tickets, "count": len(tickets)}


def save_view(body: dict[str, Any]) -> dict[str, Any]:
    """Store an admin-defined view."""
    from chalicelib.bootstrap import config_store

    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("a view needs a name")
    view = {"id": body.get("id") or uuid.uuid4().hex[:12], "name": name.strip(),
            "position": int(body.get("position") or 0), "filter": validate_filter(body.get("filter"))}
    return config_store().put("view", view)


def run(view_filter: dict[str, Any], agent_id: str) -> list[dict[str, Any]]:
    """The tickets matching a filter (from the narrowest index, at most MAX_SCANNED read)."""
    from chalicelib.bootstrap import agent_store, ticket_store

    store = ticket_store()
    statuses = view_filter.get("status") or []
    assignee = view_filter.get("assignee")
    if assignee == "me":
        assignee = agent_id
    if assignee and assignee != "none":
        candidates, _ = store.list_tickets(assignee_id=assignee, limit=MAX_SCANNED)
    elif assignee == "none" and set(statuses) <= {"new", "open"}:
        departments = [d["name"] for d in agent_store().list_departments()]
        candidates = [t for d in [*departments, None] for t in store.waiting(d, limit=MAX_SCANNED)]
    elif statuses:
        candidates = [t for s in statuses for t in store.list_tickets(status=s, limit=MAX_SCANNED)[0]]
    else:
        candidates, _ = store.list_tickets(limit=MAX_SCANNED)
    matching = [t for t in candidates if _matches(view_filter, t, assignee)]
    return sorted(matching, key=lambda t: t["created_at"], reverse=True)


def _matches(view_filter: dict[str, Any], ticket: dict[str, Any], assignee: str | None) -> bool:
    if view_filter.get("status") and ticket["status"] not in view_filter["status"]:
        return False
    if assignee == "none" and ticket.get("assignee_id"):
        return False
    if view_filter.get("department") and ticket.get("department") != view_filter["department"]:
        return False
    if view_filter.get("channel") and ticket["channel"] != view_filter["channel"]:
        return False
    if any(tag not in (ticket.get("tags") or []) for tag in view_filter.get("tags") or []):
        return False
    hours = view_filter.get("updated_more_than_hours_ago")
    if hours is not None and ticket["updated_at"] > iso(now() - timedelta(hours=hours)):
        return False
    return True



def list_filtered(*, status: str | None, assignee_id: str | None, requester_id: str | None, limit: int,
                  cursor: str | None, department: str | None = None, channel: str | None = None,
                  tag: str | None = None, text: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of tickets from the index that fits (status, assignee, requester), with the other filters
    applied as pages are read; at most MAX_SCANNED tickets are examined per call, and the cursor resumes
    after the last one examined, so every request is bounded and paging reaches every match."""
    from chalicelib.bootstrap import ticket_store

    extra = {"department": department, "channel": channel, "tags": [tag.lower()] if tag else None}
    extra = {k: v for k, v in extra.items() if v}
    words = (text or "").lower().split()
    found: list[dict[str, Any]] = []
    examined = 0
    while len(found) < limit and examined < MAX_SCANNED:
        page, cursor = ticket_store().list_tickets(status=status, assignee_id=assignee_id,
                                                   requester_id=requester_id, limit=limit, cursor=cursor)
        examined += len(page)
        for ticket in page:
            haystack = f"{ticket.get('subject', '')} {ticket.get('description', '')}".lower()
            if (not extra or _matches(extra, ticket, None)) and all(w in haystack for w in words):
                found.append(ticket)
        if not cursor:
            break
    return found, cursor
