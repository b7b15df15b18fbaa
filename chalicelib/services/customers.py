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
    on its message), every mail of theirs in quarantine and the raw copy of every mail from or about
    them that became no message — their auto-replies, mail they sent again, bounces of mail to them
    (both found by their email addresses). The privacy log keeps who erased whom and how much — never
    the personal data itself.

    Only what is the customer's goes: an identity is deleted only while it still points to them
    (a conditional delete), and quarantined and unticketed mail is looked up only by the email
    addresses that do — or, for a customer deleted through the Zendesk API (its identities freed),
    by its former addresses, taking only mail received before the deletion.
    The customers merged into this one are erased with it: their tickets, identities and mail moved
    here at the merge, and their leftover profiles and own items (thread pointers, page visits) go
    now; their ids are marked erased too, so their old visitor tokens stop working.

    A customer that was merged into another has nothing left of its own but that leftover: its
    tickets, conversations and identities (so also its mail) belong to the customer kept, and stay
    there; erasing it erases the leftover only (as Zendesk keeps a merged user as deleted). Its
    profile is cut down to ``merged_into``, ``merged_at`` and ``erased_at``, with no personal data,
    so its visitor tokens and links still lead to the customer kept. The answer names that customer
    (``merged_into``) and says to erase it to erase the rest.
    """
    from chalicelib.bootstrap import email_intake_store, ticket_store
    from chalicelib.services.routing import capacity_items

    store = ticket_store()
    customer = store.get_customer(customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    merged_into = customer.get("merged_into")
    erased, profiles = ([customer], [customer]) if merged_into else _with_merged_customers(store, customer)
    ids = {c["id"] for c in erased}
    tickets = [ticket for c in erased for ticket in store.all_customer_tickets(c["id"])]
    item_keys: list[dict[str, str]] = []
    raw_mails: set[str] = set()
    for ticket in tickets:
        release = capacity_items(ticket, {**ticket, "status": "closed"})
        if release:
            store.save_ticket({**ticket, "status": "closed", "version": ticket["version"] + 1}, ticket["version"],
                              [], None, extra=release)
        item_keys += store.partition(f"TICKET#{ticket['id']}") + store.partition(f"CONV#{ticket['conversation_id']}")
        raw_mails |= _delete_ticket_files(store, ticket)
    owned = [(identity, owner) for identity in _unique([i for c in profiles for i in c.get("identities") or []])
             if (owner := store.customer_for_identity(identity["channel"], identity["address"])) in ids]
    addresses = _email_addresses([identity for identity, _ in owned])
    # a soft-deleted customer's addresses were freed: their mail is what came before the deletion
    freed = [(address, c["deleted_at"]) for c in profiles if c.get("deleted_at")
             for address in _email_addresses(c.get("identities") or []) if address not in addresses]
    quarantined = _mail_records(email_intake_store().quarantined_from, addresses, freed)
    unticketed = _mail_records(email_intake_store().unticketed_mail_of, addresses, freed)
    unticketed_raw = {key for record in unticketed if _is_mail_key(key := record.get("raw_key"))} - raw_mails
    _delete_objects(sorted({key for record in quarantined for key in (record.get("s3_key"), record.get("raw_key"))
                            if _is_mail_key(key)} | unticketed_raw))
    item_keys += [{"pk": record["pk"], "sk": record["sk"]} for record in (*quarantined, *unticketed)]
    leftovers = [item for c in erased for item in store.partition(f"CUSTOMER#{c['id']}")
                 if item["sk"] != "ERASED" and not (merged_into and item["sk"] == "PROFILE")]
    at = iso(now())
    if not merged_into:  # first: while the profiles go, their tokens never pass as new visitors
        for c in erased:
            store.mark_customer_erased(c["id"], at)
    store.delete_keys(item_keys)
    identities_deleted = sum(store.delete_identity(identity["channel"], identity["address"], owner)
                             for identity, owner in owned)
    store.delete_keys(sorted(leftovers, key=lambda item: item["sk"] == "PROFILE"))  # profiles last: a retry finds them
    if merged_into:
        store.retire_merged_customer(customer, at)
    counts = {"tickets": len(tickets), "items": len(item_keys) + identities_deleted + len(leftovers),
              "raw_mails": len(raw_mails), "quarantined_mails": len(quarantined),
              "unticketed_mails": len(unticketed_raw)}
    store.record([], {"id": uuid.uuid4().hex, "at": at, "actor": actor, "action": "customer_erased",
                      "customer_id": customer_id, **counts,
                      **({"merged_into": merged_into} if merged_into else {"merged_customers": len(erased) - 1})})
    result = {"customer_id": customer_id, **{f"{name}_deleted": count for name, count in counts.items()}}
    if merged_into:
        return {**result, "merged_into": merged_into,
                "message": f"customer {customer_id} was merged into {merged_into}: its tickets, identities and mail "
                           f"are {merged_into}'s now and were kept; only its leftover record was erased. "
                           f"Erase {merged_into} to erase them."}
    return {**result, "merged_customers_erased": len(erased) - 1}


def _with_merged_customers(store: Any, customer: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the customer and every customer merged into it, directly or through another; every profile its merges
    name, including a merge not finished, whose identities may point to it already)."""
    profiles = {customer["id"]: customer}
    pending = list(customer.get("merged_ids") or [])
    while pending:
        merged_id = pending.pop()
        if merged_id not in profiles and (profile := store.get_customer(merged_id)) is not None:
            profiles[merged_id] = profile
            pending += profile.get("merged_ids") or []
    ids = {customer["id"]}
    while more := {i for i, p in profiles.items() if i not in ids and p.get("merged_into") in ids}:
        ids |= more
    return [p for i, p in profiles.items() if i in ids], list(profiles.values())


def _mail_records(lookup: Any, addresses: list[str], freed: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The mail records of the addresses, and of freed addresses those received until they were freed."""
    records = {(r["pk"], r["sk"]): r for address in addresses for r in lookup(address)}
    records.update({(r["pk"], r["sk"]): r for address, until in freed for r in lookup(address)
                    if str(r.get("received_at") or "") <= until})
    return list(records.values())


def _email_addresses(identities: list[dict[str, str]]) -> list[str]:
    """The addresses of the email identities among identities (where a customer's mail came from), lower-case."""
    return sorted({i["address"].lower() for i in identities if i.get("channel") == "email" and i.get("address")})


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
