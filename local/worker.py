"""The queue pollers in a process of their own: what Lambda's SQS event source mappings run in AWS.

The stack's main process serves HTTP and WebSockets; this one polls the queues and runs their handlers,
so requests and queue work do not take turns on one interpreter lock. Parley's clock offset
(POST /_local/clock/advance) lives in shared memory that both processes read.
"""
from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
log = logging.getLogger("parley.local")


@dataclass(frozen=True)
class QueueSource:
    """One SQS event source of the app: its handler, the queue it reads and the batch size."""
    function: str
    queue_url: str
    queue_arn: str
    batch_size: int


def follow_clock(offset: Any) -> None:
    """Make chalicelib's clock run offset.value seconds ahead of the wall clock (offset: shared memory)."""
    from chalicelib import clock

    clock.set_clock(lambda: datetime.now(timezone.utc) + timedelta(seconds=offset.value))


def connect_websocket_api(app_module: Any, gateway_url: str, region: str) -> None:
    """Point the app's WebSocket API (send/close) at the local gateway's @connections API."""
    import boto3

    app_module.app.websocket_api.session = boto3.session.Session(region_name=region)
    app_module.app.websocket_api._endpoint = gateway_url


def run(environment: dict[str, str], sources: list[QueueSource], concurrency: int, region: str, websocket_url: str,
        clock_offset: Any, ready: Any, stop: Any) -> None:
    """Poll every source until stop is set (or the stack's process is gone); set ready once polling."""
    import boto3

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the stack's process decides when this one stops
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.update(environment)
    sys.path.insert(0, str(REPO)) if str(REPO) not in sys.path else None
    follow_clock(clock_offset)
    app_module = importlib.import_module("app")
    connect_websocket_api(app_module, websocket_url, region)

    from local.gc_pauses import keep_collections_short
    from local.pollers import QueuePoller

    stopping = threading.Event()
    sqs = boto3.session.Session(region_name=region).client("sqs")
    pollers = [QueuePoller(sqs, s.queue_url, s.queue_arn, getattr(app_module, s.function), s.function, s.batch_size,
                           region, stopping, concurrency=concurrency) for s in sources]
    for poller in pollers:
        poller.start()
    keep_collections_short(stopping)
    ready.set()
    parent = os.getppid()
    while not stop.wait(1):
        if os.getppid() != parent:  # the stack's process died without stopping us
            break
    stopping.set()
    for poller in pollers:
        poller.join(timeout=10)
