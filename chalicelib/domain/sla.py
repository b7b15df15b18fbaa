"""SLA policies: first-reply, next-reply and resolution targets and their due times.

A policy has conditions in the rule language choosing the tickets it applies to; policies are
ordered and the first matching one wins. Its targets (minutes) are set per priority and,
optionally, per channel, in calendar or business hours. Policies in Zendesk's JSON
(``filter`` + ``policy_metrics``) load unchanged.

The clocks:

* first_reply runs from the ticket's creation to the first public agent reply;
* next_reply runs from the oldest customer message still awaiting an answer (after the first
  reply) to the next public agent reply;
* resolution runs from creation to solved; when pausable it stops while the ticket is pending
  or on hold (Zendesk's "agent work time") and resumes if the ticket is reopened.

State is a plain value: events advance it, :func:`next_due` gives the time the clock index
stores, and :func:`check_breaches` reports each missed target exactly once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.domain import business_hours
from chalicelib.domain.rules.conditions import ConditionSet, _as_time, compile_conditions
from chalicelib.domain.rules.vocabulary import PRIORITIES, normalize_channel, normalize_priority

METRICS = ("first_reply", "next_reply", "resolution")
METRIC_ALIASES = {
    "first_reply_time": "first_reply", "next_reply_time": "next_reply", "resolution_time": "resolution",
    "agent_work_time": "resolution", "requester_wait_time": "resolution",
}
PAUSE_STATUSES = ("pending", "on_hold")
DONE_STATUSES = ("solved", "closed")
EVENT_KINDS = ("created", "customer_message", "agent_reply", "status")


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class MetricTarget:
    """One target: ``minutes`` for ``metric`` on tickets of ``priority`` (and ``channel`` if set)."""

    metric: str
    priority: str
    minutes: int
    business_hours: bool = True
    channel: str | None = None
    pausable: bool = True


@dataclass(frozen=True)
class SlaPolicy:
    """An SLA policy: which tickets it covers (conditions) and its targets."""

    id: str
    title: str
    conditions: ConditionSet
    targets: tuple[MetricTarget, ...]
    position: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SlaPolicy":
        """Compile a policy from Parley's or Zendesk's JSON (``{"sla_policy": ...}`` accepted)."""
        if "sla_policy" in data and isinstance(data["sla_policy"], Mapping):
            data = data["sla_policy"]
        title = str(data.get("title") or data.get("id") or "untitled SLA policy")
        try:
            conditions = compile_conditions(data.get("conditions", data.get("filter")))
            targets = tuple(_target(item) for item in data.get("policy_metrics") or data.get("targets") or ())
        except ValidationError as error:
            raise ValidationError(f"SLA policy '{title}': {error.message}") from None
        if not targets:
            raise ValidationError(f"SLA policy '{title}' has no targets; add e.g. "
                                  '{"metric": "first_reply", "priority": "normal", "target": 60}')
        return cls(id=str(data.get("id") if data.get("id") is not None else title), title=title,
                   conditions=conditions, targets=targets, position=int(data.get("position") or 0))

    def target_for(self, metric: str, ticket: Mapping[str, Any]) -> MetricTarget | None:
        """The target for ``metric`` on ``ticket``: a channel-specific one wins over a general one."""
        priority = ticket.get("priority") or "normal"
        channel = ticket.get("channel")
        general = None
        for target in self.targets:
            if target.metric != metric or target.priority != priority:
                continue
            if target.channel is None:
                general = general or target
            elif target.channel == channel:
                return target
        return general


def _target(item: Mapping[str, Any]) -> MetricTarget:
    raw_metric = str(item.get("metric", "")).strip().lower()
    metric = METRIC_ALIASES.get(raw_metric, raw_metric)
    if metric not in METRICS:
        raise ValidationError(f"metric {raw_metric!r} is not one of {', '.join(METRICS)} "
                              f"(Zendesk names {', '.join(METRIC_ALIASES)} are accepted too)")
    priority = normalize_priority(item.get("priority"))
    if priority is None:
        raise ValidationError(f"a {metric} target needs a priority: one of {', '.join(PRIORITIES)}")
    try:
        minutes = int(item.get("target", item.get("minutes")))
    except (TypeError, ValueError):
        raise ValidationError(f"{metric} target for {priority} must be a whole number of minutes") from None
    if minutes <= 0:
        raise ValidationError(f"{metric} target for {priority} must be more than 0 minutes")
    channel = item.get("channel")
    return MetricTarget(metric=metric, priority=priority, minutes=minutes,
                        business_hours=bool(item.get("business_hours", True)),
                        channel=normalize_channel(channel) if channel else None,
                        pausable=bool(item.get("pausable", raw_metric != "first_reply")))


def load_policies(policies: Iterable[Mapping[str, Any] | SlaPolicy]) -> list[SlaPolicy]:
    """Compile policies and order them by position (then id)."""
    loaded = [p if isinstance(p, SlaPolicy) else SlaPolicy.from_dict(p) for p in policies]
    return sorted(loaded, key=lambda p: (p.position, p.id))


def pick_policy(policies: Iterable[Mapping[str, Any] | SlaPolicy], ticket: Mapping[str, Any], *,
                now: datetime | None = None) -> SlaPolicy | None:
    """The first policy (by position) whose conditions the ticket meets, or None."""
    for policy in load_policies(policies):
        if policy.conditions.matches(ticket, None, now=now):
            return policy
    return None


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class SlaEvent:
    """Something that moves SLA clocks: created, customer_message, agent_reply, status."""

    kind: str
    at: datetime
    public: bool = True
    status: str | None = None

    def __post_init__(self):
        if self.kind not in EVENT_KINDS:
            raise ValidationError(f"SLA event {self.kind!r} is not one of {', '.join(EVENT_KINDS)}")


@dataclass(frozen=True)
class MetricClock:
    """One running (or finished) instance of a metric's clock.

    ``consumed_seconds`` is the counted time before ``segment_started_at`` (the start of the
    current running stretch); ``due_at`` is when the target is missed if the clock keeps running.
    """

    metric: str
    started_at: datetime
    target_minutes: int
    business_hours: bool
    pausable: bool
    status: str  # active | paused | fulfilled
    due_at: datetime
    consumed_seconds: float = 0.0
    segment_started_at: datetime | None = None
    stopped_at: datetime | None = None  # when it was paused or fulfilled

    @property
    def key(self) -> str:
        """Identifies this instance: a metric breaches at most once per key."""
        return f"{self.metric}@{self.started_at.isoformat()}"

    @property
    def late(self) -> bool:
        """Whether the clock stopped after its due time."""
        return self.stopped_at is not None and self.stopped_at > self.due_at


@dataclass(frozen=True)
class Breach:
    """A missed SLA target, reported once."""

    metric: str
    due_at: datetime
    key: str


@dataclass(frozen=True)
class SlaState:
    """The SLA clocks of one ticket under one policy, and the breaches already reported."""

    policy_id: str | None = None
    metrics: tuple[MetricClock, ...] = ()
    breached: frozenset[str] = field(default_factory=frozenset)
    agent_replied: bool = False
    status: str = "new"

    def current(self, metric: str) -> MetricClock | None:
        """The latest instance of ``metric``, or None."""
        for clock in reversed(self.metrics):
            if clock.metric == metric:
                return clock
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form stored on the ticket (``ticket["sla"]``)."""
        due = next_due(self)
        return {
            "policy_id": self.policy_id,
            "breached": bool(self.breached),
            "breached_metrics": sorted(self.breached),
            "next_due_at": due.isoformat() if due else None,
            "agent_replied": self.agent_replied,
            "status": self.status,
            "metrics": [{
                "metric": c.metric, "started_at": c.started_at.isoformat(), "target_minutes": c.target_minutes,
                "business_hours": c.business_hours, "pausable": c.pausable, "status": c.status,
                "due_at": c.due_at.isoformat(), "consumed_seconds": c.consumed_seconds,
                "segment_started_at": c.segment_started_at.isoformat() if c.segment_started_at else None,
                "stopped_at": c.stopped_at.isoformat() if c.stopped_at else None,
            } for c in self.metrics],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "SlaState":
        """Read the form written by :meth:`to_dict`."""
        if not data:
            return cls()
        clocks = tuple(MetricClock(
            metric=m["metric"], started_at=_as_time(m["started_at"]), target_minutes=int(m["target_minutes"]),
            business_hours=bool(m["business_hours"]), pausable=bool(m.get("pausable", True)),
            status=m["status"], due_at=_as_time(m["due_at"]), consumed_seconds=float(m.get("consumed_seconds", 0)),
            segment_started_at=_as_time(m.get("segment_started_at")), stopped_at=_as_time(m.get("stopped_at")),
        ) for m in data.get("metrics") or ())
        return cls(policy_id=data.get("policy_id"), metrics=clocks,
                   breached=frozenset(data.get("breached_metrics") or ()),
                   agent_replied=bool(data.get("agent_replied")), status=data.get("status") or "new")


# --------------------------------------------------------------------------- clocks


def compute_sla(policy: SlaPolicy | Mapping[str, Any] | None, ticket: Mapping[str, Any],
                events: Sequence[SlaEvent], *, schedule: business_hours.Schedule | None = None,
                previous: SlaState | None = None) -> SlaState:
    """The SLA state of ``ticket`` after ``events`` (in time order), keeping breaches already reported.

    Targets come from the ticket's current priority and channel, so recomputing after a
    priority change moves the due times, as in Zendesk.
    """
    if policy is not None and not isinstance(policy, SlaPolicy):
        policy = SlaPolicy.from_dict(policy)
    state = SlaState(policy_id=policy.id if policy else None,
                     breached=previous.breached if previous else frozenset())
    if policy is None:
        return state
    for event in sorted(events, key=lambda e: e.at):
        state = advance(state, event, policy=policy, ticket=ticket, schedule=schedule)
    return state


def advance(state: SlaState, event: SlaEvent, *, policy: SlaPolicy, ticket: Mapping[str, Any],
            schedule: business_hours.Schedule | None = None) -> SlaState:
    """Move the clocks of ``state`` by one event."""
    schedule = schedule or business_hours.CALENDAR
    at = event.at
    if event.kind == "created":
        clocks = list(state.metrics)
        for metric in ("first_reply", "resolution"):
            target = policy.target_for(metric, ticket)
            if target and state.current(metric) is None:
                clocks.append(_start(target, at, schedule))
        return replace(state, metrics=tuple(clocks), status="new")
    if event.kind == "agent_reply":
        if not event.public:
            return state
        clocks = [_stop(c, at, schedule, "fulfilled") if c.metric in ("first_reply", "next_reply")
                  and c.status == "active" else c for c in state.metrics]
        return replace(state, metrics=_prune(clocks, state.breached), agent_replied=True)
    if event.kind == "customer_message":
        if not state.agent_replied:
            return state  # still waiting for the first reply
        current = state.current("next_reply")
        target = policy.target_for("next_reply", ticket)
        if target is None or (current is not None and current.status == "active"):
            return state
        clocks = list(state.metrics) + [_start(target, at, schedule)]
        return replace(state, metrics=_prune(clocks, state.breached))
    # status change
    status = event.status or ""
    clocks = []
    for clock in state.metrics:
        if status in DONE_STATUSES and clock.status != "fulfilled":
            clock = _stop(clock, at, schedule, "fulfilled")
        elif status in PAUSE_STATUSES and clock.metric == "resolution" and clock.pausable and clock.status == "active":
            clock = _stop(clock, at, schedule, "paused")
        elif status in ("new", "open") and clock.metric == "resolution" and clock.status != "active":
            clock = _resume(clock, at, schedule)
        clocks.append(clock)
    return replace(state, metrics=_prune(clocks, state.breached), status=status)


def next_due(state: SlaState) -> datetime | None:
    """The earliest due time of a running, not yet breached clock (what the clock index stores)."""
    dues = [c.due_at for c in state.metrics if c.status == "active" and c.key not in state.breached]
    return min(dues) if dues else None


def check_breaches(state: SlaState, now: datetime) -> tuple[SlaState, list[Breach]]:
    """Metrics that missed their target and were not reported before; the state records them.

    A clock counts as breached when it is running past its due time, or when it stopped
    (reply, solve, pause) after its due time without the breach having been seen.
    """
    found: list[Breach] = []
    for clock in state.metrics:
        if clock.key in state.breached:
            continue
        if (clock.status == "active" and clock.due_at <= now) or (clock.late and clock.due_at <= now):
            found.append(Breach(clock.metric, clock.due_at, clock.key))
    if not found:
        return state, []
    breached = state.breached | {b.key for b in found}
    return replace(state, breached=breached, metrics=_prune(list(state.metrics), breached)), found


def _schedule_for(clock_business_hours: bool, schedule: business_hours.Schedule) -> business_hours.Schedule:
    return schedule if clock_business_hours else business_hours.CALENDAR


def _start(target: MetricTarget, at: datetime, schedule: business_hours.Schedule) -> MetricClock:
    chosen = _schedule_for(target.business_hours, schedule)
    due = business_hours.add_business_minutes(chosen, business_hours.next_open(chosen, at), target.minutes)
    return MetricClock(metric=target.metric, started_at=at, target_minutes=target.minutes,
                       business_hours=target.business_hours, pausable=target.pausable,
                       status="active", due_at=due, segment_started_at=at)


def _stop(clock: MetricClock, at: datetime, schedule: business_hours.Schedule, status: str) -> MetricClock:
    if clock.status != "active":
        return replace(clock, status=status) if status == "fulfilled" else clock
    chosen = _schedule_for(clock.business_hours, schedule)
    spent = business_hours.business_seconds_between(chosen, clock.segment_started_at, at)
    return replace(clock, status=status, consumed_seconds=clock.consumed_seconds + spent,
                   segment_started_at=None, stopped_at=at)


def _resume(clock: MetricClock, at: datetime, schedule: business_hours.Schedule) -> MetricClock:
    chosen = _schedule_for(clock.business_hours, schedule)
    remaining = max(0.0, clock.target_minutes * 60 - clock.consumed_seconds) / 60
    due = business_hours.add_business_minutes(chosen, business_hours.next_open(chosen, at), remaining)
    if remaining == 0:
        due = clock.due_at  # already overdue before the pause: it stays due when it was
    return replace(clock, status="active", due_at=due, segment_started_at=at, stopped_at=None)


def _prune(clocks: list[MetricClock], breached: frozenset[str]) -> tuple[MetricClock, ...]:
    """Drop finished next_reply instances that need no report (on time, or already reported)."""
    latest = {c.metric: c for c in clocks}
    kept = [c for c in clocks if latest[c.metric] is c or c.status != "fulfilled"
            or (c.late and c.key not in breached)]
    return tuple(kept)
