"""Who receives a conversation's live frames, and sending to them.

A customer receives frames on every connection they hold. An agent receives a conversation's frames
while assigned to its ticket, or after resuming it on a connection (a watch that expires with the
connection); a connection that is gone (410 from @connections) is forgotten on the first failed send.
"""
from __future__ import annotations

from typing import Any, Iterable

from chalicelib.clock import now
from chalicelib.realtime.frames import dumps


def _epoch() -> int:
    return int(now().timestamp())


def customer_connections(customer_id: str) -> list[str]:
    """Open connections of a customer (every tab and device)."""
    from chalicelib.bootstrap import connection_store

    return connection_store().for_principal(f"customer#{customer_id}", _epoch())


def agent_connections(conversation_id: str, assignee_id: str | None) -> list[str]:
    """Open agent connections that follow a conversation: the assignee's and those that resumed it."""
    from chalicelib.bootstrap import connection_store, watcher_store

    at = _epoch()
    found = dict.fromkeys(watcher_store().watchers(conversation_id, at))
    if assignee_id:
        found.update(dict.fromkeys(connection_store().for_principal(f"agent#{assignee_id}", at)))
    return list(found)


def every_agent_connection() -> list[str]:
    """Every open agent connection (one query, however many agents there are)."""
    from chalicelib.bootstrap import connection_store

    return connection_store().agent_connections(_epoch())


def send(connection_ids: Iterable[str], frame: dict[str, Any], *, exclude: str | None = None,
         conversation_id: str | None = None) -> int:
    """Send one frame to each connection (but exclude); returns how many received it.

    A gone connection is removed by the sender; when conversation_id is given its watch is removed too.
    """
    from chalicelib.bootstrap import watcher_store, websocket_sender

    data = dumps(frame)
    sender = websocket_sender()
    delivered = 0
    for connection_id in connection_ids:
        if connection_id == exclude:
            continue
        if sender.send(connection_id, data):
            delivered += 1
        elif conversation_id:
            watcher_store().unwatch(conversation_id, connection_id)
    return delivered


def watch(conversation_id: str, connection_id: str) -> None:
    """Let an agent's connection follow a conversation."""
    from chalicelib.bootstrap import watcher_store

    watcher_store().watch(conversation_id, connection_id, _epoch())
