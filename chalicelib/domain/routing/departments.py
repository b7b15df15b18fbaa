"""Department routing settings: strategy, offline agents, per-agent cap, work weights, relaxation, overflow, offers,
and the business hours in which the department takes live chats."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Mapping

from chalicelib.domain import business_hours
from chalicelib.domain.routing.agents import Agent, whole_number, check_group
from chalicelib.errors import ValidationError

STRATEGIES = ("least_busy", "round_robin")
FULL = "full"  # a weight meaning "this work takes the agent's whole capacity in its group"
ALL_SKILLS = "*"


@dataclass(frozen=True)
class SkillRelaxation:
    """Drop a required skill (or every one, when skill is None) once a ticket has waited after_seconds."""

    after_seconds: int
    skill: str | None = None

    def describe(self) -> str:
        """Audit wording for this relaxation."""
        what = f"skill {self.skill}" if self.skill else "all required skills"
        return f"dropped {what} after {self.after_seconds}s waiting"


@dataclass(frozen=True)
class Overflow:
    """Send a ticket to another department once it has waited after_seconds with nobody free here."""

    department: str
    after_seconds: int


@dataclass(frozen=True)
class Department:
    """How tickets are given out in one department (group)."""

    name: str
    strategy: str = "least_busy"
    include_offline: bool = False
    max_per_agent: int | None = None
    weights: Mapping[str, int | str] = field(default_factory=dict)
    skill_relaxations: tuple[SkillRelaxation, ...] = ()
    overflow: Overflow | None = None
    offer_timeout_seconds: int | None = None
    business_hours: business_hours.Schedule | None = None  # when it takes live chats; None: always

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Department":
        """Build and validate department routing settings from an API body or stored item."""
        if not isinstance(data, Mapping):
            raise ValidationError("department settings must be an object")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("a department needs a name")
        strategy = data.get("strategy") or "least_busy"
        if strategy not in STRATEGIES:
            raise ValidationError(f"strategy '{strategy}' is not one of {', '.join(STRATEGIES)}")
        include_offline = data.get("include_offline", False)
        if not isinstance(include_offline, bool):
            raise ValidationError(f"include_offline must be true or false, got {include_offline!r}")
        max_per_agent = data.get("max_per_agent")
        offer_timeout = data.get("offer_timeout_seconds")
        return cls(
            name=name,
            strategy=strategy,
            include_offline=include_offline,
            max_per_agent=None if max_per_agent is None else whole_number("max_per_agent", max_per_agent, 1),
            weights=_weights(data.get("weights")),
            skill_relaxations=_relaxations(data.get("skill_relaxations")),
            overflow=_overflow(name, data.get("overflow")),
            offer_timeout_seconds=None if offer_timeout is None else whole_number("offer_timeout_seconds", offer_timeout, 1),
            business_hours=_business_hours(data.get("business_hours")),
        )

    def closed_until(self, at: datetime) -> datetime | None:
        """When the department opens for live chats again if it is outside its business hours at ``at``, else None."""
        if self.business_hours is None or business_hours.is_open(self.business_hours, at):
            return None
        return business_hours.next_open(self.business_hours, at)

    def weight_for(self, group: str, agent: Agent | None = None) -> int:
        """How much capacity one ticket of the group takes from an agent ("full" = all of that agent's)."""
        weight = self.weights.get(group, 1)
        if weight == FULL:
            return max(1, agent.capacity_for(group)) if agent else 1
        return int(weight)


def _weights(data: Any) -> Mapping[str, int | str]:
    if data is None:
        return MappingProxyType({})
    if not isinstance(data, Mapping):
        raise ValidationError('weights must map channel groups to a number or "full", e.g. {"phone": "full"}')
    weights: dict[str, int | str] = {}
    for group, weight in data.items():
        check_group(group)
        weights[group] = FULL if weight == FULL else whole_number(f"weights.{group}", weight, 1)
    return MappingProxyType(weights)


def _relaxations(data: Any) -> tuple[SkillRelaxation, ...]:
    if data is None:
        return ()
    if not isinstance(data, (list, tuple)):
        raise ValidationError('skill_relaxations must be a list like [{"skill": "spanish", "after_seconds": 120}]')
    result = []
    for item in data:
        if not isinstance(item, Mapping) or "after_seconds" not in item:
            raise ValidationError(f"skill relaxation {item!r} needs after_seconds (and a skill, or \"*\" for all)")
        skill = item.get("skill", ALL_SKILLS)
        if not isinstance(skill, str) or not skill.strip():
            raise ValidationError(f"skill relaxation skill must be a skill name or \"*\", got {skill!r}")
        seconds = whole_number("skill relaxation after_seconds", item["after_seconds"], 0)
        result.append(SkillRelaxation(seconds, None if skill == ALL_SKILLS else skill))
    return tuple(sorted(result, key=lambda r: r.after_seconds))


def _overflow(name: str, data: Any) -> Overflow | None:
    if data is None:
        return None
    if not isinstance(data, Mapping) or not isinstance(data.get("department"), str) or "after_seconds" not in data:
        raise ValidationError('overflow must look like {"department": "support", "after_seconds": 300}')
    if data["department"] == name:
        raise ValidationError(f"department '{name}' cannot overflow to itself")
    return Overflow(data["department"], whole_number("overflow after_seconds", data["after_seconds"], 0))


def _business_hours(data: Any) -> business_hours.Schedule | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise ValidationError('business_hours must look like {"time_zone": "Europe/Berlin", '
                              '"intervals": {"mon-fri": "09:00-17:00"}, "holidays": ["2026-12-25"]}')
    return business_hours.Schedule.from_dict(data)


def as_departments(departments: Any) -> dict[str, Department]:
    """Department settings by name, from a mapping or list of Department objects or stored items."""
    if departments is None:
        return {}
    items = departments.values() if isinstance(departments, Mapping) else departments
    result: dict[str, Department] = {}
    for item in items:
        department = item if isinstance(item, Department) else Department.from_dict(item)
        result[department.name] = department
    return result


def settings_for(departments: Mapping[str, Department], name: str | None) -> Department | None:
    """The settings of the named department (defaults when none were stored); None when there is no department."""
    if name is None:
        return None
    return departments.get(name) or Department(name=name)
