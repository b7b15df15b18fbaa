"""Admin use cases for business rules stored as data: triggers, automations, macros, SLA policies,
schedules (business hours), assignment rules and chat shortcuts.

Each kind is validated with the domain's own checks before it is stored, so a rule that is saved
can run; the domain's message becomes the 400 the admin sees. Rules are ordered by position and
can be enabled, disabled, reordered and tested against recent tickets without changing them.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.domain import business_hours, placeholders, sla
from chalicelib.domain.routing.assignment_rules import AssignmentRule
from chalicelib.domain.rules.automations import fire_key
from chalicelib.domain.rules.macros import apply_macro as preview_macro_effect
from chalicelib.domain.rules.triggers import Trigger
from chalicelib.domain.rules.validation import validate_automation, validate_macro, validate_trigger
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.observability import logger

TEST_DEFAULT, TEST_MAX = 50, 200
REINDEX_MAX = 1000
OPEN_STATUSES = ("new", "open", "pending", "on_hold", "solved")
_SHORTCUT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_COMMON = ("position", "active", "description")


def _check_shortcut(data: Mapping[str, Any]) -> None:
    name = data.get("name")
    if not isinstance(name, str) or not _SHORTCUT_NAME.match(name):
        raise ValidationError("shortcut name must be 1 to 40 lowercase letters, digits, '-' or '_' (e.g. 'refund'); "
                              "agents type it after a slash")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 4000:
        raise ValidationError("shortcut text must be 1 to 4000 characters; placeholders such as {{customer.name}} "
                              "are filled in for the ticket")
    unknown = placeholders.unknown_placeholders(text)
    if unknown:
        raise ValidationError(f"shortcut text uses unknown placeholder(s) {', '.join(unknown)}; they would show as "
                              "empty text — use e.g. {{customer.name}}, {{ticket.id}}, {{agent.name}}")


@dataclass(frozen=True)
class RuleKind:
    """One kind of rule: how it is stored, named, and validated."""

    kind: str                    # the config store kind
    plural: str                  # the JSON key of a list
    singular: str                # the JSON key of one item
    label: str                   # the field that names it ("title" or "name")
    fields: tuple[str, ...]      # what a body may set
    validate: Callable[[Mapping[str, Any]], Any]
    required: tuple[str, ...] = ()


KINDS: dict[str, RuleKind] = {k.kind: k for k in (
    RuleKind("trigger", "triggers", "trigger", "title", ("title", "conditions", "actions", "category_id", *_COMMON),
             validate_trigger, ("title", "conditions", "actions")),
    RuleKind("automation", "automations", "automation", "title", ("title", "conditions", "actions", *_COMMON),
             validate_automation, ("title", "conditions", "actions")),
    RuleKind("macro", "macros", "macro", "title", ("title", "actions", "restriction", *_COMMON), validate_macro,
             ("title", "actions")),
    RuleKind("sla_policy", "sla_policies", "sla_policy", "title",
             ("title", "conditions", "filter", "policy_metrics", "targets", *_COMMON), sla.SlaPolicy.from_dict,
             ("title",)),
    RuleKind("schedule", "schedules", "schedule", "name", ("name", "time_zone", "intervals", "holidays", *_COMMON),
             business_hours.Schedule.from_dict, ("name", "intervals")),
    RuleKind("assignment_rule", "assignment_rules", "assignment_rule", "name",
             ("name", "title", "conditions", "assign", "fallback", *_COMMON), AssignmentRule.from_dict,
             ("name", "conditions", "assign")),
    RuleKind("shortcut", "shortcuts", "shortcut", "name", ("name", "text", *_COMMON), _check_shortcut,
             ("name", "text")),
)}


def kind_of(kind: str) -> RuleKind:
    """The RuleKind for a config store kind."""
    return KINDS[kind]


# --------------------------------------------------------------------------- CRUD


def list_rules(kind: str) -> list[dict[str, Any]]:
    """Every stored rule of a kind, by position (read fresh: admins see their own changes at once)."""
    from chalicelib.bootstrap import config_store

    return sorted(config_store().list(kind, fresh=True), key=lambda r: (int(r.get("position") or 0), str(r["id"])))


def get_rule(kind: str, rule_id: str) -> dict[str, Any]:
    """One rule, or NotFoundError."""
    from chalicelib.bootstrap import config_store

    return config_store().get(kind, str(rule_id))


def create_rule(kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store a new rule; it goes last unless the body names a position."""
    spec = KINDS[kind]
    data = _accepted(spec, body)
    missing = [name for name in spec.required if data.get(name) in (None, "", [], {})]
    if missing:
        raise ValidationError(f"{_article(_label(kind))} {_label(kind)} needs {', '.join(missing)}")
    rule_id = _new_id(kind, data)
    existing = list_rules(kind)
    if kind == "shortcut" and any(r["id"] == rule_id for r in existing):
        raise ConflictError(f"a shortcut named '{rule_id}' exists already; change that one or pick another name")
    stamp = iso(now())
    position = data.pop("position", None)
    item = {"id": rule_id, "active": True, **data, "created_at": stamp, "updated_at": stamp,
            "position": _position(position, existing)}
    return _save(spec, item)


def update_rule(kind: str, rule_id: str, body: Mapping[str, Any], *, replace: bool = False) -> dict[str, Any]:
    """Change a rule: PATCH semantics (only what the body names) unless replace; validated before saving."""
    spec = KINDS[kind]
    current = get_rule(kind, rule_id)
    data = _accepted(spec, body)
    if "position" in data:
        data["position"] = _position(data["position"], [])
    keep = {k: current[k] for k in ("id", "created_at", "position", "active") if k in current}
    item = {**(keep if replace else current), **data, "id": current["id"], "updated_at": iso(now())}
    return _save(spec, item)


def delete_rule(kind: str, rule_id: str) -> None:
    """Remove a rule; NotFoundError if there is none."""
    from chalicelib.bootstrap import config_store

    config_store().delete(kind, str(rule_id))


def reorder(kind: str, ids: Any) -> list[dict[str, Any]]:
    """Give the listed rules positions 1, 2, 3... in that order; rules not listed keep theirs, after them."""
    from chalicelib.bootstrap import config_store

    if not isinstance(ids, list) or not ids or not all(isinstance(i, (str, int)) for i in ids):
        raise ValidationError('send {"ids": [...]} with the rule ids in the order they should run')
    existing = {r["id"]: r for r in list_rules(kind)}
    unknown = [str(i) for i in ids if str(i) not in existing]
    if unknown:
        raise ValidationError(f"no {_label(kind)} with id {', '.join(unknown)}")
    ordered = [existing[str(i)] for i in dict.fromkeys(str(i) for i in ids)]
    rest = [r for r in existing.values() if r["id"] not in {o["id"] for o in ordered}]
    for position, rule in enumerate(ordered + rest, start=1):
        if rule.get("position") != position:
            config_store().put(kind, {**rule, "position": position})
    return list_rules(kind)


def _save(spec: RuleKind, item: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.bootstrap import config_store

    if not isinstance(item.get("active", True), bool):
        raise ValidationError(f"active must be true or false, got {item.get('active')!r}")
    spec.validate(_for_domain(spec, item))
    if spec.kind == "assignment_rule":
        item["title"] = item.get("name") or item.get("title")
    saved = config_store().put(spec.kind, item)
    if spec.kind in ("automation", "sla_policy", "schedule"):
        reindex_due_times()
    return saved


def _for_domain(spec: RuleKind, item: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in item.items() if k not in ("created_at", "updated_at", "description")}
    if spec.kind == "assignment_rule":
        data["title"] = item.get("name") or item.get("title")
        data.pop("name", None)
    if spec.kind == "sla_policy" and "filter" in data and "conditions" not in data:
        data["conditions"] = data.pop("filter")
    return data


def _accepted(spec: RuleKind, body: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise ValidationError(f"{_article(_label(spec.kind))} {_label(spec.kind)} must be a JSON object")
    data = dict(body)
    if spec.label == "title" and "name" in data and "title" not in data:
        data["title"] = data.pop("name")
    data.pop("id", None)
    for ignored in ("url", "created_at", "updated_at", "raw_title"):
        data.pop(ignored, None)
    unknown = sorted(set(data) - set(spec.fields))
    if unknown:
        raise ValidationError(f"{_label(spec.kind)} field(s) {', '.join(unknown)} are not known; "
                              f"use {', '.join(spec.fields)}")
    label = data.get(spec.label)
    if spec.label in data and (not isinstance(label, str) or not label.strip() or len(label) > 200):
        raise ValidationError(f"{spec.label} must be 1 to 200 characters")
    return data


def _new_id(kind: str, data: Mapping[str, Any]) -> str:
    if kind == "shortcut":
        return str(data.get("name"))
    return str(secrets.randbelow(9 * 10 ** 11) + 10 ** 11)  # a whole number, as Zendesk's API shows ids


def _position(value: Any, existing: list[dict[str, Any]]) -> int:
    if value is None:
        return max((int(r.get("position") or 0) for r in existing), default=0) + 1
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
        raise ValidationError(f"position must be a whole number from 0 to 100000, got {value!r}")
    return value


def _label(kind: str) -> str:
    return kind.replace("_", " ")


# --------------------------------------------------------------------------- conversation style settings


def style_settings() -> dict[str, Any]:
    """The conversation style settings as an admin edits them."""
    from chalicelib.services.rules import style_settings as current

    settings = current()
    return {"returning_chat_window_minutes": settings.returning_chat_window_minutes,
            "social_close_after_days": settings.social_close_after_days,
            "channel_styles": dict(settings.channel_styles)}


def save_style_settings(body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store conversation style settings (what the body leaves out keeps its current value)."""
    from chalicelib.bootstrap import config_store
    from chalicelib.domain.conversation_styles import StyleSettings
    from chalicelib.services.rules import STYLE_SETTINGS_ID

    current = style_settings()
    merged = {**current, **dict(body)}
    if isinstance(body.get("channel_styles"), Mapping):
        merged["channel_styles"] = {**current["channel_styles"], **body["channel_styles"]}
    checked = StyleSettings.from_dict(merged)
    stored = {"returning_chat_window_minutes": checked.returning_chat_window_minutes,
              "social_close_after_days": checked.social_close_after_days,
              "channel_styles": dict(checked.channel_styles)}
    config_store().put("settings", {"id": STYLE_SETTINGS_ID, "position": 0, "settings": stored,
                                    "updated_at": iso(now())})
    return stored


# --------------------------------------------------------------------------- "which tickets would match?"


def test_rule(kind: str, body: Mapping[str, Any], limit: Any = None) -> dict[str, Any]:
    """Which of the newest tickets a trigger or automation would act on now; nothing is changed.

    The body is a stored rule's {"id"} or a draft rule; triggers are checked as if each ticket had
    just been created ("as": "created") or updated ("as": "updated").
    """
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services import rules

    if not isinstance(body, Mapping):
        raise ValidationError("send the rule to test, or {\"id\": ...} of a stored one")
    count = _limit(limit if limit is not None else body.get("limit"))
    draft = get_rule(kind, body["id"]) if body.get("id") is not None else \
        {k: v for k, v in body.items() if k not in ("limit", "as")}
    draft = dict(draft.get(kind) or draft) if isinstance(draft.get(kind), Mapping) else draft
    compiled = (Trigger.from_dict if kind == "trigger" else KINDS[kind].validate)(
        {"title": draft.get("title") or "draft", **{k: v for k, v in draft.items() if k != "title"}})
    tickets, _ = ticket_store().list_tickets(limit=count)
    at, hours = now(), rules.schedule()
    event = body.get("as", "created")
    if event not in ("created", "updated"):
        raise ValidationError("as must be 'created' or 'updated'")
    matched = []
    for ticket in tickets:
        if kind == "trigger":
            hit = compiled.conditions.matches(ticket, {"event": event, "fields": {}, "via": ticket.get("channel")},
                                              now=at, schedule=hours)
        else:
            hit = ticket["status"] != "closed" and fire_key(compiled, ticket) not in set(
                ticket.get("automation_fired") or ()) and compiled.conditions.matches(ticket, None, now=at,
                                                                                   schedule=hours)
        if hit:
            matched.append({k: ticket.get(k) for k in ("id", "subject", "status", "priority", "channel",
                                                       "assignee_id", "department", "tags", "updated_at")})
    return {"checked": len(tickets), "count": len(matched), "tickets": matched}


def _limit(value: Any) -> int:
    if value in (None, ""):
        return TEST_DEFAULT
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= TEST_MAX:
        raise ValidationError(f"limit must be a whole number from 1 to {TEST_MAX} (the newest tickets are checked)")
    return int(text)


# --------------------------------------------------------------------------- due times after a rule change


def reindex_due_times(limit: int = REINDEX_MAX) -> int:
    """Recompute the next due time of the newest tickets still in progress after an automation, SLA policy or
    schedule changed (bounded by limit); returns how many moved in the clock index.

    Tickets changed later recompute their own due time on every write, so this only catches up the
    ones that would otherwise wait for their next change.
    """
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services import rules

    store, moved, seen = ticket_store(), 0, 0
    for status in OPEN_STATUSES:
        cursor = None
        while seen < limit:
            tickets, cursor = store.list_tickets(status=status, limit=min(100, limit - seen), cursor=cursor)
            seen += len(tickets)
            for ticket in tickets:
                due = rules.next_due(ticket)
                if due == ticket.get("next_due_at"):
                    continue
                try:
                    store.save_ticket({**ticket, "next_due_at": due, "version": ticket["version"] + 1},
                                      ticket["version"], [], None)
                    moved += 1
                except ConflictError:
                    pass  # it changed meanwhile, and that write computed its own due time
            if not cursor:
                break
    if moved:
        logger.info("due times recomputed after a rule change", extra={"moved": moved, "checked": seen})
    return moved


# --------------------------------------------------------------------------- macros and shortcuts


def macro_preview(principal: Any, ticket_id: int, macro_id: str) -> dict[str, Any]:
    """What applying a macro would do to a ticket: the ticket after, the comment, the changed fields."""
    from chalicelib.services.tickets import load_ticket

    ticket = load_ticket(ticket_id)
    after, comment, changes = _macro_effect(principal, ticket, get_rule("macro", macro_id))
    return {"ticket": after, "comment": _comment(comment), "changes": {k: list(v) for k, v in changes.items()}}


def apply_macro(principal: Any, ticket_id: int, macro_id: str, expected_version: int | None = None
                ) -> dict[str, Any]:
    """Apply a macro for real: its field changes and its comment in one update, through the same path as PATCH."""
    from chalicelib.services.tickets import EDITABLE, load_ticket, update_ticket

    ticket = load_ticket(ticket_id)
    after, comment, _ = _macro_effect(principal, ticket, get_rule("macro", macro_id))
    fields = {name: after.get(name) for name in EDITABLE if after.get(name) != ticket.get(name)}
    updated = update_ticket(principal, ticket_id, fields, expected_version,
                            comment=(comment.body, comment.public) if comment else None)
    return {"ticket": updated, "comment": _comment(comment)}


def _macro_effect(principal: Any, ticket: dict[str, Any], macro: dict[str, Any]):
    from chalicelib.bootstrap import agent_store, ticket_store
    from chalicelib.config import public_base_url

    agent = {**(agent_store().get_agent(principal.id) or {}), "id": principal.id}
    customer = ticket_store().get_customer(ticket["requester_id"]) or {}
    return preview_macro_effect(macro, ticket, agent=agent, customer=customer, now=now(),
                                base_url=public_base_url() or "")


def _comment(comment: Any) -> dict[str, Any] | None:
    if comment is None:
        return None
    return {"body": comment.body, "html_body": comment.html_body, "public": comment.public}


def render_shortcut(principal: Any, ticket_id: int, name: str) -> dict[str, Any]:
    """A shortcut's text with its placeholders filled in for a ticket (values are inserted as plain text)."""
    from chalicelib.bootstrap import agent_store, ticket_store
    from chalicelib.config import public_base_url
    from chalicelib.services.tickets import load_ticket

    shortcut = get_rule("shortcut", name)
    ticket = load_ticket(ticket_id)
    agent = {**(agent_store().get_agent(principal.id) or {}), "id": principal.id}
    assignee = agent_store().get_agent(ticket["assignee_id"]) if ticket.get("assignee_id") else None
    values = placeholders.placeholder_values(ticket, customer=ticket_store().get_customer(ticket["requester_id"]),
                                             agent=agent, assignee=assignee, base_url=public_base_url() or "")
    return {"name": shortcut["name"], "text": placeholders.render(shortcut["text"], values)}


def find_rule(kind: str, rule_id: str) -> dict[str, Any]:
    """One rule, or NotFoundError naming the kind (for the Zendesk API's numeric ids too)."""
    try:
        return get_rule(kind, str(rule_id))
    except NotFoundError:
        raise NotFoundError(f"{_label(kind)} {rule_id} not found") from None


def _article(noun: str) -> str:
    """ "a" or "an" for a noun ("an automation", "a trigger")."""
    return "an" if noun[:1].lower() in "aeiou" else "a"
