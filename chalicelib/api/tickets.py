"""Agent API for tickets (/api/tickets...)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.http import endpoint, if_match_version, read_json
from chalicelib.api.tokens import Principal
from chalicelib.domain.attachments import MAX_FILES
from chalicelib.domain.tickets import CHANNELS, STATUSES, one_of
from chalicelib.errors import NotFoundError, ValidationError

MAX_MESSAGE_CHARS = 64_000


def _ticket_id(raw: str) -> int:
    if not raw.isdigit():
        raise NotFoundError(f"ticket {raw} not found")
    return int(raw)


@endpoint(auth="agent")
def list_tickets(request: Any, principal: Principal) -> dict[str, Any]:
    """Tickets newest first, filtered by ?status= ?assignee= (id or "me") ?requester= from an index, and by
    ?department= ?channel= ?tag= ?q= (words in subject or description) on the way, with cursor pagination."""
    from chalicelib.services.views import list_filtered

    params = request.query_params or {}
    status = params.get("status")
    if status:
        one_of("status", status, STATUSES)
    if params.get("channel"):
        one_of("channel", params["channel"], CHANNELS)
    limit = params.get("limit", "25")
    if not limit.isdigit() or not 1 <= int(limit) <= 100:
        raise ValidationError("limit must be a whole number from 1 to 100")
    assignee = params.get("assignee")
    if assignee == "me":
        assignee = principal.id
    tickets, cursor = list_filtered(
        status=status, assignee_id=assignee, requester_id=params.get("requester"), limit=int(limit),
        cursor=params.get("cursor"), department=params.get("department"), channel=params.get("channel"),
        tag=params.get("tag"), text=params.get("q"))
    return {"tickets": tickets, "next_cursor": cursor}


@endpoint(auth="agent")
def show_ticket(request: Any, principal: Principal, ticket_id: str) -> dict[str, Any]:
    """A ticket with its messages (internal notes included), audit trail and the customer's other tickets."""
    from chalicelib.bootstrap import ticket_store

    store = ticket_store()
    ticket = store.get_ticket(_ticket_id(ticket_id))
    if ticket is None:
        raise NotFoundError(f"ticket {ticket_id} not found")
    customer = store.get_customer(ticket["requester_id"]) or {"id": ticket["requester_id"]}
    others, _ = store.list_tickets(requester_id=ticket["requester_id"], limit=20)
    return {
        "ticket": ticket,
        "messages": store.messages(ticket["conversation_id"], limit=500),
        "audit": store.audit(ticket["id"]),
        "customer": customer,
        "customer_tickets": [{k: t[k] for k in ("id", "subject", "status", "channel", "created_at")}
                             for t in others if t["id"] != ticket["id"]],
    }



class TicketChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = None
    priority: str | None = None
    type: str | None = None
    assignee_id: str | None = None
    department: str | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    custom_fields: dict[str, Any] | None = None
    subject: str | None = None
    note: str | None = Field(default=None, min_length=1, max_length=MAX_MESSAGE_CHARS,
                             description="an internal note written with the change (e.g. why a ticket is transferred)")


class NewMessage(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    public: bool = True
    attachments: list[str] = Field(default_factory=list, max_length=MAX_FILES,
                                   description="ids of files uploaded with POST /api/tickets/{id}/attachments")



@endpoint(auth="agent")
def update_ticket(request: Any, principal: Principal, ticket_id: str) -> dict[str, Any]:
    """Change status, priority, assignee, department (a transfer), tags or fields, optionally with an internal
    note; If-Match: <version> guards the write."""
    from chalicelib.services.tickets import update_ticket as update

    body = read_json(request, TicketChanges)
    changes = body.model_dump(exclude_unset=True)
    note = changes.pop("note", None)
    if not changes:
        raise ValidationError(f"send at least one of {', '.join(TicketChanges.model_fields)}")
    return {"ticket": update(principal, _ticket_id(ticket_id), changes, if_match_version(request),
                             comment=(note, False) if note else None)}


@endpoint(auth="agent")
def add_message(request: Any, principal: Principal, ticket_id: str) -> tuple[int, dict[str, Any]]:
    """A public reply (agents, admins) or an internal note ("public": false; light agents too), with files
    uploaded to the ticket ("attachments": [id, ...])."""
    from chalicelib.services.tickets import add_agent_message

    body = read_json(request, NewMessage)
    if not body.body.strip():
        raise ValidationError("body: must contain some text")
    return 201, {"message": add_agent_message(principal, _ticket_id(ticket_id), body.body, body.public,
                                              attachments=body.attachments)}
