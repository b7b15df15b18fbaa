"""Customers (/api/customers...): the whole history across channels, merging, export and erasure."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal
from chalicelib.errors import NotFoundError, ValidationError

LOOKUPS = {"email": "email", "phone": "phone", "telegram": "telegram", "messenger": "messenger",
           "instagram": "instagram", "external_id": "external"}


class MergeRequest(BaseModel):
    customer_id: str = Field(min_length=1, max_length=64, description="the customer to merge into this one")


@endpoint(auth="agent")
def find_customer(request: Any, principal: Principal) -> dict[str, Any]:
    """Find a customer by one identity: ?email=, ?phone= (E.164), ?telegram=, ?messenger=, ?external_id=."""
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services.customers import customer_profile

    params = request.query_params or {}
    given = [(LOOKUPS[k], v) for k, v in params.items() if k in LOOKUPS]
    if len(given) != 1:
        raise ValidationError(f"give exactly one of {', '.join('?' + k + '=' for k in LOOKUPS)}")
    channel, address = given[0]
    customer_id = ticket_store().customer_for_identity(channel, address.strip().lower() if channel == "email"
                                                       else address.strip())
    if customer_id is None:
        raise NotFoundError(f"no customer with {channel} {address}")
    return customer_profile(customer_id)


@endpoint(auth="agent")
def show_customer(request: Any, principal: Principal, customer_id: str) -> dict[str, Any]:
    """A customer with open and past tickets on every channel and their CSAT."""
    from chalicelib.services.customers import customer_profile

    return customer_profile(customer_id)


@endpoint(auth="agent", roles=("admin", "agent"))
def merge_customer(request: Any, principal: Principal, customer_id: str) -> dict[str, Any]:
    """Merge another customer into this one; their identities and histories become one."""
    from chalicelib.services.customers import merge_customers

    body = read_json(request, MergeRequest)
    return merge_customers(principal.key, customer_id, body.customer_id)


@endpoint(auth="agent", roles=("admin",))
def export_customer(request: Any, principal: Principal, customer_id: str) -> dict[str, Any]:
    """All data about a customer (right of access)."""
    from chalicelib.services.customers import export_customer as export

    return export(customer_id)


@endpoint(auth="agent", roles=("admin",))
def erase_customer(request: Any, principal: Principal, customer_id: str) -> dict[str, Any]:
    """Permanently delete a customer with their messages and attachments (right of erasure).

    The customers merged into this one are erased with it. A customer that was merged into another keeps
    nothing of its own but a leftover record: only that is erased (its tickets, identities and mail stay with
    the customer kept), and the answer names that customer in `merged_into`.
    """
    from chalicelib.services.customers import erase_customer as erase

    return erase(principal.key, customer_id)
