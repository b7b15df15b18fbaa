"""Live delivery at commit: a stored message reaches the parties' open connections at once.

Every writer (ingest of a customer message, an agent's reply, a rule's comment, the clock relaying a
left-behind outbox row) passes its committed events through the publisher, which calls this before it
relays them to the bus; so a chat message takes no extra queue hop on its way to the other party.
Customers receive their conversation's public messages (except their own written on another channel,
such as an email); agents receive them while assigned to the ticket or following the conversation (see chalicelib/realtime/fanout.py). A failure here is logged and
never undoes the write: a client that missed a frame gets the message when it resumes.
"""
from __future__ import annotations

from typing import Any

from chalicelib.domain import events as ev
from chalicelib.domain.tickets import LIVE_CHANNELS
from chalicelib.observability import logger
from chalicelib.realtime import fanout
from chalicelib.realtime.frames import message_frame


def deliver_committed(events: list[dict[str, Any]]) -> None:
    """Send the live frames of the committed MessageAdded events (outbox row dicts) to their parties."""
    for event in events:
        if event["name"] != ev.MESSAGE_ADDED:
            continue
        try:
            _deliver(event["detail"])
        except Exception:  # the message is stored; its parties get it on resume
            logger.exception("live delivery failed", extra={"event_id": event["id"]})


def _deliver(detail: dict[str, Any]) -> None:
    message, conversation_id = detail["message"], detail["conversation_id"]
    if message.get("public") and not _written_elsewhere(message):
        fanout.send(fanout.customer_connections(detail["customer_id"]),
                    message_frame(conversation_id, message, for_agent=False))
    fanout.send(fanout.agent_connections(conversation_id, _assignee(detail)),
                message_frame(conversation_id, message, for_agent=True, ticket_id=detail["ticket_id"]),
                conversation_id=conversation_id)


def _written_elsewhere(message: dict[str, Any]) -> bool:
    """A customer's own message from email or a messaging app: none of their connections needs it back."""
    return message.get("author_type") == "customer" and message.get("channel") not in LIVE_CHANNELS


def _assignee(detail: dict[str, Any]) -> str | None:
    """The assignee when the message was stored (outbox rows written before events carried it: read now)."""
    if "assignee_id" in detail:
        return detail["assignee_id"]
    from chalicelib.bootstrap import ticket_store

    return (ticket_store().get_ticket(detail["ticket_id"]) or {}).get("assignee_id")
