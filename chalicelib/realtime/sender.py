"""Sends JSON frames to WebSocket connections through the API Gateway @connections API."""
from __future__ import annotations

import json
import time
from typing import Any, Iterable

from chalicelib.observability import logger


class ConnectionSender:
    """Pushes frames to every connection of a principal; forgets connections that are gone."""

    def __init__(self, management_api: Any, connections: Any):
        self._api = management_api
        self._connections = connections

    def send_to(self, principals: Iterable[str], frame: dict[str, Any]) -> int:
        """Send frame to each open connection of each principal; returns how many were delivered."""
        data = json.dumps(frame, separators=(",", ":"), default=str).encode()
        delivered = 0
        now = int(time.time())
        for principal in principals:
            for connection_id in self._connections.for_principal(principal, now):
                if self.send(connection_id, data):
                    delivered += 1
        return delivered

    def send(self, connection_id: str, data: bytes) -> bool:
        """Send raw data to one connection; a 410 Gone removes the stale connection."""
        try:
            self._api.post_to_connection(ConnectionId=connection_id, Data=data)
            return True
        except self._api.exceptions.GoneException:
            logger.info("connection gone, removing it", extra={"connection_id": connection_id})
            self._connections.remove(connection_id)
            return False
