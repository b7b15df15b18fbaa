"""Sends JSON frames to WebSocket connections through the API Gateway @connections API."""
from __future__ import annotations

from typing import Any

from chalicelib.observability import logger


class ConnectionSender:
    """Pushes frames to connections; forgets connections that are gone."""

    def __init__(self, management_api: Any, connections: Any):
        self._api = management_api
        self._connections = connections

    def send(self, connection_id: str, data: bytes) -> bool:
        """Send raw data to one connection; a 410 Gone removes the stale connection."""
        try:
            self._api.post_to_connection(ConnectionId=connection_id, Data=data)
            return True
        except self._api.exceptions.GoneException:
            logger.info("connection gone, removing it", extra={"connection_id": connection_id})
            self._connections.remove(connection_id)
            return False
