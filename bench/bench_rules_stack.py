"""Business rules on the local stack: what one ticket update with 200 triggers costs in DynamoDB calls,
and what a clock tick reads when 100 of 10,000 tickets are due.

Run: .venv/bin/python bench/bench_rules_stack.py
Prints DynamoDB calls per operation for one agent update (target: one read and one transactional write;
the outbox clean-up every write already pays after publishing is shown apart), and for a clock tick the
index items read, the queries made and the tickets written (target: only the 100 due tickets are read).
Loopback only: the stack runs on 127.0.0.1 with moto.
"""
from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local.launcher import launch, stack_environment  # noqa: E402

TRIGGERS, TICKETS, DUE = 200, 10_000, 100
WORDS = ["refund", "invoice", "broken", "login", "delivery", "cancel", "billing", "crash", "account", "upgrade"]


class DynamoCounter:
    """Counts DynamoDB calls, and the items queries read, through the process's client."""

    def __init__(self, client):
        self.calls: Counter = Counter()
        self.items_read = 0
        self.capacity = 0.0
        self._lock = threading.Lock()
        client.meta.events.register("before-call.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.Query", self._after_query)

    def _before(self, model, **_):
        with self._lock:
            self.calls[model.name] += 1

    def _after_query(self, parsed, **_):
        with self._lock:
            self.items_read += parsed.get("ScannedCount", 0)
            self.capacity += (parsed.get("ConsumedCapacity") or {}).get("CapacityUnits", 0.0)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.items_read, self.capacity = 0, 0.0


def _triggers(rng: random.Random) -> list[dict]:
    """200 triggers that look at the fields an agent changes, mostly not matching this update."""
    made = []
    for i in range(TRIGGERS):
        kind = i % 4
        if kind == 0:
            condition = {"field": "subject_includes_word", "operator": "includes", "value": rng.choice(WORDS)}
        elif kind == 1:
            condition = {"field": "current_tags", "operator": "includes", "value": f"tag{i}"}
        elif kind == 2:
            condition = {"field": "priority", "operator": "changed_to", "value": "low"}
        else:
            condition = {"field": "status", "operator": "is", "value": rng.choice(["pending", "on_hold"])}
        made.append({"id": f"bench-{i:03d}", "title": f"Bench trigger {i}", "position": i, "active": True,
                     "conditions": {"all": [condition, {"field": "update_type", "operator": "is", "value": "Change"}]},
                     "actions": [{"field": "current_tags", "value": f"fired{i}"}]})
    return made


def update_with_triggers(counter: DynamoCounter) -> None:
    from chalicelib.api.tokens import Principal
    from chalicelib.bootstrap import agent_store, config_store
    from chalicelib.observability import invocation
    from chalicelib.services.ingest import Contact, receive
    from chalicelib.services.tickets import update_ticket

    for trigger in _triggers(random.Random(7)):
        config_store().put("trigger", trigger)
    admin = agent_store().agent_id_for_email("admin@parley.test")
    principal = Principal(kind="agent", id=admin, role="admin", email="admin@parley.test")
    ticket = receive(Contact(channel="email", message_id=uuid.uuid4().hex, body="The lamp arrived broken",
                             identity=["email", f"bench.{uuid.uuid4().hex[:8]}@example.com"], subject="Broken lamp"))
    ticket = update_ticket(principal, ticket["id"], {"assignee_id": admin}, None)  # assigned: no routing after
    update_ticket(principal, ticket["id"], {"priority": "high"}, None)  # warm the rule caches

    counter.reset()
    started = time.perf_counter()
    with invocation("bench-update"):  # as the API request runs it
        updated = update_ticket(principal, ticket["id"], {"priority": "urgent"}, None)
    elapsed = time.perf_counter() - started

    calls = dict(counter.calls)
    outbox = calls.pop("BatchWriteItem", 0)
    round_trips = sum(calls.values())
    print(f"one ticket update with {TRIGGERS} triggers: {round_trips} DynamoDB round trips {calls} "
          f"(target <= 2: {'met' if round_trips <= 2 else 'NOT met'}); "
          f"+{outbox} outbox clean-up after publishing; {elapsed * 1000:.0f} ms on moto; "
          f"priority now {updated['priority']}, version {updated['version']}")


def clock_tick(counter: DynamoCounter) -> None:
    from chalicelib.bootstrap import client, config_store
    from chalicelib.clock import iso, now
    from chalicelib.config import settings
    from chalicelib.observability import invocation
    from chalicelib.services.clock_jobs import JOB, run_due
    from chalicelib.store import keys
    from chalicelib.store.dynamo import to_item

    for trigger in config_store().list("trigger", fresh=True):  # the clock's own writes run triggers too
        config_store().delete("trigger", trigger["id"])
    at = now()
    rng = random.Random(11)
    table = settings().tickets_table
    items = []
    for number in range(TICKETS):
        ticket_id = 9_000_000 + number
        due = at - timedelta(minutes=rng.randint(1, 50)) if number < DUE else \
            at + timedelta(minutes=rng.randint(10, 7 * 24 * 60))
        ticket = {"id": ticket_id, "subject": f"Bench {number}", "description": "", "requester_id": f"bench{number}",
                  "channel": "whatsapp", "conversation_id": f"bench-{ticket_id}", "created_at": iso(at - timedelta(days=2)),
                  "updated_at": iso(at - timedelta(days=1)), "status": "solved", "priority": "normal",
                  "conversation_style": "social", "solved_at": iso(due - timedelta(days=4)), "close_at": iso(due),
                  "next_due_at": iso(due), "tags": [], "custom_fields": {}, "version": 1}
        items.append({**keys.ticket(ticket_id), "kind": "ticket", **ticket, **keys.ticket_index_keys(ticket)})
    db = client("dynamodb")
    started = time.perf_counter()
    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": to_item(i)}} for i in items[start:start + 25]]}
        while request:
            request = db.batch_write_item(RequestItems=request).get("UnprocessedItems") or None
    loaded = time.perf_counter() - started
    from chalicelib.bootstrap import ticket_store

    ticket_store().set_clock_cursor(JOB, keys.due_bucket(iso(at - timedelta(hours=1))))

    counter.reset()
    started = time.perf_counter()
    with invocation("clock"):  # as the scheduled handler runs it
        report = run_due()
    elapsed = time.perf_counter() - started
    queries = counter.calls.get("Query", 0)
    print(f"clock tick over {TICKETS:,} tickets ({DUE} due, loaded in {loaded:.1f}s): "
          f"{counter.items_read} index items read in {queries} queries over {report['buckets']} five-minute slots "
          f"(target: only the {DUE} due: {'met' if counter.items_read == DUE else 'NOT met'}); "
          f"{report['closed']} closed, {report['written']} written, calls {dict(counter.calls)}; "
          f"{elapsed:.2f}s on moto")
    counter.reset()
    with invocation("clock"):
        again = run_due()
    print(f"the next tick reads {counter.items_read} items ({again['written']} written): nothing is due twice")


def main() -> None:
    with tempfile.TemporaryDirectory() as logs:
        stack = launch(Path(logs))
        try:
            with stack_environment(stack):
                from chalicelib.bootstrap import client

                counter = DynamoCounter(client("dynamodb"))
                update_with_triggers(counter)
                clock_tick(counter)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
