"""The only place that reads environment variables.

In AWS the variables come from the template's ``Globals.Function.Environment``; locally the
stack sets the same names after creating the resources from that template.

``public_base_url()`` is where links Parley builds start (customers' file links, ``{{ticket.url}}``):
``PUBLIC_URL`` (the template's ``PublicUrl`` parameter) when set; otherwise, while a REST request
is being served through API Gateway's own domain, ``https://<api-id>.execute-api.<region>.amazonaws.com/<stage>``
taken from the request context (API Gateway sets it, not the client); otherwise none at all, with
an error logged, so no caller sends a customer a link without a host.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Resource names, endpoints and secrets for one deployment stage."""

    stage: str
    region: str
    tickets_table: str
    agents_table: str
    connections_table: str
    idempotency_table: str
    inbound_queue_url: str
    outbound_queue_url: str
    event_bus_name: str
    attachments_bucket: str
    user_pool_id: str
    user_pool_client_id: str
    jwt_issuer: str
    jwks_url: str
    websocket_endpoint: str
    visitor_token_secret: str
    sdk_shared_secret: str
    mail_domain: str
    support_address: str
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    public_url: str = ""
    meta_app_secret: str = ""
    meta_verify_token: str = ""
    twilio_auth_token: str = ""
    telegram_secret_token: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_access_token: str = ""
    meta_page_access_token: str = ""
    telegram_bot_token: str = ""
    twilio_account_sid: str = ""
    twilio_from_number: str = ""
    graph_api_base: str = "https://graph.facebook.com"
    telegram_api_base: str = "https://api.telegram.org"
    twilio_api_base: str = "https://api.twilio.com"
    media_max_bytes: int = 25 * 1024 * 1024  # the biggest file a customer may send on a messaging channel
    # Deliveries of a contact that try its files before it is stored without them; below the inbound queue's
    # maxReceiveCount (5), so the message never reaches the DLQ for a file.
    media_download_attempts: int = 3

    @property
    def is_local(self) -> bool:
        """True on the local stack (moto), where local-only routes exist."""
        return self.stage == "local"


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"environment variable {name} is not set; it comes from infra/template.yaml Globals")
    return value


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Read the settings once per process (once per Lambda container)."""
    region = _env("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    pool_id = _env("USER_POOL_ID")
    stage = _env("PARLEY_STAGE", "prod")
    return Settings(
        stage=stage,
        region=region,
        tickets_table=_env("TICKETS_TABLE"),
        agents_table=_env("AGENTS_TABLE"),
        connections_table=_env("CONNECTIONS_TABLE"),
        idempotency_table=_env("IDEMPOTENCY_TABLE"),
        inbound_queue_url=_env("INBOUND_QUEUE_URL"),
        outbound_queue_url=_env("OUTBOUND_QUEUE_URL"),
        event_bus_name=_env("EVENT_BUS_NAME"),
        attachments_bucket=_env("ATTACHMENTS_BUCKET"),
        user_pool_id=pool_id,
        user_pool_client_id=_env("USER_POOL_CLIENT_ID"),
        jwt_issuer=_env("JWT_ISSUER", f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
        jwks_url=_env("JWKS_URL", f"https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/jwks.json"),
        websocket_endpoint=_env("WEBSOCKET_ENDPOINT"),
        visitor_token_secret=_env("VISITOR_TOKEN_SECRET"),
        sdk_shared_secret=_env("SDK_SHARED_SECRET"),
        mail_domain=_env("MAIL_DOMAIN", "parley.test"),
        support_address=_env("SUPPORT_ADDRESS", "support@parley.test"),
        allowed_origins=_list(_env("ALLOWED_ORIGINS", "")),
        public_url=_env("PUBLIC_URL", ""),
        meta_app_secret=_env("META_APP_SECRET", ""),
        meta_verify_token=_env("META_VERIFY_TOKEN", ""),
        twilio_auth_token=_env("TWILIO_AUTH_TOKEN", ""),
        telegram_secret_token=_env("TELEGRAM_SECRET_TOKEN", ""),
        whatsapp_phone_number_id=_env("WHATSAPP_PHONE_NUMBER_ID", ""),
        whatsapp_access_token=_env("WHATSAPP_ACCESS_TOKEN", ""),
        meta_page_access_token=_env("META_PAGE_ACCESS_TOKEN", ""),
        telegram_bot_token=_env("TELEGRAM_BOT_TOKEN", ""),
        twilio_account_sid=_env("TWILIO_ACCOUNT_SID", ""),
        twilio_from_number=_env("TWILIO_FROM_NUMBER", ""),
        graph_api_base=_env("GRAPH_API_BASE", Settings.graph_api_base),
        telegram_api_base=_env("TELEGRAM_API_BASE", Settings.telegram_api_base),
        twilio_api_base=_env("TWILIO_API_BASE", Settings.twilio_api_base),
        media_max_bytes=int(_env("MEDIA_MAX_BYTES", str(Settings.media_max_bytes))),
        # Locally there is no internet: one try, so a media message is stored at once (its files unavailable).
        media_download_attempts=int(_env("MEDIA_DOWNLOAD_ATTEMPTS",
                                         "1" if stage == "local" else str(Settings.media_download_attempts))),
    )


# --------------------------------------------------------------------------- the base of built links

_EXECUTE_API_DOMAIN = re.compile(r"^[a-z0-9]{1,64}\.execute-api\.[a-z0-9-]{1,32}\.amazonaws\.com(\.cn)?$")
_STAGE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_request_base: ContextVar[str] = ContextVar("parley_request_base", default="")


def request_base_url(context: Mapping[str, Any] | None) -> str:
    """``https://<domain>/<stage>`` from an API Gateway REST request context, or "" when it cannot be told.

    Only API Gateway's own execute-api domain qualifies: there the stage is the first path segment. On a
    custom domain the base path mapping is not in the context, so a guess could be wrong; PUBLIC_URL says.
    """
    if not isinstance(context, Mapping):
        return ""
    domain = str(context.get("domainName") or "").lower()
    stage = str(context.get("stage") or "")
    if not _EXECUTE_API_DOMAIN.match(domain) or not _STAGE.match(stage) or stage == "$default":
        return ""
    return f"https://{domain}/{stage}"


@contextmanager
def serving_request(context: Mapping[str, Any] | None) -> Iterator[None]:
    """While a REST request is served, links may start from the API Gateway URL it came in on."""
    token = _request_base.set(request_base_url(context))
    try:
        yield
    finally:
        _request_base.reset(token)


def public_base_url() -> str | None:
    """Where built links start, without a trailing slash; None (and an error logged) when it is not known."""
    configured = settings().public_url.strip().rstrip("/")
    if configured:
        return configured
    derived = _request_base.get()
    if derived:
        return derived
    from chalicelib.observability import logger

    logger.error("PUBLIC_URL is not set, so Parley cannot build a link for a customer here; set the PublicUrl "
                 "parameter of infra/template.yaml (e.g. https://help.example.com) and deploy again")
    return None
