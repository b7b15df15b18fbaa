"""The local stack's outbox of channel messages: what Parley would have sent to the providers.

On the local stack the channel sender records every provider request here instead of sending it
(emails are not recorded here: they go through moto's SES, which keeps them itself). Items live in
the tickets table under one partition, ``LOCAL_OUTBOX``, sorted by time: a local-only list that a
developer reads newest first (``GET /api/_local/outbox``). Nothing in AWS writes this partition.
"""
from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qsl

from chalicelib.channels.http_sender import HttpRequest
from chalicelib.clock import iso, now
from chalicelib.store.dynamo import from_item, to_item, value

_PARTITION = "LOCAL_OUTBOX"
_HIDDEN_HEADERS = {"authorization"}


def describe_request(request: HttpRequest) -> dict[str, Any]:
    """Channel, recipient and text of a provider send request (WhatsApp, Messenger/Instagram, Telegram, Twilio)."""
    body = request.body.decode("utf-8", errors="replace")
    if "/Messages.json" in request.url:
        form = dict(parse_qsl(body, keep_blank_values=True))
        return {"channel": "sms", "recipient": form.get("To"), "body": form.get("Body")}
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if "/sendMessage" in request.url:
        return {"channel": "telegram", "recipient": str(payload.get("chat_id")), "body": payload.get("text")}
    if payload.get("messaging_product") == "whatsapp":
        to = str(payload.get("to") or "")
        return {"channel": "whatsapp", "recipient": "+" + to.lstrip("+") if to else None,
                "body": (payload.get("text") or {}).get("body")}
    if "/me/messages" in request.url:
        return {"channel": "messenger", "recipient": (payload.get("recipient") or {}).get("id"),
                "body": (payload.get("message") or {}).get("text")}
    return {"channel": "unknown", "recipient": None, "body": body[:2000]}


class LocalOutbox:
    """Records provider requests (tokens removed) and lists them newest first."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def record(self, request: HttpRequest) -> None:
        """Keep one request the local channel sender did not send."""
        at = iso(now())
        entry_id = uuid.uuid4().hex
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS}
        self._db.put_item(TableName=self._table, Item=to_item({
            "pk": _PARTITION, "sk": f"{at}#{entry_id}", "kind": "local_outbox", "id": entry_id, "sent_at": at,
            **describe_request(request),
            "request": {"method": request.method, "url": _without_bot_token(request.url), "headers": headers,
                        "body": request.body.decode("utf-8", errors="replace")},
        }))

    def entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """Recorded channel messages, newest first."""
        result = self._db.query(TableName=self._table, KeyConditionExpression="pk = :pk",
                                ExpressionAttributeValues={":pk": value(_PARTITION)},
                                ScanIndexForward=False, Limit=limit)
        return [{k: v for k, v in from_item(item).items() if k not in ("pk", "sk", "kind")}
                for item in result["Items"]]


def _without_bot_token(url: str) -> str:
    """Telegram puts the bot token in the path (/bot<token>/sendMessage): keep it out of the outbox."""
    head, marker, rest = url.partition("/bot")
    if not marker or "/" not in rest:
        return url
    return f"{head}/bot<token>/{rest.split('/', 1)[1]}"
