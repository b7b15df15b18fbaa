"""Placeholders in macro, shortcut, trigger and notification text: ``{{ticket.id}}``, ``{{customer.name}}``.

A tiny renderer, deliberately not a template engine: a placeholder is a dotted name looked up
in a flat dictionary of whitelisted values; there are no expressions, filters, loops or
attribute access. The template is scanned once, so inserted values are never read as
templates: a customer named ``{{agent.email}}`` appears as exactly that text.

Unknown placeholders render as empty text, as in Zendesk, so a typo never leaks braces to a
customer; :func:`unknown_placeholders` lets an editor warn about them before saving.
In ``html`` mode inserted values are HTML-escaped; in ``json`` mode they are escaped for use
inside a JSON string (webhook bodies).
"""
from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}")

STATUS_LABELS = {"new": "New", "open": "Open", "pending": "Pending", "on_hold": "On-hold",
                 "solved": "Solved", "closed": "Closed"}


def render(template: str | None, values: Mapping[str, Any], *, html: bool = False, json_string: bool = False) -> str:
    """``template`` with each ``{{name}}`` replaced by ``values[name]`` as text.

    Unknown names render empty. ``html=True`` escapes inserted values for HTML;
    ``json_string=True`` escapes them for the inside of a JSON string.
    """
    if not template:
        return ""

    def replace(match: re.Match) -> str:
        text = _as_text(values.get(match.group(1)))
        if html:
            return html_lib.escape(text, quote=True)
        if json_string:
            return json.dumps(text, ensure_ascii=False)[1:-1]
        return text

    return PLACEHOLDER.sub(replace, str(template))


def unknown_placeholders(template: str | None, values: Mapping[str, Any] | None = None) -> list[str]:
    """The placeholder names in ``template`` that would render empty (for editor warnings)."""
    known = values if values is not None else placeholder_values({"id": 0, "custom_fields": {}})
    names = PLACEHOLDER.findall(template or "")
    return [name for name in dict.fromkeys(names)
            if name not in known and not name.startswith(("ticket.ticket_field_", "ticket.custom_fields."))]


def placeholder_values(ticket: Mapping[str, Any], *, customer: Mapping[str, Any] | None = None,
                       agent: Mapping[str, Any] | None = None, assignee: Mapping[str, Any] | None = None,
                       organization: Mapping[str, Any] | None = None, base_url: str = "") -> dict[str, str]:
    """The whitelisted values placeholders may show for one ticket, keyed by placeholder name.

    ``customer`` is the requester, ``agent`` the person acting (``current_user``), ``assignee``
    the assigned agent; each is a mapping with ``name`` and ``email`` (other keys ignored).
    """
    values: dict[str, str] = {}
    ticket_id = ticket.get("id")
    # without a base there is no link to give: an empty placeholder, not a path without a host
    url = f"{base_url.rstrip('/')}/tickets/{ticket_id}" if ticket_id is not None and base_url else ""
    tags = ticket.get("tags") or []
    values.update({
        "ticket.id": _as_text(ticket_id),
        "ticket.subject": _as_text(ticket.get("subject")),
        "ticket.title": _as_text(ticket.get("subject")),
        "ticket.description": _as_text(ticket.get("description")),
        "ticket.status": STATUS_LABELS.get(ticket.get("status"), _as_text(ticket.get("status"))),
        "ticket.priority": _as_text(ticket.get("priority")).capitalize(),
        "ticket.type": _as_text(ticket.get("type")).capitalize(),
        "ticket.channel": _as_text(ticket.get("channel")),
        "ticket.via": _as_text(ticket.get("channel")),
        "ticket.tags": " ".join(str(t) for t in tags),
        "ticket.department": _as_text(ticket.get("department")),
        "ticket.group.name": _as_text(ticket.get("department")),
        "ticket.url": url,
        "ticket.link": url,
        "ticket.created_at": _as_text(ticket.get("created_at")),
        "ticket.updated_at": _as_text(ticket.get("updated_at")),
    })
    requester = dict(customer or {})
    requester.setdefault("email", ticket.get("requester_email"))
    requester.setdefault("name", ticket.get("requester_name") or requester.get("email"))
    for prefix in ("customer", "ticket.requester"):
        values.update(_person(prefix, requester))
    for prefix in ("agent", "current_user"):
        values.update(_person(prefix, agent or {}))
    values.update(_person("ticket.assignee", assignee or {}))
    org = organization or {}
    values["ticket.organization.name"] = _as_text(org.get("name"))
    values["customer.organization.name"] = values["ticket.organization.name"]
    for key, field_value in (ticket.get("custom_fields") or {}).items():
        values[f"ticket.ticket_field_{key}"] = _as_text(field_value)
        values[f"ticket.custom_fields.{key}"] = _as_text(field_value)
    return values


def _person(prefix: str, person: Mapping[str, Any]) -> dict[str, str]:
    name = _as_text(person.get("name"))
    first, _, last = name.partition(" ")
    return {
        f"{prefix}.name": name,
        f"{prefix}.first_name": _as_text(person.get("first_name")) or first,
        f"{prefix}.last_name": _as_text(person.get("last_name")) or last,
        f"{prefix}.email": _as_text(person.get("email")),
        f"{prefix}.id": _as_text(person.get("id")),
    }


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(v) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
