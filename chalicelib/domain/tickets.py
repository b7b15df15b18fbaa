"""Tickets: statuses, priorities, channels and the legal status transitions."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.errors import ValidationError

STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
TYPES = ("question", "incident", "problem", "task")
CHANNELS = ("email", "chat", "sdk", "web", "whatsapp", "messenger", "instagram", "telegram", "sms", "phone", "api")
LIVE_CHANNELS = ("chat", "sdk", "web")  # the customer writes from a Parley connection (widget, mobile SDK)
CONVERSATION_STYLES = ("chat", "returning_chat", "social")

# Closed is final; anything else may move to any other status except back to "new".
_TRANSITIONS = {
    "new": set(STATUSES) - {"new"},
    "open": {"pending", "on_hold", "solved", "closed"},
    "pending": {"open", "on_hold", "solved", "closed"},
    "on_hold": {"open", "pending", "solved", "closed"},
    "solved": {"open", "pending", "on_hold", "closed"},
    "closed": set(),
}


def one_of(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """Return value when it is one of allowed, else raise a ValidationError naming the choices."""
    if value not in allowed:
        raise ValidationError(f"{name} '{value}' is not one of {', '.join(allowed)}")
    return value


def check_transition(old: str, new: str) -> None:
    """Raise ValidationError unless a ticket may move from status old to status new."""
    one_of("status", new, STATUSES)
    if old == new:
        return
    if new not in _TRANSITIONS[old]:
        if old == "closed":
            raise ValidationError("ticket is closed; closed is final — create a follow-up ticket instead")
        raise ValidationError(f"status cannot change from {old} to {new}")


@dataclass
class Ticket:
    """A customer request in one place, whatever channel it came from."""

    id: int
    subject: str
    requester_id: str
    channel: str
    conversation_id: str
    created_at: str
    updated_at: str
    status: str = "new"
    priority: str = "normal"
    type: str | None = None
    description: str = ""
    assignee_id: str | None = None
    department: str | None = None
    organization_id: str | None = None
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    conversation_style: str | None = None
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        """A plain snapshot (what rules, events and the API see)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Ticket":
        """Build from a snapshot, ignoring keys the model does not know."""
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


TICKET_DEFAULTS: dict[str, Any] = {
    "type": None, "assignee_id": None, "department": None, "organization_id": None, "conversation_style": None,
    "tags": [], "custom_fields": {}, "assigned_at": None, "solved_at": None, "first_reply_at": None,
}


def subject_from(message: str, limit: int = 80) -> str:
    """A ticket subject from the first line of a customer's first message."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    if not first:
        return "(no subject)"
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"
