"""WebSocket handlers: authenticate on connect, dispatch frames by type, forget on disconnect."""
from __future__ import annotations

import json
import time
from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.errors import ParleyError, UnauthorizedError
from chalicelib.observability import logger


def authenticate(token: str | None) -> Principal:
    """A visitor token or an agent JWT; UnauthorizedError refuses the connection."""
    from chalicelib.api.http import AGENT_ROLES, agent_principal, customer_principal

    if not token:
        raise UnauthorizedError("connect with ?token=<visitor token or agent JWT>")
    try:
        return customer_principal(token)
    except UnauthorizedError:
        return agent_principal(token, AGENT_ROLES)


def on_connect(event: Any) -> dict[str, Any]:
    """Refuse a bad token at connect; remember who holds the connection."""
    from chalicelib.bootstrap import connection_store

    params = event.to_dict().get("queryStringParameters") or {}
    try:
        principal = authenticate(params.get("token"))
    except ParleyError as error:
        logger.info("websocket refused", extra={"reason": error.message})
        return {"statusCode": error.status, "body": json.dumps({"error": error.code, "message": error.message})}
    connection_store().add(event.connection_id, principal.key, int(time.time()))
    return {"statusCode": 200}


def on_disconnect(event: Any) -> dict[str, Any]:
    """Forget the connection."""
    from chalicelib.bootstrap import connection_store

    connection_store().remove(event.connection_id)
    return {"statusCode": 200}


def on_message(event: Any) -> dict[str, Any]:
    """Dispatch a client frame by its "type"; errors go back to the sender as an error frame."""
    from chalicelib.bootstrap import connection_store, websocket_sender

    connection = connection_store().get(event.connection_id)
    if connection is None:
        return {"statusCode": 410}
    try:
        frame = json.loads(event.body or "{}")
        if not isinstance(frame, dict):
            raise ValueError
    except ValueError:
        reply = {"type": "error", "error": "invalid", "message": "frames are JSON objects with a \"type\""}
    else:
        reply = _dispatch(connection, frame)
    if reply is not None:
        websocket_sender().send(event.connection_id, json.dumps(reply).encode())
    return {"statusCode": 200}


def _dispatch(connection: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any] | None:
    kind = frame.get("type")
    if kind == "ping":
        return {"type": "pong", "id": frame.get("id")}
    return {"type": "error", "error": "invalid", "message": f"frame type '{kind}' is not supported"}
