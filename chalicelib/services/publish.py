"""Outbox relay: puts committed domain events on the EventBridge bus, then clears their outbox rows."""
from __future__ import annotations

import json
from typing import Any, Callable

from chalicelib.domain.events import SOURCE
from chalicelib.observability import logger

_BATCH = 10  # PutEvents takes at most 10 entries


class EventPublisher:
    """Publishes outbox rows; a row is deleted only once EventBridge accepted its event.

    deliver_live, when given, first receives every batch of committed events (live chat frames go out
    at commit, before the bus).
    """

    def __init__(self, events_client: Any, bus_name: str, store: Any,
                 deliver_live: Callable[[list[dict[str, Any]]], None] | None = None):
        self._events = events_client
        self._bus = bus_name
        self._store = store
        self._deliver_live = deliver_live

    def publish(self, events: list[dict[str, Any]]) -> int:
        """Publish events (outbox row dicts); returns how many were accepted. Failed ones stay in the outbox."""
        if self._deliver_live:
            self._deliver_live(events)
        accepted: list[str] = []
        for start in range(0, len(events), _BATCH):
            batch = events[start:start + _BATCH]
            result = self._events.put_events(Entries=[{
                "Source": SOURCE, "DetailType": e["name"], "EventBusName": self._bus,
                "Detail": json.dumps({**e["detail"], "event_id": e["id"], "occurred_at": e["occurred_at"]},
                                     default=str),
            } for e in batch])
            for event, entry in zip(batch, result["Entries"]):
                if entry.get("EventId"):
                    accepted.append(event["id"])
                else:
                    logger.warning("event not accepted; it stays in the outbox",
                                   extra={"event_id": event["id"], "error": entry.get("ErrorMessage")})
        self._store.delete_outbox(accepted)
        return len(accepted)

    def relay_pending(self) -> int:
        """Publish outbox rows left behind by a crash between commit and publish (run by the clock)."""
        pending = self._store.pending_outbox()
        return self.publish(pending) if pending else 0
