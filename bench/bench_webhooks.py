"""Webhook endpoints under load on the local stack: time to 200 at a steady 100 requests/s.

    .venv/bin/python bench/bench_webhooks.py [count] [rate]      (default 500 requests at 100/s)

Signed WhatsApp, Messenger, Telegram and Twilio SMS webhooks (each a new customer message) are sent
open-loop: request i leaves at start + i/rate whatever the earlier ones do, and its time is measured
from that moment to the 200, so queueing in the gateway counts. Prints p50/p90/p99/max, the rate
achieved and any non-200 answers, then how long the queue took to turn every message into a ticket. A
first second of requests from cold is sent and reported before the measured run.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

import requests  # noqa: E402

from local.launcher import launch  # noqa: E402
from tests.functional.channel_helpers import (  # noqa: E402
    meta_headers,
    messenger_text,
    telegram_text,
    twilio_signature,
    twilio_sms,
    unique_phone,
    whatsapp_text,
)


def requests_for(stack, count: int) -> list[tuple[str, bytes, dict[str, str]]]:
    """(url, body, headers) for count webhooks, cycling through the channels, each from a new customer."""
    built = []
    for index in range(count):
        kind = index % 4
        if kind == 0:
            body = json.dumps(whatsapp_text(unique_phone(), f"Bench message {index}")).encode()
            built.append((stack.api("/channels/whatsapp"), body, meta_headers(body)))
        elif kind == 1:
            body = json.dumps(messenger_text("8" + str(uuid.uuid4().int)[:15], f"Bench message {index}")).encode()
            built.append((stack.api("/channels/messenger"), body, meta_headers(body)))
        elif kind == 2:
            body = json.dumps(telegram_text(int(str(uuid.uuid4().int)[:9]), f"Bench message {index}")).encode()
            built.append((stack.api("/channels/telegram"), body, {
                "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "local-telegram-secret"}))
        else:
            url = stack.api("/channels/twilio/sms")
            form = twilio_sms(unique_phone(), f"Bench message {index}")
            built.append((url, urlencode(form).encode(), {
                "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilio_signature(url, form)}))
    return built


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(stack, count: int, rate: float, *, label: str = "") -> None:
    jobs = requests_for(stack, count)
    sessions = threading.local()
    results: list[tuple[float, int]] = [(0.0, 0)] * count
    start = time.perf_counter() + 0.5

    def send(index: int) -> None:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        url, body, headers = jobs[index]
        try:
            status = sessions.session.post(url, data=body, headers=headers, timeout=30).status_code
        except requests.RequestException:
            status = 0
        results[index] = (time.perf_counter() - due, status)

    with ThreadPoolExecutor(64) as pool:
        list(pool.map(send, range(count)))
    elapsed = time.perf_counter() - start
    latencies = [seconds * 1000 for seconds, status in results if status == 200]
    failed = [status for _, status in results if status != 200]
    print(f"{label}{count} webhook POSTs offered at {rate:.0f}/s, achieved {count / elapsed:.1f}/s over {elapsed:.1f}s")
    if latencies:
        print(f"time to 200: p50 {statistics.median(latencies):.1f} ms, p90 {percentile(latencies, 0.90):.1f} ms, "
              f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms")
    print(f"non-200 answers: {len(failed)}" + (f" (statuses {sorted(set(failed))})" if failed else ""))
    if not label:
        drain(stack, len(latencies))


def drain(stack, accepted: int) -> None:
    """How long until every accepted message is a ticket (the queue consumer's pace)."""
    sqs = stack.boto("sqs")
    url = stack.resources["INBOUND_QUEUE_URL"]
    started = time.perf_counter()
    while time.perf_counter() - started < 300:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        waiting = int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
        if waiting == 0:
            print(f"inbound queue drained {time.perf_counter() - started:.1f}s after the last 200 "
                  f"({accepted} messages ingested)")
            return
        time.sleep(0.5)
    print("inbound queue still not empty after 300 s")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 100.0
    stack = launch(Path(tempfile.mkdtemp()))
    try:  # the first second from cold (new connections, idle thread pools) is reported apart
        run(stack, int(rate), rate, label="warm-up (from cold, not in the figures below): ")
        run(stack, count, rate)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
