"""What the one-minute clock does: work that is due, read from due-time indexes, never by scanning."""
from __future__ import annotations

from typing import Any

from chalicelib.observability import invocation, logger


def tick() -> dict[str, Any]:
    """Run every due job once; returns counts for the log."""
    from chalicelib.bootstrap import event_publisher
    from chalicelib.services.clock_jobs import run_due
    from chalicelib.services.routing import drain_all

    with invocation("clock"):
        relayed = event_publisher().relay_pending()
        result = {"outbox_relayed": relayed, "due": run_due(), "assigned_from_queues": drain_all()}
        logger.info("clock tick", extra=result)
    return result
