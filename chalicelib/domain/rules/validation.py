"""Checks run before a trigger, automation or macro is saved, with messages that say what to fix."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.domain.rules.actions import EFFECT_ACTIONS, Action, apply_actions
from chalicelib.domain.rules.automations import Automation
from chalicelib.domain.rules.conditions import Condition
from chalicelib.domain.rules.macros import Macro
from chalicelib.domain.rules.triggers import Trigger

# Which condition field an action field changes.
_ACTION_TARGETS = {
    "status": "status", "priority": "priority", "type": "type", "department": "department",
    "assignee_id": "assignee_id", "set_tags": "current_tags", "current_tags": "current_tags",
    "remove_tags": "current_tags",
}


def validate_trigger(data: Mapping[str, Any]) -> Trigger:
    """Compile a trigger and refuse one a person would not mean to save; returns the trigger."""
    trigger = Trigger.from_dict(data)
    name = f"trigger '{trigger.title}'"
    if not len(trigger.conditions):
        raise ValidationError(f"{name} has no conditions; add at least one (e.g. 'update_type is Create'), "
                              "otherwise it would run on every update of every ticket")
    if not trigger.actions:
        raise ValidationError(f"{name} has no actions; add at least one (e.g. set a status or add a tag)")
    timed = [c.field for c in trigger.conditions.conditions if c.is_time]
    if timed:
        raise ValidationError(f"{name} uses the time condition {timed[0]}; triggers run when a ticket changes, "
                              "not on the clock — use an automation for conditions on hours since an event")
    return trigger


def validate_automation(data: Mapping[str, Any]) -> Automation:
    """Compile an automation and refuse one that could run without waiting or run forever.

    An automation needs a time condition under ``all`` and a condition its own actions make
    false (a nullifying condition), so it acts on each ticket once.
    """
    automation = Automation.from_dict(data)
    name = f"automation '{automation.title}'"
    if not automation.actions:
        raise ValidationError(f"{name} has no actions; add at least one (e.g. set status closed)")
    for condition in automation.conditions.conditions:
        if condition.uses_changes:
            raise ValidationError(
                f"{name} uses '{condition.field} {condition.operator}', which looks at what an update changed; "
                "automations run on the clock with no update to compare — use a trigger for that condition")
    if not any(c.is_time for c in automation.conditions.all):
        raise ValidationError(
            f"{name} has no time condition under 'all'. Automations run on the clock, so add one such as "
            "'hours_since_solved greater_than 24' (Zendesk: SOLVED greater_than 24); to act when a ticket "
            "changes, use a trigger instead")
    if not _is_nullified(automation):
        raise ValidationError(
            f"{name} would act on the same tickets again and again: none of its actions makes one of its "
            f"conditions false. Add a condition that the actions undo — {_suggestion(automation)}")
    return automation


def validate_macro(data: Mapping[str, Any]) -> Macro:
    """Compile a macro and refuse actions a macro cannot take (notifications belong to triggers)."""
    macro = Macro.from_dict(data)
    if not macro.actions:
        raise ValidationError(f"macro '{macro.title}' has no actions; add a reply or a field change")
    for action in macro.actions:
        if action.field.startswith("notification_"):
            raise ValidationError(
                f"macro '{macro.title}' cannot use the action '{action.field}'; macros change the ticket and "
                "add a comment, notifications and webhooks belong in triggers")
    return macro


def _is_nullified(automation: Automation) -> bool:
    conditions = automation.conditions
    if any(_nullified(c, automation.actions) for c in conditions.all if not c.is_time):
        return True
    candidates = [c for c in conditions.any if not c.is_time]
    return bool(candidates) and len(candidates) == len(conditions.any) and all(
        _nullified(c, automation.actions) for c in candidates)


def _nullified(condition: Condition, actions: tuple[Action, ...]) -> bool:
    """Whether every ticket meeting ``condition`` fails it once ``actions`` have run."""
    touched = {_ACTION_TARGETS.get(a.field, a.field) for a in actions if a.field not in EFFECT_ACTIONS}
    if condition.field not in touched:
        return False
    witness: dict[str, Any] = {"tags": [], "custom_fields": {}}
    if condition.field == "current_tags" and condition.operator in ("includes", "is"):
        witness["tags"] = list(_tags(condition.value))
    after, _ = apply_actions(actions, witness)
    from chalicelib.domain.rules.conditions import ConditionSet

    return not ConditionSet((condition,), ()).matches(after)


def _tags(value: Any) -> tuple[str, ...]:
    from chalicelib.domain.rules.vocabulary import split_tags

    return split_tags(value)


def _suggestion(automation: Automation) -> str:
    for action in automation.actions:
        if action.field == "status":
            return (f"for example, with the action 'status {action.value}' add the condition "
                    f"'status is_not {action.value}' (or 'status is' the status it starts from)")
        if action.field == "current_tags":
            tag = action.value[0]
            return f"for example, with the action 'add tag {tag}' add the condition 'current_tags not_includes {tag}'"
        if action.field == "priority" and action.value:
            return (f"for example, with the action 'priority {action.value}' add the condition "
                    f"'priority is_not {action.value}'")
    slug = "".join(ch if ch.isalnum() else "_" for ch in automation.title.lower()).strip("_")[:30] or "automated"
    return (f"for example, add the action 'current_tags {slug}' together with the condition "
            f"'current_tags not_includes {slug}', or a status change with a matching 'status is' condition")
