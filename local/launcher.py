"""Start the local stack in a child process on free ports, as tests and benchmarks need it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import requests

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
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
    """A running local stack: its URLs, resource names, and helpers to call it."""

    def __init__(self, url: str, moto_url: str, resources: dict[str, str], process: subprocess.Popen, log: Path,
                 smtp_port: int):
        self.url, self.moto_url, self.resources, self.process, self.log = url, moto_url, resources, process, log
        self.smtp_port = smtp_port
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

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def launch(log_dir: Path, env: dict[str, str] | None = None) -> Stack:
    """Start `python -m local` on free ports without persistence; returns once it is ready."""
    port, moto_port, smtp_port = free_port(), free_port(), free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"stack-{port}.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(port), "--moto-port", str(moto_port), "--no-persist",
         "--clock-seconds", "3600", "--smtp-port", str(smtp_port)], cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
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
    return Stack(url, health["moto_url"], health["resources"], process, log_path, smtp_port)


@contextmanager
def stack_environment(stack: Stack) -> Iterator[None]:
    """Point chalicelib, in this process, at a running stack's moto (to run services in-process)."""
    from chalicelib import bootstrap, config

    values = {**stack.resources, "AWS_ENDPOINT_URL": stack.moto_url, "AWS_ACCESS_KEY_ID": "local",
              "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
              "VISITOR_TOKEN_SECRET": "unused", "SDK_SHARED_SECRET": "unused", "PARLEY_STAGE": "local"}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    config.settings.cache_clear()
    bootstrap.reset()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        config.settings.cache_clear()
        bootstrap.reset()
