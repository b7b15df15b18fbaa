"""The only place that reads environment variables.

In AWS the variables come from the template's ``Globals.Function.Environment``; locally the
stack sets the same names after creating the resources from that template.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


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
