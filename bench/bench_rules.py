"""Rules engine throughput: 200 triggers with mixed conditions over a stream of ticket updates.

Run: .venv/bin/python bench/bench_rules.py
Prints condition evaluations per second (target: 100,000/s or more in-process), updates per
second through run_triggers, and how many triggers fired.
"""
from __future__ import annotations

import random
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.rules.conditions import ConditionSet  # noqa: E402
from chalicelib.domain.rules.triggers import Trigger, load_triggers, run_triggers  # noqa: E402
from chalicelib.domain.rules.vocabulary import CHANNELS, PRIORITIES, STATUSES  # noqa: E402

TRIGGERS = 200
UPDATES = 2000
WORDS = ["refund", "invoice", "broken", "login", "password", "delivery", "cancel", "urgent", "thanks",
         "order", "lamp", "desk", "billing", "error", "crash", "shipping", "account", "upgrade"]
TAGS = ["vip", "gold", "spam", "refund", "chat", "returning", "b2b", "beta", "escalated", "survey"]
DEPARTMENTS = ["Support", "Billing", "Sales", "Tech"]
NOW = datetime(2024, 6, 12, 12, 0, tzinfo=timezone.utc)


def random_condition(rng: random.Random) -> dict:
    kind = rng.randrange(10)
    if kind == 0:
        return {"field": "status", "operator": rng.choice(["is", "is_not", "less_than"]), "value": rng.choice(STATUSES[1:])}
    if kind == 1:
        return {"field": "priority", "operator": rng.choice(["is", "greater_than"]), "value": rng.choice(PRIORITIES[:3])}
    if kind == 2:
        return {"field": "current_tags", "operator": rng.choice(["includes", "not_includes"]),
                "value": " ".join(rng.sample(TAGS, 2))}
    if kind == 3:
        return {"field": "subject_includes_word", "operator": "includes", "value": " ".join(rng.sample(WORDS, 2))}
    if kind == 4:
        return {"field": "comment_includes_word", "operator": rng.choice(["includes", "not_includes"]),
                "value": rng.choice(WORDS)}
    if kind == 5:
        return {"field": "via_id", "operator": rng.choice(["is", "is_not"]), "value": rng.choice(CHANNELS)}
    if kind == 6:
        return {"field": "group_id", "operator": "is", "value": rng.choice(DEPARTMENTS)}
    if kind == 7:
        return {"field": "status", "operator": "changed_to", "value": rng.choice(["open", "pending", "solved"])}
    if kind == 8:
        return {"field": "update_type", "operator": "is", "value": rng.choice(["Create", "Change"])}
    return {"field": "custom_fields.plan", "operator": "is", "value": rng.choice(["free", "pro", "enterprise"])}


def random_action(rng: random.Random) -> dict:
    kind = rng.randrange(4)
    if kind == 0:
        return {"field": "current_tags", "value": rng.choice(TAGS)}
    if kind == 1:
        return {"field": "priority", "value": rng.choice(PRIORITIES)}
    if kind == 2:
        return {"field": "notification_group", "value": ["group_id", "Ticket {{ticket.id}}", "{{ticket.subject}}"]}
    return {"field": "comment_value", "value": "Hi {{customer.name}}, about #{{ticket.id}}..."}


def make_triggers(rng: random.Random) -> list[dict]:
    return [{"id": f"t{i:03d}", "title": f"Trigger {i}", "position": i, "active": rng.random() > 0.05,
             "conditions": {"all": [random_condition(rng) for _ in range(rng.randint(1, 4))],
                            "any": [random_condition(rng) for _ in range(rng.choice([0, 0, 2]))]},
             "actions": [random_action(rng) for _ in range(rng.randint(1, 3))]} for i in range(TRIGGERS)]


def make_updates(rng: random.Random) -> list[tuple[dict, dict]]:
    stream = []
    for number in range(UPDATES):
        old_status, status = rng.choice(STATUSES[:5]), rng.choice(STATUSES[:5])
        ticket = {
            "id": number, "subject": " ".join(rng.sample(WORDS, 4)), "description": " ".join(rng.sample(WORDS, 8)),
            "status": status, "priority": rng.choice(PRIORITIES), "type": "question",
            "channel": rng.choice(CHANNELS), "tags": rng.sample(TAGS, rng.randint(0, 3)),
            "custom_fields": {"plan": rng.choice(["free", "pro", "enterprise"])}, "requester_id": f"c{number}",
            "requester_email": None, "organization_id": None, "assignee_id": None,
            "department": rng.choice(DEPARTMENTS), "conversation_style": "chat",
            "created_at": (NOW - timedelta(hours=3)).isoformat(), "updated_at": NOW.isoformat(),
            "sla": {"breached": False},
        }
        changes = {"fields": {"status": (old_status, status)} if old_status != status else {},
                   "comment": {"body": " ".join(rng.sample(WORDS, 6)), "public": True, "author_type": "customer",
                               "channel": ticket["channel"]} if rng.random() < 0.7 else None,
                   "via": ticket["channel"], "event": rng.choice(["created", "updated", "updated"])}
        stream.append((ticket, changes))
    return stream


def counted(triggers: list[Trigger], counter: list[int]) -> list[Trigger]:
    """The same triggers with each condition test counting its evaluations."""

    def wrap(condition):
        test = condition.test

        def counting(ctx):
            counter[0] += 1
            return test(ctx)

        return replace(condition, test=counting)

    return [replace(t, conditions=ConditionSet(tuple(map(wrap, t.conditions.all)), tuple(map(wrap, t.conditions.any))))
            for t in triggers]


def main() -> None:
    rng = random.Random(7)
    compiled = load_triggers(make_triggers(rng))
    stream = make_updates(rng)
    active = [t for t in compiled if t.active]

    # 1. Raw condition evaluation: every active trigger's conditions against every update.
    counter = [0]
    probes = counted(active, counter)
    started = time.perf_counter()
    matched = 0
    for ticket, changes in stream:
        for trigger in probes:
            matched += trigger.conditions.matches(ticket, changes, now=NOW)
    elapsed = time.perf_counter() - started
    per_second = counter[0] / elapsed

    # 2. The full trigger cycle (actions, restarts, effects) over the same stream.
    started = time.perf_counter()
    fired = effects = 0
    for ticket, changes in stream:
        outcome = run_triggers(compiled, ticket, changes, now=NOW)
        fired += len(outcome.fired)
        effects += len(outcome.effects)
    cycle_elapsed = time.perf_counter() - started

    print(f"triggers: {len(compiled)} ({len(active)} active), updates: {len(stream)}")
    print(f"condition evaluations: {counter[0]:,} in {elapsed:.3f}s -> {per_second:,.0f}/s "
          f"(target >= 100,000/s: {'met' if per_second >= 100_000 else 'NOT met'})")
    print(f"trigger condition sets matched on first pass: {matched:,}")
    print(f"run_triggers: {len(stream) / cycle_elapsed:,.0f} updates/s, triggers fired: {fired:,}, "
          f"effects: {effects:,}")


if __name__ == "__main__":
    main()
