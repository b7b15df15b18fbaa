"""The live monitor (/api/monitor) for supervisors and agents."""
from __future__ import annotations

from typing import Any

from chalicelib.api.http import endpoint
from chalicelib.api.tokens import Principal


@endpoint(auth="agent")
def monitor(request: Any, principal: Principal) -> dict[str, Any]:
    """Queue sizes and waits per department, each agent's load against capacity, presence, CSAT today."""
    from chalicelib.services.monitor import snapshot

    return snapshot()
