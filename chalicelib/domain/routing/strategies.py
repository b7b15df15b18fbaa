"""Strategies that pick one agent from the candidates left after the pipeline's filters."""
from __future__ import annotations

from datetime import datetime, timezone
from fractions import Fraction
from typing import Callable, Sequence

from chalicelib.domain.routing.agents import Agent

_NEVER = datetime.min.replace(tzinfo=timezone.utc)

Strategy = Callable[[Sequence[Agent], str], "tuple[Agent, str]"]


def _since_last(agent: Agent) -> datetime:
    """Sort key: agents never assigned come first, then the longest since their last ticket."""
    return agent.last_assigned_at or _NEVER


def _last_assigned_words(agent: Agent) -> str:
    if agent.last_assigned_at is None:
        return "never assigned"
    return "last assigned " + agent.last_assigned_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def least_busy(candidates: Sequence[Agent], group: str) -> tuple[Agent, str]:
    """The agent with the lowest load ratio in the channel group; ties go to fewer open tickets,
    then the longest since the last assignment, then the id, so the same inputs always pick the same agent."""
    chosen = min(
        candidates,
        key=lambda a: (Fraction(a.load_for(group), a.capacity_for(group)), a.open_tickets, _since_last(a), a.id),
    )
    return chosen, f"least busy: {chosen.label} {chosen.load_for(group)}/{chosen.capacity_for(group)} {group}"


def round_robin(candidates: Sequence[Agent], group: str) -> tuple[Agent, str]:
    """The agent who has waited longest since their last assignment (never assigned first), then by id."""
    chosen = min(candidates, key=lambda a: (_since_last(a), a.id))
    return chosen, f"round robin: {chosen.label}, {_last_assigned_words(chosen)}, {chosen.open_tickets} open"


STRATEGIES: dict[str, Strategy] = {"least_busy": least_busy, "round_robin": round_robin}
