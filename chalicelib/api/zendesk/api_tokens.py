"""API tokens for Basic authentication as email/token:API_TOKEN (admins only; the secret is shown once)."""
from __future__ import annotations

import json
from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import BadRequestError, numeric_id, zendesk_view
from chalicelib.api.zendesk.shapes import zendesk_time
from chalicelib.services import zendesk

ADMINS = ("admin",)


def present(record: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    """A token as the API shows it; the secret only in the answer to its creation."""
    shown = {"id": record["id"], "description": record.get("description"), "active": record.get("active", True),
             "token_last_four": record.get("token_last_four"), "created_at": zendesk_time(record.get("created_at"))}
    if secret:
        shown["token"] = secret
    return shown


@zendesk_view(roles=ADMINS)
def create_token(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Issue a token: {"api_token": {"description": "..."}}; the answer holds the token, shown this once."""
    try:
        data = json.loads(request.raw_body or b"{}")
    except ValueError:
        raise BadRequestError("request body is not valid JSON") from None
    inner = data.get("api_token") or data.get("token") or {} if isinstance(data, dict) else {}
    description = inner.get("description") if isinstance(inner, dict) else None
    record, secret = zendesk.issue_api_token(principal, description)
    return 201, {"api_token": present(record, secret)}


@zendesk_view(roles=ADMINS)
def list_tokens(request: Any, principal: Principal) -> dict[str, Any]:
    """Every token, without secrets."""
    from chalicelib.bootstrap import api_token_store

    tokens = [present(t) for t in api_token_store().list()]
    return {"api_tokens": tokens, "next_page": None, "previous_page": None, "count": len(tokens)}


@zendesk_view(roles=ADMINS)
def delete_token(request: Any, principal: Principal, token_id: str) -> tuple[int, None]:
    """Revoke a token at once (204)."""
    from chalicelib.bootstrap import api_token_store

    api_token_store().delete(numeric_id(token_id))
    return 204, None
