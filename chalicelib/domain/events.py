"""Domain events: what happened, published through the outbox to the EventBridge bus."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

SOURCE = "parley"

TICKET_CREATED = "TicketCreated"
TICKET_UPDATED = "TicketUpdated"
MESSAGE_ADDED = "MessageAdded"
TICKET_DELETED = "TicketDeleted"
CUSTOMER_MERGED = "CustomerMerged"
NOTIFICATION_REQUESTED = "NotificationRequested"
WEBHOOK_REQUESTED = "WebhookRequested"


@dataclass(frozen=True)
class DomainEvent:
    """One fact, named in the past tense, with the data consumers need."""

    name: str
    detail: dict[str, Any]
    occurred_at: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_dict(self) -> dict[str, Any]:
        """The outbox row and EventBridge detail form."""
        return {"id": self.id, "name": self.name, "occurred_at": self.occurred_at, "detail": self.detail}


def message_added(ticket: dict[str, Any], message: dict[str, Any], at: str) -> DomainEvent:
    """The MessageAdded event for a message stored on a ticket's conversation."""
    return DomainEvent(MESSAGE_ADDED, {"ticket_id": ticket["id"], "conversation_id": ticket["conversation_id"],
                                       "customer_id": ticket["requester_id"], "channel": ticket["channel"],
                                       "assignee_id": ticket.get("assignee_id"), "message": message}, at)
