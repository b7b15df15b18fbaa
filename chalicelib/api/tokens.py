"""Bearer tokens: agents' Cognito JWTs (RS256, JWKS) and visitors' tokens (HS256, Parley's secret)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from chalicelib.errors import UnauthorizedError

ROLES = ("admin", "agent", "light_agent")
VISITOR_TOKEN_DAYS = 30


@dataclass(frozen=True)
class Principal:
    """Who is calling: an agent (with a role) or a customer (visitor).

    new_visitor: an anonymous visitor whose customer record is not written yet (it is, with this id and
    name, on their first conversation).
    """

    kind: str  # "agent" | "customer"
    id: str
    role: str | None = None
    email: str | None = None
    name: str | None = None
    new_visitor: bool = False

    @property
    def key(self) -> str:
        """How realtime addresses this principal's connections ("agent#<id>")."""
        return f"{self.kind}#{self.id}"


def role_from_groups(groups: list[str]) -> str | None:
    """The strongest role among Cognito groups (admin > agent > light_agent)."""
    for role in ROLES:
        if role in groups:
            return role
    return None


class AgentTokenVerifier:
    """Checks a Cognito ID token's signature (JWKS), expiry, issuer and audience."""

    def __init__(self, *, jwks_url: str, issuer: str, audience: str, jwks_client: Any = None):
        self._jwks = jwks_client or jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)
        self._issuer = issuer
        self._audience = audience

    def verify(self, token: str) -> dict[str, Any]:
        """The verified claims; UnauthorizedError with the reason otherwise."""
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key
            return jwt.decode(token, key, algorithms=["RS256"], audience=self._audience, issuer=self._issuer,
                              options={"require": ["exp", "iat", "sub"]})
        except jwt.ExpiredSignatureError:
            raise UnauthorizedError("token has expired; log in again") from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as error:
            raise UnauthorizedError(f"token is not valid: {error}") from None


def issue_visitor_token(secret: str, customer_id: str, issued_at: int, name: str | None = None) -> str:
    """A token that lets a visitor reach only their own conversations (name: for a record not written yet)."""
    claims: dict[str, Any] = {"sub": customer_id, "typ": "visitor", "iat": issued_at,
                              "exp": issued_at + VISITOR_TOKEN_DAYS * 86400}
    if name:
        claims["name"] = name
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_visitor_token(secret: str, token: str) -> dict[str, Any]:
    """The claims of a valid visitor token (sub is the customer id); UnauthorizedError otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise UnauthorizedError("visitor token has expired; start a new session") from None
    except jwt.InvalidTokenError as error:
        raise UnauthorizedError(f"visitor token is not valid: {error}") from None
    if claims.get("typ") != "visitor":
        raise UnauthorizedError("not a visitor token")
    return claims


def verify_user_token(secret: str, token: str) -> dict[str, Any]:
    """Claims of a JWT the customer's own backend signed (HS256, shared secret) to identify a user."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.InvalidTokenError as error:
        raise UnauthorizedError(f"user token is not valid: {error}") from None
    if not (claims.get("external_id") or claims.get("email")):
        raise UnauthorizedError("user token must carry external_id or email")
    return claims
