"""Direct assignment rules: ordered, data-defined rules checked before the pipeline.

A rule looks like
    {"id": "r1", "title": "Refunds go to billing", "position": 1, "active": true,
     "conditions": {"all": [{"field": "subject_includes_word", "operator": "is", "value": "refund"}], "any": []},
     "assign": {"agent_id": "a7", "department": "billing"}, "fallback": "department"}
"assign" names an agent, a department, or both (the department is where an agent rule falls back to).
"fallback" applies to agent rules: "queue" (default) holds the ticket for that agent, "department" routes it
in the department when the agent cannot take it now.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from chalicelib.domain.routing.agents import whole_number
from chalicelib.domain.rules.conditions import ConditionSet, compile_conditions
from chalicelib.errors import ValidationError

FALLBACKS = ("queue", "department")


@dataclass(frozen=True)
class AssignmentRule:
    """One validated direct assignment rule."""

    id: str
    title: str
    position: int
    conditions: ConditionSet
    agent_id: str | None = None
    department: str | None = None
    fallback: str = "queue"
    active: bool = True
    source: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The rule as stored and shown by the API (conditions as they were written)."""
        assign = {k: v for k, v in (("agent_id", self.agent_id), ("department", self.department)) if v is not None}
        data = {"id": self.id, "title": self.title, "position": self.position, "active": self.active,
                "conditions": (self.source or {}).get("conditions"), "assign": assign}
        if self.agent_id is not None:
            data["fallback"] = self.fallback
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AssignmentRule":
        """Build a rule from an API body or stored item, refusing shapes that could never work."""
        if not isinstance(data, Mapping):
            raise ValidationError("an assignment rule must be an object")
        rule_id = data.get("id")
        if rule_id in (None, ""):
            raise ValidationError("an assignment rule needs an id")
        title = data.get("title") or str(rule_id)
        if not isinstance(title, str):
            raise ValidationError(f"assignment rule '{rule_id}' title must be text")
        where = f"assignment rule '{title}'"
        active = data.get("active", True)
        if not isinstance(active, bool):
            raise ValidationError(f"{where}: active must be true or false, got {active!r}")
        agent_id, department = _target(where, data.get("assign"))
        fallback = data.get("fallback")
        if fallback is not None and agent_id is None:
            raise ValidationError(f"{where}: fallback only applies to rules that assign an agent")
        fallback = fallback or "queue"
        if fallback not in FALLBACKS:
            raise ValidationError(f"{where}: fallback '{fallback}' is not one of {', '.join(FALLBACKS)}")
        return cls(
            id=str(rule_id),
            title=title,
            position=whole_number(f"{where}: position", data.get("position", 0)),
            conditions=_conditions(where, data.get("conditions")),
            agent_id=agent_id,
            department=department,
            fallback=fallback,
            active=active,
            source=dict(data),
        )

    def matches(self, ticket: Mapping[str, Any], now: datetime | None = None) -> bool:
        """True when the rule is active and its conditions hold for the ticket."""
        return self.active and self.conditions.matches(ticket, None, now=now)


def _target(where: str, data: Any) -> tuple[str | None, str | None]:
    if not isinstance(data, Mapping):
        raise ValidationError(f'{where}: assign must name an agent or a department, e.g. {{"department": "billing"}}')
    unknown = set(data) - {"agent_id", "department"}
    if unknown:
        raise ValidationError(f"{where}: assign has unknown keys {', '.join(sorted(unknown))}; use agent_id, department")
    agent_id, department = data.get("agent_id"), data.get("department")
    if agent_id in (None, "") and department in (None, ""):
        raise ValidationError(f"{where}: assign must name an agent_id or a department")
    if department not in (None, "") and not isinstance(department, str):
        raise ValidationError(f"{where}: department must be a department name, got {department!r}")
    return (str(agent_id) if agent_id not in (None, "") else None), (department or None)


def _conditions(where: str, data: Any) -> ConditionSet:
    """Compile the rule's conditions once, naming the rule in any error."""
    if not isinstance(data, (Mapping, list, tuple)):
        raise ValidationError(f'{where}: conditions must look like {{"all": [...], "any": [...]}}')
    try:
        compiled = compile_conditions(data)
    except ValidationError as error:
        raise ValidationError(f"{where}: {error.message}") from None
    if not len(compiled):
        raise ValidationError(
            f"{where}: needs at least one condition; to send every ticket somewhere, set the department instead"
        )
    return compiled


def as_rules(rules: Iterable[AssignmentRule | Mapping[str, Any]] | None) -> list[AssignmentRule]:
    """Validated rules in the order they are checked: by position, then id; duplicate ids are an error."""
    result: list[AssignmentRule] = []
    seen: set[str] = set()
    for item in rules or ():
        rule = item if isinstance(item, AssignmentRule) else AssignmentRule.from_dict(item)
        if rule.id in seen:
            raise ValidationError(f"assignment rule id '{rule.id}' is used twice")
        seen.add(rule.id)
        result.append(rule)
    return sorted(result, key=lambda r: (r.position, r.id))


def first_matching_rule(
    rules: Iterable[AssignmentRule | Mapping[str, Any]] | None, ticket: Mapping[str, Any], now: datetime | None = None
) -> AssignmentRule | None:
    """The first active rule, by position, whose conditions match the ticket; None when none does."""
    return next((rule for rule in as_rules(rules) if rule.matches(ticket, now)), None)
