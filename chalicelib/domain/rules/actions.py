"""Rule actions: Zendesk-style ``[{"field", "value"}]`` lists applied to a ticket snapshot.

Applying actions is pure: it returns the updated snapshot and a list of effects (comments to
add, notifications to send, webhooks to call, assignments to claim) for the caller to write in
one transaction and deliver through the outbox.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.domain import placeholders
from chalicelib.domain.rules import vocabulary as vocab

# --------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class AddComment:
    """Add a message to the ticket: a public reply (``public``) or an internal note."""

    body: str
    public: bool = True
    html_body: str | None = None


@dataclass(frozen=True)
class SendNotification:
    """Email a person (``recipient_type`` "user") or every agent of a department ("group")."""

    recipient: str
    subject: str
    body: str
    recipient_type: str = "user"


@dataclass(frozen=True)
class CallWebhook:
    """Send ``payload`` to an outbound webhook (a Zendesk "target")."""

    target_id: str
    payload: Any


@dataclass(frozen=True)
class Assign:
    """The ticket's assignee or department changed: routing must claim (or release) capacity."""

    assignee_id: str | None
    department: str | None
    previous_assignee_id: str | None = None
    previous_department: str | None = None


Effect = AddComment | SendNotification | CallWebhook | Assign

STATUS_TIMESTAMPS = {"open": "opened_at", "pending": "pending_at", "on_hold": "on_hold_at",
                     "solved": "solved_at", "closed": "closed_at"}


@dataclass
class ActionContext:
    """Who is acting and what placeholders can show while actions run."""

    now: datetime | None = None
    actor_id: str | None = None
    customer: Mapping[str, Any] | None = None
    agent: Mapping[str, Any] | None = None
    assignee: Mapping[str, Any] | None = None
    base_url: str = ""


@dataclass
class _Work:
    """The snapshot being changed and the effects collected so far."""

    ticket: dict[str, Any]
    context: ActionContext
    public_parts: list[tuple[str, bool]] = field(default_factory=list)  # (text, is_html)
    notes: list[str] = field(default_factory=list)
    public: bool = True
    deferred: list[Callable[[dict[str, str]], Effect | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Action:
    """One compiled action: the canonical field, the checked value, and how to apply it."""

    field: str
    value: Any
    apply: Callable[[_Work], None] = field(repr=False, compare=False)

    @property
    def changes_ticket(self) -> bool:
        """Whether this action changes a ticket field (as opposed to only causing effects)."""
        return self.field in TICKET_FIELD_ACTIONS or self.field.startswith("custom_fields.")


# --------------------------------------------------------------------------- public API


def compile_actions(actions: Sequence[Mapping[str, Any]] | None) -> tuple[Action, ...]:
    """Check and compile an action list once (raises ValidationError naming the bad action)."""
    if actions is None:
        return ()
    if not isinstance(actions, list | tuple):
        raise ValidationError("actions must be a list of {field, value}")
    return tuple(compile_action(action) for action in actions)


def compile_action(action: Mapping[str, Any]) -> Action:
    """Check and compile one ``{"field", "value"}`` action."""
    if isinstance(action, Action):
        return action
    if not isinstance(action, Mapping) or "field" not in action:
        raise ValidationError(f"an action needs 'field' and 'value'; got {action!r}")
    raw_field = str(action["field"])
    value = action.get("value")
    if raw_field.startswith("custom_fields"):
        return _custom_field_action(raw_field, value)
    name = _ALIASES.get(raw_field, raw_field)
    builder = _BUILDERS.get(name)
    if builder is None:
        raise ValidationError(
            f"action field '{raw_field}' is not known; use one of: {', '.join(known_action_fields())}")
    return builder(name, value)


def known_action_fields() -> list[str]:
    """The action fields a person can use, for error messages and editors."""
    return sorted(_BUILDERS) + ["custom_fields_<id>", "custom_fields.<name>"]


def apply_actions(actions: Sequence[Mapping[str, Any] | Action], ticket: Mapping[str, Any], *,
                  context: ActionContext | None = None) -> tuple[dict[str, Any], list[Effect]]:
    """Apply actions in order to a copy of ``ticket``; return (new snapshot, effects).

    Placeholders in comments and notifications are rendered against the updated ticket.
    """
    context = context or ActionContext()
    compiled = actions if all(isinstance(a, Action) for a in actions) else compile_actions(actions)
    before = ticket
    work = _Work(ticket=_copy_ticket(ticket), context=context)
    for action in compiled:
        action.apply(work)
    return work.ticket, _finish(work, before)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value differs between two snapshots, as {name: (old, new)}.

    Custom fields are reported one by one as ``custom_fields.<name>``.
    """
    changes: dict[str, tuple[Any, Any]] = {}
    for key in set(before) | set(after):
        old, new = before.get(key), after.get(key)
        if old == new or (key in ("tags", "custom_fields") and not old and not new):
            continue
        if key == "custom_fields":
            old_fields, new_fields = old or {}, new or {}
            for name in set(old_fields) | set(new_fields):
                if old_fields.get(name) != new_fields.get(name):
                    changes[f"custom_fields.{name}"] = (old_fields.get(name), new_fields.get(name))
        else:
            changes[key] = (old, new)
    return changes


# --------------------------------------------------------------------------- internals


def _copy_ticket(ticket: Mapping[str, Any]) -> dict[str, Any]:
    copy = dict(ticket)
    copy["tags"] = list(ticket.get("tags") or [])
    copy["custom_fields"] = dict(ticket.get("custom_fields") or {})
    return copy


def _finish(work: _Work, before: Mapping[str, Any]) -> list[Effect]:
    ticket, context = work.ticket, work.context
    effects: list[Effect] = []
    if (ticket.get("assignee_id"), ticket.get("department")) != (before.get("assignee_id"), before.get("department")):
        effects.append(Assign(ticket.get("assignee_id"), ticket.get("department"),
                              before.get("assignee_id"), before.get("department")))
    needs_values = work.public_parts or work.notes or work.deferred
    if not needs_values:
        return effects
    values = placeholders.placeholder_values(
        ticket, customer=context.customer, agent=context.agent, assignee=context.assignee,
        base_url=context.base_url)
    if work.public_parts:
        effects.append(_comment(work.public_parts, work.public, values))
    for note in work.notes:
        effects.append(AddComment(placeholders.render(note, values), public=False))
    for make in work.deferred:
        effect = make(values)
        if effect is not None:
            effects.append(effect)
    return effects


_TAG = re.compile(r"<[^>]+>")


def _comment(parts: list[tuple[str, bool]], public: bool, values: dict[str, str]) -> AddComment:
    texts, htmls = [], []
    any_html = any(is_html for _, is_html in parts)
    for text, is_html in parts:
        if is_html:
            rendered = placeholders.render(text, values, html=True)
            htmls.append(rendered)
            texts.append(_TAG.sub("", rendered))
        else:
            texts.append(placeholders.render(text, values))
            htmls.append(placeholders.render(text, values, html=True).replace("\n", "<br>"))
    html_body = _clean_html("\n".join(htmls)) if any_html else None
    return AddComment("\n\n".join(t for t in texts if t), public=public, html_body=html_body)


def _clean_html(markup: str) -> str:
    try:
        import nh3
    except ImportError:  # pragma: no cover - nh3 is a declared dependency
        return markup
    return nh3.clean(markup)


def _set_field(work: _Work, key: str, value: Any) -> None:
    work.ticket[key] = value


def _status_action(name: str, value: Any) -> Action:
    status = vocab.normalize_status(value)

    def apply(work: _Work) -> None:
        if work.ticket.get("status") == status:
            return
        work.ticket["status"] = status
        stamp = STATUS_TIMESTAMPS.get(status)
        if stamp and work.context.now is not None:
            work.ticket[stamp] = work.context.now.isoformat()

    return Action("status", status, apply)


def _enum_action(normalize: Callable[[Any], Any]):
    def build(name: str, value: Any) -> Action:
        checked = normalize(value)
        return Action(name, checked, lambda work: _set_field(work, name, checked))

    return build


def _department_action(name: str, value: Any) -> Action:
    department = None if value in (None, "", "-") else str(value)

    def apply(work: _Work) -> None:
        if department == "current_groups":  # Zendesk's "the acting agent's group": keep as is
            return
        work.ticket["department"] = department

    return Action("department", department, apply)


def _assignee_action(name: str, value: Any) -> Action:
    wanted = None if value in (None, "", "-") else str(value)

    def apply(work: _Work) -> None:
        assignee = wanted
        if wanted == "current_user":
            assignee = work.context.actor_id
            if assignee is None:  # nobody is acting (a rule, the clock): nothing to assign
                return
        elif wanted == "requester_id":
            return
        if work.ticket.get("assignee_id") == assignee:
            return
        work.ticket["assignee_id"] = assignee
        if work.context.now is not None and assignee is not None:
            work.ticket["assigned_at"] = work.context.now.isoformat()

    return Action("assignee_id", wanted, apply)


def _tags_action(name: str, value: Any) -> Action:
    tags = vocab.split_tags(value)
    if name != "set_tags" and not tags:
        raise ValidationError(f"action '{name}' needs at least one tag in 'value'")

    def apply(work: _Work) -> None:
        current = work.ticket["tags"]
        if name == "set_tags":
            work.ticket["tags"] = list(tags)
        elif name == "current_tags":
            work.ticket["tags"] = current + [t for t in tags if t not in current]
        else:
            work.ticket["tags"] = [t for t in current if t not in tags]

    return Action(name, tags, apply)


def _custom_field_action(raw_field: str, value: Any) -> Action:
    key = raw_field.removeprefix("custom_fields.").removeprefix("custom_fields_")
    if not key:
        raise ValidationError(f"custom field action '{raw_field}' must name the field, e.g. custom_fields.plan")

    def apply(work: _Work) -> None:
        fields = work.ticket["custom_fields"]
        if key.isdigit() and key not in fields and int(key) in fields:
            fields[int(key)] = value
        else:
            fields[key] = value

    return Action(f"custom_fields.{key}", value, apply)


def _comment_text(name: str, value: Any) -> str:
    if isinstance(value, list | tuple):
        # Zendesk's newer form: ["channel:all", "text"]
        if not value:
            raise ValidationError(f"action '{name}' needs the comment text")
        value = value[-1]
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"action '{name}' needs the comment text as 'value'")
    return value


def _comment_action(name: str, value: Any) -> Action:
    text = _comment_text(name, value)
    is_html = name == "comment_value_html"
    return Action(name, text, lambda work: work.public_parts.append((text, is_html)))


def _internal_note_action(name: str, value: Any) -> Action:
    text = _comment_text(name, value)
    return Action(name, text, lambda work: work.notes.append(text))


def _comment_mode_action(name: str, value: Any) -> Action:
    if isinstance(value, bool):
        public = value
    elif str(value).strip().lower() in ("true", "false"):
        public = str(value).strip().lower() == "true"
    else:
        raise ValidationError(f"comment_mode_is_public value {value!r} must be true or false")

    def apply(work: _Work) -> None:
        work.public = public

    return Action(name, public, apply)


def _notification_parts(name: str, value: Any, count: int, example: str) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) < count:
        raise ValidationError(f"action '{name}' needs a list value like {example}")
    return [str(v) if v is not None else "" for v in value]


def _notify_user_action(name: str, value: Any) -> Action:
    recipient, subject, body = _notification_parts(
        name, value, 3, '["requester_id", "Subject", "Body"]')[:3]

    def apply(work: _Work) -> None:
        def make(values: dict[str, str]) -> Effect | None:
            who = _recipient(work, recipient)
            if who is None:
                return None
            return SendNotification(who, placeholders.render(subject, values),
                                    placeholders.render(body, values), "user")

        work.deferred.append(make)

    return Action(name, [recipient, subject, body], apply)


def _recipient(work: _Work, recipient: str) -> str | None:
    ticket = work.ticket
    if recipient in ("requester_id", "requester_and_ccs"):
        return _str_or_none(ticket.get("requester_id"))
    if recipient == "assignee_id":
        return _str_or_none(ticket.get("assignee_id"))
    if recipient == "current_user":
        return work.context.actor_id
    return recipient or None


def _str_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _notify_group_action(name: str, value: Any) -> Action:
    group, subject, body = _notification_parts(name, value, 3, '["group_id", "Subject", "Body"]')[:3]

    def apply(work: _Work) -> None:
        def make(values: dict[str, str]) -> Effect | None:
            who = _str_or_none(work.ticket.get("department")) if group == "group_id" else (group or None)
            if who is None:
                return None
            return SendNotification(who, placeholders.render(subject, values),
                                    placeholders.render(body, values), "group")

        work.deferred.append(make)

    return Action(name, [group, subject, body], apply)


def _webhook_action(name: str, value: Any) -> Action:
    target, body = _notification_parts(name, value, 2, '["target_id", "message or JSON body"]')[:2]
    looks_json = body.lstrip().startswith(("{", "["))

    def apply(work: _Work) -> None:
        def make(values: dict[str, str]) -> Effect:
            rendered = placeholders.render(body, values, json_string=looks_json)
            payload: Any = rendered
            if looks_json:
                try:
                    payload = json.loads(rendered)
                except ValueError:
                    payload = rendered
            return CallWebhook(target, payload)

        work.deferred.append(make)

    return Action(name, [target, body], apply)


_BUILDERS: dict[str, Callable[[str, Any], Action]] = {
    "status": _status_action,
    "priority": _enum_action(vocab.normalize_priority),
    "type": _enum_action(vocab.normalize_type),
    "department": _department_action,
    "assignee_id": _assignee_action,
    "set_tags": _tags_action,
    "current_tags": _tags_action,
    "remove_tags": _tags_action,
    "comment_value": _comment_action,
    "comment_value_html": _comment_action,
    "comment_mode_is_public": _comment_mode_action,
    "internal_note": _internal_note_action,
    "notification_user": _notify_user_action,
    "notification_group": _notify_group_action,
    "notification_target": _webhook_action,
    "notification_webhook": _webhook_action,
}
_ALIASES = {"group_id": "department", "group": "department", "ticket_type_id": "type",
            "add_tags": "current_tags", "tags": "set_tags", "assignee": "assignee_id"}

TICKET_FIELD_ACTIONS = frozenset(
    {"status", "priority", "type", "department", "assignee_id", "set_tags", "current_tags", "remove_tags"})
EFFECT_ACTIONS = frozenset(set(_BUILDERS) - TICKET_FIELD_ACTIONS)
