"""Queue pollers and the clock: what Lambda's event source mappings and EventBridge schedules do in AWS."""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from local.lambda_events import LambdaContext, scheduled_event, sqs_event

log = logging.getLogger("parley.local")


class QueuePoller(threading.Thread):
    """Feeds a queue to a handler in batches, up to `concurrency` batches at once, as an event source mapping does.

    One thread receives whenever a worker is free (a long poll) and hands the batch to that worker.
    What the handler processed is deleted; failures become visible again after a backoff, and SQS's
    redrive policy moves a record to the DLQ once it was received maxReceiveCount times, as in AWS.
    """

    def __init__(self, sqs: Any, queue_url: str, queue_arn: str, handler: Callable, name: str, batch_size: int,
                 region: str, stop: threading.Event, concurrency: int = 1):
        super().__init__(name=f"poller-{name}", daemon=True)
        self._sqs, self._url, self._arn = sqs, queue_url, queue_arn
        self._handler, self._function, self._batch = handler, name, batch_size
        self._region, self._stopping = region, stop
        self._free = threading.Semaphore(concurrency)
        self._workers = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"worker-{name}")

    def run(self) -> None:
        while not self._stopping.is_set():
            if not self._free.acquire(timeout=0.5):
                continue
            try:
                messages = self._receive()
            except Exception:  # keep polling: a broken poll must not stop the stack
                self._free.release()
                if not self._stopping.is_set():
                    log.exception("polling %s failed", self._function)
                    self._stopping.wait(1)
                continue
            if messages:
                self._workers.submit(self._run_batch, messages)
            else:
                self._free.release()
        self._workers.shutdown(wait=True)

    def _receive(self) -> list[dict[str, Any]]:
        return self._sqs.receive_message(
            QueueUrl=self._url, MaxNumberOfMessages=self._batch, WaitTimeSeconds=1,
            AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])

    def _run_batch(self, messages: list[dict[str, Any]]) -> None:
        try:
            self.handle(messages)
        except Exception:
            log.exception("handling a batch of %s failed", self._function)
        finally:
            self._free.release()

    def handle(self, messages: list[dict[str, Any]]) -> None:
        """Hand one received batch to the handler; delete what succeeded, back off what failed."""
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
