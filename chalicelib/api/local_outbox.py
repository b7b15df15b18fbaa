"""GET /api/_local/outbox: what Parley sent, on the local stack only (admins).

Emails are read back from moto's SES (``<moto>/moto-api/data.json`` keeps every raw mail sent);
channel messages from the local outbox the local channel sender records into (store.local_outbox).
Newest first, each with channel, recipient and body; emails also with subject, Message-ID and raw MIME,
channel media messages with their files (``media``: type, url, filename).
"""
from __future__ import annotations

import json
import os
import urllib.request
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import Any

from chalicelib.api.http import agent_principal, bearer_token, endpoint
from chalicelib.clock import iso
from chalicelib.errors import NotFoundError, ValidationError

CHANNELS = ("email", "whatsapp", "messenger", "instagram", "telegram", "sms")


@endpoint(auth=None)
def list_outbox(request: Any) -> dict[str, Any]:
    """Sent emails and channel messages, newest first; ?channel= and ?limit= (1..500) narrow it."""
    from chalicelib.config import settings

    if not settings().is_local:
        raise NotFoundError("there is no local outbox here: it exists on the local stack only")
    agent_principal(bearer_token(request), ("admin",))
    params = request.query_params or {}
    channel = params.get("channel")
    if channel and channel not in CHANNELS:
        raise ValidationError(f"channel '{channel}' is not one of {', '.join(CHANNELS)}")
    limit = params.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 500:
        raise ValidationError("limit must be a whole number from 1 to 500")
    items: list[dict[str, Any]] = []
    if channel in (None, "email"):
        items.extend(sent_emails())
    if channel != "email":
        items.extend(_channel_messages(channel, int(limit)))
    items.sort(key=lambda item: (item["sent_at"], item.get("order", 0)), reverse=True)
    for item in items:
        item.pop("order", None)
    return {"items": items[: int(limit)]}


def sent_emails() -> list[dict[str, Any]]:
    """Every email sent through moto's SES, oldest first, parsed enough to read (raw MIME kept)."""
    endpoint_url = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    if not endpoint_url:
        return []
    # The URL is the local moto server's, from the local stack's own environment.
    with urllib.request.urlopen(f"{endpoint_url}/moto-api/data.json", timeout=10) as reply:  # noqa: S310
        data = json.loads(reply.read())
    sent = (data.get("ses") or {}).get("RawMessage") or []
    return [_email_item(index, message) for index, message in enumerate(sent)]


def _email_item(index: int, message: dict[str, Any]) -> dict[str, Any]:
    raw = message.get("raw_data") or ""
    mail = BytesParser(policy=policy.default).parsebytes(raw.encode("utf-8", errors="surrogateescape"))
    try:
        sent_at = iso(parsedate_to_datetime(str(mail["date"])))
    except (TypeError, ValueError, IndexError):
        sent_at = ""
    body = mail.get_body(preferencelist=("plain",))
    return {
        "channel": "email", "id": message.get("id"), "sent_at": sent_at, "order": index,
        "recipient": ", ".join(dict.fromkeys(message.get("destinations") or [str(mail["to"] or "")])),
        "subject": str(mail["subject"] or ""), "message_id": str(mail["message-id"] or ""),
        "in_reply_to": str(mail["in-reply-to"] or "") or None, "body": body.get_content() if body else "",
        "raw": raw,
    }


def _channel_messages(channel: str | None, limit: int) -> list[dict[str, Any]]:
    from chalicelib.bootstrap import client
    from chalicelib.config import settings
    from chalicelib.store.local_outbox import LocalOutbox

    entries = LocalOutbox(client("dynamodb"), settings().tickets_table).entries(limit=limit if not channel else 500)
    return [entry for entry in entries if channel is None or entry.get("channel") == channel]
