"""Capacity accounting: which statuses hold an agent's capacity, and the moves a status change or transfer makes.

A ticket holds capacity while it is new or open; pending, on_hold, solved and closed give it back.
A claimed ticket remembers the weight it took in "capacity_weight" (1 when absent), so it gives back
exactly what it took even if the department's weights change meanwhile.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from chalicelib.domain.routing.agents import Agent, channel_group
from chalicelib.domain.routing.decisions import CapacityMove, Claim
from chalicelib.domain.routing.departments import as_departments, settings_for
from chalicelib.domain.tickets import STATUSES, one_of
from chalicelib.errors import ConflictError, ValidationError

CONSUMING_STATUSES = ("new", "open")
FREEING_STATUSES = ("pending", "on_hold", "solved", "closed")


def _status(name: str, value: Any) -> str:
    return one_of(name, value, STATUSES)


def consumes_capacity(status: str) -> bool:
    """True when a ticket in this status holds its agent's capacity (new, open)."""
    return _status("status", status) in CONSUMING_STATUSES


def capacity_delta(old_status: str | None, new_status: str) -> int:
    """+1 when the change starts holding the agent's capacity, -1 when it gives it back, else 0.
    old_status None is a ticket being created."""
    before = old_status is not None and consumes_capacity(old_status)
    after = consumes_capacity(new_status)
    return int(after) - int(before)


def claimed_weight(ticket: Mapping[str, Any]) -> int:
    """The capacity the ticket took from its agent when it was claimed."""
    return int(ticket.get("capacity_weight") or 1)


def status_change_moves(ticket: Mapping[str, Any], new_status: str) -> tuple[CapacityMove, ...]:
    """The load change on the ticket's assignee when its status changes (nothing when unassigned)."""
    delta = capacity_delta(ticket.get("status"), new_status)
    assignee = ticket.get("assignee_id")
    if delta == 0 or assignee in (None, ""):
        return ()
    return (CapacityMove(str(assignee), channel_group(ticket.get("channel")), delta * claimed_weight(ticket)),)


@dataclass(frozen=True)
class Transfer:
    """What a transfer writes: capacity given back, capacity claimed, the new owner, and whether it is routed.

    requeue means the ticket waits in the department's queue for the pipeline to pick an agent.
    """

    release: CapacityMove | None
    claim: Claim | None
    assignee_id: str | None
    department: str | None
    channel: str
    requeue: bool
    reason: str


def transfer(
    ticket: Mapping[str, Any],
    from_agent: Agent | None,
    to: Agent | str,
    *,
    departments: Any = None,
    channel: str | None = None,
) -> Transfer:
    """Move a ticket to another agent (who takes its capacity now) or to a department (whose queue
    routes it), optionally continuing on another channel (chat → email)."""
    status = _status("status", ticket.get("status") or "new")
    if status == "closed":
        raise ValidationError("ticket is closed; closed is final — create a follow-up ticket instead")
    channel = channel or ticket.get("channel")
    group = channel_group(channel)
    holding = consumes_capacity(status)
    release = None
    if from_agent is not None and holding:
        release = CapacityMove(from_agent.id, channel_group(ticket.get("channel")), -claimed_weight(ticket))
    source = f"from {from_agent.label} " if from_agent else ""
    if isinstance(to, Agent):
        return _to_agent(ticket, from_agent, to, departments, channel, group, holding, release, source)
    if not isinstance(to, str) or not to.strip():
        raise ValidationError("transfer to an agent or a department name")
    return Transfer(release, None, None, to, channel, holding, f"transferred {source}to department {to}")


def _to_agent(ticket, from_agent, to, departments, channel, group, holding, release, source) -> Transfer:
    if from_agent is not None and from_agent.id == to.id and channel == ticket.get("channel"):
        raise ValidationError(f"ticket is already assigned to {to.label}")
    claim = None
    if holding:
        settings = settings_for(as_departments(departments), ticket.get("department"))
        weight = settings.weight_for(group, to) if settings else 1
        load = to.load_for(group)
        if release is not None and release.agent_id == to.id and release.channel_group == group:
            load += release.delta
        capacity = to.capacity_for(group)
        if capacity == 0 or load + weight > capacity:
            raise ConflictError(
                f"{to.label} is at {group} capacity {load}/{capacity}; transfer to a department to queue the ticket"
            )
        claim = Claim(to.id, group, weight, load, capacity)
    via = f" on {channel}" if channel != ticket.get("channel") else ""
    return Transfer(release, claim, to.id, ticket.get("department"), channel, False, f"transferred {source}to {to.label}{via}")
