"""Channel webhooks (/api/channels/...): verify the provider's signature, queue, answer 200 at once."""
from __future__ import annotations

import json
from typing import Any, Callable
from urllib.parse import urlencode

from chalice import Response

from chalicelib.api.http import endpoint
from chalicelib.channels import meta, signatures, telegram, twilio, whatsapp
from chalicelib.errors import UnauthorizedError, ValidationError

MAX_WEBHOOK_BYTES = 1024 * 1024


def _raw(request: Any) -> bytes:
    raw = request.raw_body or b""
    if len(raw) > MAX_WEBHOOK_BYTES:
        raise ValidationError(f"webhook body is {len(raw)} bytes; the limit is {MAX_WEBHOOK_BYTES}")
    return raw


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise ValidationError("webhook body is not valid JSON") from None


def _accept(result: Any) -> dict[str, Any]:
    from chalicelib.services.channel_inbound import enqueue

    return {"received": enqueue(result)}


def _meta_webhook(parse: Callable[[Any], Any]) -> Callable[..., Any]:
    @endpoint(auth=None)
    def handle(request: Any) -> Any:
        """A Meta webhook: GET answers the hub.verify_token handshake; POST checks X-Hub-Signature-256 over
        the raw body, queues the messages and receipts, and answers 200 at once (401 when unsigned)."""
        from chalicelib.config import settings

        s = settings()
        if request.method == "GET":  # the subscription handshake
            challenge = signatures.meta_subscription_challenge(request.query_params or {}, s.meta_verify_token)
            return Response(body=challenge, status_code=200, headers={"Content-Type": "text/plain"})
        raw = _raw(request)
        if not signatures.verify_meta_signature(s.meta_app_secret, raw,
                                                (request.headers or {}).get("x-hub-signature-256")):
            raise UnauthorizedError("X-Hub-Signature-256 does not match the body (check the Meta app secret)")
        return _accept(parse(_json(raw)))

    return handle


whatsapp_webhook = _meta_webhook(whatsapp.parse_webhook)
messenger_webhook = _meta_webhook(meta.parse_webhook)
instagram_webhook = _meta_webhook(meta.parse_webhook)


@endpoint(auth=None)
def telegram_webhook(request: Any) -> dict[str, Any]:
    """Telegram Bot API updates, authenticated by the secret token set with setWebhook."""
    from chalicelib.config import settings

    raw = _raw(request)
    if not signatures.verify_telegram_secret(settings().telegram_secret_token,
                                             (request.headers or {}).get("x-telegram-bot-api-secret-token")):
        raise UnauthorizedError("X-Telegram-Bot-Api-Secret-Token is missing or wrong")
    bot = (request.query_params or {}).get("bot", "")
    return _accept(telegram.parse_webhook(_json(raw), recipient=bot))


@endpoint(auth=None)
def twilio_webhook(request: Any) -> Response:
    """Twilio SMS, WhatsApp-via-Twilio, voice and voicemail callbacks (form-encoded, X-Twilio-Signature)."""
    from chalicelib.config import settings

    raw = _raw(request)
    url = _public_url(request, settings().public_url)
    if not signatures.verify_twilio_signature(settings().twilio_auth_token, url, raw,
                                              (request.headers or {}).get("x-twilio-signature")):
        raise UnauthorizedError("X-Twilio-Signature does not match (Parley checks it against " + url + ")")
    _accept(twilio.parse_webhook(raw))
    return Response(body='<?xml version="1.0" encoding="UTF-8"?><Response></Response>', status_code=200,
                    headers={"Content-Type": "text/xml"})


def _public_url(request: Any, public_base: str) -> str:
    """The URL the provider called (what Twilio signs): configured base, else the API Gateway host and path."""
    path = request.context.get("path") or request.path
    query = request.query_params or {}
    suffix = ("?" + urlencode(query)) if query else ""
    if public_base:
        return public_base.rstrip("/") + request.path + suffix
    return f"https://{(request.headers or {}).get('host', '')}{path}{suffix}"


@endpoint(auth="agent", roles=("admin", "agent"))
def log_call(request: Any, principal: Any) -> tuple[int, dict[str, Any]]:
    """An agent logs a phone call; it lands in the caller's history as a phone ticket."""
    from chalicelib.channels.inbound_message import ParseResult
    from chalicelib.channels.phone import parse_logged_call

    body = _json(_raw(request))
    call = parse_logged_call(body)
    _accept(ParseResult(messages=[call]))
    return 202, {"call_id": call.provider_message_id, "customer_phone": call.identity}
