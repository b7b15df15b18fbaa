"""Agents as routing sees them: presence, departments, skills, and capacity and load per channel group."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from chalicelib.domain.routing.times import to_moment
from chalicelib.domain.tickets import CHANNELS
from chalicelib.errors import ValidationError

PRESENCES = ("online", "away", "offline")
CHANNEL_GROUPS = ("chat", "messaging", "email", "sms", "phone")

# Work that competes for the same attention shares one capacity: a web chat and an SDK chat are both "chat".
_GROUP_OF_CHANNEL = {
    "chat": "chat",
    "sdk": "chat",
    "web": "chat",
    "whatsapp": "messaging",
    "messenger": "messaging",
    "instagram": "messaging",
    "telegram": "messaging",
    "email": "email",
    "api": "email",
    "sms": "sms",
    "phone": "phone",
}

# What an agent can hold at once when an admin has not said otherwise.
DEFAULT_CAPACITY = MappingProxyType({"chat": 3, "messaging": 5, "email": 10, "sms": 5, "phone": 1})


def channel_group(channel: str) -> str:
    """The capacity group a ticket's channel counts against (chat, messaging, email, sms or phone)."""
    try:
        return _GROUP_OF_CHANNEL[channel]
    except (KeyError, TypeError):
        raise ValidationError(f"channel '{channel}' is not one of {', '.join(CHANNELS)}") from None


def check_group(group: str) -> str:
    """Return group when it is a known channel group, else raise a ValidationError naming the groups."""
    if group not in CHANNEL_GROUPS:
        raise ValidationError(f"channel group '{group}' is not one of {', '.join(CHANNEL_GROUPS)}")
    return group


def whole_number(name: str, value: Any, minimum: int = 0) -> int:
    """An int from an int-like value (DynamoDB numbers arrive as Decimal), at least minimum."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{name} must be a whole number, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be a whole number, got {value!r}") from None
    if number != value and not isinstance(value, str):
        raise ValidationError(f"{name} must be a whole number, got {value!r}")
    if number < minimum:
        raise ValidationError(f"{name} must be {minimum} or more, got {number}")
    return number


def _per_group(name: str, data: Mapping[str, Any] | None) -> Mapping[str, int]:
    """A validated channel group → count mapping."""
    if data is None:
        return MappingProxyType({})
    if not isinstance(data, Mapping):
        raise ValidationError(f"{name} must map channel groups to numbers, e.g. {{\"chat\": 3}}")
    return MappingProxyType({check_group(g): whole_number(f"{name}.{g}", n) for g, n in data.items()})


@dataclass(frozen=True)
class SkillNeed:
    """A skill a ticket needs, at least at level (1 = any level)."""

    name: str
    level: int = 1


def skill_needs(required: Iterable[Any] | None) -> tuple[SkillNeed, ...]:
    """The skills a ticket needs, from names or {"name", "level"} items; duplicates keep the highest level."""
    needs: dict[str, int] = {}
    for item in required or ():
        if isinstance(item, str):
            name, level = item, 1
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            name, level = item["name"], whole_number(f"required skill '{item['name']}' level", item.get("level", 1), 1)
        else:
            raise ValidationError(f"required skill {item!r} must be a name or {{\"name\": ..., \"level\": ...}}")
        if not name.strip():
            raise ValidationError("a required skill needs a name")
        needs[name] = max(level, needs.get(name, 0))
    return tuple(SkillNeed(name, level) for name, level in needs.items())


def _skills(data: Any) -> Mapping[str, int]:
    """Agent skills as name → level, from a mapping or a list of names / {"name", "level"} items."""
    if data is None:
        return MappingProxyType({})
    if isinstance(data, Mapping):
        return MappingProxyType({str(n): whole_number(f"skill '{n}' level", lvl, 0) for n, lvl in data.items()})
    return MappingProxyType({need.name: need.level for need in skill_needs(data)})


@dataclass(frozen=True)
class Agent:
    """An agent who can take tickets: who they are, whether they are present, and how busy they are."""

    id: str
    name: str = ""
    presence: str = "offline"
    departments: tuple[str, ...] = ()
    skills: Mapping[str, int] = field(default_factory=dict)
    capacity: Mapping[str, int] = field(default_factory=dict)
    load: Mapping[str, int] = field(default_factory=dict)
    open_tickets: int = 0
    last_assigned_at: datetime | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Agent":
        """Build and validate an agent from its stored item or API body."""
        if not isinstance(data, Mapping) or data.get("id") in (None, ""):
            raise ValidationError("an agent needs an id")
        presence = data.get("presence") or "offline"
        if presence not in PRESENCES:
            raise ValidationError(f"presence '{presence}' is not one of {', '.join(PRESENCES)}")
        departments = data.get("departments") or ()
        if isinstance(departments, str):
            departments = (departments,)
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or ""),
            presence=presence,
            departments=tuple(str(d) for d in departments),
            skills=_skills(data.get("skills")),
            capacity=_per_group("capacity", data.get("capacity")),
            load=_per_group("load", data.get("load")),
            open_tickets=whole_number("open_tickets", data.get("open_tickets") or 0),
            last_assigned_at=to_moment(data.get("last_assigned_at"), "last_assigned_at"),
        )

    @property
    def label(self) -> str:
        """How the agent is named in audit reasons."""
        return self.name or self.id

    def capacity_for(self, group: str) -> int:
        """How much work of this channel group the agent may hold (the default when not set)."""
        return self.capacity.get(group, DEFAULT_CAPACITY[check_group(group)])

    def load_for(self, group: str) -> int:
        """How much work of this channel group the agent holds now."""
        return self.load.get(group, 0)

    def has_room(self, group: str, weight: int) -> bool:
        """True when work of this weight fits in the agent's free capacity for the group."""
        capacity = self.capacity_for(group)
        return capacity > 0 and self.load_for(group) + weight <= capacity

    def in_department(self, department: str | None) -> bool:
        """True when the agent belongs to the department (any agent fits when there is none)."""
        return department is None or department in self.departments

    def missing_skill(self, needs: Iterable[SkillNeed]) -> SkillNeed | None:
        """The first needed skill the agent lacks or holds below the needed level, else None."""
        for need in needs:
            if self.skills.get(need.name, 0) < need.level:
                return need
        return None

    def with_claim(self, group: str, weight: int, at: datetime | None) -> "Agent":
        """The agent as it is after taking one more ticket of this weight (used to plan a batch)."""
        load = dict(self.load)
        load[group] = self.load_for(group) + weight
        return replace(
            self,
            load=MappingProxyType(load),
            open_tickets=self.open_tickets + 1,
            last_assigned_at=at or self.last_assigned_at,
        )

    def with_release(self, group: str, weight: int) -> "Agent":
        """The agent as it is after giving back work of this weight (never below zero)."""
        load = dict(self.load)
        load[group] = max(0, self.load_for(group) - weight)
        return replace(self, load=MappingProxyType(load), open_tickets=max(0, self.open_tickets - 1))

    def with_presence(self, presence: str) -> "Agent":
        """The agent with another presence."""
        if presence not in PRESENCES:
            raise ValidationError(f"presence '{presence}' is not one of {', '.join(PRESENCES)}")
        return replace(self, presence=presence)


def as_agents(agents: Iterable[Agent | Mapping[str, Any]]) -> list[Agent]:
    """Agents from Agent objects or stored items, in the order given; duplicate ids are an error."""
    result: list[Agent] = []
    seen: set[str] = set()
    for item in agents:
        agent = item if isinstance(item, Agent) else Agent.from_dict(item)
        if agent.id in seen:
            raise ValidationError(f"agent '{agent.id}' is listed twice")
        seen.add(agent.id)
        result.append(agent)
    return result
