"""Routing under load on the local stack: 500 chats arrive at once for 25 online agents (chat capacity 3).

Run: .venv/bin/python bench/bench_routing_stack.py
Prints assigned / queued counts, agents over capacity and tickets assigned twice (both must be 0),
DynamoDB calls per assignment, wall time, then how the queue drains as agents solve chats (order
checked against priority, then age).
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local.launcher import launch, stack_environment  # noqa: E402

CHATS, AGENTS, CAPACITY, WORKERS = 500, 25, 3, 8


class CallCounter:
    """Counts DynamoDB API calls made through the process's client."""

    def __init__(self, client):
        self.calls = Counter()
        self._lock = threading.Lock()
        client.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, model, **_):
        with self._lock:
            self.calls[model.name] += 1

    def total(self) -> int:
        return sum(self.calls.values())


def main() -> None:
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    stack = launch(Path(tempfile.mkdtemp()))
    try:
        with stack_environment(stack):
            run(stack)
    finally:
        stack.stop()


def run(stack) -> None:
    from boto3.dynamodb.types import TypeSerializer

    from chalicelib.bootstrap import agent_store, client, ticket_store
    from chalicelib.observability import invocation, metrics
    from chalicelib.services import routing
    from chalicelib.services.ingest import Contact, receive

    metrics.flush_metrics = lambda *args, **kwargs: metrics.clear_metrics()  # no CloudWatch here: dropped, not printed

    department = f"Bench-{uuid.uuid4().hex[:6]}"
    agent_store().put_department({"name": department, "strategy": "least_busy", "include_offline": False})
    serialize = TypeSerializer().serialize
    agents = [f"bench_{i:02d}_{uuid.uuid4().hex[:4]}" for i in range(AGENTS)]
    for agent_id in agents:
        item = {"pk": f"AGENT#{agent_id}", "sk": "AGENT", "kind": "agent", "gsi1pk": "AGENTS",
                "gsi1sk": f"{agent_id}@bench.test", "id": agent_id, "email": f"{agent_id}@bench.test", "role": "agent",
                "name": agent_id, "presence": "online", "departments": [department], "skills": {},
                "capacity": {"chat": CAPACITY}, "load": {}}
        client("dynamodb").put_item(TableName=stack.resources["AGENTS_TABLE"],
                                    Item={k: serialize(v) for k, v in item.items()})
    counter = CallCounter(client("dynamodb"))
    priorities = ["low", "normal", "high", "urgent"]

    def arrive(n: int) -> int:
        contact = Contact(channel="chat", message_id=uuid.uuid4().hex, body=f"Chat {n}",
                          identity=["email", f"bench{n}-{uuid.uuid4().hex[:6]}@example.com"], department=department,
                          new_ticket_only=True, metadata={"bench_priority": priorities[n % 4]})
        with invocation(f"arrive-{n}"):  # as the inbound consumer runs it
            return receive(contact)["id"]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        ids = list(pool.map(arrive, range(CHATS)))
    wall = time.perf_counter() - started
    create_calls = counter.total()

    tickets = ticket_store().get_tickets(ids)
    assigned = [t for t in tickets if t.get("assignee_id")]
    per_agent = Counter(t["assignee_id"] for t in assigned)
    loads = {a["id"]: a["load"].get("chat", 0) for a in agent_store().list_agents() if a["id"] in agents}
    twice = sum(1 for t in assigned if sum(a["action"] == "assigned" for a in ticket_store().audit(t["id"])) > 1)
    print(f"chats arriving at once        {CHATS} ({WORKERS} concurrent ingest workers)")
    print(f"agents online × chat capacity {AGENTS} × {CAPACITY} = {AGENTS * CAPACITY}")
    print(f"assigned                      {len(assigned)}")
    print(f"queued                        {CHATS - len(assigned)} (queue length {ticket_store().queue_length(department)})")
    print(f"agents over capacity          {sum(1 for n in per_agent.values() if n > CAPACITY)}"
          f" (max load seen {max(loads.values())})")
    print(f"tickets assigned twice        {twice}")
    print(f"wall time                     {wall:.2f}s ({CHATS / wall:.0f} chats/s created and routed)")
    print(f"DynamoDB calls, all           {create_calls} ({create_calls / CHATS:.1f} per chat incl. ingest)")

    # Drain: agents solve chats one at a time; each solve frees capacity and the queue hands out the next.
    solved, drain_calls, drain_assigned, head_taken = 0, 0, 0, True
    started = time.perf_counter()
    for ticket in assigned:
        current = ticket_store().get_ticket(ticket["id"])
        head = ticket_store().waiting(department, limit=1)[0]["id"]
        updated = {**current, "status": "solved", "version": current["version"] + 1}
        ticket_store().save_ticket(updated, current["version"], [], None, extra=routing.capacity_items(current, updated))
        solved += 1
        before = counter.total()
        with invocation(f"drain-{solved}"):  # as the handler that freed the capacity runs it
            drain_assigned += routing.drain(department)
        drain_calls += counter.total() - before
        head_taken = head_taken and bool(ticket_store().get_ticket(head).get("assignee_id"))
    drain_wall = time.perf_counter() - started
    print(f"solves → waiting chats given  {solved} → {drain_assigned} in {drain_wall:.2f}s")
    print(f"queue order kept              {head_taken} (each freed slot went to the head of the queue)")
    print(f"DynamoDB calls per assignment {drain_calls / max(1, drain_assigned):.1f} while draining "
          "(queue query, agents query, one transaction, the outbox row's delete, the rules revision read)")
    print("wall times are the local stack's (moto serializes DynamoDB); the counts are what AWS would see")


if __name__ == "__main__":
    main()
