"""Business rules inside every ticket change: triggers, conversation-style closing, SLA clocks, due times.

Every path that creates or changes a ticket calls :func:`apply` with the ticket before and after its own
change, before it writes. ``apply`` runs the admin's triggers (pure, from chalicelib.domain.rules), closes
a solved chat at once or schedules the close of a returning chat or social conversation, moves the SLA
clocks and records breaches once, and works out the ticket's next due time for the clock index (GSI5).
The caller writes the final ticket, the messages the triggers added (:func:`rule_messages`) and the
events (notifications and webhooks go out through the outbox) in its one transaction.

Rules are read through the config store's short cache and compiled once per cached list, so the
common change costs no DynamoDB call here.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from chalicelib.clock import iso, now, parse_iso
from chalicelib.domain import business_hours
from chalicelib.domain import events as ev
from chalicelib.domain import sla
from chalicelib.domain.conversation_styles import StyleSettings, on_status_change
from chalicelib.domain.rules.actions import STATUS_TIMESTAMPS, ActionContext, AddComment, CallWebhook, SendNotification
from chalicelib.domain.rules.actions import changed_fields
from chalicelib.domain.rules.automations import Automation, next_automation_due
from chalicelib.domain.rules.triggers import Trigger, run_triggers
from chalicelib.errors import ValidationError
from chalicelib.observability import logger

NOTIFICATION_REQUESTED = ev.NOTIFICATION_REQUESTED
WEBHOOK_REQUESTED = ev.WEBHOOK_REQUESTED
SLA_BREACHED = "SLABreached"

VISIBLE_FIELDS = ("status", "priority", "type", "assignee_id", "department", "tags", "custom_fields", "subject",
                  "organization_id")
STYLE_SETTINGS_ID = "conversation_styles"
SLA_LOG_LIMIT = 40
RULE_AUTHOR = "Parley rules"
_TIME_FIELDS = (*STATUS_TIMESTAMPS.values(), "assigned_at")


# --------------------------------------------------------------------------- the rules, compiled once


class _Compiled:
    """The config store's cached list of one kind, compiled once per list; invalid items are skipped."""

    def __init__(self, kind: str, compile_one: Callable[[Mapping[str, Any]], Any]):
        self._kind, self._compile = kind, compile_one
        self._source: list[dict[str, Any]] | None = None
        self._compiled: list[Any] = []
        self._lock = threading.Lock()

    def get(self) -> list[Any]:
        from chalicelib.bootstrap import config_store

        source = config_store().list(self._kind)
        with self._lock:
            if source is self._source:
                return self._compiled
        compiled = []
        for item in source:
            if item.get("active") is False:
                continue
            try:
                compiled.append(self._compile(item))
            except ValidationError as error:
                logger.warning("stored rule is invalid and skipped", extra={"kind": self._kind, "id": item.get("id"),
                                                                             "reason": error.message})
        compiled.sort(key=lambda rule: (getattr(rule, "position", 0), str(getattr(rule, "id", ""))))
        with self._lock:
            self._source, self._compiled = source, compiled
        return compiled


_TRIGGERS = _Compiled("trigger", Trigger.from_dict)
_AUTOMATIONS = _Compiled("automation", Automation.from_dict)
_SLA_POLICIES = _Compiled("sla_policy", sla.SlaPolicy.from_dict)
_SCHEDULES = _Compiled("schedule", business_hours.Schedule.from_dict)


def _settings_from(item: Mapping[str, Any]) -> StyleSettings | None:
    return StyleSettings.from_dict(item.get("settings")) if item.get("id") == STYLE_SETTINGS_ID else None


_STYLE_SETTINGS = _Compiled("settings", _settings_from)


def triggers() -> list[Trigger]:
    """The active triggers, in position order."""
    return _TRIGGERS.get()


def automations() -> list[Automation]:
    """The active automations, in position order."""
    return _AUTOMATIONS.get()


def sla_policies() -> list[sla.SlaPolicy]:
    """The SLA policies, in position order (the first whose conditions a ticket meets applies)."""
    return _SLA_POLICIES.get()


def schedule() -> business_hours.Schedule:
    """The account's business hours: the first schedule by position, or every hour of every day if none."""
    schedules = _SCHEDULES.get()
    return schedules[0] if schedules else business_hours.CALENDAR


def style_settings() -> StyleSettings:
    """The account's conversation style settings (defaults until an admin changes them)."""
    found = [s for s in _STYLE_SETTINGS.get() if s is not None]
    return found[0] if found else StyleSettings()


# --------------------------------------------------------------------------- one change


@dataclass(frozen=True)
class Change:
    """What kind of change the rules are looking at.

    event: "created" or "updated"; actor_type: agent, customer or system; via: the channel the change came
    through ("web" for the agent app, the ticket's channel for a customer, "rule" for the clock);
    comment: the message this change adds, if any; locked: fields the rules may not change in this write
    (routing's own claim locks the assignee and the status, so capacity moves once).
    """

    event: str
    actor_type: str
    actor_id: str | None = None
    via: str | None = None
    comment: Mapping[str, Any] | None = None
    locked: frozenset[str] = frozenset()


@dataclass
class Outcome:
    """The ticket to write and everything the rules caused.

    changes: {field: [before, after]} of the visible fields over the whole change (the event and audit diff);
    by_rules: the part of it the rules made; comments: messages to add (see rule_messages);
    events: notifications, webhooks and SLA breaches for the outbox.
    """

    ticket: dict[str, Any]
    changes: dict[str, list[Any]]
    by_rules: dict[str, list[Any]]
    fired: list[str]
    comments: list[AddComment] = field(default_factory=list)
    events: list[ev.DomainEvent] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)

    @property
    def rules_assigned(self) -> bool:
        """Whether a trigger moved the assignee (so a capacity refusal can drop that instead of failing)."""
        return "assignee_id" in self.by_rules

    def audit_detail(self) -> dict[str, Any]:
        """What the rules did, for the change's audit entry (empty when they did nothing)."""
        detail: dict[str, Any] = {}
        if self.fired:
            detail["triggers"] = self.fired
        if self.by_rules:
            detail["changed_by_rules"] = self.by_rules
        if self.breaches:
            detail["sla_breached"] = self.breaches
        return detail


def apply(before: Mapping[str, Any] | None, after: Mapping[str, Any], change: Change, *,
          caused: tuple[list[Any], list[str]] = ((), ())) -> Outcome:
    """Run the rules over one change of a ticket (before is None for a new ticket); nothing is written here.

    Returns the ticket as it should be written (triggers' changes, conversation-style closing, SLA state,
    next due time) and what the rules caused. Each trigger fires at most once; a trigger's change may
    fire later ones, within the bound the domain sets. caused: (effects, rule ids) the change itself
    brought (an automation's comments and notifications), delivered with the triggers' own.
    """
    at = now()
    hours = schedule()
    ticket: dict[str, Any] = dict(after)
    breaches: list[sla.Breach] = []
    if ticket.get("sla"):  # breaches already due show to the triggers of this very change
        state, breaches = sla.check_breaches(sla.SlaState.from_dict(ticket["sla"]), at)
        ticket["sla"] = state.to_dict()
    outcome = run_triggers(triggers(), ticket, _trigger_changes(before, after, change), now=at,
                           context=action_context(ticket, change, at), schedule=hours)
    ticket = _tidy(outcome.ticket, after, change)
    _close_by_style(before, ticket, at)
    more = _update_sla(before, ticket, change, at, hours)
    ticket["next_due_at"] = _next_due(ticket, at, hours)
    found = breaches + more
    effects = [*caused[0], *outcome.effects]
    fired = [*caused[1], *outcome.fired]
    events = [*_effect_events(ticket, effects, fired, at), *_breach_events(ticket, found, at)]
    return Outcome(ticket=ticket, changes=_diff(before, ticket), by_rules=_diff(after, ticket), fired=outcome.fired,
                   comments=[e for e in effects if isinstance(e, AddComment)], events=events,
                   breaches=[b.metric for b in found])


def next_due(ticket: Mapping[str, Any]) -> str | None:
    """The ticket's next due time under the rules as they are now (after an admin changed them)."""
    return _next_due(ticket, now(), schedule())


def rule_messages(outcome: Outcome, ticket: Mapping[str, Any], first_seq: int, at: str
                  ) -> tuple[list[dict[str, Any]], list[ev.DomainEvent]]:
    """The comments the rules added as messages from sequence first_seq on, with their MessageAdded events."""
    messages, events = [], []
    for offset, comment in enumerate(outcome.comments):
        message = {"id": uuid.uuid4().hex, "seq": first_seq + offset, "ticket_id": ticket["id"],
                   "author_type": "system", "author_name": RULE_AUTHOR, "body": comment.body,
                   "html": comment.html_body, "public": comment.public, "channel": ticket["channel"],
                   "created_at": at}
        messages.append(message)
        events.append(ev.message_added(ticket, message, at))
    return messages, events


# --------------------------------------------------------------------------- steps


def _trigger_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any], change: Change) -> dict[str, Any]:
    comment = None
    if change.comment:
        comment = {"body": change.comment.get("body") or "", "public": bool(change.comment.get("public", True)),
                   "author_type": change.comment.get("author_type") or change.actor_type,
                   "channel": change.comment.get("channel")}
    fields = changed_fields(before, after) if before is not None else {}
    return {"event": change.event, "fields": fields, "comment": comment, "via": change.via,
            "actor_id": change.actor_id, "actor_type": change.actor_type}


def action_context(ticket: Mapping[str, Any], change: Change, at: datetime) -> ActionContext:
    """Who acts, and the people placeholders may show, each read only if a rule renders text."""
    def customer() -> dict[str, Any]:
        from chalicelib.bootstrap import ticket_store

        return ticket_store().get_customer(ticket["requester_id"]) or {}

    def agent(agent_id: str | None) -> Callable[[], dict[str, Any]]:
        def load() -> dict[str, Any]:
            from chalicelib.bootstrap import agent_store

            return (agent_store().get_agent(agent_id) or {}) if agent_id else {}
        return load

    actor = change.actor_id if change.actor_type == "agent" else None
    return ActionContext(now=at, actor_id=actor, customer=_Lazy(customer), agent=_Lazy(agent(actor)),
                         assignee=_Lazy(agent(ticket.get("assignee_id"))), base_url=base_url())


def base_url() -> str:
    """Where the agent app is, for {{ticket.url}} in rule texts ("" when unknown: the placeholder is then empty)."""
    from chalicelib.config import public_base_url

    return public_base_url() or ""


def _tidy(ticket: dict[str, Any], after: Mapping[str, Any], change: Change) -> dict[str, Any]:
    """Undo changes to locked fields, and write the timestamps triggers set the way the rest of Parley does."""
    for name in change.locked:
        ticket[name] = after.get(name)
        if name == "assignee_id":
            ticket["assigned_at"] = after.get("assigned_at")
        if name == "status":
            for stamp in STATUS_TIMESTAMPS.values():
                ticket[stamp] = after.get(stamp)
    for name in _TIME_FIELDS:
        if ticket.get(name) and ticket.get(name) != after.get(name):
            ticket[name] = iso(parse_iso(ticket[name]))
    return ticket


def _close_by_style(before: Mapping[str, Any] | None, ticket: dict[str, Any], at: datetime) -> None:
    """chat: solved closes now; returning_chat and social: the clock closes it at close_at."""
    old = (before or {}).get("status") or "new"
    if ticket["status"] == "solved" and old != "solved":
        effect = on_status_change(style_settings(), {**ticket, "status": old}, "solved", at)
        if effect.close_now:
            ticket.update(status="closed", closed_at=iso(at), close_at=None)
        elif effect.close_at is not None:
            ticket["close_at"] = iso(effect.close_at)
    elif ticket["status"] != "solved" and ticket.get("close_at"):
        ticket["close_at"] = None


def _update_sla(before: Mapping[str, Any] | None, ticket: dict[str, Any], change: Change, at: datetime,
                hours: business_hours.Schedule) -> list[sla.Breach]:
    """Log this change's SLA events, recompute the clocks under the policy that fits now, record new breaches."""
    log = list(ticket.get("sla_log") or [])
    if not log and before is not None and ticket.get("created_at"):
        log.append(["created", ticket["created_at"], None])
    log.extend(_sla_events(before, ticket, change, at))
    if len(log) > SLA_LOG_LIMIT:
        log = log[:1] + log[-(SLA_LOG_LIMIT - 1):]
    ticket["sla_log"] = log
    policies = sla_policies()
    previous = sla.SlaState.from_dict(ticket.get("sla"))
    policy = sla.pick_policy(policies, ticket, now=at) if policies else None
    if policy is None:
        ticket["sla"] = previous.to_dict() if previous.breached else None
        return []
    state = sla.compute_sla(policy, ticket, [_sla_event(entry) for entry in log], schedule=hours, previous=previous)
    state, found = sla.check_breaches(state, at)
    ticket["sla"] = state.to_dict()
    return found


def _sla_events(before: Mapping[str, Any] | None, ticket: Mapping[str, Any], change: Change,
                at: datetime) -> list[list[Any]]:
    events: list[list[Any]] = []
    stamp = iso(at)
    if before is None:
        events.append(["created", ticket.get("created_at") or stamp, None])
    comment = change.comment
    if comment:
        author = comment.get("author_type") or change.actor_type
        if author == "customer" and before is not None:
            events.append(["customer_message", comment.get("created_at") or stamp, True])
        elif author == "agent":
            events.append(["agent_reply", stamp, bool(comment.get("public", True))])
    old = (before or {}).get("status") or "new"
    if ticket["status"] != old:
        events.append(["status", stamp, ticket["status"]])
    return events


def _sla_event(entry: list[Any]) -> sla.SlaEvent:
    kind, at, extra = entry[0], parse_iso(entry[1]), entry[2] if len(entry) > 2 else None
    if kind == "status":
        return sla.SlaEvent("status", at, status=extra)
    if kind == "agent_reply":
        return sla.SlaEvent("agent_reply", at, public=bool(extra))
    return sla.SlaEvent(kind, at)


def _next_due(ticket: Mapping[str, Any], at: datetime, hours: business_hours.Schedule) -> str | None:
    """The earliest moment the clock has work on this ticket: a close, an SLA target, an automation, an offer."""
    if ticket["status"] == "closed":
        return None
    due: list[datetime] = []
    if ticket["status"] == "solved" and ticket.get("close_at"):
        due.append(parse_iso(ticket["close_at"]))
    next_sla = (ticket.get("sla") or {}).get("next_due_at")
    if next_sla:
        due.append(parse_iso(next_sla))
    automation_due = next_automation_due(automations(), ticket, now=at, schedule=hours)
    if automation_due is not None:
        due.append(automation_due)
    if ticket.get("offered_to") and ticket.get("offer_expires_at"):  # a chat offer the agent must answer
        due.append(parse_iso(ticket["offer_expires_at"]))
    return iso(min(due)) if due else None


def _effect_events(ticket: Mapping[str, Any], effects: list[Any], fired: list[str], at: datetime
                   ) -> list[ev.DomainEvent]:
    stamp = iso(at)
    events = []
    for effect in effects:
        if isinstance(effect, SendNotification):
            events.append(ev.DomainEvent(NOTIFICATION_REQUESTED, {
                "ticket_id": ticket["id"], "recipient": effect.recipient, "recipient_type": effect.recipient_type,
                "subject": effect.subject, "body": effect.body, "rules": fired}, stamp))
        elif isinstance(effect, CallWebhook):
            events.append(ev.DomainEvent(WEBHOOK_REQUESTED, {
                "ticket_id": ticket["id"], "target_id": effect.target_id, "payload": effect.payload,
                "rules": fired}, stamp))
    return events


def _breach_events(ticket: Mapping[str, Any], breaches: list[sla.Breach], at: datetime) -> list[ev.DomainEvent]:
    policy = (ticket.get("sla") or {}).get("policy_id")
    return [ev.DomainEvent(SLA_BREACHED, {
        "ticket_id": ticket["id"], "metric": b.metric, "due_at": iso(b.due_at), "policy_id": policy, "key": b.key,
        "ticket": {k: ticket.get(k) for k in ("id", "subject", "status", "priority", "channel", "assignee_id",
                                              "department")}}, iso(at)) for b in breaches]


def _diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, list[Any]]:
    if before is None:
        return {}
    return {name: [before.get(name), after.get(name)] for name in VISIBLE_FIELDS
            if before.get(name) != after.get(name) and not (name in ("tags", "custom_fields")
                                                             and not before.get(name) and not after.get(name))}


class _Lazy(Mapping):
    """A mapping read on first use (a customer or agent profile placeholders may need)."""

    def __init__(self, load: Callable[[], Mapping[str, Any]]):
        self._load = load
        self._data: Mapping[str, Any] | None = None

    def _get(self) -> Mapping[str, Any]:
        if self._data is None:
            self._data = self._load() or {}
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
