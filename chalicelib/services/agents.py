"""Agent and department use cases: presence, skills, capacity, routing settings."""
from __future__ import annotations

from typing import Any

from chalicelib.domain.routing.agents import Agent
from chalicelib.domain.routing.departments import Department
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.services.routing import drain, drain_for_agent, forget_departments


def set_presence(agent_id: str, presence: str) -> dict[str, Any]:
    """Change an agent's presence."""
    from chalicelib.bootstrap import agent_store

    agent = agent_store().update_agent(agent_id, {"presence": presence})
    if presence == "online":
        drain_for_agent(agent_id)
    return agent


def update_agent(agent_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate and store an agent's departments, skills and capacity."""
    from chalicelib.bootstrap import agent_store

    store = agent_store()
    current = store.get_agent(agent_id)
    if current is None:
        raise NotFoundError(f"agent {agent_id} not found")
    for name in changes.get("departments") or []:
        if store.get_department(name) is None:
            raise ValidationError(f"department '{name}' does not exist; create it first with POST /api/departments")
    Agent.from_dict({**current, **changes})  # validates skills and capacity
    if isinstance(changes.get("skills"), list):
        changes["skills"] = {name: 1 for name in changes["skills"]}
    agent = store.update_agent(agent_id, changes)
    forget_departments()
    drain_for_agent(agent_id)
    return agent


def save_department(body: dict[str, Any]) -> dict[str, Any]:
    """Validate routing settings and store the department."""
    from chalicelib.bootstrap import agent_store

    Department.from_dict(body)
    known = {"name", "strategy", "include_offline", "max_per_agent", "weights", "skill_relaxations", "overflow",
             "offer_timeout_seconds", "conversation_style", "close_after_days", "business_hours", "description"}
    unknown = set(body) - known
    if unknown:
        raise ValidationError(f"unknown department settings {', '.join(sorted(unknown))}; "
                              f"known ones are {', '.join(sorted(known))}")
    department = {"strategy": "least_busy", "include_offline": False, **body, "name": body["name"].strip()}
    agent_store().put_department(department)
    forget_departments()
    drain(department["name"])
    return department


def departments_with_queues() -> list[dict[str, Any]]:
    """Departments with how many tickets wait in each one's queue."""
    from chalicelib.bootstrap import agent_store, ticket_store

    departments = agent_store().list_departments()
    return [{**d, "queue_length": ticket_store().queue_length(d["name"])} for d in departments]
