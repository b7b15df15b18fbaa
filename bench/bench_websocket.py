"""Live chat under load: many concurrent WebSocket chats on a local stack of its own (loopback only).

Each chat is a customer and an agent taking turns: the customer sends a message over the WebSocket,
the agent following the conversation answers as soon as it arrives, the customer waits for the answer,
thinks for a moment and writes again. Delivery latency is measured from the sender's send() to the
other party's receipt of the "message" frame; a message not received by the end is counted as lost.

Run: .venv/bin/python bench/bench_websocket.py [--chats 200] [--turns 3] [--think 20]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from websockets.asyncio.client import connect

from moto_stats import by_operation, moto_calls  # bench/ is the script's folder, first on sys.path

REPO = Path(__file__).resolve().parents[1]
AGENTS = ("agent1@parley.test", "agent2@parley.test", "admin@parley.test")
PASSWORDS = {"admin": "Parley-admin-1", "agent": "Parley-agent-1"}
REPLY_TIMEOUT = 60.0  # a customer waits this long for an answer before writing again
DRAIN_TIMEOUT = 60.0  # after the last turn, how long messages still in flight may take to arrive


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_stack() -> tuple[subprocess.Popen, str, Path]:
    """A local stack in a child process on free loopback ports (as the test suite starts it)."""
    port, moto_port = free_port(), free_port()
    log = Path(tempfile.gettempdir()) / f"parley-bench-websocket-{port}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PARLEY_RETRY_SECONDS": "0.05", "PARLEY_SMTP_PORT": str(free_port())}
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(port), "--moto-port", str(moto_port), "--no-persist",
         "--clock-seconds", "3600"], cwd=REPO, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the local stack exited; see {log}")
        try:
            if requests.get(f"{url}/_local/health", timeout=1).json().get("ok"):
                return process, url, log
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the local stack did not start within 120 s; see {log}")


def login(url: str, email: str) -> str:
    password = PASSWORDS["admin" if email.startswith("admin") else "agent"]
    response = requests.post(f"{url}/api/auth/login", json={"email": email, "password": password}, timeout=30)
    response.raise_for_status()
    return response.json()["token"]


def open_chat(url: str, n: int) -> dict[str, Any]:
    """A visitor session and a started conversation (REST, as the widget does)."""
    session = requests.post(f"{url}/api/sdk/sessions", json={"name": f"Bench visitor {n}"}, timeout=30).json()
    headers = {"Authorization": f"Bearer {session['visitor_token']}"}
    started = requests.post(f"{url}/api/sdk/conversations", json={"message": f"bench chat {n} starts"},
                            headers=headers, timeout=30).json()
    return {"n": n, "token": session["visitor_token"], **started}


def wait_for_tickets(url: str, token: str, chats: list[dict[str, Any]], timeout: float = 120) -> None:
    """Agents can answer once ingest has created every ticket."""
    headers = {"Authorization": f"Bearer {token}"}
    pending = {c["ticket_id"] for c in chats}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = {t for t in pending
                   if requests.get(f"{url}/api/tickets/{t}", headers=headers, timeout=30).status_code != 200}
        if pending:
            time.sleep(0.5)
    if pending:
        raise SystemExit(f"{len(pending)} tickets were not created within {timeout} s")


class Ledger:
    """Send and receive times of every message, by body (bodies are unique)."""

    def __init__(self) -> None:
        self.sent: dict[str, tuple[str, float]] = {}
        self.received: dict[str, float] = {}
        self.duplicates = 0

    def send(self, body: str, direction: str) -> None:
        self.sent[body] = (direction, time.perf_counter())

    def receive(self, body: str) -> bool:
        """Record a receipt; False if this body was received before (a duplicate)."""
        if body in self.received:
            self.duplicates += 1
            return False
        if body in self.sent:
            self.received[body] = time.perf_counter()
        return True

    def latencies(self, direction: str) -> list[float]:
        return [(self.received[b] - t) * 1000 for b, (d, t) in self.sent.items() if d == direction and b in self.received]

    def lost(self, direction: str) -> int:
        return sum(1 for b, (d, _) in self.sent.items() if d == direction and b not in self.received)


async def agent_loop(url: str, token: str, chats: list[dict[str, Any]], ledger: Ledger, done: asyncio.Event,
                     ready: asyncio.Event) -> None:
    """One agent connection: follow its chats and answer each customer message at once."""
    ws_url = url.replace("http://", "ws://") + f"/ws?token={token}"
    mine = {c["conversation_id"] for c in chats}
    async with connect(ws_url, max_queue=None, open_timeout=30) as ws:
        for chat in chats:
            await ws.send(json.dumps({"type": "resume", "conversation_id": chat["conversation_id"], "after_seq": 0}))
        resumed = 0
        while resumed < len(chats):
            frame = json.loads(await ws.recv())
            resumed += frame.get("type") == "resumed"
        ready.set()
        replies = 0
        while not done.is_set():
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
            except asyncio.TimeoutError:
                continue
            if frame.get("type") != "message" or frame.get("conversation_id") not in mine:
                continue
            body = frame["message"]["body"]
            if frame["message"]["author_type"] != "customer" or not body.startswith("customer "):
                continue
            if not ledger.receive(body):
                continue
            reply = "agent re " + body
            replies += 1
            ledger.send(reply, "agent_to_customer")
            await ws.send(json.dumps({"type": "message", "conversation_id": frame["conversation_id"], "body": reply,
                                      "client_msg_id": f"r{replies}-{frame['seq']}-{frame['conversation_id'][:8]}"}))


async def customer_loop(url: str, chat: dict[str, Any], turns: int, think: float, ledger: Ledger,
                        rng: random.Random, finished: asyncio.Event, done: asyncio.Event) -> None:
    """One customer: write, wait for the agent's answer, think, write again; stay connected until the end."""
    ws_url = url.replace("http://", "ws://") + f"/ws?token={chat['token']}"
    await asyncio.sleep(rng.uniform(0, think))
    async with connect(ws_url, max_queue=None, open_timeout=30) as ws:
        for turn in range(turns):
            body = f"customer {chat['n']} turn {turn}"
            expected = "agent re " + body
            ledger.send(body, "customer_to_agent")
            await ws.send(json.dumps({"type": "message", "conversation_id": chat["conversation_id"], "body": body,
                                      "client_msg_id": f"c{chat['n']}-{turn}"}))
            deadline = time.monotonic() + REPLY_TIMEOUT
            while time.monotonic() < deadline:
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    break
                if frame.get("type") == "message" and frame["message"]["author_type"] == "agent":
                    if ledger.receive(frame["message"]["body"]) and frame["message"]["body"] == expected:
                        break
            if turn < turns - 1:
                await asyncio.sleep(rng.uniform(think / 2, think * 1.5))
        finished.set()
        while not done.is_set():  # answers still in flight are received, not counted as lost
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
            except asyncio.TimeoutError:
                continue
            if frame.get("type") == "message" and frame["message"]["author_type"] == "agent":
                ledger.receive(frame["message"]["body"])


async def run(url: str, chats: list[dict[str, Any]], tokens: list[str], turns: int, think: float,
              agent_connections: int) -> tuple[Ledger, float]:
    ledger, done, rng = Ledger(), asyncio.Event(), random.Random(7)
    groups = [chats[i::agent_connections] for i in range(agent_connections)]
    readies = [asyncio.Event() for _ in groups]
    agents = [asyncio.create_task(agent_loop(url, tokens[i % len(tokens)], group, ledger, done, ready))
              for i, (group, ready) in enumerate(zip(groups, readies))]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=120)
    started = time.perf_counter()
    finished = [asyncio.Event() for _ in chats]
    customers = [asyncio.create_task(customer_loop(url, c, turns, think, ledger, rng, f, done))
                 for c, f in zip(chats, finished)]
    await asyncio.gather(*(f.wait() for f in finished))
    elapsed = time.perf_counter() - started
    drain_until = time.monotonic() + DRAIN_TIMEOUT
    while len(ledger.received) < len(ledger.sent) and time.monotonic() < drain_until:
        await asyncio.sleep(0.2)
    done.set()
    await asyncio.gather(*agents, *customers)
    return ledger, elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200, help="concurrent chats (at most 1000)")
    parser.add_argument("--turns", type=int, default=3, help="customer messages per chat (at most 20)")
    parser.add_argument("--think", type=float, default=20.0, help="mean seconds a customer thinks between turns")
    parser.add_argument("--agent-connections", type=int, default=10, help="agent WebSocket connections")
    args = parser.parse_args()
    chats_wanted, turns = min(args.chats, 1000), min(args.turns, 20)

    load_before = os.getloadavg()[0]
    process, url, log = start_stack()
    try:
        setup = time.perf_counter()
        tokens = [login(url, email) for email in AGENTS]
        with ThreadPoolExecutor(max_workers=16) as pool:
            chats = list(pool.map(lambda n: open_chat(url, n), range(chats_wanted)))
        wait_for_tickets(url, tokens[0], chats, timeout=max(120.0, 2.0 * len(chats)))
        print(f"set up {len(chats)} chats (sessions, conversations, tickets) in {time.perf_counter() - setup:.1f} s",
              flush=True)
        moto_url = requests.get(f"{url}/_local/health", timeout=10).json()["moto_url"]
        calls_before = moto_calls(moto_url)
        ledger, elapsed = asyncio.run(asyncio.wait_for(
            run(url, chats, tokens, turns, args.think, args.agent_connections), timeout=600))
        calls_after = moto_calls(moto_url)
        calls, moto_ms = calls_after[0] - calls_before[0], calls_after[1] - calls_before[1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()

    print(f"live chat over WebSockets: {chats_wanted} concurrent chats, {turns} turns each, "
          f"{args.agent_connections} agent connections, {elapsed:.1f} s; "
          f"machine load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)")
    total = 0
    for direction, label in (("customer_to_agent", "customer → agent (ingest, store, fan-out)"),
                             ("agent_to_customer", "agent → customer (store, fan-out)")):
        values = ledger.latencies(direction)
        total += len(values)
        print(f"  {label}: {len(values)} delivered, p50 {percentile(values, 50):.0f} ms, "
              f"p99 {percentile(values, 99):.0f} ms, max {max(values, default=float('nan')):.0f} ms, "
              f"mean {statistics.fmean(values) if values else float('nan'):.0f} ms")
    lost = ledger.lost("customer_to_agent") + ledger.lost("agent_to_customer")
    everything = ledger.latencies("customer_to_agent") + ledger.latencies("agent_to_customer")
    print(f"  all messages: p50 {percentile(everything, 50):.0f} ms, p99 {percentile(everything, 99):.0f} ms "
          f"(target p99 <= 250 ms); {total / elapsed:.1f} messages/s delivered")
    print(f"  lost messages (not received {DRAIN_TIMEOUT:.0f} s after the last turn): {lost} (target 0); "
          f"duplicates received: {ledger.duplicates}")
    print(f"  AWS calls per message (moto, incl. connects and resumes): {calls.total() / max(1, total):.1f}, "
          f"{moto_ms.total() / max(1, total):.1f} ms of moto time — by operation (calls, ms): "
          + by_operation(calls, moto_ms, max(1, total)))
    print(f"  stack log: {log}")


if __name__ == "__main__":
    main()
