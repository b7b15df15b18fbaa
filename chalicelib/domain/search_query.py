"""Zendesk's search syntax for tickets, parsed into terms, and the test of one ticket against them.

``type:ticket status<solved requester:mia@example.com tags:refund created>2026-01-01 "double charge" -tags:spam``

Pure: it imports nothing from AWS. Names that need a lookup (a requester's email, an assignee, a group)
are resolved by the caller, which puts Parley ids in ``Term.resolved`` before matching.
Semantics: the same property repeated with ``:`` is an OR (``status:open status:pending``); different
properties, comparisons (``created>… created<…``) and negations (``-tags:spam``) are ANDed; a plain word
matches a word of the subject or description it starts (``top`` matches "Toppings", not "Desktop");
a quoted phrase matches those words in a row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from chalicelib.clock import iso, parse_iso
from chalicelib.errors import ValidationError

OPERATORS = (">=", "<=", ":", ">", "<")
STATUS_ORDER = ("new", "open", "pending", "on_hold", "solved", "closed")
PRIORITY_ORDER = ("low", "normal", "high", "urgent")
TICKET_TYPES = ("question", "incident", "problem", "task")
DATE_FIELDS = {"created": "created_at", "updated": "updated_at", "solved": "solved_at"}
LOOKUP_FIELDS = ("requester", "assignee", "submitter", "group", "organization")
FIELDS = ("type", "status", "priority", "ticket_type", "tags", "tag", "via", "subject", "description",
          *LOOKUP_FIELDS, *DATE_FIELDS)
_TOKEN = re.compile(r'(-?)(?:([A-Za-z_]+)(>=|<=|:|>|<))?("[^"]*"?|\S+)')
_RELATIVE = re.compile(r"^(\d+)(minute|hour|day|week|month|year)s?$")
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
          "week": timedelta(weeks=1), "month": timedelta(days=30), "year": timedelta(days=365)}
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    """One search condition: ``[-]field<op>value`` or a plain word/phrase (field None)."""

    field: str | None
    op: str
    value: str
    negated: bool = False
    resolved: tuple[Any, ...] = field(default=(), compare=False)  # Parley ids a lookup term stands for


@dataclass(frozen=True)
class TimeRange:
    """Instants as ISO strings: lower inclusive, upper exclusive (None = open)."""

    lower: str | None = None
    upper: str | None = None


def parse(text: str) -> list[Term]:
    """Split a query into terms; a property Parley does not know is a ValidationError naming the known ones."""
    terms: list[Term] = []
    for negated, name, op, raw in _TOKEN.findall(text or ""):
        value = raw[1:-1] if raw.startswith('"') and raw.endswith('"') and len(raw) > 1 else raw.strip('"')
        if not name:
            if value:
                terms.append(Term(None, ":", value, bool(negated)))
            continue
        name = name.lower()
        if name not in FIELDS:
            raise ValidationError(f"search property '{name}' is not one of {', '.join(FIELDS)}")
        if name == "tag":
            name = "tags"
        terms.append(Term(name, op, value.strip(), bool(negated)))
    for term in terms:
        _check(term)
    return terms


def _check(term: Term) -> None:
    if term.field == "type" and term.value.lower() != "ticket":
        raise ValidationError(f"type:{term.value} is not searchable here; this search finds type:ticket")
    if term.field == "status" and term.value.lower() not in (*STATUS_ORDER, "hold"):
        raise ValidationError(f"status '{term.value}' is not one of new, open, pending, hold, solved, closed")
    if term.field == "priority" and term.value.lower() not in PRIORITY_ORDER:
        raise ValidationError(f"priority '{term.value}' is not one of {', '.join(PRIORITY_ORDER)}")
    if term.field == "ticket_type" and term.value.lower() not in TICKET_TYPES:
        raise ValidationError(f"ticket_type '{term.value}' is not one of {', '.join(TICKET_TYPES)}")
    if term.field in DATE_FIELDS:
        _instant_range(term.value, ":", datetime.now(timezone.utc))  # validates the date
    elif term.op != ":" and term.field not in ("status", "priority"):
        raise ValidationError(f"{term.field} takes ':' only; '<' and '>' work on status, priority and dates")


def status_name(value: str) -> str:
    """A Zendesk status word as Parley says it (hold → on_hold)."""
    value = value.lower()
    return "on_hold" if value == "hold" else value


def allowed_statuses(terms: Iterable[Term]) -> set[str] | None:
    """The statuses a ticket may have under the status terms, or None when they do not narrow it."""
    allowed: set[str] | None = None
    equal = [status_name(t.value) for t in terms if t.field == "status" and t.op == ":" and not t.negated]
    if equal:
        allowed = set(equal)
    for term in terms:
        if term.field != "status" or (term.op == ":" and not term.negated):
            continue
        fits = {s for s in STATUS_ORDER if _compare(STATUS_ORDER, s, term.op, status_name(term.value))}
        if term.negated:
            fits = set(STATUS_ORDER) - fits
        allowed = fits if allowed is None else allowed & fits
    return allowed


def created_range(terms: Iterable[Term], now: datetime) -> TimeRange:
    """The created-at range the created terms allow (what index sort-key conditions can use)."""
    lower: str | None = None
    upper: str | None = None
    for term in terms:
        if term.field != "created" or term.negated:
            continue
        lo, hi = _instant_range(term.value, term.op, now)
        if lo and (lower is None or lo > lower):
            lower = lo
        if hi and (upper is None or hi < upper):
            upper = hi
    return TimeRange(lower, upper)


def matches(ticket: dict[str, Any], terms: list[Term], now: datetime) -> bool:
    """True when the ticket meets every term (same-property ':' terms ORed, the rest ANDed)."""
    groups: dict[str, list[Term]] = {}
    for term in terms:
        if term.field == "type":
            continue
        if term.negated:
            if _holds(ticket, term, now):
                return False
        elif term.op == ":" and term.field is not None:
            groups.setdefault(term.field, []).append(term)
        elif not _holds(ticket, term, now):
            return False
    return all(any(_holds(ticket, t, now) for t in group) for group in groups.values())


def _holds(ticket: dict[str, Any], term: Term, now: datetime) -> bool:
    name, value = term.field, term.value
    if name is None or name in ("subject", "description"):
        texts = [ticket.get("subject") or "", ticket.get("description") or ""] if name is None \
            else [ticket.get(name) or ""]
        return any(_text_matches(text, value) for text in texts)
    if name == "status":
        return _compare(STATUS_ORDER, ticket.get("status"), term.op, status_name(value))
    if name == "priority":
        return _compare(PRIORITY_ORDER, ticket.get("priority") or "normal", term.op, value.lower())
    if name == "ticket_type":
        return (ticket.get("type") or "") == value.lower()
    if name == "tags":
        return value.lower() in (ticket.get("tags") or [])
    if name == "via":
        return (ticket.get("channel") or "") == value.lower() or via_channel(ticket.get("channel")) == value.lower()
    if name in LOOKUP_FIELDS:
        attribute = {"requester": "requester_id", "assignee": "assignee_id", "submitter": "submitter_id",
                     "group": "department", "organization": "organization_id"}[name]
        current = ticket.get(attribute)
        if isinstance(current, str) and name == "group":
            current = current.lower()
        return current in term.resolved
    if name in DATE_FIELDS:
        moment = ticket.get(DATE_FIELDS[name])
        if not moment:
            return False
        lo, hi = _instant_range(value, term.op, now)
        return (lo is None or moment >= lo) and (hi is None or moment < hi)
    return False


def _compare(order: tuple[str, ...], current: Any, op: str, wanted: str) -> bool:
    if current not in order or wanted not in order:
        return False
    a, b = order.index(current), order.index(wanted)
    return {":": a == b, ">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


def _text_matches(text: str, query: str) -> bool:
    """Each query word starts a word of text, the words in a row for a phrase (case-insensitive)."""
    wanted = [w.lower() for w in _WORD.findall(query)]
    if not wanted:
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    if " " not in query.strip():
        return any(w.startswith(wanted[0]) for w in words)
    for start in range(len(words) - len(wanted) + 1):
        window = words[start:start + len(wanted)]
        if all(w == q for w, q in zip(window[:-1], wanted[:-1])) and window[-1].startswith(wanted[-1]):
            return True
    return False


def _instant_range(value: str, op: str, now: datetime) -> tuple[str | None, str | None]:
    """[lower, upper) instants for a date term: a day for a date, a moment for a time or a relative age."""
    start, end = _moment_span(value, now)
    lower, upper = {
        ":": (start, end), ">": (end, None), ">=": (start, None), "<": (None, start), "<=": (None, end),
    }[op]
    return (iso(lower) if lower else None), (iso(upper) if upper else None)


def _moment_span(value: str, now: datetime) -> tuple[datetime, datetime]:
    """The span a date value names: a whole day for 2026-01-31, a millisecond for a time or a relative age."""
    one_ms = timedelta(milliseconds=1)
    relative = _RELATIVE.match(value.lower())
    if relative:
        moment = now - int(relative.group(1)) * _UNITS[relative.group(2)]
        return moment, moment + one_ms
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
            return day, day + timedelta(days=1)
        moment = parse_iso(value)
    except ValueError:
        raise ValidationError(f"'{value}' is not a date; use 2026-01-31, 2026-01-31T09:00:00Z or an age "
                              "such as 4hours or 2days") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment, moment + one_ms


def via_channel(channel: str | None) -> str:
    """The Zendesk via.channel for a Parley channel."""
    return {"sdk": "mobile_sdk", "phone": "voice", "messenger": "facebook", "instagram": "instagram_dm",
            "chat": "chat", "web": "web"}.get(channel or "", channel or "api")


def with_resolved(term: Term, ids: Iterable[Any]) -> Term:
    """The term with the Parley ids its value stands for."""
    return replace(term, resolved=tuple(ids))
