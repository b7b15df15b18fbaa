"""Agent login through the Cognito user pool."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal
from chalicelib.errors import ForbiddenError, UnauthorizedError


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


@endpoint(auth=None)
def login(request: Any) -> dict[str, Any]:
    """Exchange email and password for a JWT (Cognito USER_PASSWORD_AUTH) and the agent's profile."""
    from chalicelib.bootstrap import agent_store, client, token_verifier
    from chalicelib.config import settings

    body = read_json(request, LoginRequest)
    cognito = client("cognito-idp")
    try:
        result = cognito.initiate_auth(
            ClientId=settings().user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": body.email.strip().lower(), "PASSWORD": body.password},
        )
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.UserNotFoundException):
        raise UnauthorizedError("email or password is not right") from None
    token = result.get("AuthenticationResult", {}).get("IdToken")
    if not token:
        raise UnauthorizedError("this account must finish a sign-in challenge first; ask an admin")
    claims = token_verifier().verify(token)
    agent_id = agent_store().agent_id_for_email(claims.get("email", body.email))
    agent = agent_store().get_agent(agent_id) if agent_id else None
    if agent is None:
        raise ForbiddenError("this account has no agent profile; ask an admin to add you")
    return {"token": token, "expires_in": result["AuthenticationResult"].get("ExpiresIn"),
            "agent": public_agent(agent)}


@endpoint(auth="agent")
def me(request: Any, principal: Principal) -> dict[str, Any]:
    """The calling agent's profile."""
    from chalicelib.bootstrap import agent_store

    return {"agent": public_agent(agent_store().get_agent(principal.id) or {})}


def public_agent(agent: dict[str, Any]) -> dict[str, Any]:
    """What the API shows of an agent."""
    fields = ("id", "email", "name", "role", "presence", "departments", "skills", "capacity", "load")
    return {k: agent.get(k) for k in fields}
