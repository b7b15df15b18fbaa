"""Outbound webhooks (/api/webhooks): admins subscribe integrations to domain events."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal


class WebhookBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    url: str
    events: list[str] | None = None
    secret: str | None = None
    active: bool = True


@endpoint(auth="agent", roles=("admin",))
def create_webhook(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Subscribe a URL; the response shows the signing secret (kept for the HMAC header)."""
    from chalicelib.services.webhooks import register

    return 201, {"webhook": register(read_json(request, WebhookBody).model_dump(exclude_none=True))}


@endpoint(auth="agent", roles=("admin",))
def list_webhooks(request: Any, principal: Principal) -> dict[str, Any]:
    """Subscriptions, without their secrets."""
    from chalicelib.bootstrap import config_store

    return {"webhooks": [{k: v for k, v in h.items() if k != "secret"} for h in config_store().list("webhook",
                                                                                                  fresh=True)]}


@endpoint(auth="agent", roles=("admin",))
def delete_webhook(request: Any, principal: Principal, webhook_id: str) -> tuple[int, dict[str, Any]]:
    """Unsubscribe."""
    from chalicelib.bootstrap import config_store

    config_store().delete("webhook", webhook_id)
    return 200, {"deleted": webhook_id}
