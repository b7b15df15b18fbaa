"""Customer-side use cases: start a conversation, add a message, read one's own conversations."""
from __future__ import annotations

import uuid
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.errors import NotFoundError
from chalicelib.services.ingest import Contact


def start_conversation(*, customer_id: str, body: str, channel: str, department: str | None,
                       metadata: dict[str, Any]) -> dict[str, Any]:
    """Allocate the ticket and conversation ids up front and queue the first message for ingest."""
    from chalicelib.bootstrap import inbound_queue, ticket_store

    ticket_id = ticket_store().allocate_ticket_id()
    conversation_id = uuid.uuid4().hex
    ticket_store().reserve_conversation(conversation_id, ticket_id, customer_id, channel)
    message_id = uuid.uuid4().hex
    contact = Contact(channel=channel, message_id=message_id, body=body, customer_id=customer_id,
                      ticket_id=ticket_id, conversation_id=conversation_id, department=department,
                      metadata=metadata, received_at=iso(now()), new_ticket_only=True)
    inbound_queue().send(contact.to_dict(), group_id=conversation_id, dedup_id=f"{conversation_id}#{message_id}")
    return {"conversation_id": conversation_id, "ticket_id": ticket_id, "message_id": message_id}


def add_customer_message(*, customer_id: str, conversation_id: str, body: str, client_msg_id: str | None,
                         conversation: dict[str, Any] | None = None,
                         attachments: list[str] | None = None) -> dict[str, Any]:
    """Queue a customer's message on their own conversation (404 for anyone else's).

    conversation: the caller's copy, already checked to be this customer's (saves reading it again);
    attachments: ids of files the customer uploaded to this conversation (services.attachments
    .customer_upload_form), checked and copied next to the ticket's files before the message is queued.
    """
    from chalicelib.bootstrap import inbound_queue
    from chalicelib.services.attachments import attach_customer_files

    conversation = conversation or own_conversation(customer_id, conversation_id)
    files = attach_customer_files(customer_id, conversation_id, conversation, attachments) if attachments else []
    message_id = client_msg_id or uuid.uuid4().hex
    contact = Contact(channel=channel_of(conversation), message_id=message_id, body=body, customer_id=customer_id,
                      conversation_id=conversation_id, attachments=files, received_at=iso(now()))
    inbound_queue().send(contact.to_dict(), group_id=conversation_id, dedup_id=f"{conversation_id}#{message_id}")
    return {"conversation_id": conversation_id, "message_id": message_id}


def channel_of(conversation: dict[str, Any]) -> str:
    """The channel a conversation runs on (recorded when the API reserved it)."""
    return conversation.get("channel") or "chat"


def own_conversation(customer_id: str, conversation_id: str) -> dict[str, Any]:
    """The conversation if it belongs to customer_id; NotFoundError otherwise (never reveal others')."""
    from chalicelib.bootstrap import ticket_store

    conversation = ticket_store().get_conversation(conversation_id)
    if conversation is None or conversation["customer_id"] != customer_id:
        raise NotFoundError(f"conversation {conversation_id} not found")
    return conversation


def customer_conversations(customer_id: str, cursor: str | None) -> dict[str, Any]:
    """The customer's conversations, newest first."""
    from chalicelib.bootstrap import ticket_store

    tickets, next_cursor = ticket_store().list_tickets(requester_id=customer_id, cursor=cursor)
    return {"conversations": [{"conversation_id": t["conversation_id"], "ticket_id": t["id"],
                               "subject": t["subject"], "status": t["status"], "channel": t["channel"],
                               "created_at": t["created_at"], "updated_at": t["updated_at"]} for t in tickets],
            "next_cursor": next_cursor}


def conversation_messages(customer_id: str, conversation_id: str, after_seq: int) -> dict[str, Any]:
    """Public messages after a sequence number (what a reconnecting widget or SDK polls)."""
    from chalicelib.bootstrap import ticket_store

    own_conversation(customer_id, conversation_id)
    messages = ticket_store().messages(conversation_id, after_seq=after_seq, public_only=True)
    return {"messages": [customer_view(m) for m in messages],
            "last_seq": messages[-1]["seq"] if messages else after_seq}


def customer_view(message: dict[str, Any]) -> dict[str, Any]:
    """What a customer sees of a message: its public fields and files (signed links, never S3 keys)."""
    from chalicelib.services.attachments import customer_files

    view = {k: message.get(k) for k in ("id", "seq", "author_type", "author_name", "body", "created_at")}
    view["attachments"] = customer_files(message)
    return view
