"""Routing: who gets a ticket, in pure functions over snapshots the service layer read.

The service reads the ticket, the department's agents, department settings and assignment rules,
asks `decide` (or `next_in_queue`, `reopen`, `expire_offer`, `transfer`) for a decision, and writes
the claim it carries in one conditional transaction.
"""
from chalicelib.domain.routing.agents import (
    CHANNEL_GROUPS,
    DEFAULT_CAPACITY,
    PRESENCES,
    Agent,
    SkillNeed,
    as_agents,
    channel_group,
    skill_needs,
)
from chalicelib.domain.routing.assignment_rules import AssignmentRule, as_rules, first_matching_rule
from chalicelib.domain.routing.capacity import (
    CONSUMING_STATUSES,
    FREEING_STATUSES,
    Transfer,
    capacity_delta,
    claimed_weight,
    consumes_capacity,
    status_change_moves,
    transfer,
)
from chalicelib.domain.routing.decisions import CapacityMove, Claim, PresenceChange, RoutingDecision
from chalicelib.domain.routing.departments import Department, Overflow, SkillRelaxation, as_departments
from chalicelib.domain.routing.offers import OfferExpiry, expire_offer, offer_expired
from chalicelib.domain.routing.pipeline import PIPELINE, route
from chalicelib.domain.routing.queue import QueuedAssignment, next_in_queue, queue_sort_key
from chalicelib.domain.routing.router import decide, reopen

__all__ = [
    "CHANNEL_GROUPS", "CONSUMING_STATUSES", "DEFAULT_CAPACITY", "FREEING_STATUSES", "PIPELINE", "PRESENCES",
    "Agent", "AssignmentRule", "CapacityMove", "Claim", "Department", "OfferExpiry", "Overflow",
    "PresenceChange", "QueuedAssignment", "RoutingDecision", "SkillNeed", "SkillRelaxation", "Transfer",
    "as_agents", "as_departments", "as_rules", "capacity_delta", "channel_group", "claimed_weight",
    "consumes_capacity", "decide", "expire_offer", "first_matching_rule", "next_in_queue", "offer_expired",
    "queue_sort_key", "reopen", "route", "skill_needs", "status_change_moves", "transfer",
]
