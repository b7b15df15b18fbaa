"""Key layout of the tickets table (see docs/access-patterns.md)."""
from __future__ import annotations


def ticket(ticket_id: int) -> dict[str, str]:
    return {"pk": f"TICKET#{ticket_id}", "sk": "TICKET"}


def conversation(conversation_id: str) -> dict[str, str]:
    return {"pk": f"CONV#{conversation_id}", "sk": "CONV"}


def message(conversation_id: str, seq: int) -> dict[str, str]:
    return {"pk": f"CONV#{conversation_id}", "sk": f"MSG#{seq:010d}"}


def message_id(conversation_id: str, message_id: str) -> dict[str, str]:
    return {"pk": f"CONV#{conversation_id}", "sk": f"MSGID#{message_id}"}


def thread(channel: str, customer_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": f"THREAD#{channel}"}


def inbound(channel: str, message_id: str) -> dict[str, str]:
    return {"pk": f"INBOUND#{channel}#{message_id}", "sk": "INBOUND"}


def provider(channel: str, provider_message_id: str) -> dict[str, str]:
    return {"pk": f"SENT#{channel}#{provider_message_id}", "sk": "SENT"}


def daily_stats(day: str) -> dict[str, str]:
    return {"pk": f"STATS#{day}", "sk": "STATS"}


def customer(customer_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": "PROFILE"}


def erased_customer(customer_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": "ERASED"}


def identity(channel: str, address: str) -> dict[str, str]:
    return {"pk": f"IDENTITY#{channel}#{address}", "sk": "IDENTITY"}


def outbox(event_id: str) -> dict[str, str]:
    return {"pk": f"OUTBOX#{event_id}", "sk": "OUTBOX"}


def counter(name: str) -> dict[str, str]:
    return {"pk": f"COUNTER#{name}", "sk": "COUNTER"}


def audit(ticket_id: int, at: str, event_id: str) -> dict[str, str]:
    return {"pk": f"TICKET#{ticket_id}", "sk": f"AUDIT#{at}#{event_id[:8]}"}


def month_bucket(created_at: str) -> str:
    """The created-month partition of the all-tickets index ("CREATED#2026-11")."""
    return f"CREATED#{created_at[:7]}"


def ticket_index_keys(t: dict) -> dict[str, str]:
    """The GSI attributes of a ticket item, derived from its fields (never set by hand)."""
    order = f"{t['created_at']}#{int(t['id']):010d}"
    keys = {
        "gsi1pk": f"STATUS#{t['status']}", "gsi1sk": order,
        "gsi2pk": f"CUSTOMER#{t['requester_id']}", "gsi2sk": order,
        "gsi4pk": month_bucket(t["created_at"]), "gsi4sk": order,
    }
    if t.get("next_due_at"):
        keys["gsi5pk"] = due_bucket(t["next_due_at"])
        keys["gsi5sk"] = f"{t['next_due_at']}#{int(t['id']):010d}"
    if t.get("assignee_id"):
        keys["gsi3pk"] = f"ASSIGNEE#{t['assignee_id']}"
        keys["gsi3sk"] = order
    elif t["status"] in ("new", "open"):
        from chalicelib.domain.routing.queue import queue_sort_key

        keys["gsi3pk"] = queue(t.get("department"))
        keys["gsi3sk"] = queue_sort_key(t)
    return keys


def queue(department: str | None) -> str:
    """The waiting-queue partition of a department (tickets without one wait in the general queue)."""
    return f"QUEUE#{(department or '').lower()}"


DUE_BUCKET_MINUTES = 5


def due_bucket(moment: str) -> str:
    """The due-time partition of the clock index: the 5-minute slot a due time falls in ("DUE#2026-11-24T09:05")."""
    minute = int(moment[14:16]) // DUE_BUCKET_MINUTES * DUE_BUCKET_MINUTES
    return f"DUE#{moment[:14]}{minute:02d}"


def clock_cursor(name: str) -> dict[str, str]:
    """Where a clock job stopped reading its due-time index (the last bucket it finished)."""
    return {"pk": f"CLOCK#{name}", "sk": "CURSOR"}
