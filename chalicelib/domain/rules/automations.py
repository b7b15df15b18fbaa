"""Automations: rules the clock runs against time conditions (hours since solved, pending...).

Each automation acts on a ticket at most once per matching state: the state is identified by
the timestamps its time conditions count from, so a ticket solved again later can be acted on
again, but the same solved state never twice.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import business_hours
from chalicelib.domain.rules.actions import ActionContext, Effect, apply_actions, changed_fields
from chalicelib.domain.rules.compiled import CompiledRule
from chalicelib.domain.rules.conditions import ConditionSet, _as_time


class Automation(CompiledRule):
    """A compiled automation: conditions (with at least one time condition) and actions."""

    KIND = "automation"


@dataclass(frozen=True)
class AutomationOutcome:
    """What the automations did to one ticket on one clock tick.

    ``fire_keys`` are the new keys to add to the ticket's ``fired_before`` set.
    """

    ticket: dict[str, Any]
    changed_fields: dict[str, tuple[Any, Any]]
    effects: list[Effect]
    fired: list[str]
    fire_keys: set[str] = field(default_factory=set)


def load_automations(automations: Iterable[Mapping[str, Any] | Automation]) -> list[Automation]:
    """Compile automations and order them by position (then id)."""
    loaded = [a if isinstance(a, Automation) else Automation.from_dict(a) for a in automations]
    return sorted(loaded, key=lambda a: (a.position, a.id))


def fire_key(automation: Automation, ticket: Mapping[str, Any]) -> str:
    """Identifies "this automation on this ticket in this state" (its time anchors' timestamps)."""
    anchors = sorted({c.anchor for c in automation.conditions.time_conditions if c.anchor})
    stamps = ",".join(f"{a}={ticket.get(a) or ''}" for a in anchors)
    return f"{automation.id}@{stamps}"


def run_automations(automations: Iterable[Mapping[str, Any] | Automation], ticket: Mapping[str, Any], *,
                    now: datetime, fired_before: set[str] | frozenset[str] = frozenset(),
                    schedule: Any = None, context: ActionContext | None = None) -> AutomationOutcome:
    """Run active automations in order against ``ticket`` at ``now``; pure, no I/O.

    Each automation sees the ticket as the earlier automations left it.
    """
    context = context or ActionContext(now=now)
    if context.now is None:
        context = replace(context, now=now)
    current: dict[str, Any] = dict(ticket)
    fired: list[str] = []
    keys: set[str] = set()
    effects: list[Effect] = []
    for automation in load_automations(automations):
        if not automation.active:
            continue
        key = fire_key(automation, current)
        if key in fired_before or key in keys:
            continue
        if not automation.conditions.matches(current, None, now=now, schedule=schedule):
            continue
        current, caused = apply_actions(automation.actions, current, context=context)
        fired.append(automation.id)
        keys.add(key)
        effects.extend(caused)
    return AutomationOutcome(ticket=current, changed_fields=changed_fields(ticket, current),
                             effects=effects, fired=fired, fire_keys=keys)


def next_automation_due(automations: Iterable[Mapping[str, Any] | Automation], ticket: Mapping[str, Any], *,
                        now: datetime, schedule: Any = None) -> datetime | None:
    """The earliest future moment a time condition of an active automation becomes true.

    This is what the clock index stores for the ticket, so a tick reads only due tickets.
    Automations whose other conditions do not hold now are ignored; a ticket change
    recomputes the due time.
    """
    schedule = schedule or business_hours.CALENDAR
    best: datetime | None = None
    for automation in load_automations(automations):
        if not automation.active:
            continue
        others = ConditionSet(tuple(c for c in automation.conditions.all if not c.is_time),
                              automation.conditions.any)
        if not others.matches(ticket, None, now=now, schedule=schedule):
            continue
        due = _earliest(automation, ticket, schedule)
        if due is not None and due > now and (best is None or due < best):
            best = due
    return best


def _earliest(automation: Automation, ticket: Mapping[str, Any], schedule: Any) -> datetime | None:
    """When every 'all' time condition of the automation could hold, or None if never."""
    due: datetime | None = None
    for condition in automation.conditions.all:
        if not condition.is_time or condition.anchor is None or condition.operator == "less_than":
            continue
        since = _as_time(ticket.get(condition.anchor))
        if since is None:
            return None
        minutes = float(condition.value) * 60
        calendar = schedule if condition.business_hours else business_hours.CALENDAR
        moment = business_hours.add_business_minutes(calendar, since, minutes)
        if condition.operator == "greater_than":
            moment += timedelta(minutes=1)
        due = moment if due is None or moment > due else due
    return due
