"""What routing decides, as plain data the service layer turns into one conditional transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Claim:
    """Take capacity from an agent: write load = expected_load + weight only if load still equals expected_load.

    max_open_tickets, when set, also requires the agent's open ticket count to stay below it (round robin cap).
    """

    agent_id: str
    channel_group: str
    weight: int
    expected_load: int
    capacity: int
    max_open_tickets: int | None = None

    @property
    def new_load(self) -> int:
        """The agent's load in the channel group once the claim is written."""
        return self.expected_load + self.weight


@dataclass(frozen=True)
class CapacityMove:
    """Change an agent's load in one channel group by delta (negative gives capacity back)."""

    agent_id: str
    channel_group: str
    delta: int


@dataclass(frozen=True)
class PresenceChange:
    """Set an agent's presence, with the reason for the audit."""

    agent_id: str
    presence: str
    reason: str


@dataclass(frozen=True)
class RoutingDecision:
    """Who gets a ticket (agent_id None: it waits in the department's queue) and why, in words for the audit.

    relaxations names the skill relaxations that applied; overflowed_from the department the ticket left;
    rule_id the direct assignment rule that decided; waiting_for the agent a rule holds the ticket for;
    offer_expires_at when the agent is offered the ticket and must accept before then.
    """

    agent_id: str | None
    department: str | None
    reason: str
    claim: Claim | None = None
    relaxations: tuple[str, ...] = ()
    overflowed_from: str | None = None
    rule_id: str | None = None
    waiting_for: str | None = None
    offer_expires_at: datetime | None = None

    @property
    def assigned(self) -> bool:
        """True when an agent was chosen."""
        return self.agent_id is not None
