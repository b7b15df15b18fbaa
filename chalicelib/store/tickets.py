"""All DynamoDB access for tickets, conversations, messages, customers, audit and the outbox."""
from __future__ import annotations

from typing import Any, Iterable

from chalicelib.domain.events import DomainEvent
from chalicelib.domain.tickets import TICKET_DEFAULTS
from chalicelib.errors import ConflictError
from chalicelib.store import keys
from chalicelib.store.dynamo import from_item, query_all, to_item, transaction_failed_on_condition, value
from chalicelib.store.pagination import decode_cursor, encode_cursor, index_page

_TICKET_FIELDS_HIDDEN = {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk",
                         "gsi5pk", "gsi5sk", "kind"}
# A receipt held on a message while its reply goes out (record_delivery, applied by mark_sent): the store's own,
# read raw there, and never part of a message as anyone else sees it (API, SDK, WebSocket, Zendesk).
_HELD_RECEIPT_FIELDS = ("pending_delivery", "pending_rank", "pending_at", "pending_error")
_MESSAGE_FIELDS_HIDDEN = _TICKET_FIELDS_HIDDEN | set(_HELD_RECEIPT_FIELDS)


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    kind = item.get("kind", {}).get("S")
    hidden = _MESSAGE_FIELDS_HIDDEN if kind == "message" else _TICKET_FIELDS_HIDDEN
    data = {k: v for k, v in from_item(item).items() if k not in hidden}
    if kind == "ticket":  # absent attributes (None is not stored) read back as null
        return {**TICKET_DEFAULTS, **data}
    return data


_DELIVERY_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}  # a receipt never moves a message back


def _sent_update(provider_message_ids: list[str], at: str, details: dict[str, Any] | None,
                 held: dict[str, Any] | None) -> dict[str, Any]:
    """The update marking a message sent: its provider ids and details, and its delivery state: "sent", or the
    receipt held while its parts went out (when later). Conditional on the held receipt being the one read."""
    names = {"#d": "delivery"}
    values: dict[str, Any] = {":pid": value(provider_message_ids[0]), ":failed": value("failed")}
    sets = ["provider_message_id = :pid"]
    parts = {"provider_message_ids": provider_message_ids} if len(provider_message_ids) > 1 else {}
    for index, (name, data) in enumerate({**(details or {}), **parts}.items()):
        names[f"#x{index}"] = name
        values[f":x{index}"] = value(data)
        sets.append(f"#x{index} = :x{index}")
    removes = list(_HELD_RECEIPT_FIELDS)
    later = held is not None and held["pending_rank"] > _DELIVERY_RANK["sent"]
    if later:
        values.update({":state": value(held["pending_delivery"]), ":rank": value(held["pending_rank"]),
                       ":at": value(held["pending_at"])})
        sets += ["#d = :state", "delivery_rank = :rank", "delivery_at = :at"]
    else:
        values.update({":state": value("sent"), ":rank": value(_DELIVERY_RANK["sent"]), ":at": value(at)})
        sets += ["#d = :state", "delivery_rank = :rank", "delivery_at = if_not_exists(delivery_at, :at)"]
    if later and held.get("pending_error"):
        values[":error"] = value(held["pending_error"])
        sets.append("delivery_error = :error")
    else:
        removes.append("delivery_error")
    condition = "attribute_exists(pk) AND (attribute_not_exists(delivery_rank) OR #d = :failed) AND "
    if held:
        values[":held"] = value(held["pending_rank"])
        condition += "pending_rank = :held"
    else:
        condition += "attribute_not_exists(pending_rank)"
    return {"UpdateExpression": "SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
            "ConditionExpression": condition, "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}


def stale_ticket_error(ticket_id: int, expected_version: int) -> ConflictError:
    """The 409 for a write based on an old version of a ticket."""
    return ConflictError(f"ticket {ticket_id} was changed by someone else (version is no longer "
                         f"{expected_version}); reload it and try again")


class DuplicateError(ConflictError):
    """The thing was already written (a redelivered queue message, a retried request)."""


class CapacityError(ConflictError):
    """A capacity claim lost a race: the agent has no room any more."""


Tagged = tuple  # (transaction item, tag): the tag names the error its failed condition means


class TicketStore:
    """Tickets table access; every state change is one TransactWriteItems."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table
        self._months_noted: set[str] = set()

    # ids -----------------------------------------------------------------------------------------
    def allocate_ticket_id(self) -> int:
        """The next human-friendly ticket number (one atomic counter update)."""
        result = self._db.update_item(
            TableName=self._table, Key=to_item(keys.counter("ticket")),
            UpdateExpression="ADD #v :one", ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={":one": value(1)}, ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"]["value"]["N"])

    # customers -----------------------------------------------------------------------------------
    def create_customer(self, customer: dict[str, Any], identities: Iterable[tuple[str, str]]) -> None:
        """Write a customer and its identities; DuplicateError if an identity already belongs to someone."""
        listed = {"gsi1pk": "CUSTOMERS", "gsi1sk": f"{customer.get('created_at') or ''}#{customer['id']}"}
        items: list[Tagged] = [(self._put({**keys.customer(customer["id"]), "kind": "customer", **listed,
                                           **customer}), None)]
        for channel, address in identities:
            items.append((self._put({**keys.identity(channel, address), "kind": "identity", "channel": channel,
                                     "address": address, "customer_id": customer["id"]}, must_be_new=True),
                          "duplicate"))
        self._transact(items, {})

    def list_customers(self, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Customers oldest first, one page (Query GSI1 CUSTOMERS with Limit; a deleted one has left it)."""
        items, next_cursor = index_page(self._db, self._table, "CUSTOMERS", limit, cursor)
        return [_clean(i) for i in items], next_cursor

    def change_customer(self, customer_id: str, seen_updated_at: str | None, changes: dict[str, Any],
                        removed: Iterable[tuple[str, str]] = (), added: Iterable[tuple[str, str]] = ()) -> None:
        """Set profile fields and move identities in one transaction: each removed identity is deleted while it
        points to this customer, each added one must be new (DuplicateError when someone has it). ConflictError
        when the profile changed since it was read (updated_at), was merged away or deleted."""
        names = {f"#f{i}": k for i, k in enumerate(changes)}
        values: dict[str, Any] = {f":v{i}": value(v) for i, v in enumerate(changes.values())}
        condition = "attribute_exists(pk) AND attribute_not_exists(merged_into) AND attribute_not_exists(deleted_at)"
        if seen_updated_at is None:
            condition += " AND attribute_not_exists(updated_at)"
        else:
            names["#seen"], values[":seen"] = "updated_at", value(seen_updated_at)
            condition += " AND #seen = :seen"
        items: list[Tagged] = [({"Update": {
            "TableName": self._table, "Key": to_item(keys.customer(customer_id)),
            "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes))),
            "ConditionExpression": condition, "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values}}, "changed")]
        for channel, address in removed:
            items.append(({"Delete": {"TableName": self._table, "Key": to_item(keys.identity(channel, address)),
                                      "ConditionExpression": "customer_id = :c",
                                      "ExpressionAttributeValues": {":c": value(customer_id)}}}, "changed"))
        for channel, address in added:
            items.append((self._put({**keys.identity(channel, address), "kind": "identity", "channel": channel,
                                     "address": address, "customer_id": customer_id}, must_be_new=True),
                          "duplicate"))
        self._customer_transact(customer_id, items)

    def soft_delete_customer(self, customer_id: str, at: str, identities: Iterable[tuple[str, str]]) -> None:
        """Mark a customer deleted (``deleted_at``; it leaves the customer list) and free the identities that still
        point to it, so a new contact from them starts a new customer. ConflictError when it is merged away or
        deleted already; the profile, its tickets and history stay."""
        items: list[Tagged] = [({"Update": {
            "TableName": self._table, "Key": to_item(keys.customer(customer_id)),
            "UpdateExpression": "SET deleted_at = :at, updated_at = :at REMOVE gsi1pk, gsi1sk",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(merged_into) "
                                   "AND attribute_not_exists(deleted_at)",
            "ExpressionAttributeValues": {":at": value(at)}}}, "changed")]
        self._customer_transact(customer_id, items)
        for channel, address in identities:
            self.delete_identity(channel, address, customer_id)

    def _customer_transact(self, customer_id: str, tagged: list[Tagged]) -> None:
        failed = self._tagged_transact(tagged)
        if "duplicate" in failed:
            raise DuplicateError(f"an identity is taken by another customer than {customer_id}")
        if failed:
            raise ConflictError(f"customer {customer_id} was changed meanwhile; fetch it again and retry")

    def _tagged_transact(self, tagged: list[Tagged]) -> list[str]:
        """One TransactWriteItems; the tags of the items whose condition failed (empty: it was written)."""
        try:
            self._db.transact_write_items(TransactItems=[item for item, _ in tagged])
            return []
        except self._db.exceptions.TransactionCanceledException as error:
            reasons = transaction_failed_on_condition(error)
            failed = [tag for (_, tag), reason in zip(tagged, reasons) if reason == "ConditionalCheckFailed"]
            if not failed:
                raise
            return [str(tag) for tag in failed]

    def get_customer(self, customer_id: str) -> dict[str, Any] | None:
        """A customer profile, or None."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.customer(customer_id))).get("Item")
        return _clean(item) if item else None

    def mark_customer_erased(self, customer_id: str, at: str) -> None:
        """Remember that a customer id was erased (no personal data), so its visitor tokens stay refused."""
        self._db.put_item(TableName=self._table, Item=to_item({**keys.erased_customer(customer_id),
                                                               "kind": "erased_customer", "erased_at": at}))

    def customer_erased(self, customer_id: str) -> bool:
        """Whether the customer id was erased."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.erased_customer(customer_id)),
                                 ProjectionExpression="pk").get("Item")
        return item is not None

    def customer_for_identity(self, channel: str, address: str) -> str | None:
        """The customer id owning (channel, address), in one get."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.identity(channel, address)),
                                 ProjectionExpression="customer_id").get("Item")
        return from_item(item)["customer_id"] if item else None

    def update_customer(self, customer_id: str, changes: dict[str, Any]) -> None:
        """Set fields on a customer profile."""
        names = {f"#f{i}": k for i, k in enumerate(changes)}
        values = {f":v{i}": value(v) for i, v in enumerate(changes.values())}
        self._db.update_item(TableName=self._table, Key=to_item(keys.customer(customer_id)),
                             UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes))),
                             ExpressionAttributeNames=names, ExpressionAttributeValues=values)

    def point_identity(self, channel: str, address: str, customer_id: str) -> None:
        """Make an identity resolve to customer_id (used when customers merge)."""
        self._db.put_item(TableName=self._table, Item=to_item({
            **keys.identity(channel, address), "kind": "identity", "channel": channel, "address": address,
            "customer_id": customer_id}))

    def add_merged_customers(self, customer_id: str, merged_ids: Iterable[str]) -> None:
        """Note customers merged into this one (string set ``merged_ids``; ADD, so merges at the same time all
        count), so erasing it finds their leftovers."""
        self._db.update_item(TableName=self._table, Key=to_item(keys.customer(customer_id)),
                             UpdateExpression="ADD merged_ids :ids",
                             ExpressionAttributeValues={":ids": {"SS": sorted(set(merged_ids))}})

    def retire_merged_customer(self, customer: dict[str, Any], at: str) -> None:
        """Cut the profile of a customer merged into another down to what its id still needs: where it was
        merged (its visitor tokens and links lead there) and when its leftover was erased. No personal data stays.
        ConflictError unless it is still merged into the same customer."""
        stub = {"id": customer["id"], "merged_into": customer["merged_into"], "merged_at": customer.get("merged_at"),
                "erased_at": at}
        try:
            self._db.put_item(TableName=self._table,
                              Item=to_item({**keys.customer(customer["id"]), "kind": "customer", **stub}),
                              ConditionExpression="merged_into = :into",
                              ExpressionAttributeValues={":into": value(customer["merged_into"])})
        except self._db.exceptions.ConditionalCheckFailedException:
            raise ConflictError(f"customer {customer['id']} changed while it was erased; try again") from None

    def delete_identity(self, channel: str, address: str, customer_id: str) -> bool:
        """Delete an identity if it still points to customer_id (conditional delete); False when it points to
        someone else or is gone."""
        try:
            self._db.delete_item(TableName=self._table, Key=to_item(keys.identity(channel, address)),
                                 ConditionExpression="customer_id = :c",
                                 ExpressionAttributeValues={":c": value(customer_id)})
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def set_conversation_customer(self, conversation_id: str, customer_id: str) -> None:
        """Give a conversation to another customer (merge)."""
        self._db.update_item(TableName=self._table, Key=to_item(keys.conversation(conversation_id)),
                             UpdateExpression="SET customer_id = :c", ExpressionAttributeValues={":c": value(customer_id)})

    def all_customer_tickets(self, customer_id: str) -> list[dict[str, Any]]:
        """Every ticket of a customer, newest first (GSI2, all pages)."""
        tickets, cursor = self.list_tickets(requester_id=customer_id, limit=100)
        while cursor:
            more, cursor = self.list_tickets(requester_id=customer_id, limit=100, cursor=cursor)
            tickets.extend(more)
        return tickets

    def partition(self, pk: str) -> list[dict[str, Any]]:
        """Every item under one partition key (a ticket with its audit, or a conversation with its messages)."""
        return [from_item(i) for i in query_all(self._db, TableName=self._table, KeyConditionExpression="pk = :pk",
                                                ExpressionAttributeValues={":pk": value(pk)})]

    def delete_keys(self, item_keys: list[dict[str, str]]) -> None:
        """Delete items by key, 25 per BatchWriteItem."""
        for start in range(0, len(item_keys), 25):
            request = {self._table: [{"DeleteRequest": {"Key": to_item({"pk": k["pk"], "sk": k["sk"]})}}
                                     for k in item_keys[start:start + 25]]}
            while request:
                request = self._db.batch_write_item(RequestItems=request).get("UnprocessedItems") or None

    def record(self, events: list[DomainEvent], log: dict[str, Any] | None = None) -> None:
        """Write outbox rows (and a privacy log entry) for a change that touches no single ticket."""
        items = list(self._outbox_puts(events))
        if log:
            items.append((self._put({"pk": f"PRIVACY#{log['at'][:7]}", "sk": f"{log['at']}#{log['id']}",
                                     "kind": "privacy_log", **log}), None))
        self._transact(items, {})

    # tickets -------------------------------------------------------------------------------------
    def create_ticket(self, ticket: dict[str, Any], message: dict[str, Any], events: list[DomainEvent],
                      audit: dict[str, Any], extra: list[Tagged] = (),
                      more_messages: list[dict[str, Any]] = ()) -> None:
        """Create ticket, conversation, first message, audit entry and outbox rows in one transaction.

        more_messages: further messages after the first (e.g. notes added by triggers), in sequence order.
        Raises DuplicateError when the ticket or an extra item marked "duplicate" exists already
        (a redelivered contact), CapacityError when an extra "capacity" claim does not fit.
        """
        conversation_id = ticket["conversation_id"]
        conversation = {**keys.conversation(conversation_id), "kind": "conversation", "ticket_id": ticket["id"],
                        "customer_id": ticket["requester_id"], "channel": ticket["channel"],
                        "last_seq": (list(more_messages) or [message])[-1]["seq"]}
        self._transact([
            (self._put({**keys.ticket(ticket["id"]), "kind": "ticket", **ticket, **keys.ticket_index_keys(ticket)},
                       must_be_new=True), "duplicate"),
            ({"Put": {"TableName": self._table, "Item": to_item(conversation),  # reserved by the API, or new
                      "ConditionExpression": "attribute_not_exists(pk) OR last_seq = :zero",
                      "ExpressionAttributeValues": {":zero": value(0)}}}, "duplicate"),
            (self._put({**keys.message(conversation_id, message["seq"]), "kind": "message", **message}), None),
            (self._put({**keys.message_id(conversation_id, message["id"]), "kind": "message_id",
                        "seq": message["seq"]}), None),
            *self._message_puts(conversation_id, more_messages),
            (self._audit_put(ticket["id"], audit), None),
            *self._outbox_puts(events),
            *extra,
        ], ticket)

    def append_message(self, ticket: dict[str, Any], message: dict[str, Any], ticket_changes: dict[str, Any],
                       events: list[DomainEvent], audit: dict[str, Any] | None = None,
                       extra: list[Tagged] = (), more_messages: list[dict[str, Any]] = ()) -> dict[str, Any]:
        """Add a message at the conversation's next sequence and update the ticket, in one transaction.

        The ticket update is conditional on its version (optimistic locking) and the message on its id
        being new, so a redelivered message is a DuplicateError and a race is a ConflictError.
        more_messages: further messages right after it (e.g. notes added by triggers), in sequence order.
        Returns the ticket as written.
        """
        conversation_id = ticket["conversation_id"]
        seq = message["seq"]
        last = (list(more_messages) or [message])[-1]["seq"]
        updated = {**ticket, **ticket_changes, "version": ticket["version"] + 1}
        self._transact([
            ({"Update": {"TableName": self._table, "Key": to_item(keys.conversation(conversation_id)),
                         "UpdateExpression": "SET last_seq = :seq", "ConditionExpression": "last_seq = :prev",
                         "ExpressionAttributeValues": {":seq": value(last), ":prev": value(seq - 1)}}}, "stale"),
            (self._put({**keys.message(conversation_id, seq), "kind": "message", **message}, must_be_new=True),
             "stale"),
            (self._put({**keys.message_id(conversation_id, message["id"]), "kind": "message_id", "seq": seq},
                       must_be_new=True), "duplicate"),
            *self._message_puts(conversation_id, more_messages),
            (self._ticket_put(updated, ticket["version"]), "stale"),
            *self._outbox_puts(events),
            *([(self._audit_put(ticket["id"], audit), None)] if audit else []),
            *extra,
        ], ticket)
        return updated

    def message_items(self, conversation_id: str, messages: list[dict[str, Any]], prev_seq: int) -> list[Tagged]:
        """Transaction items adding messages after sequence prev_seq (for a write that has no message of its own).

        The conversation's counter moves from prev_seq to the last message's sequence only if nobody else
        added a message meanwhile (else the write is a ConflictError and is retried on fresh data).
        """
        if not messages:
            return []
        return [
            ({"Update": {"TableName": self._table, "Key": to_item(keys.conversation(conversation_id)),
                         "UpdateExpression": "SET last_seq = :seq", "ConditionExpression": "last_seq = :prev",
                         "ExpressionAttributeValues": {":seq": value(messages[-1]["seq"]),
                                                       ":prev": value(prev_seq)}}}, "stale"),
            *self._message_puts(conversation_id, messages),
        ]

    def message_seq(self, conversation_id: str, message_id: str) -> int | None:
        """The sequence number a message id was stored at, or None."""
        item = self._db.get_item(TableName=self._table,
                                 Key=to_item(keys.message_id(conversation_id, message_id))).get("Item")
        return from_item(item)["seq"] if item else None

    def reserve_conversation(self, conversation_id: str, ticket_id: int, customer_id: str, channel: str) -> None:
        """Record who owns a conversation before its first message is ingested (so follow-ups can be checked)."""
        self._db.put_item(TableName=self._table, Item=to_item({
            **keys.conversation(conversation_id), "kind": "conversation", "ticket_id": ticket_id,
            "customer_id": customer_id, "channel": channel, "last_seq": 0}),
            ConditionExpression="attribute_not_exists(pk)")

    def save_ticket(self, ticket: dict[str, Any], expected_version: int, events: list[DomainEvent],
                    audit: dict[str, Any] | None, extra: list[Tagged] = ()) -> None:
        """Replace a ticket if its stored version is expected_version, with its audit entry and outbox rows.

        ConflictError when someone else changed it first (optimistic locking: never a lost write).
        extra: further tagged transaction items (e.g. an agent's capacity claim) that commit with it.
        """
        self._transact([
            (self._ticket_put(ticket, expected_version), "stale"),
            *self._outbox_puts(events),
            *([(self._audit_put(ticket["id"], audit), None)] if audit else []),
            *extra,
        ], {**ticket, "version": expected_version})

    def thread_put(self, channel: str, customer_id: str, ticket_id: int, conversation_id: str) -> Tagged:
        """The pointer to a customer's latest ticket on a channel (where their next message goes)."""
        return (self._put({**keys.thread(channel, customer_id), "kind": "thread", "ticket_id": ticket_id,
                           "conversation_id": conversation_id}), None)

    def latest_ticket(self, channel: str, customer_id: str) -> dict[str, Any] | None:
        """The customer's latest ticket on a channel, or None (two gets)."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.thread(channel, customer_id))).get("Item")
        return self.get_ticket(from_item(item)["ticket_id"]) if item else None

    def sent_marker(self, channel: str, provider_message_id: str, conversation_id: str, seq: int) -> Tagged:
        """Remember which message a provider id belongs to, for its delivery receipts."""
        return (self._put({**keys.provider(channel, provider_message_id), "kind": "sent",
                           "conversation_id": conversation_id, "seq": seq}), None)

    def record_delivery(self, channel: str, provider_message_id: str, status: str, at: str,
                        error: str | None) -> str:
        """Record a receipt (sent → delivered → read, or failed) for the message a provider id belongs to.

        Returns "applied" (the message shows it), "held", "older" (a later state is known already),
        "unknown" (no message of Parley's has that id) or "missing" (the message was deleted). A receipt for
        an early part of a reply whose later parts are still going out is "held": kept on the message as
        its pending receipt (the latest one), and applied by mark_sent once the last part went out.
        """
        item = self._db.get_item(TableName=self._table,
                                 Key=to_item(keys.provider(channel, provider_message_id))).get("Item")
        if not item:
            return "unknown"
        sent = from_item(item)
        key = to_item(keys.message(sent["conversation_id"], sent["seq"]))
        rank = _DELIVERY_RANK.get(status, 0)
        values = {":status": value(status), ":rank": value(rank), ":at": value(at),
                  **({":error": value(error)} if error else {})}
        for _ in range(5):
            try:  # the message went out: its state moves on
                self._db.update_item(
                    TableName=self._table, Key=key, ExpressionAttributeValues=values,
                    UpdateExpression="SET delivery = :status, delivery_rank = :rank, delivery_at = :at"
                                     + (", delivery_error = :error" if error else ""),
                    ConditionExpression="attribute_exists(delivery_rank) AND delivery_rank < :rank")
                return "applied"
            except self._db.exceptions.ConditionalCheckFailedException:
                pass
            try:  # parts of it are still going out: hold the receipt until mark_sent
                self._db.update_item(
                    TableName=self._table, Key=key, ExpressionAttributeValues=values,
                    UpdateExpression="SET pending_delivery = :status, pending_rank = :rank, pending_at = :at"
                                     + (", pending_error = :error" if error else " REMOVE pending_error"),
                    ConditionExpression="attribute_exists(pk) AND attribute_not_exists(delivery_rank) "
                                        "AND (attribute_not_exists(pending_rank) OR pending_rank < :rank)")
                return "held"
            except self._db.exceptions.ConditionalCheckFailedException:
                pass
            message = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True,
                                        ProjectionExpression="delivery_rank, pending_rank").get("Item")
            if message is None:
                return "missing"
            known = from_item(message)
            if known.get("delivery_rank", known.get("pending_rank", 0)) >= rank:
                return "older"  # e.g. read arrived before delivered
            # else mark_sent went through between the two writes: try again
        raise ConflictError(f"the delivery state of {channel} message {provider_message_id} kept changing; "
                            "the receipt will be tried again")

    def mark_sent(self, channel: str, provider_message_ids: list[str], conversation_id: str, seq: int, at: str,
                  details: dict[str, Any] | None = None) -> bool:
        """Record that a message went out (delivery "sent") with a sent marker per provider id, in one transaction.

        provider_message_ids: one id, or one per part of a reply sent in several; the first is the message's
        provider_message_id and, for several, all are listed in provider_message_ids. details: further
        attributes for the message (e.g. the email's own Message-ID). A receipt held while the parts went
        out (record_delivery) becomes the message's state when it is later than "sent". Returns False when
        the message was marked sent already (a redelivered job) or no longer exists.
        """
        key = to_item(keys.message(conversation_id, seq))
        markers = [self.sent_marker(channel, pid, conversation_id, seq)[0] for pid in provider_message_ids]
        held: dict[str, Any] | None = None  # the first try expects none (one write, the usual case)
        for _ in range(5):
            try:
                self._db.transact_write_items(TransactItems=[*markers, {"Update": {
                    "TableName": self._table, "Key": key,
                    **_sent_update(provider_message_ids, at, details, held)}}])
                return True
            except self._db.exceptions.TransactionCanceledException as error:
                if "ConditionalCheckFailed" not in transaction_failed_on_condition(error):
                    raise
            message = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
            if message is None:
                return False
            current = from_item(message)
            if "delivery_rank" in current and current.get("delivery") != "failed":
                return False
            held = ({k: current.get(k) for k in _HELD_RECEIPT_FIELDS}
                    if "pending_rank" in current else None)
        raise ConflictError(f"message {seq} of conversation {conversation_id} kept changing while it was marked "
                            "sent; the delivery will be tried again")

    def record_part_sent(self, channel: str, conversation_id: str, seq: int, index: int,
                         provider_message_id: str) -> None:
        """Remember that part `index` of a reply sent in several went out, so a retry resumes after it, with its
        sent marker, so a receipt for it that comes before the last part is sent finds the message."""
        self._db.put_item(**self.sent_marker(channel, provider_message_id, conversation_id, seq)[0]["Put"])
        try:
            self._db.update_item(
                TableName=self._table, Key=to_item(keys.message(conversation_id, seq)),
                UpdateExpression="SET provider_message_ids = list_append(if_not_exists(provider_message_ids, :none), :id)",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(provider_message_ids) "
                                    "OR size(provider_message_ids) = :index)",
                ExpressionAttributeValues={":none": value([]), ":id": value([provider_message_id]),
                                           ":index": value(index)})
        except self._db.exceptions.ConditionalCheckFailedException:
            pass  # another try recorded it first

    def mark_delivery_failed(self, conversation_id: str, seq: int, at: str, error: str) -> None:
        """Show on a message that sending it failed, and why (kept until a retry succeeds)."""
        try:
            self._db.update_item(
                TableName=self._table, Key=to_item(keys.message(conversation_id, seq)),
                UpdateExpression="SET delivery = :failed, delivery_at = :at, delivery_error = :error",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(delivery_rank)",
                ExpressionAttributeValues={":failed": value("failed"), ":at": value(at),
                                           ":error": value(error[:1000])})
        except self._db.exceptions.ConditionalCheckFailedException:
            pass  # it was sent (or a receipt arrived) meanwhile: that state wins

    def mark_undeliverable(self, customer_id: str, addresses: list[str], at: str, reason: str) -> None:
        """Flag a customer's email addresses as undeliverable (a bounce), with when and why."""
        self._db.update_item(
            TableName=self._table, Key=to_item(keys.customer(customer_id)),
            UpdateExpression="ADD undeliverable_emails :addresses SET last_bounce = :bounce",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":addresses": {"SS": sorted(set(addresses))},
                                       ":bounce": value({"addresses": sorted(set(addresses)), "at": at,
                                                         "reason": reason[:500]})})

    def record_audit(self, ticket_id: int, audit: dict[str, Any]) -> None:
        """Add an entry to a ticket's audit trail that changes nothing else (e.g. a bounced reply)."""
        self._db.put_item(TableName=self._table, Item=self._audit_put(ticket_id, audit)["Put"]["Item"])

    def audit_item(self, ticket_id: int, audit: dict[str, Any]) -> Tagged:
        """A further audit entry for a transaction (e.g. the routing decision made at creation)."""
        return (self._audit_put(ticket_id, audit), None)

    def inbound_marker(self, channel: str, message_id: str) -> Tagged:
        """An item that exists once per inbound message: a redelivery fails on it (DuplicateError)."""
        return (self._put({**keys.inbound(channel, message_id), "kind": "inbound"}, must_be_new=True), "duplicate")

    def has_inbound(self, channel: str, message_id: str) -> bool:
        """True once the inbound message is stored (its marker exists): a redelivery has nothing left to do."""
        return "Item" in self._db.get_item(TableName=self._table, Key=to_item(keys.inbound(channel, message_id)),
                                           ProjectionExpression="pk")

    def get_ticket(self, ticket_id: int) -> dict[str, Any] | None:
        """One ticket, or None."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.ticket(ticket_id))).get("Item")
        return _clean(item) if item else None

    def get_ticket_and_item(self, ticket_id: int, table: str, key: dict[str, Any]
                            ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """One ticket and one raw item of another table (read consistently) in one BatchGetItem round trip."""
        request: dict[str, Any] = {self._table: {"Keys": [to_item(keys.ticket(ticket_id))]},
                                   table: {"Keys": [to_item(key)], "ConsistentRead": True}}
        ticket = item = None
        while request:
            result = self._db.batch_get_item(RequestItems=request)
            for found in result["Responses"].get(self._table, []):
                ticket = _clean(found)
            for found in result["Responses"].get(table, []):
                item = found
            request = result.get("UnprocessedKeys") or None
        return ticket, item

    def get_tickets(self, ticket_ids: list[int]) -> list[dict[str, Any]]:
        """Several tickets in one BatchGetItem (missing ones are left out)."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(ticket_ids), 100):
            request = {self._table: {"Keys": [to_item(keys.ticket(i)) for i in ticket_ids[start:start + 100]]}}
            while request:
                result = self._db.batch_get_item(RequestItems=request)
                found.extend(_clean(item) for item in result["Responses"].get(self._table, []))
                request = result.get("UnprocessedKeys") or None
        return found

    def list_tickets(self, *, status: str | None = None, assignee_id: str | None = None,
                     requester_id: str | None = None, limit: int = 25, cursor: str | None = None
                     ) -> tuple[list[dict[str, Any]], str | None]:
        """Tickets newest first from the index that fits the filter; returns (tickets, next cursor)."""
        state = decode_cursor(cursor) or {}
        if requester_id:
            return self._query_index("gsi2", f"CUSTOMER#{requester_id}", limit, state, status=status)
        if assignee_id:
            return self._query_index("gsi3", f"ASSIGNEE#{assignee_id}", limit, state, status=status)
        if status:
            return self._query_index("gsi1", f"STATUS#{status}", limit, state)
        return self._query_months(limit, state)

    def _query_index(self, index: str, pk: str, limit: int, state: dict, status: str | None = None):
        params: dict[str, Any] = {
            "TableName": self._table, "IndexName": index.upper(),
            "KeyConditionExpression": f"{index}pk = :pk", "ExpressionAttributeValues": {":pk": value(pk)},
            "ScanIndexForward": False, "Limit": limit,
        }
        if status:
            params["FilterExpression"] = "#s = :status"
            params["ExpressionAttributeNames"] = {"#s": "status"}
            params["ExpressionAttributeValues"][":status"] = value(status)
        if state.get("key"):
            params["ExclusiveStartKey"] = to_item(state["key"])
        result = self._db.query(**params)
        last = result.get("LastEvaluatedKey")
        return [_clean(i) for i in result["Items"]], encode_cursor({"key": from_item(last)} if last else None)

    def _query_months(self, limit: int, state: dict):
        """Walk the created-month partitions from the newest back to the first ticket's month."""
        first = self._counter_attribute("ticket", "first_month")
        month = state.get("month") or _current_month()
        start_key = state.get("key")
        found: list[dict[str, Any]] = []
        while first and month >= first and len(found) < limit:
            params: dict[str, Any] = {
                "TableName": self._table, "IndexName": "GSI4", "KeyConditionExpression": "gsi4pk = :pk",
                "ExpressionAttributeValues": {":pk": value(f"CREATED#{month}")}, "ScanIndexForward": False,
                "Limit": limit - len(found),
            }
            if start_key:
                params["ExclusiveStartKey"] = to_item(start_key)
            result = self._db.query(**params)
            found.extend(_clean(i) for i in result["Items"])
            last = result.get("LastEvaluatedKey")
            if last:
                start_key = from_item(last)
                if len(found) >= limit:
                    return found, encode_cursor({"month": month, "key": start_key})
            else:
                month, start_key = _previous_month(month), None
        more = first and month >= first
        return found, encode_cursor({"month": month, "key": start_key} if more else None)

    def queue_length(self, department: str | None) -> int:
        """How many tickets wait, unassigned, in a department's queue (one COUNT query)."""
        params: dict[str, Any] = {"TableName": self._table, "IndexName": "GSI3", "Select": "COUNT",
                                  "KeyConditionExpression": "gsi3pk = :pk",
                                  "ExpressionAttributeValues": {":pk": value(keys.queue(department))}}
        count = 0
        while True:
            result = self._db.query(**params)
            count += result["Count"]
            if "LastEvaluatedKey" not in result:
                return count
            params["ExclusiveStartKey"] = result["LastEvaluatedKey"]

    def waiting(self, department: str | None, limit: int = 50) -> list[dict[str, Any]]:
        """The next waiting tickets of a department's queue: priority first, then oldest (one query)."""
        result = self._db.query(TableName=self._table, IndexName="GSI3", KeyConditionExpression="gsi3pk = :pk",
                                ExpressionAttributeValues={":pk": value(keys.queue(department))}, Limit=limit)
        return [_clean(i) for i in result["Items"]]

    def daily_stats(self, day: str) -> dict[str, Any]:
        """Counters for one day (e.g. CSAT good/bad), kept by the writes that change them."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.daily_stats(day))).get("Item")
        return from_item(item) if item else {}

    def stats_change(self, day: str, deltas: dict[str, int]) -> Tagged:
        """A transaction item adding to a day's counters (one item: one update)."""
        names = {f"#c{i}": name for i, name in enumerate(deltas)}
        values = {f":d{i}": value(delta) for i, delta in enumerate(deltas.values())}
        return ({"Update": {"TableName": self._table, "Key": to_item(keys.daily_stats(day)),
                            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :d{i}" for i in range(len(deltas))),
                            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}, None)

    def note_first_month(self, month: str) -> None:
        """Remember the oldest created-month so listing knows where to stop (one write per month per container)."""
        if month in self._months_noted:
            return
        try:
            self._db.update_item(
                TableName=self._table, Key=to_item(keys.counter("ticket")),
                UpdateExpression="SET first_month = :m",
                ConditionExpression="attribute_not_exists(first_month) OR first_month > :m",
                ExpressionAttributeValues={":m": value(month)},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            pass
        self._months_noted.add(month)

    def _counter_attribute(self, name: str, attribute: str) -> Any:
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.counter(name))).get("Item") or {}
        return from_item(item).get(attribute)

    # conversations and messages ------------------------------------------------------------------
    def get_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        """The conversation's ticket id, customer id and last sequence number."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.conversation(conversation_id))).get("Item")
        return _clean(item) if item else None

    def conversation_of(self, ticket: dict[str, Any], known: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The ticket's conversation: known when it is that one (a caller's fresh copy; a stale one fails the
        write's condition), else read."""
        if known is not None and known.get("ticket_id") == ticket["id"]:
            return known
        return self.get_conversation(ticket["conversation_id"])

    def messages(self, conversation_id: str, *, after_seq: int = 0, limit: int = 100,
                 public_only: bool = False) -> list[dict[str, Any]]:
        """Messages after a sequence number, oldest first, in one query."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
            "ExpressionAttributeValues": {
                ":pk": value(f"CONV#{conversation_id}"),
                ":from": value(f"MSG#{after_seq + 1:010d}"), ":to": value("MSG#9999999999"),
            },
            "Limit": limit,
        }
        if public_only:
            params["FilterExpression"] = "#p = :true"
            params["ExpressionAttributeNames"] = {"#p": "public"}
            params["ExpressionAttributeValues"][":true"] = value(True)
        return [_clean(i) for i in self._db.query(**params)["Items"]]

    def audit(self, ticket_id: int, limit: int = 200) -> list[dict[str, Any]]:
        """A ticket's audit trail, oldest first."""
        result = self._db.query(
            TableName=self._table, KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
            ExpressionAttributeValues={":pk": value(f"TICKET#{ticket_id}"), ":a": value("AUDIT#")}, Limit=limit,
        )
        return [_clean(i) for i in result["Items"]]

    # the clock's due-time index ------------------------------------------------------------------
    def due_tickets(self, bucket: str, until: str, limit: int = 100,
                    start_key: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any] | None, int]:
        """Tickets in one due-time bucket whose due time is at or before until (one query on GSI5).

        Returns (tickets, the key to continue from or None, how many index items were read): only due
        tickets are read, because the sort key starts with the due time.
        """
        params: dict[str, Any] = {
            "TableName": self._table, "IndexName": "GSI5",
            "KeyConditionExpression": "gsi5pk = :bucket AND gsi5sk <= :until",
            "ExpressionAttributeValues": {":bucket": value(bucket), ":until": value(f"{until}#~")}, "Limit": limit,
        }
        if start_key:
            params["ExclusiveStartKey"] = to_item(start_key)
        result = self._db.query(**params)
        last = result.get("LastEvaluatedKey")
        return [_clean(i) for i in result["Items"]], (from_item(last) if last else None), result.get("ScannedCount", 0)

    def clock_cursor(self, name: str) -> str | None:
        """The due-time bucket a clock job starts from next time, or None before its first run."""
        item = self._db.get_item(TableName=self._table, Key=to_item(keys.clock_cursor(name))).get("Item")
        return from_item(item).get("bucket") if item else None

    def set_clock_cursor(self, name: str, bucket: str) -> None:
        """Remember the due-time bucket a clock job starts from next time."""
        self._db.put_item(TableName=self._table, Item=to_item({**keys.clock_cursor(name), "kind": "clock_cursor",
                                                                "bucket": bucket}))

    # outbox --------------------------------------------------------------------------------------
    def pending_outbox(self, limit: int = 100) -> list[dict[str, Any]]:
        """Outbox rows not yet published, oldest first (the clock's safety net)."""
        result = self._db.query(
            TableName=self._table, IndexName="GSI1", KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": value("OUTBOX")}, Limit=limit,
        )
        return [_clean(i) for i in result["Items"]]

    def delete_outbox(self, event_ids: list[str]) -> None:
        """Remove published outbox rows."""
        for start in range(0, len(event_ids), 25):
            request = {self._table: [{"DeleteRequest": {"Key": to_item(keys.outbox(e))}}
                                     for e in event_ids[start:start + 25]]}
            while request:
                request = self._db.batch_write_item(RequestItems=request).get("UnprocessedItems") or None

    # helpers -------------------------------------------------------------------------------------
    def _outbox_puts(self, events: list[DomainEvent]) -> list[Tagged]:
        return [(self._put({**keys.outbox(e.id), "kind": "outbox", "gsi1pk": "OUTBOX", "gsi1sk": e.occurred_at,
                            **e.to_dict()}), None) for e in events]

    def _message_puts(self, conversation_id: str, messages: list[dict[str, Any]]) -> list[Tagged]:
        items: list[Tagged] = []
        for message in messages:
            items.append((self._put({**keys.message(conversation_id, message["seq"]), "kind": "message", **message},
                                    must_be_new=True), "stale"))
            items.append((self._put({**keys.message_id(conversation_id, message["id"]), "kind": "message_id",
                                     "seq": message["seq"]}, must_be_new=True), "duplicate"))
        return items

    def _audit_put(self, ticket_id: int, audit: dict[str, Any]) -> dict[str, Any]:
        return self._put({**keys.audit(ticket_id, audit["at"], audit["id"]), "kind": "audit", **audit})

    def _ticket_put(self, ticket: dict[str, Any], expected_version: int) -> dict[str, Any]:
        return {"Put": {"TableName": self._table,
                        "Item": to_item({**keys.ticket(ticket["id"]), "kind": "ticket", **ticket,
                                         **keys.ticket_index_keys(ticket)}),
                        "ConditionExpression": "#ver = :expected", "ExpressionAttributeNames": {"#ver": "version"},
                        "ExpressionAttributeValues": {":expected": value(expected_version)}}}

    def _put(self, data: dict[str, Any], must_be_new: bool = False) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": to_item(data)}
        if must_be_new:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        return {"Put": put}

    def _transact(self, tagged: list[Tagged], ticket: dict[str, Any]) -> None:
        """One TransactWriteItems; a failed condition raises the error its item's tag names."""
        failed = self._tagged_transact(tagged)
        if "duplicate" in failed:
            raise DuplicateError(f"this was stored already (ticket {ticket.get('id')})")
        if "capacity" in failed:
            raise CapacityError("the agent's capacity was taken meanwhile; route again")
        if failed:
            raise stale_ticket_error(ticket["id"], ticket["version"])


def _current_month() -> str:
    from chalicelib.clock import iso, now

    return iso(now())[:7]


def _previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"
