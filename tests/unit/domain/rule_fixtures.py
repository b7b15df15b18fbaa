"""Ticket snapshots and update contexts shaped like the ticket store's, for rule tests."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

NOW = datetime(2024, 6, 12, 12, 0, tzinfo=timezone.utc)  # a Wednesday


def ticket(**overrides: Any) -> dict[str, Any]:
    """A ticket snapshot with sensible defaults; keyword arguments replace fields."""
    base: dict[str, Any] = {
        "id": 42, "subject": "Where is my order?", "description": "I ordered a lamp last week.",
        "status": "open", "priority": "normal", "type": "question", "channel": "email",
        "tags": [], "custom_fields": {}, "requester_id": "cus-1", "requester_email": "ada@example.com",
        "organization_id": None, "assignee_id": None, "department": "Support",
        "conversation_style": "returning_chat",
        "created_at": "2024-06-12T10:00:00+00:00", "updated_at": "2024-06-12T11:00:00+00:00",
        "solved_at": None, "pending_at": None, "assigned_at": None,
        "last_customer_message_at": "2024-06-12T10:00:00+00:00", "last_agent_message_at": None,
        "sla": {"breached": False},
    }
    base.update(overrides)
    return base


def update(fields: dict[str, tuple[Any, Any]] | None = None, *, comment: str | None = None, public: bool = True,
           author: str = "customer", via: str = "email", event: str = "updated", actor_id: str | None = None
           ) -> dict[str, Any]:
    """An update context as the ticket store passes it to the rules."""
    return {
        "fields": fields or {},
        "comment": None if comment is None else {"body": comment, "public": public, "author_type": author,
                                                  "channel": via},
        "via": via, "event": event, "actor_id": actor_id,
    }


def cond(field: str, operator: str, value: Any = None) -> dict[str, Any]:
    """One condition in Zendesk's shape."""
    return {"field": field, "operator": operator, "value": value}
