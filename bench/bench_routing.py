"""Routing throughput: single decisions and queue batches over a realistic department.

Run: .venv/bin/python bench/bench_routing.py
"""
from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.routing import Agent, as_rules, decide, next_in_queue  # noqa: E402

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
CHANNELS = ["chat", "sdk", "whatsapp", "email", "sms", "phone"]


def build(agent_count: int, ticket_count: int, seed: int = 7):
    rng = random.Random(seed)
    agents = [
        Agent.from_dict({
            "id": f"a{i}", "presence": rng.choice(["online", "online", "online", "away", "offline"]),
            "departments": rng.sample(["support", "billing", "sales"], k=rng.randint(1, 2)),
            "skills": {s: rng.randint(1, 3) for s in rng.sample(["spanish", "tax", "api"], k=rng.randint(0, 2))},
            "load": {"chat": rng.randint(0, 3), "email": rng.randint(0, 10)},
            "open_tickets": rng.randint(0, 20),
        })
        for i in range(agent_count)
    ]
    tickets = [
        {"id": i, "status": "new", "priority": rng.choice(["low", "normal", "high", "urgent"]),
         "channel": rng.choice(CHANNELS), "department": rng.choice(["support", "billing", "sales"]),
         "subject": rng.choice(["refund please", "login broken", "invoice"]), "tags": [], "custom_fields": {},
         "required_skills": rng.sample(["spanish", "tax"], k=rng.randint(0, 1)),
         "created_at": (NOW - timedelta(seconds=rng.randint(0, 3600))).isoformat(), "assignee_id": None}
        for i in range(ticket_count)
    ]
    departments = [
        {"name": "support", "strategy": "least_busy", "skill_relaxations": [{"skill": "*", "after_seconds": 900}]},
        {"name": "billing", "strategy": "round_robin", "max_per_agent": 15},
        {"name": "sales", "overflow": {"department": "support", "after_seconds": 600}},
    ]
    rules = as_rules([{"id": "refunds", "position": 1, "assign": {"department": "billing"},
                       "conditions": {"all": [{"field": "subject_includes_word", "operator": "includes",
                                               "value": "refund"}]}}])
    return agents, tickets, departments, rules


def main() -> None:
    for agent_count, ticket_count in ((20, 200), (200, 1000)):
        agents, tickets, departments, rules = build(agent_count, ticket_count)
        started = time.perf_counter()
        assigned = sum(decide(t, agents, now=NOW, departments=departments, rules=rules).assigned for t in tickets)
        single = time.perf_counter() - started
        started = time.perf_counter()
        batch = next_in_queue(tickets, agents, now=NOW, departments=departments, rules=rules)
        batched = time.perf_counter() - started
        print(f"{agent_count} agents, {ticket_count} tickets: "
              f"decide {ticket_count / single:,.0f}/s ({assigned} assignable alone); "
              f"next_in_queue {batched * 1000:,.1f} ms for the batch, {len(batch)} given out")


if __name__ == "__main__":
    main()
