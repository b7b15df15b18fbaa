"""The routing decision for one ticket: direct assignment rules first, then the department's pipeline."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from chalicelib.domain.routing.agents import Agent, as_agents, channel_group
from chalicelib.domain.routing.assignment_rules import AssignmentRule, first_matching_rule
from chalicelib.domain.routing.decisions import Claim, RoutingDecision
from chalicelib.domain.routing.departments import Department, as_departments, settings_for
from chalicelib.domain.routing.pipeline import RoutingContext, available, not_excluded, route, under_capacity

# A named agent (rule target, reopened ticket's assignee) skips department and skill checks,
# but must still be present, have room, and not be one the ticket is skipping.
_DIRECT_CHECKS = (not_excluded, available, under_capacity)


def decide(
    ticket: Mapping[str, Any],
    agents: Iterable[Agent | Mapping[str, Any]],
    *,
    now: datetime,
    departments: Any = None,
    rules: Iterable[AssignmentRule | Mapping[str, Any]] | None = None,
    exclude: Iterable[str] = (),
) -> RoutingDecision:
    """Decide who gets the ticket now: the first matching direct assignment rule, else the pipeline
    in the ticket's department. agent_id None means the ticket waits; reason says why, for the audit."""
    agents = as_agents(agents)
    departments = as_departments(departments)
    rule = first_matching_rule(rules, ticket, now)
    if rule is None:
        return route(ticket, agents, departments, now, exclude=exclude)
    if rule.agent_id is None:
        decision = route(ticket, agents, departments, now, department=rule.department, exclude=exclude)
        return replace(decision, rule_id=rule.id, reason=f"rule '{rule.title}': {decision.reason}")
    return _direct(rule, ticket, agents, departments, now, exclude)


def _direct(
    rule: AssignmentRule,
    ticket: Mapping[str, Any],
    agents: list[Agent],
    departments: Mapping[str, Department],
    now: datetime,
    exclude: Iterable[str],
) -> RoutingDecision:
    home = rule.department or ticket.get("department")
    settings = settings_for(departments, home)
    agent = next((a for a in agents if a.id == rule.agent_id), None)
    decision, why = direct_to(agent, ticket, settings, now, exclude)
    if decision is not None:
        return replace(decision, rule_id=rule.id, reason=f"rule '{rule.title}' assigns {decision.reason}")
    label = agent.label if agent else rule.agent_id
    if rule.fallback == "queue":
        return RoutingDecision(
            None, home, f"rule '{rule.title}': waiting for {label} ({why})", rule_id=rule.id, waiting_for=rule.agent_id
        )
    fallback = route(ticket, agents, departments, now, department=home, exclude=exclude)
    where = f" in {home}" if home else ""
    return replace(fallback, rule_id=rule.id, reason=f"rule '{rule.title}': {label} {why}, routing{where}: {fallback.reason}")


def direct_to(
    agent: Agent | None,
    ticket: Mapping[str, Any],
    settings: Department | None,
    now: datetime,
    exclude: Iterable[str] = (),
) -> tuple[RoutingDecision | None, str]:
    """A decision giving the ticket to this one agent when they are present and have room,
    else (None, why not) — e.g. (None, "offline")."""
    if agent is None:
        return None, "unknown agent"
    group = channel_group(ticket.get("channel"))
    ctx = RoutingContext(settings, group, (), frozenset(exclude))
    why = next((label for check in _DIRECT_CHECKS if (label := check(agent, ctx)) is not None), None)
    if why is not None:
        return None, why
    claim = Claim(
        agent_id=agent.id,
        channel_group=group,
        weight=ctx.settings.weight_for(group, agent),
        expected_load=agent.load_for(group),
        capacity=agent.capacity_for(group),
    )
    expires = None
    if group == "chat" and ctx.settings.offer_timeout_seconds:
        expires = now + timedelta(seconds=ctx.settings.offer_timeout_seconds)
    reason = f"{agent.label} {claim.expected_load}/{claim.capacity} {group}"
    return RoutingDecision(agent.id, settings.name if settings else None, reason, claim, offer_expires_at=expires), ""


def reopen(
    ticket: Mapping[str, Any],
    agents: Iterable[Agent | Mapping[str, Any]],
    *,
    now: datetime,
    departments: Any = None,
    rules: Iterable[AssignmentRule | Mapping[str, Any]] | None = None,
) -> RoutingDecision:
    """Where a ticket reopened by a customer reply goes: back to its agent when they have room, else to routing."""
    agents = as_agents(agents)
    departments = as_departments(departments)
    previous = ticket.get("assignee_id")
    if previous is None:
        return decide(ticket, agents, now=now, departments=departments, rules=rules)
    agent = next((a for a in agents if a.id == str(previous)), None)
    settings = settings_for(departments, ticket.get("department"))
    decision, why = direct_to(agent, ticket, settings, now)
    if decision is not None:
        return replace(decision, reason=f"reopened: back to {decision.reason}", offer_expires_at=None)
    label = agent.label if agent else str(previous)
    routed = decide(ticket, agents, now=now, departments=departments, rules=rules)
    return replace(routed, reason=f"reopened: {label} {why}; {routed.reason}")
