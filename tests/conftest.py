"""Shared fixtures: the local stack (moto server, gateway, pollers) started once per test session."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05, message: str = "") -> Any:
    """Poll condition until it returns something truthy; fail with message after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or condition}")
        time.sleep(interval)


class Stack:
    """A running local stack in a child process, as `make run` starts it."""

    def __init__(self, url: str, moto_url: str, resources: dict[str, str], process: subprocess.Popen, log: Path):
        self.url, self.moto_url, self.resources, self.process, self.log = url, moto_url, resources, process, log
        self.ws_url = url.replace("http://", "ws://") + "/ws"
        self._tokens: dict[str, str] = {}

    def api(self, path: str) -> str:
        return f"{self.url}/api{path}"

    def login(self, email: str, password: str | None = None) -> str:
        """A token for a demo login (cached)."""
        if email not in self._tokens:
            password = password or ("Parley-admin-1" if email.startswith("admin") else "Parley-agent-1")
            response = requests.post(self.api("/auth/login"), json={"email": email, "password": password}, timeout=10)
            assert response.status_code == 200, response.text
            self._tokens[email] = response.json()["token"]
        return self._tokens[email]

    def auth(self, email: str = "admin@parley.test") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.login(email)}"}

    def boto(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name="us-east-1", endpoint_url=self.moto_url,
                            aws_access_key_id="local", aws_secret_access_key="local")

    def log_text(self) -> str:
        """What the stack has logged so far."""
        return self.log.read_text(errors="replace")

    def tick(self) -> dict[str, Any]:
        """Fire the clock now."""
        return requests.post(f"{self.url}/_local/clock/tick", timeout=30).json()


@pytest.fixture(scope="session")
def stack() -> Stack:
    port, moto_port = free_port(), free_port()
    env = {**os.environ, "PARLEY_RETRY_SECONDS": "0.05", "PYTHONUNBUFFERED": "1"}
    log_path = REPO / ".pytest_cache" / f"stack-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(port), "--moto-port", str(moto_port), "--no-persist",
         "--clock-seconds", "3600"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> dict[str, Any] | None:
        if process.poll() is not None:
            raise AssertionError(f"the local stack exited; see {log_path}")
        try:
            health = requests.get(f"{url}/_local/health", timeout=1).json()
            return health if health["ok"] else None
        except requests.RequestException:
            return None

    health = wait_for(healthy, timeout=90, interval=0.2, message="the local stack to start")
    running = Stack(url, health["moto_url"], health["resources"], process, log_path)
    yield running
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def visitor(stack: Stack) -> dict[str, str]:
    """A fresh anonymous visitor: its customer id and Authorization header."""
    response = requests.post(stack.api("/sdk/sessions"), json={"name": "Test Visitor"}, timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    return {"customer_id": body["customer_id"], "Authorization": f"Bearer {body['visitor_token']}"}
