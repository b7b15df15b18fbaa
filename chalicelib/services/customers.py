"""Customers and their identities: every contact resolves to one customer."""
from __future__ import annotations

import uuid
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.store.tickets import DuplicateError


def new_customer_id() -> str:
    """A fresh customer id."""
    return "c_" + uuid.uuid4().hex[:20]


def resolve_customer(store: Any, channel: str, address: str, *, name: str | None = None,
                     email: str | None = None) -> str:
    """The customer owning (channel, address), created on first contact (one get when known)."""
    existing = store.customer_for_identity(channel, address)
    if existing:
        return existing
    customer = {"id": new_customer_id(), "name": name or _default_name(channel, address), "email": email,
                "created_at": iso(now()), "identities": [{"channel": channel, "address": address}]}
    try:
        store.create_customer(customer, [(channel, address)])
    except DuplicateError:  # another request created it a moment ago
        return store.customer_for_identity(channel, address)
    return customer["id"]


def _default_name(channel: str, address: str) -> str:
    if channel == "web":
        return f"Visitor {address[:6]}"
    return address
