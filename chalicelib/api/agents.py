"""Agents and departments (/api/agents, /api/departments): presence, skills, capacity, routing settings."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.auth import public_agent
from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal
from chalicelib.errors import ValidationError


class PresenceChange(BaseModel):
    status: Literal["online", "away", "offline"]


class AgentChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    departments: list[str] | None = Field(default=None, max_length=50)
    skills: dict[str, int] | list[str] | None = None
    capacity: dict[str, int] | None = None


@endpoint(auth="agent")
def list_agents(request: Any, principal: Principal) -> dict[str, Any]:
    """Every agent with presence, departments, skills, capacity and current load per channel."""
    from chalicelib.bootstrap import agent_store

    return {"agents": [public_agent(a) for a in agent_store().list_agents()]}


@endpoint(auth="agent")
def set_presence(request: Any, principal: Principal) -> dict[str, Any]:
    """An agent sets their own presence (online, away, offline)."""
    from chalicelib.services.agents import set_presence as change

    body = read_json(request, PresenceChange)
    return {"agent": public_agent(change(principal.id, body.status))}


@endpoint(auth="agent", roles=("admin",))
def update_agent(request: Any, principal: Principal, agent_id: str) -> dict[str, Any]:
    """Admins set an agent's departments, skills and per-channel capacity."""
    from chalicelib.services.agents import update_agent as change

    body = read_json(request, AgentChanges)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationError(f"send at least one of {', '.join(AgentChanges.model_fields)}")
    return {"agent": public_agent(change(agent_id, changes))}


@endpoint(auth="agent")
def list_departments(request: Any, principal: Principal) -> dict[str, Any]:
    """Departments with their routing settings and queue length."""
    from chalicelib.services.agents import departments_with_queues

    return {"departments": departments_with_queues()}


@endpoint(auth="agent", roles=("admin",))
def put_department(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Admins create or change a department's routing settings.

    business_hours ({"time_zone", "intervals", "holidays"}, as for /api/schedules) are when the department takes
    live chats: outside them the widget offers its offline form and new chats wait in the queue until it opens.
    Leave it out (or null) for a department that is always open.
    """
    from chalicelib.services.agents import save_department

    return 201, {"department": save_department(_json_object(request))}


def _json_object(request: Any) -> dict[str, Any]:
    class Anything(BaseModel):
        model_config = ConfigDict(extra="allow")

    return read_json(request, Anything).model_dump()

