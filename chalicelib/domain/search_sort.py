"""Zendesk's search sort (sort_by, sort_order) on Parley's tickets, without I/O.

sort_by: created_at, updated_at, priority (low < normal < high < urgent), status (new < open < pending <
hold < solved < closed) or ticket_type (none < question < incident < problem < task, Zendesk's type
numbers); sort_order asc or desc (desc when left out, as Zendesk). Ties keep creation order, then ids.
"""
from __future__ import annotations

from typing import Any, Callable

from chalicelib.domain.search_query import PRIORITY_ORDER, STATUS_ORDER

SORT_FIELDS = ("created_at", "updated_at", "priority", "status", "ticket_type")
SORT_ORDERS = ("asc", "desc")
TYPE_ORDER = (None, "question", "incident", "problem", "task")


class SortError(ValueError):
    """A sort_by or sort_order Zendesk does not offer; the message names the ones it does."""


def sort_request(sort_by: str | None, sort_order: str | None) -> tuple[str, bool] | None:
    """(field, descending) for the parameters given, None when neither is; SortError for unknown values."""
    if not sort_by and not sort_order:
        return None
    field = (sort_by or "created_at").strip().lower()
    order = (sort_order or "desc").strip().lower()
    if field not in SORT_FIELDS:
        raise SortError(f"sort_by '{sort_by}' is not one of {', '.join(SORT_FIELDS)}")
    if order not in SORT_ORDERS:
        raise SortError(f"sort_order '{sort_order}' is not one of {', '.join(SORT_ORDERS)}")
    return field, order == "desc"


def _rank(order: tuple[Any, ...], value: Any) -> int:
    return order.index(value) if value in order else len(order)


_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "created_at": lambda t: t.get("created_at") or "",
    "updated_at": lambda t: t.get("updated_at") or t.get("created_at") or "",
    "priority": lambda t: _rank(PRIORITY_ORDER, t.get("priority") or "normal"),
    "status": lambda t: _rank(STATUS_ORDER, t.get("status")),
    "ticket_type": lambda t: _rank(TYPE_ORDER, t.get("type")),
}


def sorted_tickets(tickets: list[dict[str, Any]], field: str, descending: bool) -> list[dict[str, Any]]:
    """The tickets in the order asked for; equal ones by creation time and id, in the same direction."""
    key = _KEYS[field]
    return sorted(tickets, key=lambda t: (key(t), t.get("created_at") or "", int(t.get("id") or 0)),
                  reverse=descending)
