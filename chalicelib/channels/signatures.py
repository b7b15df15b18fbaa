"""Webhook authenticity checks, one function per provider scheme.

Each `verify_*` function answers True only for a request that provably came
from the provider; the web layer turns False into 401. Comparisons are
constant-time, and an empty configured secret never verifies anything.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from chalicelib.errors import ForbiddenError

META_SIGNATURE_PREFIX = "sha256="
_DEFAULT_PORTS = {"https": 443, "http": 80}


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _same(expected: str, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(_as_bytes(expected), _as_bytes(given))


# --- Meta (WhatsApp Cloud API, Messenger, Instagram) -----------------------


def meta_signature(app_secret: str, raw_body: bytes | str) -> str:
    """The X-Hub-Signature-256 header value Meta sends for this body."""
    digest = hmac.new(_as_bytes(app_secret), _as_bytes(raw_body), hashlib.sha256).hexdigest()
    return META_SIGNATURE_PREFIX + digest


def verify_meta_signature(app_secret: str, raw_body: bytes | str, header: str | None) -> bool:
    """True when X-Hub-Signature-256 is the app secret's HMAC-SHA256 of the exact raw body.

    The body must be the bytes as received: re-serialised JSON does not verify.
    """
    if not app_secret or not header:
        return False
    header = header.strip()
    if not header.lower().startswith(META_SIGNATURE_PREFIX):
        return False
    given = META_SIGNATURE_PREFIX + header[len(META_SIGNATURE_PREFIX):].lower()
    return _same(meta_signature(app_secret, raw_body), given)


def meta_subscription_challenge(params: Mapping[str, Any], verify_token: str) -> str:
    """Answer Meta's GET subscription handshake: the hub.challenge to echo back.

    Raises ForbiddenError unless hub.mode is "subscribe" and hub.verify_token
    equals the configured verify token.
    """
    mode = _first(params.get("hub.mode"))
    token = _first(params.get("hub.verify_token"))
    challenge = _first(params.get("hub.challenge"))
    if mode != "subscribe":
        raise ForbiddenError(f"hub.mode must be 'subscribe', got {mode!r}")
    if not verify_token or not _same(verify_token, token):
        raise ForbiddenError(
            "hub.verify_token does not match the verify token configured for this channel"
        )
    if not challenge:
        raise ForbiddenError("hub.challenge is missing: nothing to echo back to Meta")
    return challenge


def verify_meta_subscription(params: Mapping[str, Any], verify_token: str) -> bool:
    """True when the GET handshake may be answered (see meta_subscription_challenge)."""
    try:
        meta_subscription_challenge(params, verify_token)
    except ForbiddenError:
        return False
    return True


# --- Twilio ----------------------------------------------------------------

TwilioParams = Mapping[str, Any] | Iterable[tuple[str, Any]] | str | bytes | None


def twilio_signature(auth_token: str, url: str, params: TwilioParams = None) -> str:
    """The X-Twilio-Signature Twilio computes: base64(HMAC-SHA1(token, url + sorted params)).

    Parameter names are sorted; a name sent several times contributes each
    distinct value once, in sorted order. A JSON body (str/bytes) contributes
    nothing: it is covered by the bodySHA256 query parameter instead.
    """
    payload = url
    for name, values in _grouped_params(params):
        for value in sorted(set(values)):
            payload += name + value
    mac = hmac.new(_as_bytes(auth_token), payload.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def twilio_body_hash(body: bytes | str) -> str:
    """Hex SHA-256 of a JSON body, as Twilio puts in the bodySHA256 query parameter."""
    return hashlib.sha256(_as_bytes(body)).hexdigest()


def verify_twilio_signature(
    auth_token: str, url: str, params: TwilioParams, signature: str | None
) -> bool:
    """True when X-Twilio-Signature matches the full request URL and its parameters.

    `params` is the form (a mapping, possibly of lists, key/value pairs, or the
    raw form-encoded body), or the raw body of a JSON request whose URL carries
    bodySHA256. Twilio may have signed the URL with or without the scheme's
    standard port (:443 / :80), so both spellings are accepted.
    """
    if not auth_token or not signature:
        return False
    body_ok = True
    if isinstance(params, (str, bytes)):
        expected_hash = (parse_qs(urlsplit(url).query).get("bodySHA256") or [""])[0]
        if expected_hash:  # a JSON body, covered by its hash in the URL
            body_ok = _same(twilio_body_hash(params), expected_hash)
            params = None
        else:  # a raw form-encoded body
            raw = params.decode("utf-8") if isinstance(params, bytes) else params
            params = parse_qsl(raw, keep_blank_values=True)
    signature = signature.strip()
    candidates = {_without_port(url), _with_default_port(url)}
    matched = [_same(twilio_signature(auth_token, u, params), signature) for u in sorted(candidates)]
    return body_ok and any(matched)


def _grouped_params(params: TwilioParams) -> list[tuple[str, list[str]]]:
    if params is None or isinstance(params, (str, bytes)):
        return []
    grouped: dict[str, list[str]] = {}
    pairs: Iterable[tuple[str, Any]]
    if hasattr(params, "getall") or hasattr(params, "getlist"):
        getter = getattr(params, "getall", None) or getattr(params, "getlist")
        pairs = [(key, value) for key in set(params.keys()) for value in getter(key)]
    elif isinstance(params, Mapping):
        pairs = list(params.items())
    else:
        pairs = list(params)
    for key, value in pairs:
        values = value if isinstance(value, (list, tuple)) else [value]
        grouped.setdefault(str(key), []).extend("" if v is None else str(v) for v in values)
    return sorted(grouped.items())


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError:  # a malformed port: leave the URL as it is
        return None


def _without_port(url: str) -> str:
    parts = urlsplit(url)
    if _port(parts) is None:
        return url
    return urlunsplit(parts._replace(netloc=_netloc(parts, None)))


def _with_default_port(url: str) -> str:
    parts = urlsplit(url)
    if _port(parts) is not None or ":" in parts.netloc.rpartition("@")[2].rpartition("]")[2]:
        return url
    port = _DEFAULT_PORTS.get(parts.scheme.lower())
    if port is None:
        return url
    return urlunsplit(parts._replace(netloc=_netloc(parts, port)))


def _netloc(parts, port: int | None) -> str:
    """The URL's netloc with its port replaced (or removed), keeping the host's spelling."""
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal
        host = hostport[: hostport.index("]") + 1]
    else:
        host = hostport.split(":", 1)[0]
    netloc = f"{userinfo}{at}{host}"
    return f"{netloc}:{port}" if port is not None else netloc


# --- Telegram --------------------------------------------------------------


def verify_telegram_secret(configured_secret: str, header: str | None) -> bool:
    """True when X-Telegram-Bot-Api-Secret-Token equals the secret given to setWebhook."""
    if not configured_secret:
        return False
    return _same(configured_secret, header)


def _first(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value)
