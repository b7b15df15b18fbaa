"""Queue pollers and the clock: what Lambda's event source mappings and EventBridge schedules do in AWS."""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable

from local.lambda_events import LambdaContext, scheduled_event, sqs_event

log = logging.getLogger("parley.local")


class QueuePoller(threading.Thread):
    """Feeds a queue to a handler in batches; deletes what succeeded, retries failures with backoff.

    Failed records become visible again after a short backoff; SQS's redrive policy moves a record to
    the DLQ once it was received maxReceiveCount times, exactly as in AWS.
    """

    def __init__(self, sqs: Any, queue_url: str, queue_arn: str, handler: Callable, name: str, batch_size: int,
                 region: str, stop: threading.Event):
        super().__init__(name=f"poller-{name}", daemon=True)
        self._sqs, self._url, self._arn = sqs, queue_url, queue_arn
        self._handler, self._function, self._batch = handler, name, batch_size
        self._region, self._stopping = region, stop
        self.idle = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:  # keep polling: a broken poll must not stop the stack
                if not self._stopping.is_set():
                    log.exception("polling %s failed", self._function)
                    self._stopping.wait(1)

    def poll_once(self) -> int:
        """Receive one batch and hand it to the handler; returns the number of records."""
        fifo = self._url.endswith(".fifo")  # FIFO receives are serialized locally: poll short, idle briefly
        messages = self._sqs.receive_message(
            QueueUrl=self._url, MaxNumberOfMessages=self._batch, WaitTimeSeconds=0 if fifo else 1,
            AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            self.idle.set()
            if fifo:
                self._stopping.wait(0.05)
            return 0
        self.idle.clear()
        try:
            response = self._handler(sqs_event(messages, self._arn, self._region), LambdaContext(self._function))
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
        except Exception:
            log.exception("%s failed a whole batch", self._function)
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(QueueUrl=self._url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        for message in messages:
            if message["MessageId"] in failed:
                attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
                self._sqs.change_message_visibility(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"],
                                                    VisibilityTimeout=retry_delay(attempts))
        return len(messages)


def retry_delay(attempts: int) -> int:
    """Seconds before a failed record is tried again: doubling, capped at 30 (PARLEY_RETRY_SECONDS scales it)."""
    scale = float(os.environ.get("PARLEY_RETRY_SECONDS", "1"))
    return int(min(2 ** attempts, 30) * scale)


class Clock(threading.Thread):
    """Fires the scheduled handlers every interval seconds (moto never fires schedules)."""

    def __init__(self, handlers: dict[str, Callable], interval: float, region: str, stop: threading.Event):
        super().__init__(name="clock", daemon=True)
        self._handlers, self._interval, self._region, self._stopping = handlers, interval, region, stop
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self._stopping.wait(self._interval):
            self.tick()

    def tick(self) -> dict[str, Any]:
        """Run every scheduled handler once, now; returns their results by name."""
        results = {}
        with self._lock:
            for name, handler in self._handlers.items():
                try:
                    results[name] = handler(scheduled_event(name, self._region), LambdaContext(name))
                except Exception:
                    log.exception("scheduled handler %s failed", name)
                    results[name] = {"error": "failed; see the log"}
        return results
