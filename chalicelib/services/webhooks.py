"""Outbound webhooks: admins subscribe a URL to domain events; each delivery is HMAC-signed.

Deliveries are retried by the webhook queue (backoff, then the DLQ with the reason logged). A webhook
that already received an event is remembered, so a retry for one failing webhook does not send the
others a duplicate.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from chalicelib.channels.http_sender import HttpRequest, UrllibSender
from chalicelib.domain import events as ev
from chalicelib.errors import ValidationError
from chalicelib.observability import logger

EVENTS = (ev.TICKET_CREATED, ev.TICKET_UPDATED, ev.MESSAGE_ADDED, ev.CUSTOMER_MERGED)
SIGNATURE_HEADER = "X-Parley-Signature"


def signature(secret: str, body: bytes) -> str:
    """"sha256=" + hex HMAC-SHA256 of the raw body: what a receiver recomputes to trust a delivery."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def register(body: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a webhook subscription; the secret is generated unless given."""
    from chalicelib.bootstrap import config_store
    from chalicelib.config import settings

    url = body.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if not parts or parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("url must be an absolute http(s) URL, e.g. https://crm.example.com/parley")
    if not settings().is_local and _internal(parts.hostname):
        raise ValidationError(f"url host {parts.hostname} is a private or local address; webhooks go to the internet")
    events = body.get("events") or list(EVENTS)
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ValidationError(f"events {', '.join(map(str, unknown))} are not among {', '.join(EVENTS)}")
    hook = {"id": body.get("id") or uuid.uuid4().hex[:12], "name": str(body.get("name") or parts.netloc),
            "url": url, "events": events, "active": bool(body.get("active", True)),
            "secret": body.get("secret") or secrets.token_urlsafe(32), "position": 0}
    return config_store().put("webhook", hook)


def deliver_event(name: str, detail: dict[str, Any], sender: Any = None) -> None:
    """Send one domain event to every active webhook subscribed to it; raise if any delivery failed."""
    from chalicelib.bootstrap import config_store, delivery_log

    sender = sender or UrllibSender(timeout_seconds=10)
    event_id = detail.get("event_id") or uuid.uuid4().hex
    failures = []
    hooks = config_store().list("webhook")
    if name == ev.WEBHOOK_REQUESTED:  # a rule calls one webhook with its own payload
        hooks = [h for h in hooks if h["id"] == str(detail.get("target_id")) and h.get("active")]
        if not hooks:
            logger.warning("a rule calls a webhook that does not exist", extra={"target_id": detail.get("target_id")})
        detail = {"ticket_id": detail.get("ticket_id"), "payload": detail.get("payload"), "rules": detail.get("rules")}
    for hook in hooks:
        if name != ev.WEBHOOK_REQUESTED and (not hook.get("active") or name not in hook["events"]):
            continue
        key = f"webhook#{hook['id']}#{event_id}"
        if delivery_log().delivered(key):
            continue
        body = json.dumps({"event": name, "id": event_id, "detail": detail}, default=str).encode()
        response = sender(HttpRequest("POST", hook["url"], {
            "Content-Type": "application/json", SIGNATURE_HEADER: signature(hook["secret"], body),
            "X-Parley-Event": name, "X-Parley-Delivery": event_id, "User-Agent": "Parley-Webhooks/1"}, body))
        if 200 <= response.status < 300:
            delivery_log().mark(key)
        else:
            failures.append(f"{hook['url']} answered {response.status}")
    if failures:
        logger.warning("webhook delivery failed; it will be retried", extra={"event_id": event_id,
                                                                             "failures": failures})
        raise WebhookDeliveryError("; ".join(failures))


def _internal(host: str) -> bool:
    """True when host is or resolves to a loopback, private or link-local address (no SSRF into the VPC)."""
    import ipaddress
    import socket

    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        raise ValidationError(f"url host {host} does not resolve") from None
    parsed = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    return any(ip.is_private or ip.is_loopback or ip.is_link_local for ip in parsed)


class WebhookDeliveryError(Exception):
    """A subscriber did not accept the delivery (retried by the queue, then the DLQ)."""
