"""Structured logging and metrics (powertools), shared by every handler.

Logs are JSON with a correlation id (the API Gateway request id, or the queue message id);
metrics are CloudWatch EMF lines flushed at the end of each invocation. Tracing is Lambda's own
X-Ray integration, not the powertools Tracer (see docs/decisions/0004-observability.md).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="parley")
metrics = Metrics(namespace="Parley", service="parley")
_lock = threading.Lock()  # the local gateway runs handlers in threads; Lambda runs one at a time
_invocations = threading.local()
_unflushed = [0]  # metrics added since the last flush (an empty flush only warns)


def count(name: str, value: int = 1) -> None:
    """Add to a count metric (emitted at the end of the invocation)."""
    with _lock:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        _unflushed[0] += 1


@contextmanager
def invocation(correlation_id: str | None) -> Iterator[None]:
    """One handler invocation: logs carry the correlation id, metrics are flushed at the end."""
    logger.set_correlation_id(correlation_id)
    _invocations.number = getattr(_invocations, "number", 0) + 1
    try:
        yield
    finally:
        with _lock:
            if _unflushed[0]:
                metrics.flush_metrics(raise_on_empty_metrics=False)
                _unflushed[0] = 0


def invocation_number() -> int:
    """Which invocation this thread is in (0 outside any): per-invocation memos key on it."""
    return getattr(_invocations, "number", 0)
