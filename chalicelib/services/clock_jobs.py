"""The clock's work on due tickets: closing solved conversations, automations, SLA breaches.

Every ticket with a future deadline carries its earliest one (``next_due_at``) in the due-time index
(GSI5, partitioned by 5-minute slot). A tick reads the slots from where the last tick stopped up to
now, and only the entries already due in them (the sort key starts with the due time), so its cost
grows with the number of due tickets, never with the number of tickets. Each due ticket gets one
rules run (the same path every ticket change takes) and one conditional write, which also moves it
to its next slot or out of the index.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.clock import iso, now, parse_iso
from chalicelib.domain import events as ev
from chalicelib.domain.rules.automations import run_automations
from chalicelib.errors import ConflictError
from chalicelib.observability import logger
from chalicelib.services import rules
from chalicelib.store.keys import DUE_BUCKET_MINUTES, due_bucket

JOB = "due"
FIRST_RUN_LOOKBACK = timedelta(hours=2)
MAX_BUCKETS_PER_TICK = 7 * 24 * 60 // DUE_BUCKET_MINUTES   # a week of catching up at most; the rest next tick
STUCK_AFTER = timedelta(days=1)                             # a failing ticket holds the cursor back this long
PAGE = 100
ATTEMPTS = 3
FIRED_KEYS_KEPT = 50


@dataclass
class TickReport:
    """What one tick did (logged, and returned by the local clock)."""

    buckets: int = 0
    due_read: int = 0
    closed: int = 0
    automations: int = 0
    sla_breaches: int = 0
    written: int = 0
    failed: int = 0
    fired: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Counts for the log."""
        return {"buckets": self.buckets, "due_read": self.due_read, "closed": self.closed,
                "automations": self.automations, "sla_breaches": self.sla_breaches, "written": self.written,
                "failed": self.failed}


def run_due() -> dict[str, Any]:
    """Process every ticket due by now, bucket by bucket from the stored cursor; returns counts."""
    from chalicelib.bootstrap import ticket_store

    store = ticket_store()
    at = now()
    until = iso(at)
    buckets = due_buckets(store.clock_cursor(JOB), at)
    report = TickReport(buckets=len(buckets))
    held_back: str | None = None
    for bucket in buckets:
        start_key = None
        while True:
            tickets, start_key, read = store.due_tickets(bucket, until, limit=PAGE, start_key=start_key)
            report.due_read += read
            for ticket in tickets:
                if not _process_safely(ticket, at, report) and held_back is None and \
                        parse_iso(ticket["next_due_at"]) > at - STUCK_AFTER:
                    held_back = bucket
            if start_key is None:
                break
    store.set_clock_cursor(JOB, held_back or (buckets[-1] if buckets else due_bucket(until)))
    return report.to_dict()


def due_buckets(cursor: str | None, at: datetime) -> list[str]:
    """The 5-minute slots to read: from the cursor (or a short look-back on the first run) up to now's slot."""
    last = due_bucket(iso(at))
    start = cursor if cursor and cursor <= last else due_bucket(iso(at - FIRST_RUN_LOOKBACK))
    moment = parse_iso(start[len("DUE#"):] + ":00+00:00")
    buckets = []
    while len(buckets) < MAX_BUCKETS_PER_TICK:
        bucket = due_bucket(iso(moment))
        buckets.append(bucket)
        if bucket >= last:
            break
        moment += timedelta(minutes=DUE_BUCKET_MINUTES)
    return buckets


def _process_safely(ticket: dict[str, Any], at: datetime, report: TickReport) -> bool:
    try:
        process(ticket, at, report)
        return True
    except Exception:  # one bad ticket must not stop the others; it stays due and is retried next tick
        report.failed += 1
        logger.exception("due ticket failed", extra={"ticket_id": ticket.get("id")})
        return False


def process(ticket: dict[str, Any], at: datetime, report: TickReport | None = None) -> dict[str, Any]:
    """Do what is due on one ticket in one conditional write; a lost race re-reads and decides again."""
    from chalicelib.bootstrap import ticket_store

    report = report or TickReport()
    for attempt in range(ATTEMPTS):
        if attempt:
            ticket = ticket_store().get_ticket(ticket["id"]) or {}
        if not ticket.get("next_due_at") or ticket["next_due_at"] > iso(at):
            return ticket  # done meanwhile by another tick or changed to a later due time
        try:
            if ticket.get("offered_to") and ticket.get("offer_expires_at", "~") <= iso(at):
                from chalicelib.services.routing import expire_offer_now

                ticket = expire_offer_now(ticket, at)
                continue  # anything else due is done on the next pass, on the fresh ticket
            return _write(ticket, at, report)
        except ConflictError:
            continue
    raise ConflictError(f"ticket {ticket.get('id')} kept changing while the clock processed it; retried next tick")


def _write(ticket: dict[str, Any], at: datetime, report: TickReport) -> dict[str, Any]:
    from chalicelib.bootstrap import event_publisher, ticket_store
    from chalicelib.services import routing

    stamp = iso(at)
    changed = dict(ticket)
    action = "clock"
    if ticket["status"] == "solved" and ticket.get("close_at") and ticket["close_at"] <= stamp:
        changed.update(status="closed", closed_at=stamp, close_at=None)
        action = "closed_by_conversation_style"
    effects: list[Any] = []
    automation_ids: list[str] = []
    if changed["status"] != "closed":
        change = rules.Change(event="updated", actor_type="system", via="rule")
        result = run_automations(rules.automations(), changed, now=at, schedule=rules.schedule(),
                                 fired_before=frozenset(ticket.get("automation_fired") or ()),
                                 context=rules.action_context(changed, change, at))
        if result.fired:
            changed = result.ticket
            changed["automation_fired"] = [*(ticket.get("automation_fired") or ()), *sorted(result.fire_keys)][
                -FIRED_KEYS_KEPT:]
            effects, automation_ids = list(result.effects), [f"automation:{a}" for a in result.fired]
            action = "automation"
    outcome = rules.apply(ticket, changed, rules.Change(event="updated", actor_type="system", via="rule"),
                          caused=(effects, automation_ids))
    final = {**outcome.ticket, "updated_at": stamp} if outcome.changes else dict(outcome.ticket)
    if final == ticket:
        return ticket
    store = ticket_store()
    events: list[ev.DomainEvent] = []
    extra = list(routing.capacity_items(ticket, final))
    if outcome.comments:
        conversation = store.get_conversation(ticket["conversation_id"])
        messages, added = rules.rule_messages(outcome, final, conversation["last_seq"] + 1, stamp)
        extra += store.message_items(ticket["conversation_id"], messages, conversation["last_seq"])
        events += added
    written = {**final, "version": ticket["version"] + 1}
    if outcome.changes:
        events.append(ev.DomainEvent(ev.TICKET_UPDATED, {"ticket": written, "changes": outcome.changes,
                                                         "actor": "clock"}, stamp))
    events += outcome.events
    if action == "clock" and outcome.breaches:
        action = "sla_breached"
    audit = None
    if outcome.changes or outcome.breaches or automation_ids or outcome.fired:
        audit = {"id": uuid.uuid4().hex, "at": stamp, "actor": "clock", "action": action,
                 "detail": {**outcome.changes, **outcome.audit_detail(),
                            **({"automations": automation_ids} if automation_ids else {})}}
    store.save_ticket(written, ticket["version"], events, audit, extra=extra)
    if events:
        event_publisher().publish([e.to_dict() for e in events])
    report.written += 1
    report.closed += written["status"] == "closed" and ticket["status"] != "closed"
    report.automations += len(automation_ids)
    report.sla_breaches += len(outcome.breaches)
    freed = routing.freed_agent(ticket, written)
    if freed:
        routing.drain_for_agent(freed)
    if outcome.changes:
        routing.route(written)
    return written
