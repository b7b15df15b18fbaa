"""Business rules: the condition and action language, triggers, automations and macros.

Everything here is pure: rules read a ticket snapshot and return a new snapshot plus effects
for the caller to write in one transaction.
"""
from chalicelib.domain.rules.actions import (
    ActionContext, AddComment, Assign, CallWebhook, SendNotification, apply_actions, changed_fields,
    compile_actions,
)
from chalicelib.domain.rules.automations import (
    Automation, AutomationOutcome, fire_key, next_automation_due, run_automations,
)
from chalicelib.domain.rules.conditions import ConditionSet, compile_conditions, matches
from chalicelib.domain.rules.macros import Macro, apply_macro
from chalicelib.domain.rules.triggers import Trigger, TriggerOutcome, load_triggers, run_triggers
from chalicelib.domain.rules.validation import validate_automation, validate_macro, validate_trigger

__all__ = [
    "ActionContext", "AddComment", "Assign", "Automation", "AutomationOutcome", "CallWebhook",
    "ConditionSet", "Macro", "SendNotification", "Trigger", "TriggerOutcome", "apply_actions",
    "apply_macro", "changed_fields", "compile_actions", "compile_conditions", "fire_key", "load_triggers",
    "matches", "next_automation_due", "run_automations", "run_triggers", "validate_automation",
    "validate_macro", "validate_trigger",
]
