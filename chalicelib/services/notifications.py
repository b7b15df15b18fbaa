"""Notifications that triggers and automations ask for: emails to the requester, an agent or a department.

Each NotificationRequested event is sent once per recipient address (retries skip addresses already
sent to); mail is marked Auto-Submitted so auto-responders do not answer it.
"""
from __future__ import annotations

import uuid
from typing import Any

from chalicelib.observability import logger


def send_notification(detail: dict[str, Any]) -> int:
    """Email the recipients a rule named; returns how many emails went out."""
    from chalicelib.bootstrap import client, delivery_log, ticket_store
    from chalicelib.channels.email.outbound import compose_reply
    from chalicelib.config import settings

    ticket = ticket_store().get_ticket(int(detail["ticket_id"]))
    if ticket is None:
        logger.info("notification for a ticket that no longer exists", extra={"ticket_id": detail["ticket_id"]})
        return 0
    s = settings()
    sent = 0
    for address in recipients(detail.get("recipient"), detail.get("recipient_type", "user"), ticket):
        key = f"notify#{detail.get('event_id')}#{address}"
        if delivery_log().delivered(key):
            continue
        _, raw = compose_reply(ticket_id=ticket["id"], message_id=uuid.uuid4().hex, from_address=s.support_address,
                               from_name="Support", to_address=address, subject=detail.get("subject") or "",
                               text=detail.get("body") or "", html=None, mail_domain=s.mail_domain,
                               in_reply_to=None, references=[], auto=True)
        client("ses").send_raw_email(RawMessage={"Data": raw})
        delivery_log().mark(key)
        sent += 1
    return sent


def recipients(recipient: Any, recipient_type: str, ticket: dict[str, Any]) -> list[str]:
    """Email addresses for a rule's recipient: requester, assignee, an agent id, an address, or a department."""
    from chalicelib.bootstrap import agent_store, ticket_store

    agents = agent_store()
    if recipient_type == "group":
        name = str(recipient or ticket.get("department") or "").lower()
        return sorted(a["email"] for a in agents.list_agents() if a.get("email")
                      and name in [d.lower() for d in a.get("departments") or []])
    value = str(recipient or "")
    if value in ("requester_id", "requester"):
        value = ticket["requester_id"]
    elif value in ("assignee_id", "current_user"):
        value = ticket.get("assignee_id") or ""
    if "@" in value:
        return [value]
    person = (agents.get_agent(value) or ticket_store().get_customer(value)) if value else None
    return [person["email"]] if person and person.get("email") else []
