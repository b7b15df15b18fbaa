"""Shared fixtures: the local stack (moto server, gateway, pollers) started once per test session."""
from __future__ import annotations

import pytest
import requests

from local.launcher import REPO, Stack, free_port, launch, stack_environment, wait_for
from tests.provider_server import ProviderServer

__all__ = ["REPO", "Stack", "free_port", "wait_for"]


@pytest.fixture(scope="session")
def providers() -> ProviderServer:
    """The messaging providers' stand-in (their file endpoints), which the stack's provider API bases point at."""
    with ProviderServer() as server:
        yield server


@pytest.fixture(scope="session")
def stack(providers: ProviderServer) -> Stack:
    running = launch(REPO / ".pytest_cache", {"PARLEY_RETRY_SECONDS": "0.05", **providers.environment()})
    yield running
    running.stop()


@pytest.fixture
def parley_env(stack: Stack):
    """chalicelib in this process, pointed at the stack's moto (to run services side by side)."""
    with stack_environment(stack):
        yield


@pytest.fixture
def visitor(stack: Stack) -> dict[str, str]:
    """A fresh anonymous visitor: its customer id and Authorization header."""
    response = requests.post(stack.api("/sdk/sessions"), json={"name": "Test Visitor"}, timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    return {"customer_id": body["customer_id"], "Authorization": f"Bearer {body['visitor_token']}"}
