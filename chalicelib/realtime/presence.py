"""Presence from connections: an agent who closed every tab stops counting as available after a grace period.

Presence itself (online, away, offline) is the agent's own choice (PUT /api/agents/me/presence). The
WebSocket layer only records when an agent's first connection opened and their last one closed, so a
page reload or a flaky network does not make the widget offer the offline form, while an agent who
left without setting themselves offline stops being counted once GRACE_SECONDS have passed.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.clock import iso, now, parse_iso

GRACE_SECONDS = 60


def agent_connected(agent_id: str) -> None:
    """Remember that the agent has a live connection now."""
    from chalicelib.bootstrap import agent_store

    agent_store().update_agent(agent_id, {"connected_at": iso(now())})


def agent_disconnected(agent_id: str) -> None:
    """Remember when the agent's last connection closed (other tabs still open: nothing changes)."""
    from chalicelib.bootstrap import agent_store, connection_store

    if connection_store().for_principal(f"agent#{agent_id}", int(now().timestamp())):
        return
    agent_store().update_agent(agent_id, {"disconnected_at": iso(now())})


def is_available(agent: dict[str, Any], at: datetime) -> bool:
    """True when the agent can take a chat: online, allowed to reply, and not gone for longer than the grace."""
    if agent.get("presence") != "online" or agent.get("role") == "light_agent":
        return False
    left, came = agent.get("disconnected_at"), agent.get("connected_at")
    if not left or (came and came > left):
        return True
    return at - parse_iso(left) <= timedelta(seconds=GRACE_SECONDS)


def in_department(agent: dict[str, Any], department: str | None) -> bool:
    """True when department is empty or one of the agent's departments (case-insensitive)."""
    if not department:
        return True
    return department.strip().lower() in {d.lower() for d in agent.get("departments") or []}
