"""Customers and their identities: every contact resolves to one customer."""
from __future__ import annotations

import uuid
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.store.tickets import DuplicateError


def new_customer_id() -> str:
    """A fresh customer id."""
    return "c_" + uuid.uuid4().hex[:20]


def resolve_customer(store: Any, channel: str, address: str, *, name: str | None = None,
                     email: str | None = None, customer_id: str | None = None) -> str:
    """The customer owning (channel, address), created on first contact (one get when known).

    customer_id is the id a new customer gets (a fresh one when not given).
    """
    from chalicelib.services.organizations import organization_for_email

    existing = store.customer_for_identity(channel, address)
    if existing:
        return existing
    customer = {"id": customer_id or new_customer_id(), "name": name or _default_name(channel, address), "email": email,
                "created_at": iso(now()), "identities": [{"channel": channel, "address": address}],
                "organization_id": organization_for_email(email or (address if channel == "email" else None))}
    try:
        store.create_customer(customer, [(channel, address)])
    except DuplicateError:  # another request created it a moment ago
        return store.customer_for_identity(channel, address)
    return customer["id"]


def save_new_visitor(customer_id: str, name: str | None) -> None:
    """Write an anonymous visitor's customer record, with the id their token carries (on their first conversation)."""
    from chalicelib.bootstrap import ticket_store

    resolve_customer(ticket_store(), "web", customer_id, name=name, customer_id=customer_id)


def _default_name(channel: str, address: str) -> str:
    if channel == "web":
        return f"Visitor {address[-6:]}"
    return address


def customer_profile(customer_id: str) -> dict[str, Any]:
    """A customer with open and past tickets across channels and their ratings (CSAT)."""
    from chalicelib.bootstrap import ticket_store

    store = ticket_store()
    customer = store.get_customer(customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    if customer.get("merged_into"):
        return customer_profile(customer["merged_into"])
    tickets = store.all_customer_tickets(customer_id)
    summary = [{k: t.get(k) for k in ("id", "subject", "status", "channel", "created_at", "updated_at", "rating")}
               for t in tickets]
    ratings = [t["rating"] for t in tickets if t.get("rating")]
    good = sum(1 for r in ratings if (r.get("score") if isinstance(r, dict) else r) == "good")
    return {"customer": customer,
            "open_tickets": [t for t in summary if t["status"] in ("new", "open", "pending", "on_hold")],
            "past_tickets": [t for t in summary if t["status"] in ("solved", "closed")],
            "csat": {"rated": len(ratings), "good": good, "score": round(good / len(ratings), 3) if ratings else None}}


def merge_customers(actor: str, keep_id: str, merge_id: str) -> dict[str, Any]:
    """Merge customer merge_id into keep_id: identities, tickets and conversations move; the other is retired.

    Each step is idempotent, so a merge interrupted half-way finishes when run again. The customer kept notes
    the ids merged into it (``merged_ids``, with those merged into the other before) first, so erasing it finds
    them even then. A customer merged into someone already cannot be merged into a third: its identities
    belong to the first now.
    """
    from chalicelib.bootstrap import event_publisher, ticket_store
    from chalicelib.domain import events as ev

    store = ticket_store()
    if keep_id == merge_id:
        raise ValidationError("a customer cannot be merged into itself")
    keep, gone = store.get_customer(keep_id), store.get_customer(merge_id)
    if keep is None or gone is None:
        raise NotFoundError(f"customer {keep_id if keep is None else merge_id} not found")
    if keep.get("merged_into"):
        raise ValidationError(f"customer {keep_id} was itself merged into {keep['merged_into']}; merge into that one")
    if gone.get("merged_into") and gone["merged_into"] != keep_id:
        raise ValidationError(f"customer {merge_id} was merged into {gone['merged_into']} already; "
                              "its identities and tickets are there now")
    store.add_merged_customers(keep_id, [merge_id, *(gone.get("merged_ids") or [])])
    identities = _unique([*(keep.get("identities") or []), *(gone.get("identities") or [])])
    for identity in gone.get("identities") or []:
        store.point_identity(identity["channel"], identity["address"], keep_id)
    moved = 0
    for ticket in store.all_customer_tickets(merge_id):
        _move_ticket(store, ticket["id"], keep_id)
        store.set_conversation_customer(ticket["conversation_id"], keep_id)
        moved += 1
    store.update_customer(keep_id, {"identities": identities, **({"email": gone["email"]} if gone.get("email")
                                                                 and not keep.get("email") else {})})
    at = iso(now())
    store.update_customer(merge_id, {"merged_into": keep_id, "merged_at": at})
    event = ev.DomainEvent(ev.CUSTOMER_MERGED, {"customer_id": keep_id, "merged_id": merge_id, "actor": actor,
                                                "tickets_moved": moved}, at)
    store.record([event], {"id": event.id, "at": at, "actor": actor, "action": "customer_merged",
                           "customer_id": keep_id, "merged_id": merge_id, "tickets": moved})
    event_publisher().publish([event.to_dict()])
    return customer_profile(keep_id)


def _move_ticket(store: Any, ticket_id: int, customer_id: str) -> None:
    from chalicelib.errors import ConflictError

    for _ in range(5):
        ticket = store.get_ticket(ticket_id)
        if ticket is None or ticket["requester_id"] == customer_id:
            return
        try:
            store.save_ticket({**ticket, "requester_id": customer_id, "version": ticket["version"] + 1},
                              ticket["version"], [], None)
            return
        except ConflictError:
            continue
    raise ConflictError(f"ticket {ticket_id} kept changing during the merge; run the merge again")


def _unique(identities: list[dict[str, str]]) -> list[dict[str, str]]:
    seen, result = set(), []
    for identity in identities:
        key = (identity["channel"], identity["address"])
        if key not in seen:
            seen.add(key)
            result.append(identity)
    return result


def export_customer(customer_id: str) -> dict[str, Any]:
    """Everything Parley holds about a customer (GDPR right of access)."""
    from chalicelib.bootstrap import ticket_store

    store = ticket_store()
    customer = store.get_customer(customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    tickets = []
    for ticket in store.all_customer_tickets(customer_id):
        tickets.append({"ticket": ticket, "messages": store.messages(ticket["conversation_id"], limit=10_000),
                        "audit": store.audit(ticket["id"], limit=10_000)})
    return {"customer": customer, "tickets": tickets, "exported_at": iso(now())}


def erase_customer(actor: str, customer_id: str) -> dict[str, Any]:
    """Permanently delete a customer with their tickets, messages and files (GDPR erasure).

    Files are the attachments, the raw copy of each email the customer sent (``inbound-mail/``, named
    on its message) and every mail of theirs in quarantine (found by their email addresses). The
    privacy log keeps who erased whom and how much — never the personal data itself.
    """
    from chalicelib.bootstrap import email_intake_store, ticket_store
    from chalicelib.services.routing import capacity_items

    store = ticket_store()
    customer = store.get_customer(customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    tickets = store.all_customer_tickets(customer_id)
    item_keys: list[dict[str, str]] = []
    raw_mails: set[str] = set()
    for ticket in tickets:
        release = capacity_items(ticket, {**ticket, "status": "closed"})
        if release:
            store.save_ticket({**ticket, "status": "closed", "version": ticket["version"] + 1}, ticket["version"],
                              [], None, extra=release)
        item_keys += store.partition(f"TICKET#{ticket['id']}") + store.partition(f"CONV#{ticket['conversation_id']}")
        raw_mails |= _delete_ticket_files(store, ticket)
    quarantined = [record for address in _email_addresses(customer)
                   for record in email_intake_store().quarantined_from(address)]
    _delete_objects(sorted({key for record in quarantined for key in (record.get("s3_key"), record.get("raw_key"))
                            if _is_mail_key(key)}))
    item_keys += [{"pk": record["pk"], "sk": record["sk"]} for record in quarantined]
    item_keys += store.partition(f"CUSTOMER#{customer_id}")
    item_keys += [{"pk": f"IDENTITY#{i['channel']}#{i['address']}", "sk": "IDENTITY"}
                  for i in customer.get("identities") or []]
    at = iso(now())
    store.mark_customer_erased(customer_id, at)  # first: while the profile goes, its tokens never pass as new visitors
    store.delete_keys(item_keys)
    store.record([], {"id": uuid.uuid4().hex, "at": at, "actor": actor, "action": "customer_erased",
                      "customer_id": customer_id, "tickets": len(tickets), "items": len(item_keys),
                      "raw_mails": len(raw_mails), "quarantined_mails": len(quarantined)})
    return {"customer_id": customer_id, "tickets_deleted": len(tickets), "items_deleted": len(item_keys),
            "raw_mails_deleted": len(raw_mails), "quarantined_mails_deleted": len(quarantined)}


def _email_addresses(customer: dict[str, Any]) -> list[str]:
    """The customer's email identities (the addresses their mail came from), lower-case."""
    return sorted({i["address"].lower() for i in customer.get("identities") or []
                   if i.get("channel") == "email" and i.get("address")})


def _is_mail_key(key: Any) -> bool:
    """Whether key names a received mail's copy: erasure deletes only under the raw and quarantine prefixes."""
    from chalicelib.services.email_inbound import QUARANTINE_PREFIX, RAW_PREFIX

    return isinstance(key, str) and any(key.startswith(prefix) and len(key) > len(prefix)
                                        and "/" not in key[len(prefix):] for prefix in (RAW_PREFIX, QUARANTINE_PREFIX))


def _delete_ticket_files(store: Any, ticket: dict[str, Any]) -> set[str]:
    """Delete a ticket's files: its own folder, every file its messages list (a customer's files, from
    email or a messaging channel, are kept in a folder per message) and the raw copy of each email its
    messages came from. Returns the raw mail keys deleted."""
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    messages = store.messages(ticket["conversation_id"], limit=10_000)
    keys = {a["key"] for message in messages
            for a in message.get("attachments") or [] if isinstance(a, dict) and a.get("key")}
    raw = {key for message in messages if _is_mail_key(key := (message.get("email") or {}).get("raw_key"))}
    s3 = client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings().attachments_bucket,
                                                              Prefix=f"attachments/{ticket['id']}/"):
        keys.update(o["Key"] for o in page.get("Contents", []))
    _delete_objects(sorted(keys | raw))
    return raw


def _delete_objects(keys: list[str]) -> None:
    """Delete objects from the attachments bucket, 1000 keys per request (delete_objects' limit)."""
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    s3 = client("s3")
    for start in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=settings().attachments_bucket,
                          Delete={"Objects": [{"Key": key} for key in keys[start:start + 1000]]})
