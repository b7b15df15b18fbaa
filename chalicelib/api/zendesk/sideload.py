"""Side-loading: ?include=users,groups,organizations puts the records a page of tickets names beside it.

Zendesk answers {"tickets": [...], "users": [...], "groups": [...], "organizations": [...]}, and clients such
as zenpy cache them, so reading ticket.requester or ticket.group costs no further request. Search takes
include=tickets(users,groups) too. Side-loads Parley does not offer are left out, as Zendesk leaves out
unknown ones.
"""
from __future__ import annotations

import re
from typing import Any

from chalicelib.api.zendesk.shapes import Presenter

SIDELOADS = ("users", "groups", "organizations")
_WRAPPED = re.compile(r"\w+\(([^)]*)\)")


def includes(raw: str | None) -> list[str]:
    """The side-loads asked for, in Parley's order: "users,groups", "tickets(users,groups)" or a mix."""
    if not raw:
        return []
    names = {part.strip().lower() for part in _WRAPPED.sub(lambda m: m.group(1), raw).split(",")}
    return [name for name in SIDELOADS if name in names]


def sideloaded(presenter: Presenter, tickets: list[dict[str, Any]], wanted: list[str]) -> dict[str, Any]:
    """The arrays of the records these tickets name: one get per person, organization; one query for groups."""
    from chalicelib.bootstrap import agent_store, organization_store, ticket_store

    loaded: dict[str, Any] = {}
    if "users" in wanted:
        people: dict[tuple[str, str], dict[str, Any]] = {}
        for ticket in tickets:
            refs = [("customer", ticket.get("requester_id")), ("agent", ticket.get("submitter_id")),
                    ("agent", ticket.get("assignee_id"))]
            for kind, person_id in refs:
                if not person_id or (kind, person_id) in people:
                    continue
                record = ticket_store().get_customer(person_id) if kind == "customer" else \
                    agent_store().get_agent(person_id)
                if record is not None:
                    people[(kind, person_id)] = record
        loaded["users"] = presenter.users([(kind, record) for (kind, _), record in people.items()])
    if "groups" in wanted:
        names = {t["department"].lower() for t in tickets if t.get("department")}
        departments = [d for d in agent_store().list_departments() if d["name"].lower() in names] if names else []
        loaded["groups"] = presenter.groups(departments)
    if "organizations" in wanted:
        numbers = list(dict.fromkeys(t["organization_id"] for t in tickets if t.get("organization_id") is not None))
        organizations = [o for o in (organization_store().get(n) for n in numbers) if o is not None]
        loaded["organizations"] = [presenter.organization(o) for o in organizations]
    return loaded
