"""Chat offers: an agent offered a chat ticket must accept before the department's offer timeout.

While an offer is out the ticket carries "offered_to" and "offer_expires_at" and the offered agent's
capacity is held for it. When the offer expires, that capacity is given back, the agent (who evidently
is not at the desk) becomes away, and the ticket goes to the next agent.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Iterable, Mapping

from chalicelib.domain.routing.agents import Agent, as_agents, channel_group
from chalicelib.domain.routing.assignment_rules import AssignmentRule
from chalicelib.domain.routing.capacity import claimed_weight
from chalicelib.domain.routing.decisions import CapacityMove, PresenceChange, RoutingDecision
from chalicelib.domain.routing.router import decide
from chalicelib.domain.routing.times import to_moment


@dataclass(frozen=True)
class OfferExpiry:
    """What follows an expired offer: capacity given back, a presence change, and the next routing decision."""

    ticket_id: int
    release: CapacityMove
    presence: PresenceChange | None
    next: RoutingDecision


def offer_expired(ticket: Mapping[str, Any], now: datetime) -> bool:
    """True when the ticket has an offer out whose time is up."""
    expires = to_moment(ticket.get("offer_expires_at"), "offer_expires_at")
    return bool(ticket.get("offered_to")) and expires is not None and expires <= now


def expire_offer(
    ticket: Mapping[str, Any],
    agents: Iterable[Agent | Mapping[str, Any]],
    *,
    now: datetime,
    departments: Any = None,
    rules: Iterable[AssignmentRule | Mapping[str, Any]] | None = None,
) -> OfferExpiry | None:
    """Settle an expired offer: release the silent agent's capacity, set them away, route to someone else.
    None when there is no offer out or it has not expired yet (the clock may call this early or twice)."""
    if not offer_expired(ticket, now):
        return None
    silent_id = str(ticket["offered_to"])
    group = channel_group(ticket.get("channel"))
    weight = claimed_weight(ticket)
    pool = as_agents(agents)
    silent = next((a for a in pool if a.id == silent_id), None)
    label = silent.label if silent else silent_id
    presence = None
    if silent is not None:
        settled = silent.with_release(group, weight)
        if silent.presence == "online":
            settled = settled.with_presence("away")
            presence = PresenceChange(silent_id, "away", f"did not answer the offer for ticket {ticket.get('id')}")
        pool = [settled if a.id == silent_id else a for a in pool]
    rest = {key: value for key, value in ticket.items() if key not in ("offered_to", "offer_expires_at")}
    following = decide(rest, pool, now=now, departments=departments, rules=rules, exclude=[silent_id])
    following = replace(following, reason=f"offer to {label} expired; {following.reason}")
    return OfferExpiry(ticket.get("id"), CapacityMove(silent_id, group, -weight), presence, following)
