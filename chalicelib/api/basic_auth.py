"""HTTP Basic authentication as Zendesk accepts it: ``email:password`` and ``email/token:API_TOKEN``.

A password is checked by Cognito (as POST /api/auth/login does) and the resulting ID token is kept in
memory until it expires, so a script making many calls does not sign in on every request. An API token
is account-wide, as in Zendesk: an admin issues it, and any agent may use it with their own email.
Bearer agent tokens work too.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
from typing import Any

from chalicelib.api.http import AGENT_ROLES, agent_principal, bearer_token
from chalicelib.api.tokens import Principal
from chalicelib.clock import now
from chalicelib.errors import ForbiddenError, UnauthorizedError

TOKEN_SUFFIX = "/token"
_MAX_CACHED = 1000
_signed_in: dict[str, tuple[str, float]] = {}  # sha256(email:password) → (ID token, expires at)
_lock = threading.Lock()


def hash_api_token(token: str) -> str:
    """What is stored for an API token: its SHA-256 (tokens are 32 random bytes, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token() -> str:
    """A fresh API token secret (32 random bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def authenticate(request: Any, roles: tuple[str, ...] = AGENT_ROLES) -> Principal:
    """The agent behind the request's Authorization header (Basic or Bearer); 401 or 403 otherwise."""
    header = (request.headers or {}).get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return agent_principal(bearer_token(request), roles)
    if scheme.lower() != "basic":
        raise UnauthorizedError("send HTTP Basic credentials (email:password or email/token:API_TOKEN)")
    email, secret = _decode(credentials.strip())
    if email.endswith(TOKEN_SUFFIX):
        return _token_principal(email[: -len(TOKEN_SUFFIX)], secret, roles)
    return agent_principal(_id_token(email, secret), roles)


def _decode(credentials: str) -> tuple[str, str]:
    try:
        text = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise UnauthorizedError("Basic credentials are not base64 of email:secret") from None
    email, separator, secret = text.partition(":")
    if not separator or not email or not secret:
        raise UnauthorizedError("Basic credentials must be email:password or email/token:API_TOKEN")
    return email.strip().lower(), secret


def _token_principal(email: str, token: str, roles: tuple[str, ...]) -> Principal:
    from chalicelib.bootstrap import agent_store, api_token_store

    record = api_token_store().find(hash_api_token(token))
    if record is None or not record.get("active", True):
        raise UnauthorizedError("API token is not valid or was revoked")
    agent_id = agent_store().agent_id_for_email(email)
    agent = agent_store().get_agent(agent_id) if agent_id else None
    if agent is None:
        raise UnauthorizedError(f"no agent signs in as {email}")
    role = agent.get("role")
    if role not in roles:
        raise ForbiddenError(f"this needs the role {' or '.join(roles)}; you are {role}")
    return Principal(kind="agent", id=agent_id, role=role, email=email)


def _id_token(email: str, password: str) -> str:
    """A Cognito ID token for email and password, from memory while it is valid."""
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    key = hashlib.sha256(f"{email}:{password}".encode()).hexdigest()
    with _lock:
        cached = _signed_in.get(key)
    if cached and cached[1] > now().timestamp():
        return cached[0]
    cognito = client("cognito-idp")
    try:
        result = cognito.initiate_auth(ClientId=settings().user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": email, "PASSWORD": password})
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.UserNotFoundException):
        raise UnauthorizedError("email or password is not right") from None
    auth = result.get("AuthenticationResult") or {}
    token = auth.get("IdToken")
    if not token:
        raise UnauthorizedError("this account must finish a sign-in challenge first; ask an admin")
    with _lock:
        if len(_signed_in) >= _MAX_CACHED:
            _signed_in.clear()
        _signed_in[key] = (token, now().timestamp() + max(0, int(auth.get("ExpiresIn", 3600)) - 60))
    return token
