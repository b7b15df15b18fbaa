"""The department's waiting queue: its order, and which waiting tickets can be given out now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from chalicelib.clock import iso
from chalicelib.domain.routing.agents import Agent, as_agents
from chalicelib.domain.routing.assignment_rules import AssignmentRule, as_rules
from chalicelib.domain.routing.decisions import RoutingDecision
from chalicelib.domain.routing.departments import as_departments
from chalicelib.domain.routing.router import decide
from chalicelib.domain.routing.times import to_moment
from chalicelib.errors import ValidationError

PRIORITY_ORDER = ("urgent", "high", "normal", "low")
_ID_DIGITS = 12
_WAITING_STATUSES = ("new", "open")


def queue_sort_key(ticket: Mapping[str, Any]) -> str:
    """The ticket's place in its department's queue as a string that sorts right as a DynamoDB range key:
    priority (urgent first), then time queued (oldest first), then ticket id — "0#2026-11-24T09:00:00.000Z#000000000123"."""
    priority = ticket.get("priority") or "normal"
    if priority not in PRIORITY_ORDER:
        raise ValidationError(f"priority '{priority}' is not one of {', '.join(PRIORITY_ORDER)}")
    since = to_moment(ticket.get("queued_at") or ticket.get("created_at"), "queued_at")
    if since is None:
        raise ValidationError(f"ticket {ticket.get('id')} needs queued_at or created_at to take a place in the queue")
    ticket_id = ticket.get("id")
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id < 0:
        raise ValidationError(f"ticket id must be a whole number, got {ticket_id!r}")
    return f"{PRIORITY_ORDER.index(priority)}#{iso(since)}#{ticket_id:0{_ID_DIGITS}d}"


@dataclass(frozen=True)
class QueuedAssignment:
    """A waiting ticket the batch gives out now, and the decision (with its claim) that does it."""

    ticket_id: int
    decision: RoutingDecision


def next_in_queue(
    waiting_tickets: Iterable[Mapping[str, Any]],
    agents: Iterable[Agent | Mapping[str, Any]],
    *,
    now: datetime,
    departments: Any = None,
    rules: Iterable[AssignmentRule | Mapping[str, Any]] | None = None,
    limit: int | None = None,
) -> list[QueuedAssignment]:
    """The waiting tickets that can be given out now, in queue order, each with its decision.

    Every decision counts the capacity the earlier ones in the batch took, so no agent is given more
    than their capacity and no ticket is given twice. Tickets already assigned, no longer new/open, or
    with an offer out are left alone; a ticket nobody can take does not block the ones behind it.
    """
    pool = {agent.id: agent for agent in as_agents(agents)}
    departments = as_departments(departments)
    rules = as_rules(rules)
    planned: list[QueuedAssignment] = []
    seen: set[Any] = set()
    for ticket in sorted(waiting_tickets, key=queue_sort_key):
        if limit is not None and len(planned) >= limit:
            break
        if ticket["id"] in seen or not _waiting(ticket):
            continue
        seen.add(ticket["id"])
        decision = decide(ticket, list(pool.values()), now=now, departments=departments, rules=rules)
        if not decision.assigned:
            continue
        claim = decision.claim
        # Later claims in the batch count as later assignments, so round robin keeps taking turns.
        assigned_at = now + timedelta(microseconds=len(planned))
        pool[claim.agent_id] = pool[claim.agent_id].with_claim(claim.channel_group, claim.weight, assigned_at)
        planned.append(QueuedAssignment(ticket["id"], decision))
    return planned


def _waiting(ticket: Mapping[str, Any]) -> bool:
    """True when the ticket still waits for an agent: unassigned, new or open, and no offer out
    (an expired offer is settled by offers.expire_offer, which also gives back the capacity it held)."""
    return (
        ticket.get("assignee_id") in (None, "")
        and (ticket.get("status") or "new") in _WAITING_STATUSES
        and not ticket.get("offered_to")
    )
