"""The local stack's outbox of channel messages: what Parley would have sent to the providers.

On the local stack the channel sender records every provider request here instead of sending it
(emails are not recorded here: they go through moto's SES, which keeps them itself); a media message
shows its files as ``media`` (the provider's media type, the URL it would fetch, the file name). Items live in
the tickets table under one partition, ``LOCAL_OUTBOX``, sorted by time: a local-only list that a
developer reads newest first (``GET /api/_local/outbox``). Nothing in AWS writes this partition.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from chalicelib.channels.http_sender import HttpRequest
from chalicelib.clock import iso, now
from chalicelib.store.dynamo import from_item, to_item, value

_PARTITION = "LOCAL_OUTBOX"
_HIDDEN_HEADERS = {"authorization"}


_TELEGRAM_METHOD = re.compile(r"/send(Message|Photo|Document|Audio|Video)$")
_LINK_TOKEN = re.compile(r"^[0-9a-f]{16}-")  # Parley's file links end in <token>-<name>


def describe_request(request: HttpRequest) -> dict[str, Any]:
    """Channel, recipient and text of a provider send request (WhatsApp, Messenger/Instagram, Telegram, Twilio),
    and for a media message its files (`media`: type, url and filename of each)."""
    body = request.body.decode("utf-8", errors="replace")
    if "/Messages.json" in request.url:
        form = parse_qs(body, keep_blank_values=True)
        urls = form.get("MediaUrl") or []
        return {"channel": "sms", "recipient": _first(form, "To"), "body": _first(form, "Body"),
                **_media([("mms", url, None) for url in urls])}
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    telegram = _TELEGRAM_METHOD.search(request.url)
    if telegram:
        kind = telegram.group(1).lower()
        described = {"channel": "telegram", "recipient": str(payload.get("chat_id")),
                     "body": payload.get("text") if kind == "message" else payload.get("caption")}
        return {**described, **(_media([(kind, payload.get(kind), None)]) if kind != "message" else {})}
    if payload.get("messaging_product") == "whatsapp":
        to = str(payload.get("to") or "")
        kind = str(payload.get("type") or "text")
        content = payload.get(kind) if isinstance(payload.get(kind), dict) else {}
        return {"channel": "whatsapp", "recipient": "+" + to.lstrip("+") if to else None,
                "body": content.get("body") if kind == "text" else content.get("caption"),
                **(_media([(kind, content.get("link"), content.get("filename"))]) if kind != "text" else {})}
    if "/me/messages" in request.url:
        message = payload.get("message") or {}
        attachment = message.get("attachment") if isinstance(message.get("attachment"), dict) else None
        url = (attachment.get("payload") or {}).get("url") if attachment else None
        return {"channel": request.channel or "messenger", "recipient": (payload.get("recipient") or {}).get("id"),
                "body": message.get("text"), **(_media([(attachment.get("type"), url, None)]) if attachment else {})}
    return {"channel": "unknown", "recipient": None, "body": body[:2000]}


def _first(form: dict[str, list[str]], name: str) -> str | None:
    return (form.get(name) or [None])[0]


def _media(files: list[tuple[Any, Any, Any]]) -> dict[str, Any]:
    """`media` for an outbox entry: each file's provider media type, URL and name (from the URL when the
    request does not say it)."""
    return {"media": [{"type": kind, "url": url, "filename": filename or _name_in(url)}
                      for kind, url, filename in files]}


def _name_in(url: Any) -> str | None:
    """The file name at the end of a URL path, without the token of a Parley file link."""
    if not isinstance(url, str) or not url:
        return None
    name = unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])
    return _LINK_TOKEN.sub("", name) or None


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
