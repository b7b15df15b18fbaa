"""Customer API for the web widget and the mobile SDKs (/api/sdk/...)."""
from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, Field

from chalicelib.api.attachments import NewUpload
from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal, issue_visitor_token, verify_user_token
from chalicelib.domain.attachments import MAX_FILES
from chalicelib.errors import ValidationError

MAX_MESSAGE_CHARS = 20_000


class SessionRequest(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    user_token: str | None = Field(default=None, max_length=4096)


class ConversationRequest(BaseModel):
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    department: str | None = Field(default=None, max_length=100)
    channel: Literal["chat", "sdk"] = "chat"
    metadata: dict[str, str | int | float | bool] = Field(default_factory=dict, max_length=50)


class MessageRequest(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    client_msg_id: str | None = Field(default=None, max_length=64)
    attachments: list[str] = Field(default_factory=list, max_length=MAX_FILES,
                                   description="ids of files uploaded with POST /api/sdk/conversations/{id}/attachments")


@endpoint(auth=None, cors=True)
def create_session(request: Any) -> tuple[int, dict[str, Any]]:
    """An anonymous visitor, or a user the customer's backend vouches for with a signed JWT.

    An anonymous session writes nothing: the visitor's customer record gets this customer_id on their first
    conversation, so page loads that never chat leave no customers behind. Keep the visitor_token and send it
    on every page load (the widget keeps it in localStorage): a new session is a new visitor. A user_token
    resolves to the same customer every time (by external_id, else email).
    """
    from chalicelib.config import settings
    from chalicelib.services.customers import new_customer_id

    body = read_json(request, SessionRequest)
    s = settings()
    if body.user_token:
        claims = verify_user_token(s.sdk_shared_secret, body.user_token)
        customer_id, name = _identified_customer(claims, body.name), None
    else:
        customer_id, name = new_customer_id(), body.name
    token = issue_visitor_token(s.visitor_token_secret, customer_id, int(time.time()), name=name)
    return 201, {"visitor_token": token, "customer_id": customer_id}


def _identified_customer(claims: dict[str, Any], name: str | None) -> str:
    """The customer a verified user token names, created on their first session."""
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services.customers import resolve_customer

    channel, address = (("external", str(claims["external_id"])) if claims.get("external_id")
                        else ("email", claims["email"].strip().lower()))
    return resolve_customer(ticket_store(), channel, address, name=claims.get("name") or name,
                            email=claims.get("email"))


@endpoint(auth="customer", cors=True)
def create_conversation(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Start a conversation; the ticket is created from the queue, its ids are known at once."""
    from chalicelib.services.conversations import start_conversation
    from chalicelib.services.customers import save_new_visitor

    body = read_json(request, ConversationRequest)
    if not body.message.strip():
        raise ValidationError("message: must contain some text")
    if principal.new_visitor:
        save_new_visitor(principal.id, principal.name)
    started = start_conversation(customer_id=principal.id, body=body.message, channel=body.channel,
                                 department=body.department, metadata=body.metadata)
    return 201, started


@endpoint(auth="customer", cors=True)
def list_conversations(request: Any, principal: Principal) -> dict[str, Any]:
    """The caller's own conversations, newest first."""
    from chalicelib.services.conversations import customer_conversations

    return customer_conversations(principal.id, (request.query_params or {}).get("cursor"))


@endpoint(auth="customer", cors=True)
def list_messages(request: Any, principal: Principal, conversation_id: str) -> dict[str, Any]:
    """Public messages after ?after=<seq> in the caller's own conversation."""
    from chalicelib.services.conversations import conversation_messages

    after = (request.query_params or {}).get("after", "0")
    if not after.isdigit():
        raise ValidationError("after must be a message sequence number (0 or more)")
    return conversation_messages(principal.id, conversation_id, int(after))


@endpoint(auth="customer", cors=True)
def post_message(request: Any, principal: Principal, conversation_id: str) -> tuple[int, dict[str, Any]]:
    """Add a message to the caller's own conversation, with files uploaded to it ("attachments": [id, ...]).

    201 with its "seq" when stored; 202 when it was queued and will be stored shortly."""
    from chalicelib.services.conversations import add_customer_message

    body = read_json(request, MessageRequest)
    added = add_customer_message(customer_id=principal.id, conversation_id=conversation_id, body=body.body,
                                 client_msg_id=body.client_msg_id, attachments=body.attachments)
    return (201 if added["status"] == "stored" else 202), added


@endpoint(auth="customer", cors=True)
def upload(request: Any, principal: Principal, conversation_id: str) -> tuple[int, dict[str, Any]]:
    """A pre-signed S3 POST form for one file to send in the caller's own conversation (201; 404 for others').

    Post the file to upload.url with upload.fields, then name attachment.id in the message's "attachments".
    """
    from chalicelib.services.attachments import customer_upload_form

    body = read_json(request, NewUpload)
    return 201, customer_upload_form(principal, conversation_id, body.filename, body.content_type, body.size)
