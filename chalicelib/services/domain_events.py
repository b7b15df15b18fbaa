"""Consumer of domain events from the bus (via the outbound queue): realtime fan-out and integrations."""
from __future__ import annotations

from typing import Any

from chalicelib.domain import events as ev


def handle_event(name: str, detail: dict[str, Any]) -> None:
    """React to one domain event; unknown events are ignored (the bus carries more than we consume)."""
    handler = _HANDLERS.get(name)
    if handler:
        handler(detail)


def _ticket_created(detail: dict[str, Any]) -> None:
    """Tell every connected agent that a new ticket arrived (the inbox updates live)."""
    from chalicelib.bootstrap import agent_store, websocket_sender

    ticket = detail["ticket"]
    agents = [f"agent#{a['id']}" for a in agent_store().list_agents()]
    websocket_sender().send_to(agents, {"type": "ticket_created", "ticket": {
        k: ticket.get(k) for k in ("id", "subject", "status", "priority", "channel", "created_at")}})


def _message_added(detail: dict[str, Any]) -> None:
    """Deliver a public message to the customer's open connections."""
    from chalicelib.bootstrap import websocket_sender

    message = detail["message"]
    if not message.get("public"):
        return
    websocket_sender().send_to([f"customer#{detail['customer_id']}"], {
        "type": "message", "conversation_id": detail["conversation_id"], "seq": message["seq"],
        "message": {k: message.get(k) for k in ("id", "author_type", "body", "created_at")}})


_HANDLERS = {ev.TICKET_CREATED: _ticket_created, ev.MESSAGE_ADDED: _message_added}
