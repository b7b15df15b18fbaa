"""Customer-side use cases: start a conversation, add a message, read one's own conversations."""
from __future__ import annotations

import uuid
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.errors import NotFoundError
from chalicelib.services.ingest import Contact, store_now


def start_conversation(*, customer_id: str, body: str, channel: str, department: str | None,
                       metadata: dict[str, Any]) -> dict[str, Any]:
    """Allocate the ticket and conversation ids up front and store the first message (queued when it cannot
    be stored now, as add_customer_message does)."""
    from chalicelib.bootstrap import ticket_store

    ticket_id = ticket_store().allocate_ticket_id()
    conversation_id = uuid.uuid4().hex
    ticket_store().reserve_conversation(conversation_id, ticket_id, customer_id, channel)
    conversation = {"ticket_id": ticket_id, "customer_id": customer_id, "channel": channel, "last_seq": 0}
    message_id = uuid.uuid4().hex
    contact = Contact(channel=channel, message_id=message_id, body=body, customer_id=customer_id,
                      ticket_id=ticket_id, conversation_id=conversation_id, department=department,
                      metadata=metadata, received_at=iso(now()), new_ticket_only=True)
    return {"ticket_id": ticket_id, **_store_or_queue(contact, conversation)}


def add_customer_message(*, customer_id: str, conversation_id: str, body: str, client_msg_id: str | None,
                         conversation: dict[str, Any] | None = None,
                         attachments: list[str] | None = None) -> dict[str, Any]:
    """Store a customer's message on their own conversation (404 for anyone else's), as ingest does.

    It is stored at once ("status": "stored", with its "seq"; "duplicate" when that message id was
    stored before); when it cannot be stored now it is queued for the ingest consumer ("queued"), so it
    is never lost. conversation: the caller's copy, already checked to be this customer's (saves reading
    it again); attachments: ids of files the customer uploaded to this conversation
    (services.attachments.customer_upload_form), checked and copied next to the ticket's files first.
    """
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services.attachments import attach_customer_files

    conversation = conversation or own_conversation(customer_id, conversation_id)
    message_id = client_msg_id or uuid.uuid4().hex
    result: dict[str, Any] = {"conversation_id": conversation_id, "message_id": message_id}
    if attachments:  # a re-send of a message with files: its files were taken in with it
        seq = client_msg_id and ticket_store().message_seq(conversation_id, message_id)
        if seq:
            return {**result, "status": "stored", "seq": seq, "duplicate": True}
    files = attach_customer_files(customer_id, conversation_id, conversation, attachments) if attachments else []
    contact = Contact(channel=channel_of(conversation), message_id=message_id, body=body, customer_id=customer_id,
                      conversation_id=conversation_id, attachments=files, received_at=iso(now()))
    if conversation["last_seq"] == 0:  # its first message is still queued: this one waits behind it
        _queue(contact)
        return {**result, "status": "queued"}
    return _store_or_queue(contact, conversation)


def _store_or_queue(contact: Contact, conversation: dict[str, Any]) -> dict[str, Any]:
    """Store the contact now, or queue it for the ingest consumer when that fails; says which, and the seq."""
    from chalicelib.bootstrap import ticket_store

    conversation_id, message_id = contact.conversation_id or "", contact.message_id
    result: dict[str, Any] = {"conversation_id": conversation_id, "message_id": message_id}
    stored = store_now(contact, conversation)
    if stored is None:
        _queue(contact)
        return {**result, "status": "queued"}
    if stored.seq is not None:
        return {**result, "status": "stored", "seq": stored.seq}
    return {**result, "status": "stored", "seq": ticket_store().message_seq(conversation_id, message_id),
            "duplicate": True}


def _queue(contact: Contact) -> None:
    """The FIFO inbound queue, in the conversation's message group (order kept behind earlier messages)."""
    from chalicelib.bootstrap import inbound_queue

    conversation_id = contact.conversation_id or ""
    inbound_queue().send(contact.to_dict(), group_id=conversation_id,
                         dedup_id=f"{conversation_id}#{contact.message_id}")


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
