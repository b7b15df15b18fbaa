"""Where built links start: PUBLIC_URL, else the API Gateway URL of the request being served, else none."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from chalicelib import config
from chalicelib.api.http import link_base
from chalicelib.domain import placeholders

REQUIRED = ("TICKETS_TABLE", "AGENTS_TABLE", "CONNECTIONS_TABLE", "IDEMPOTENCY_TABLE", "INBOUND_QUEUE_URL",
            "OUTBOUND_QUEUE_URL", "EVENT_BUS_NAME", "ATTACHMENTS_BUCKET", "USER_POOL_ID", "USER_POOL_CLIENT_ID",
            "WEBSOCKET_ENDPOINT", "VISITOR_TOKEN_SECRET", "SDK_SHARED_SECRET")
API = {"domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", "stage": "v1"}


@pytest.fixture
def environment(monkeypatch):
    """Settings read from a clean environment; set_public_url(value) changes PUBLIC_URL."""
    for name in REQUIRED:
        monkeypatch.setenv(name, f"test-{name.lower()}")
    monkeypatch.setenv("PARLEY_STAGE", "prod")
    errors = []
    monkeypatch.setattr("chalicelib.observability.logger.error", lambda message, *a, **k: errors.append(message))

    def set_public_url(value):
        monkeypatch.setenv("PUBLIC_URL", value)
        config.settings.cache_clear()

    set_public_url("")
    yield SimpleNamespace(set_public_url=set_public_url, errors=errors)
    config.settings.cache_clear()


def test_the_configured_public_url_is_used_everywhere(environment):
    environment.set_public_url("https://help.example.com/")

    assert config.public_base_url() == "https://help.example.com"
    with config.serving_request(API):
        assert config.public_base_url() == "https://help.example.com"
    assert environment.errors == []


def test_without_it_a_rest_request_on_the_execute_api_domain_gives_its_url_and_stage(environment):
    with config.serving_request(API):
        assert config.public_base_url() == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1"
    assert environment.errors == []


def test_without_it_and_without_a_request_no_link_is_built_and_the_error_is_logged(environment):
    with config.serving_request(API):
        pass

    assert config.public_base_url() is None
    assert len(environment.errors) == 1
    assert "PUBLIC_URL is not set" in environment.errors[0] and "PublicUrl" in environment.errors[0]


@pytest.mark.parametrize("context", [
    None,
    {},
    {"domainName": "help.example.com", "stage": "v1"},                     # custom domain: base path unknown
    {"domainName": "evil.example.com/x.execute-api.eu-west-1.amazonaws.com", "stage": "v1"},
    {"domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com.evil.com", "stage": "v1"},
    {"domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", "stage": "v1/../x"},
    {"domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", "stage": "$default"},
    {"domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
])
def test_only_api_gateways_own_domain_and_a_plain_stage_are_trusted(environment, context):
    assert config.request_base_url(context) == ""
    with config.serving_request(context):
        assert config.public_base_url() is None


def test_the_middleware_sets_the_request_url_only_while_the_view_runs(environment):
    seen = []
    event = SimpleNamespace(context=API)

    link_base(event, lambda _: seen.append(config.public_base_url()) or "response")

    assert seen == ["https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1"]
    assert config.public_base_url() is None


def test_a_customer_file_link_is_left_out_rather_than_sent_without_a_host(environment):
    from chalicelib.services.attachments import customer_link

    attachment = {"key": "attachments/abc123/receipt.pdf", "filename": "receipt.pdf"}
    assert customer_link(attachment) is None

    environment.set_public_url("https://help.example.com")
    link = customer_link(attachment)
    assert link.startswith("https://help.example.com/api/files/abc123/receipt.pdf?expires=")


def test_ticket_url_is_empty_without_a_base_rather_than_a_path_without_a_host():
    assert placeholders.placeholder_values({"id": 7})["ticket.url"] == ""
    assert placeholders.placeholder_values({"id": 7}, base_url="https://h.example/")["ticket.url"] == \
        "https://h.example/tickets/7"
