"""WebSocket handlers: authenticate on connect, dispatch frames by type, forget on disconnect.

The protocol is described in docs/websocket.md; frames are parsed in realtime/frames.py and the work is
done by services/live_chat.py.
"""
from __future__ import annotations

import functools
import json
from typing import Any, Callable

from chalicelib.api.tokens import Principal
from chalicelib.clock import now
from chalicelib.errors import ForbiddenError, ParleyError, UnauthorizedError
from chalicelib.observability import invocation, logger
from chalicelib.realtime import frames


def authenticate(token: str | None) -> Principal:
    """A visitor token or an agent JWT; UnauthorizedError refuses the connection."""
    from chalicelib.api.http import AGENT_ROLES, agent_principal, customer_principal

    if not token:
        raise UnauthorizedError("connect with ?token=<visitor token or agent JWT>")
    try:
        return customer_principal(token)
    except UnauthorizedError:
        return agent_principal(token, AGENT_ROLES)


def check_origin(headers: dict[str, str] | None) -> None:
    """Browsers send Origin: only the deployment itself and the sites an admin allows may connect.

    Apps and servers send no Origin and are judged by their token alone.
    """
    from chalicelib.config import settings

    origin = next((v for k, v in (headers or {}).items() if k.lower() == "origin"), None)
    if origin is None:
        return
    s = settings()
    if origin not in s.allowed_origins and origin != s.public_url.rstrip("/"):
        raise ForbiddenError(f"origin {origin} may not open chats; an admin can allow it")


def as_invocation(handler: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    """Run a WebSocket handler as one invocation (correlation id from API Gateway, metrics flushed)."""
    @functools.wraps(handler)
    def run(event: Any) -> dict[str, Any]:
        with invocation((event.to_dict().get("requestContext") or {}).get("requestId")):
            return handler(event)
    return run


@as_invocation
def on_connect(event: Any) -> dict[str, Any]:
    """Refuse a bad token or origin at connect; remember who holds the connection."""
    from chalicelib.bootstrap import connection_store
    from chalicelib.realtime.presence import agent_connected

    raw = event.to_dict()
    params = raw.get("queryStringParameters") or {}
    try:
        check_origin(raw.get("headers"))
        principal = authenticate(params.get("token"))
    except ParleyError as error:
        logger.info("websocket refused", extra={"reason": error.message})
        return {"statusCode": error.status, "body": json.dumps({"error": error.code, "message": error.message})}
    connection_store().add(event.connection_id, principal.key, int(now().timestamp()), role=principal.role)
    if principal.kind == "agent":
        agent_connected(principal.id)
    return {"statusCode": 200}


@as_invocation
def on_disconnect(event: Any) -> dict[str, Any]:
    """Forget the connection; an agent's last connection closing starts the presence grace period."""
    from chalicelib.bootstrap import connection_store
    from chalicelib.realtime.presence import agent_disconnected

    store = connection_store()
    connection = store.get(event.connection_id)
    store.remove(event.connection_id)
    if connection and connection["principal"].startswith("agent#"):
        agent_disconnected(connection["principal"].split("#", 1)[1])
    return {"statusCode": 200}


@as_invocation
def on_message(event: Any) -> dict[str, Any]:
    """Dispatch a client frame by its "type"; replies and errors go back to the sender only."""
    from chalicelib.bootstrap import connection_store, websocket_sender

    connection = connection_store().get(event.connection_id)
    if connection is None:
        return {"statusCode": 410}
    principal = principal_of(connection)
    try:
        frame = frames.parse(event.body)
        replies = _HANDLERS[frame.type](principal, frame, event.connection_id)
    except ParleyError as error:
        replies = [frames.error_frame(error, frames.context_of(event.body))]
    except Exception:
        logger.exception("websocket frame failed", extra={"connection_id": event.connection_id})
        replies = [{"type": "error", "error": "internal", **frames.context_of(event.body),
                    "message": "something went wrong on our side; it has been logged — send the frame again"}]
    sender = websocket_sender()
    for reply in replies:
        if not sender.send(event.connection_id, frames.dumps(reply)):
            break
    return {"statusCode": 200}


def principal_of(connection: dict[str, Any]) -> Principal:
    """Who holds a connection, as recorded at connect."""
    kind, _, principal_id = connection["principal"].partition("#")
    return Principal(kind=kind, id=principal_id, role=connection.get("role"))


def _message(principal: Principal, frame: Any, connection_id: str) -> list[dict[str, Any]]:
    from chalicelib.services.live_chat import send_message

    return [send_message(principal, frame, connection_id)]


def _typing(principal: Principal, frame: Any, connection_id: str) -> list[dict[str, Any]]:
    from chalicelib.services.live_chat import relay_typing

    relay_typing(principal, frame, connection_id)
    return []


def _read(principal: Principal, frame: Any, connection_id: str) -> list[dict[str, Any]]:
    from chalicelib.services.live_chat import mark_read

    mark_read(principal, frame)
    return []


def _resume(principal: Principal, frame: Any, connection_id: str) -> list[dict[str, Any]]:
    from chalicelib.services.live_chat import resume

    return resume(principal, frame, connection_id)


def _ping(principal: Principal, frame: Any, connection_id: str) -> list[dict[str, Any]]:
    return [{"type": "pong", "id": frame.id}]


_HANDLERS: dict[str, Callable[[Principal, Any, str], list[dict[str, Any]]]] = {
    "message": _message, "typing": _typing, "read": _read, "resume": _resume, "ping": _ping}
