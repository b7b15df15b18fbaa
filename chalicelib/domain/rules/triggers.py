"""Triggers: rules that run on every ticket create and update, in position order.

A trigger whose actions change the ticket restarts the cycle from the first trigger, so a
change made by one trigger can fire others (earlier ones included). Each trigger fires at most
once per update and the number of passes is bounded, so two triggers that undo each other
stop. Conditions always see the updated ticket and the changes accumulated so far.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.domain.rules.actions import ActionContext, Effect, apply_actions, changed_fields
from chalicelib.domain.rules.compiled import CompiledRule
from chalicelib.domain.rules.conditions import evaluation

MAX_TRIGGER_PASSES = 25


class Trigger(CompiledRule):
    """A compiled trigger: conditions, ordered actions, position and whether it is active."""

    KIND = "trigger"


@dataclass(frozen=True)
class TriggerOutcome:
    """What the triggers did to one update.

    ``changed_fields`` maps each field the triggers changed to (value before triggers, after);
    ``changes`` is the update's context with the triggers' changes folded in;
    ``truncated`` is True when the pass bound stopped the cycle.
    """

    ticket: dict[str, Any]
    changed_fields: dict[str, tuple[Any, Any]]
    effects: list[Effect]
    fired: list[str]
    changes: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False


def load_triggers(triggers: Iterable[Mapping[str, Any] | Trigger]) -> list[Trigger]:
    """Compile triggers and order them by position (then id); inactive ones are kept but skipped."""
    loaded = [t if isinstance(t, Trigger) else Trigger.from_dict(t) for t in triggers]
    return sorted(loaded, key=lambda t: (t.position, t.id))


def run_triggers(triggers: Iterable[Mapping[str, Any] | Trigger], ticket: Mapping[str, Any],
                 changes: Mapping[str, Any] | None = None, *, now: datetime | None = None,
                 context: ActionContext | None = None, schedule: Any = None,
                 max_passes: int = MAX_TRIGGER_PASSES) -> TriggerOutcome:
    """Run active triggers against one update of ``ticket``; pure, no I/O.

    ``changes`` is the update's context (fields changed, comment, via, event, actor_id).
    Pass the output of :func:`load_triggers` to compile the triggers once for many updates.
    """
    ordered = [t for t in load_triggers(triggers) if t.active]
    context = context or ActionContext(now=now, actor_id=(changes or {}).get("actor_id"))
    if context.now is None:
        context = replace(context, now=now)
    update_fields = dict((changes or {}).get("fields") or {})
    accumulated: dict[str, Any] = dict(changes or {})
    accumulated["fields"] = dict(update_fields)
    baseline = {name: pair[0] for name, pair in update_fields.items()}

    current: dict[str, Any] = dict(ticket)
    fired: list[str] = []
    fired_ids: set[str] = set()
    effects: list[Effect] = []
    passes, restart, truncated = 0, True, False
    while restart:
        restart = False
        passes += 1
        if passes > max_passes:
            truncated = True
            break
        ctx = evaluation(current, accumulated, now=now, schedule=schedule)
        for trigger in ordered:
            if trigger.id in fired_ids:
                continue
            if not trigger.conditions.matches_in(ctx):
                continue
            updated, caused = apply_actions(trigger.actions, current, context=context)
            fired.append(trigger.id)
            fired_ids.add(trigger.id)
            effects.extend(caused)
            diff = changed_fields(current, updated)
            current = updated
            if diff:
                _fold(accumulated["fields"], baseline, diff, current)
                restart = True
                break
    return TriggerOutcome(ticket=current, changed_fields=changed_fields(ticket, current),
                          effects=_merge_assignments(effects), fired=fired, changes=accumulated,
                          truncated=truncated)


def _fold(fields: dict[str, tuple[Any, Any]], baseline: dict[str, Any],
          diff: Mapping[str, tuple[Any, Any]], ticket: Mapping[str, Any]) -> None:
    """Fold a trigger's changes into the update's changes: (value before the update, value now)."""
    for name, (old, new) in diff.items():
        baseline.setdefault(name, old)
        if baseline[name] == new:
            fields.pop(name, None)
        else:
            fields[name] = (baseline[name], new)


def _merge_assignments(effects: list[Effect]) -> list[Effect]:
    """Keep one Assign effect (first previous, last new) so routing claims capacity once."""
    from chalicelib.domain.rules.actions import Assign

    assigns = [e for e in effects if isinstance(e, Assign)]
    if len(assigns) <= 1:
        return effects
    first, last = assigns[0], assigns[-1]
    merged = Assign(last.assignee_id, last.department, first.previous_assignee_id, first.previous_department)
    others = [e for e in effects if not isinstance(e, Assign)]
    if (merged.assignee_id, merged.department) == (merged.previous_assignee_id, merged.previous_department):
        return others
    return [merged] + others
