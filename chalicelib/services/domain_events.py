"""Consumer of domain events from the bus (via the outbound queue): realtime fan-out and notifications.

Customers receive their conversation's status and who is helping them; agents receive new tickets
(everyone), and a conversation's status and assignment while they are assigned to it or follow it (see
chalicelib/realtime/fanout.py). Messages are delivered live by their writer at commit
(services/live_delivery.py), so MessageAdded does not come this way.
"""
from __future__ import annotations

from typing import Any

from chalicelib.domain import events as ev
from chalicelib.realtime import fanout

RATING_STATUSES = ("solved", "closed")


def handle_event(name: str, detail: dict[str, Any]) -> None:
    """React to one domain event; unknown events are ignored (the bus carries more than we consume)."""
    handler = _HANDLERS.get(name)
    if handler:
        handler(detail)


def _ticket_created(detail: dict[str, Any]) -> None:
    """Tell every connected agent that a new ticket arrived (the inbox updates live)."""
    ticket = detail["ticket"]
    fanout.send(fanout.every_agent_connection(), {"type": "ticket_created", "ticket": {
        k: ticket.get(k) for k in ("id", "subject", "status", "priority", "channel", "created_at",
                                   "conversation_id", "assignee_id", "department")}})
    if ticket.get("assignee_id") and ticket.get("conversation_id"):  # routed as it was created
        _assigned(ticket, {"assignee_id": [None, ticket["assignee_id"]]},
                  fanout.agent_connections(ticket["conversation_id"], ticket["assignee_id"]),
                  fanout.customer_connections(ticket["requester_id"]))


def _ticket_updated(detail: dict[str, Any]) -> None:
    """Status changes reach both parties (solved asks the customer for a rating); assignments and transfers
    reach the new assignee and tell the customer who is helping them."""
    ticket, changes = detail["ticket"], detail.get("changes") or {}
    conversation_id = ticket.get("conversation_id")
    if not conversation_id:
        return
    agents = fanout.agent_connections(conversation_id, ticket.get("assignee_id"))
    customer: list[str] | None = None
    if "status" in changes:
        status = ticket["status"]
        frame = {"type": "status", "conversation_id": conversation_id, "status": status,
                 "rating_requested": status in RATING_STATUSES and not ticket.get("rating")}
        customer = fanout.customer_connections(ticket["requester_id"])
        fanout.send(customer, frame)
        fanout.send(agents, {**frame, "ticket_id": ticket["id"]}, conversation_id=conversation_id)
    if "assignee_id" in changes or "department" in changes:
        customer = customer if customer is not None else fanout.customer_connections(ticket["requester_id"])
        _assigned(ticket, changes, agents, customer)
    if "rating" in changes:
        fanout.send(agents, {"type": "rated", "conversation_id": conversation_id, "ticket_id": ticket["id"],
                             "rating": ticket.get("rating")}, conversation_id=conversation_id)


def _assigned(ticket: dict[str, Any], changes: dict[str, Any], agents: list[str], customer: list[str]) -> None:
    from chalicelib.bootstrap import agent_store

    conversation_id = ticket["conversation_id"]
    assignee_id = ticket.get("assignee_id")
    agent = agent_store().get_agent(assignee_id) if assignee_id else None
    change = changes.get("assignee_id")
    previous = change[0] if isinstance(change, (list, tuple)) and change else None
    fanout.send(customer, {"type": "assigned", "conversation_id": conversation_id,
                           "agent": {"id": assignee_id, "name": (agent or {}).get("name")} if assignee_id else None})
    frame = {"type": "assigned", "conversation_id": conversation_id, "ticket_id": ticket["id"],
             "assignee_id": assignee_id, "previous_assignee_id": previous, "department": ticket.get("department"),
             "ticket": {k: ticket.get(k) for k in ("id", "subject", "status", "priority", "channel", "created_at")}}
    recipients = list(dict.fromkeys([*agents, *(fanout.agent_connections(conversation_id, previous)
                                                if previous and previous != assignee_id else [])]))
    fanout.send(recipients, frame, conversation_id=conversation_id)


def _notification_requested(detail: dict[str, Any]) -> None:
    """A trigger or automation asked for an email (to the requester, an agent or a department)."""
    from chalicelib.services.notifications import send_notification

    send_notification(detail)


_HANDLERS = {ev.TICKET_CREATED: _ticket_created,
             ev.TICKET_UPDATED: _ticket_updated, ev.NOTIFICATION_REQUESTED: _notification_requested}
