"""Routing: give each waiting ticket to the right available agent, never over capacity.

Decisions come from the pure domain (chalicelib.domain.routing); this module reads what they need,
and writes each assignment as one transaction: the agent's load "at most capacity − weight → + weight"
and the ticket's "version n → n+1, assigned", so two routers can never over-assign an agent nor assign
one ticket twice. A lost race re-reads and decides again.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.domain import events as ev
from chalicelib.domain.routing import decisions
from chalicelib.domain.routing.agents import channel_group
from chalicelib.domain.routing.capacity import CONSUMING_STATUSES
from chalicelib.domain.routing.offers import expire_offer
from chalicelib.domain.routing.queue import next_in_queue
from chalicelib.domain.routing.router import decide
from chalicelib.errors import ConflictError
from chalicelib.observability import count, logger
from chalicelib.services import rules

ATTEMPTS = 3
DRAIN_BATCH = 25
_departments_cache: tuple[int, list[dict[str, Any]]] | None = None


def route(ticket: dict[str, Any]) -> decisions.RoutingDecision | None:
    """Assign a waiting ticket now, or record why it waits in its department's queue."""
    from chalicelib.bootstrap import ticket_store

    for _ in range(ATTEMPTS):
        if not _waiting(ticket):
            return None
        agents, departments, rules = _candidates()
        decision = decide(ticket, agents, now=now(), departments=departments, rules=rules)
        try:
            if decision.assigned:
                assign(ticket, decision)
            else:
                _note_waiting(ticket, decision)
            return decision
        except ConflictError:  # capacity or the ticket changed meanwhile: read again and decide again
            ticket = ticket_store().get_ticket(ticket["id"]) or {}
    return None


def drain(department: str | None) -> int:
    """Give out the department's waiting tickets that fit now, in queue order; returns how many."""
    from chalicelib.bootstrap import ticket_store

    store = ticket_store()
    assigned = 0
    for _ in range(ATTEMPTS):
        waiting = store.waiting(department, limit=DRAIN_BATCH)
        if not waiting:
            return assigned
        agents, departments, rules = _candidates()
        plan = next_in_queue(waiting, agents, now=now(), departments=departments, rules=rules)
        by_id = {t["id"]: t for t in waiting}
        lost_race = False
        for planned in plan:
            try:
                assign(by_id[planned.ticket_id], planned.decision)
                assigned += 1
            except ConflictError:
                lost_race = True
                break
        if not lost_race:
            return assigned
    return assigned


def drain_for_agent(agent_id: str) -> int:
    """Capacity freed or an agent came online: drain the queues of the agent's departments."""
    from chalicelib.bootstrap import agent_store

    agent = agent_store().get_agent(agent_id) or {}
    return sum(drain(d) for d in [*(agent.get("departments") or []), None])


def drain_all() -> int:
    """The clock's safety net: drain every department's queue."""
    return sum(drain(d["name"]) for d in _departments(fresh=True)) + drain(None)


def assign(ticket: dict[str, Any], decision: decisions.RoutingDecision) -> dict[str, Any]:
    """Write one assignment: the agent's capacity claim and the ticket change commit together."""
    from chalicelib.bootstrap import event_publisher, ticket_store

    claim = decision.claim
    at = iso(now())
    updated = {**ticket, "assignee_id": decision.agent_id, "department": decision.department or ticket.get("department"),
               "assigned_at": at, "capacity_weight": claim.weight, "routing_reason": decision.reason,
               "updated_at": at, "version": ticket["version"] + 1}
    updated = _offered(updated, decision)
    # triggers run on the assignment too ("notify the assignee"), but may not move the claim it makes
    outcome = rules.apply(ticket, updated, rules.Change(event="updated", actor_type="system", via="rule",
                                                        locked=frozenset({"assignee_id", "status"})))
    updated = {**outcome.ticket, "version": ticket["version"] + 1}
    changes = outcome.changes
    event = ev.DomainEvent(ev.TICKET_UPDATED, {"ticket": updated, "changes": changes, "actor": "routing"}, at)
    events = [event]
    audit = {"id": event.id, "at": at, "actor": "routing", "action": "assigned",
             "detail": {"agent_id": decision.agent_id, "reason": decision.reason, "rule_id": decision.rule_id,
                        **outcome.audit_detail()}}
    extra = [claim_item(claim, at)]
    if outcome.comments:
        store = ticket_store()
        conversation = store.get_conversation(ticket["conversation_id"])
        messages, added = rules.rule_messages(outcome, updated, conversation["last_seq"] + 1, at)
        extra += store.message_items(ticket["conversation_id"], messages, conversation["last_seq"])
        events += added
    events += outcome.events
    ticket_store().save_ticket(updated, ticket["version"], events, audit, extra=extra)
    count("TicketsAssigned")
    logger.info("ticket assigned", extra={"ticket_id": ticket["id"], "reason": decision.reason})
    event_publisher().publish([e.to_dict() for e in events])
    return updated


def plan_new(ticket: dict[str, Any]) -> tuple[dict[str, Any], list[tuple]]:
    """Route a ticket while it is being created, so one transaction creates it assigned (with the agent's
    capacity claim) or already queued: (the ticket with its assignment or queue place, claim items)."""
    if not _waiting(ticket):
        return ticket, []
    agents, departments, rules_ = _candidates()
    decision = decide(ticket, agents, now=now(), departments=departments, rules=rules_)
    at = ticket["created_at"]
    planned = {**ticket, "department": decision.department or ticket.get("department"),
               "routing_reason": decision.reason}
    if not decision.assigned:
        return {**planned, "queued_at": at}, []
    planned.update(assignee_id=decision.agent_id, assigned_at=at, capacity_weight=decision.claim.weight)
    return _offered(planned, decision), [claim_item(decision.claim, at)]


def _offered(ticket: dict[str, Any], decision: decisions.RoutingDecision) -> dict[str, Any]:
    """A chat offered to its agent until an answer or the department's offer timeout (on the clock)."""
    if not decision.offer_expires_at:
        return ticket
    expires = iso(decision.offer_expires_at)
    due = min(d for d in (ticket.get("next_due_at"), expires) if d)
    return {**ticket, "offered_to": decision.agent_id, "offer_expires_at": expires, "next_due_at": due}


def expire_offer_now(ticket: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The clock settles an unanswered offer: the silent agent's capacity comes back and they are set away,
    and the chat goes to the next agent who fits (or back to the queue), in one transaction."""
    from chalicelib.bootstrap import agent_store, event_publisher, ticket_store

    agents, departments, rules_ = _candidates()
    expiry = expire_offer(ticket, agents, now=at, departments=departments, rules=rules_)
    if expiry is None:
        return ticket
    stamp = iso(at)
    following = expiry.next
    release = expiry.release
    items = [agent_store().load_change(release.agent_id, {release.channel_group: release.delta}, limits={},
                                       open_delta=-1)]
    updated = {**ticket, "offered_to": None, "offer_expires_at": None, "assignee_id": following.agent_id,
               "department": following.department or ticket.get("department"), "routing_reason": following.reason,
               "updated_at": stamp, "version": ticket["version"] + 1}
    updated["next_due_at"] = rules.next_due(updated)
    if following.assigned:
        updated.update(assigned_at=stamp, capacity_weight=following.claim.weight)
        updated = _offered(updated, following)
        items.append(claim_item(following.claim, stamp))
    else:
        updated.update(queued_at=stamp, assigned_at=None)
    changes = {"assignee_id": [ticket.get("assignee_id"), updated["assignee_id"]]}
    event = ev.DomainEvent(ev.TICKET_UPDATED, {"ticket": updated, "changes": changes, "actor": "routing"}, stamp)
    audit = {"id": event.id, "at": stamp, "actor": "routing", "action": "offer_expired",
             "detail": {"agent_id": release.agent_id, "reason": following.reason}}
    ticket_store().save_ticket(updated, ticket["version"], [event], audit, extra=items)
    if expiry.presence:
        agent_store().update_agent(expiry.presence.agent_id, {"presence": expiry.presence.presence})
    event_publisher().publish([event.to_dict()])
    return updated


def claim_item(claim: decisions.Claim, at: str) -> tuple:
    """The conditional load update that takes a claim's capacity from its agent."""
    from chalicelib.bootstrap import agent_store

    return agent_store().load_change(
        claim.agent_id, {claim.channel_group: claim.weight}, limits={claim.channel_group: claim.capacity - claim.weight},
        open_delta=1, max_open=claim.max_open_tickets, assigned_at=at)


def capacity_items(before: dict[str, Any] | None, after: dict[str, Any]) -> list[tuple]:
    """The agent load changes a ticket change implies (status or assignee), as transaction items.

    A ticket holds its assignee's capacity while new or open; moving to pending, on hold, solved or
    closed gives it back, reopening or a transfer claims it again (refused with CapacityError when the
    agent has no room).
    """
    from chalicelib.bootstrap import agent_store

    held_before, held_after = _held(before), _held(after)
    if held_before == held_after:
        return []
    per_agent: dict[str, dict[str, int]] = {}
    for held, sign in ((held_before, -1), (held_after, 1)):
        if held:
            agent_id, group, weight = held
            deltas = per_agent.setdefault(agent_id, {})
            deltas[group] = deltas.get(group, 0) + sign * weight
    items = []
    for agent_id, deltas in per_agent.items():
        deltas = {g: d for g, d in deltas.items() if d}
        if not deltas:
            continue
        limits = {}
        if any(d > 0 for d in deltas.values()):
            from chalicelib.domain.routing.agents import Agent

            agent = Agent.from_dict(agent_store().get_agent(agent_id) or {"id": agent_id})
            limits = {g: agent.capacity_for(g) - d for g, d in deltas.items() if d > 0}
        opened = (held_after is not None and held_after[0] == agent_id) - (
            held_before is not None and held_before[0] == agent_id)
        items.append(agent_store().load_change(agent_id, deltas, limits=limits, open_delta=opened))
    return items


def freed_agent(before: dict[str, Any] | None, after: dict[str, Any]) -> str | None:
    """The agent whose capacity a change gave back (their queues may now be drained)."""
    held_before, held_after = _held(before), _held(after)
    if held_before and (held_after is None or held_after[0] != held_before[0]):
        return held_before[0]
    return None


def _held(ticket: dict[str, Any] | None) -> tuple[str, str, int] | None:
    if not ticket or not ticket.get("assignee_id") or ticket.get("status") not in CONSUMING_STATUSES:
        return None
    return ticket["assignee_id"], channel_group(ticket["channel"]), int(ticket.get("capacity_weight") or 1)


def _waiting(ticket: dict[str, Any]) -> bool:
    return bool(ticket) and not ticket.get("assignee_id") and ticket.get("status") in ("new", "open")


def _note_waiting(ticket: dict[str, Any], decision: decisions.RoutingDecision) -> None:
    """Record once why a ticket waits (and move it to the department a rule chose)."""
    from chalicelib.bootstrap import event_publisher, ticket_store

    department = decision.department or ticket.get("department")
    if ticket.get("routing_reason") == decision.reason and department == ticket.get("department"):
        return
    at = iso(now())
    updated = {**ticket, "department": department, "routing_reason": decision.reason, "queued_at":
               ticket.get("queued_at") or at, "version": ticket["version"] + 1}
    audit = {"id": uuid.uuid4().hex, "at": at, "actor": "routing", "action": "queued",
             "detail": {"department": department, "reason": decision.reason}}
    events = []
    if department != ticket.get("department"):
        events.append(ev.DomainEvent(ev.TICKET_UPDATED, {"ticket": updated, "actor": "routing",
                                                         "changes": {"department": [ticket.get("department"),
                                                                                    department]}}, at))
    ticket_store().save_ticket(updated, ticket["version"], events, audit)
    if events:
        event_publisher().publish([e.to_dict() for e in events])


def _candidates() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Agents who can take tickets (light agents cannot), departments and assignment rules."""
    from chalicelib.bootstrap import agent_store, config_store

    agents = [a for a in agent_store().list_agents() if a.get("role") != "light_agent"]
    return agents, _departments(), config_store().list("assignment_rule")


def _departments(fresh: bool = False) -> list[dict[str, Any]]:
    """Every department, from the per-container cache while the admin-settings revision is unchanged."""
    global _departments_cache
    from chalicelib.bootstrap import agent_store, config_store

    revision = config_store().revision(fresh)
    if _departments_cache is None or _departments_cache[0] != revision:
        _departments_cache = (revision, agent_store().list_departments())
    return _departments_cache[1]


def department_named(name: str) -> dict[str, Any] | None:
    """A department by name, case-insensitively."""
    return next((d for d in _departments() if d["name"].lower() == name.lower()), None)


def forget_departments() -> None:
    """Departments or their members changed: every container reads them again (the revision moves)."""
    from chalicelib.bootstrap import config_store

    config_store().bump()

