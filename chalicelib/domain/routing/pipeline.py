"""The assignment pipeline: named filters over candidate agents, then a strategy picks one.

eligible (department, skills) → available (presence) → under capacity (channel group)
→ under the per-agent cap (open tickets) → strategy (least busy or round robin); a live chat first
waits for its department's business hours.
Skill relaxation and overflow to another department apply when a ticket has waited long enough.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence

from chalicelib.clock import iso
from chalicelib.domain.routing.agents import Agent, SkillNeed, channel_group, skill_needs
from chalicelib.domain.routing.decisions import Claim, RoutingDecision
from chalicelib.domain.routing.departments import Department, settings_for
from chalicelib.domain.routing.strategies import STRATEGIES
from chalicelib.domain.routing.times import seconds_between, to_moment

# Agents outside the department are not candidates at all; the audit does not count them.
NOT_IN_DEPARTMENT = "not in department"
_ANYWHERE = Department(name="")


@dataclass(frozen=True)
class RoutingContext:
    """What the filters need to know about the ticket being routed."""

    department: Department | None
    group: str
    needs: tuple[SkillNeed, ...] = ()
    exclude: frozenset[str] = frozenset()

    @property
    def settings(self) -> Department:
        """The department's settings, or the defaults when the ticket has no department."""
        return self.department or _ANYWHERE


Filter = Callable[[Agent, RoutingContext], "str | None"]


def not_excluded(agent: Agent, ctx: RoutingContext) -> str | None:
    """Drop agents this ticket must skip (they let an offer for it expire)."""
    return "let the offer expire" if agent.id in ctx.exclude else None


def eligible(agent: Agent, ctx: RoutingContext) -> str | None:
    """Keep agents in the ticket's department who hold every required skill at the required level."""
    if not agent.in_department(ctx.department.name if ctx.department else None):
        return NOT_IN_DEPARTMENT
    missing = agent.missing_skill(ctx.needs)
    if missing is None:
        return None
    level = f" level {missing.level}" if missing.level > 1 else ""
    return f"missing skill {missing.name}{level}"


def available(agent: Agent, ctx: RoutingContext) -> str | None:
    """Keep online agents, and offline ones too when the department includes offline agents; away never."""
    if agent.presence == "online" or (agent.presence == "offline" and ctx.settings.include_offline):
        return None
    return agent.presence


def under_capacity(agent: Agent, ctx: RoutingContext) -> str | None:
    """Keep agents whose load plus this ticket's weight fits their capacity for the channel group."""
    if agent.capacity_for(ctx.group) == 0:
        return f"not taking {ctx.group}"
    if agent.has_room(ctx.group, ctx.settings.weight_for(ctx.group, agent)):
        return None
    return "at capacity"


def under_max_per_agent(agent: Agent, ctx: RoutingContext) -> str | None:
    """Keep agents below the department's maximum of open tickets per agent (when one is set)."""
    cap = ctx.settings.max_per_agent
    if cap is None or agent.open_tickets < cap:
        return None
    return f"at max {cap} open tickets"


PIPELINE: tuple[tuple[str, Filter], ...] = (
    ("not_excluded", not_excluded),
    ("eligible", eligible),
    ("available", available),
    ("under_capacity", under_capacity),
    ("under_max_per_agent", under_max_per_agent),
)


@dataclass
class FilterResult:
    """The agents that passed every filter, and how many were dropped for each reason."""

    candidates: list[Agent]
    rejected: Counter = field(default_factory=Counter)

    def why_none(self) -> str:
        """The reasons nobody was left, most common first, e.g. '3 at capacity, 1 offline'."""
        counts = [(label, n) for label, n in self.rejected.items() if label != NOT_IN_DEPARTMENT]
        if not counts:
            return "nobody is in the department"
        counts.sort(key=lambda item: (-item[1], item[0]))
        return ", ".join(f"{n} {label}" for label, n in counts)


def run_filters(agents: Iterable[Agent], ctx: RoutingContext, pipeline=PIPELINE) -> FilterResult:
    """Pass each agent through the filters in order; an agent is counted at the first filter it fails."""
    result = FilterResult(candidates=[])
    for agent in agents:
        label = next((why for _, keep in pipeline if (why := keep(agent, ctx)) is not None), None)
        if label is None:
            result.candidates.append(agent)
        else:
            result.rejected[label] += 1
    return result


def waiting_seconds(ticket: Mapping[str, Any], now: datetime) -> float:
    """How long the ticket has waited for an agent (since queued_at, else created_at)."""
    since = to_moment(ticket.get("queued_at") or ticket.get("created_at"), "queued_at")
    return seconds_between(since, now)


def _relaxation_steps(department: Department | None, needs: tuple[SkillNeed, ...], waited: float):
    """Successively relaxed skill needs, each with the relaxations applied so far (strict first)."""
    yield needs, ()
    applied: list[str] = []
    for relaxation in department.skill_relaxations if department else ():
        if relaxation.after_seconds > waited:
            break
        dropped = tuple(n for n in needs if relaxation.skill is None or n.name == relaxation.skill)
        if not dropped:
            continue
        needs = tuple(n for n in needs if n not in dropped)
        applied.append(relaxation.describe())
        yield needs, tuple(applied)


def route_in_department(
    ticket: Mapping[str, Any],
    agents: Sequence[Agent],
    department: Department | None,
    now: datetime,
    *,
    exclude: Iterable[str] = (),
) -> tuple[RoutingDecision, FilterResult]:
    """Pick an agent for the ticket inside one department, relaxing skills when the ticket waited long enough.

    A live chat waits while the department is outside its business hours.
    """
    group = channel_group(ticket.get("channel"))
    needs = skill_needs(ticket.get("required_skills"))
    waited = waiting_seconds(ticket, now)
    name = department.name if department else None
    opens = department.closed_until(now) if department and group == "chat" else None
    if opens is not None:
        return RoutingDecision(None, name, f"{name} is outside business hours until {iso(opens)}"), FilterResult([])
    result = FilterResult(candidates=[])
    for step_needs, applied in _relaxation_steps(department, needs, waited):
        ctx = RoutingContext(department, group, step_needs, frozenset(exclude))
        result = run_filters(agents, ctx)
        if result.candidates:
            return _choose(result.candidates, ctx, now, applied), result
    where = f" in {name}" if name else ""
    return RoutingDecision(None, name, f"no agent available{where}: {result.why_none()}"), result


def _choose(candidates: list[Agent], ctx: RoutingContext, now: datetime, applied: tuple[str, ...]) -> RoutingDecision:
    settings = ctx.settings
    agent, reason = STRATEGIES[settings.strategy](candidates, ctx.group)
    claim = Claim(
        agent_id=agent.id,
        channel_group=ctx.group,
        weight=settings.weight_for(ctx.group, agent),
        expected_load=agent.load_for(ctx.group),
        capacity=agent.capacity_for(ctx.group),
        max_open_tickets=settings.max_per_agent,
    )
    if applied:
        reason = f"{reason} ({'; '.join(applied)})"
    offer_expires_at = None
    if ctx.group == "chat" and settings.offer_timeout_seconds:
        offer_expires_at = now + timedelta(seconds=settings.offer_timeout_seconds)
    return RoutingDecision(
        agent.id,
        ctx.department.name if ctx.department else None,
        reason,
        claim=claim,
        relaxations=applied,
        offer_expires_at=offer_expires_at,
    )


def route(
    ticket: Mapping[str, Any],
    agents: Sequence[Agent],
    departments: Mapping[str, Department],
    now: datetime,
    *,
    department: str | None = None,
    exclude: Iterable[str] = (),
) -> RoutingDecision:
    """Route a ticket in its department (or the one given), overflowing to another department
    when it has waited long enough and nobody here can take it."""
    name = department if department is not None else ticket.get("department")
    settings = settings_for(departments, name)
    decision, _ = route_in_department(ticket, agents, settings, now, exclude=exclude)
    overflow = settings.overflow if settings else None
    if decision.assigned or overflow is None:
        return decision
    waited = waiting_seconds(ticket, now)
    if waited < overflow.after_seconds:
        return decision
    target = settings_for(departments, overflow.department)
    moved, _ = route_in_department(ticket, agents, target, now, exclude=exclude)
    prefix = f"overflow from {name} after {int(waited)}s waiting"
    if not moved.assigned:
        return RoutingDecision(None, name, f"{decision.reason}; {prefix}: {moved.reason}")
    return RoutingDecision(
        moved.agent_id,
        moved.department,
        f"{prefix}: {moved.reason}",
        claim=moved.claim,
        relaxations=moved.relaxations,
        overflowed_from=name,
        offer_expires_at=moved.offer_expires_at,
    )
