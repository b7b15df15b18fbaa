"""The HTTP edge shared by every route: authentication, JSON in/out, CORS and error mapping.

Views are plain functions decorated with ``endpoint``; they return a dict (200), a
``(status, dict)`` tuple, or raise a ParleyError that becomes ``{"error", "message"}``.
"""
from __future__ import annotations

import functools
import json
from typing import Any, Callable, TypeVar

from chalice import Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from chalicelib.api.tokens import Principal, role_from_groups, verify_visitor_token
from chalicelib.errors import (ForbiddenError, ParleyError, PayloadTooLargeError, UnauthorizedError,
                               ValidationError)
from chalicelib.observability import invocation, logger

MAX_BODY_BYTES = 256 * 1024
AGENT_ROLES = ("admin", "agent", "light_agent")
Model = TypeVar("Model", bound=BaseModel)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the given status."""
    return Response(body=json.dumps(body, default=str), status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


def error_response(error: ParleyError) -> Response:
    """The one error shape: {"error": code, "message": text}."""
    return json_response(error.status, {"error": error.code, "message": error.message})


def json_body(request: Any, invalid: type[ParleyError] = ValidationError) -> Any:
    """The request's JSON body ({} when empty); 413 over the size limit, `invalid` when it is not JSON."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"request body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise invalid("request body is not valid JSON") from None


def if_match_version(request: Any) -> int | None:
    """The ticket version from an If-Match header (3, "3" or W/"3"), or None when there is none."""
    raw = (request.headers or {}).get("if-match")
    if raw is None:
        return None
    digits = raw.strip().removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise ValidationError("If-Match must be the ticket's version number, e.g. If-Match: 3")
    return int(digits)


def read_json(request: Any, model: type[Model]) -> Model:
    """Parse and validate the JSON body against model, with errors a person can act on."""
    data = json_body(request)
    if not isinstance(data, dict):
        raise ValidationError("request body must be a JSON object")
    try:
        return model.model_validate(data)
    except PydanticValidationError as error:
        raise ValidationError(_describe(error)) from None


def _describe(error: PydanticValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


def bearer_token(request: Any) -> str:
    """The token from 'Authorization: Bearer <token>'; UnauthorizedError if there is none."""
    header = (request.headers or {}).get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("send 'Authorization: Bearer <token>' (log in at POST /api/auth/login)")
    return token.strip()


def agent_principal(token: str, roles: tuple[str, ...]) -> Principal:
    """Verify an agent's token and check the role; 401 or 403 otherwise."""
    from chalicelib.bootstrap import agent_store, token_verifier

    claims = token_verifier().verify(token)
    role = role_from_groups(claims.get("cognito:groups", []))
    if role is None:
        raise ForbiddenError("this account is in no Parley group (admin, agent or light_agent)")
    agent_id = agent_store().agent_id_for_email(claims.get("email", ""))
    if agent_id is None:
        raise ForbiddenError("this account has no agent profile; ask an admin to add you")
    if role not in roles:
        raise ForbiddenError(f"this needs the role {' or '.join(roles)}; you are {role}")
    return Principal(kind="agent", id=agent_id, role=role, email=claims.get("email"))


def customer_principal(token: str) -> Principal:
    """Verify a visitor token: its customer, or a new visitor not yet written; an erased customer is refused."""
    from chalicelib.config import settings

    from chalicelib.bootstrap import ticket_store

    claims = verify_visitor_token(settings().visitor_token_secret, token)
    customer_id = claims["sub"]
    store = ticket_store()
    customer = store.get_customer(customer_id)
    if customer is not None:
        return Principal(kind="customer", id=customer.get("merged_into") or customer_id)
    if store.customer_erased(customer_id):
        raise UnauthorizedError("this visitor no longer exists; start a new session")
    return Principal(kind="customer", id=customer_id, name=claims.get("name"), new_visitor=True)


def _cors_headers(request: Any) -> dict[str, str]:
    from chalicelib.config import settings

    origin = (request.headers or {}).get("origin")
    if origin is None:
        return {}
    if origin not in settings().allowed_origins and origin != settings().public_url.rstrip("/"):
        raise ForbiddenError(f"origin {origin} may not use this API; an admin can allow it")
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
            "Access-Control-Allow-Headers": "Authorization,Content-Type",
            "Access-Control-Allow-Methods": "GET,POST,PATCH,PUT,DELETE,OPTIONS", "Access-Control-Max-Age": "600"}


def endpoint(*, auth: str | None, roles: tuple[str, ...] = AGENT_ROLES, cors: bool = False
             ) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Wrap a view: authenticate (auth = "agent", "customer" or None), check roles, map errors to JSON."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(view)
        def run(request: Any, **params: Any) -> Response:
            with invocation((getattr(request, "context", None) or {}).get("requestId")):
                return handle(request, **params)

        def handle(request: Any, **params: Any) -> Response:
            headers: dict[str, str] = {}
            try:
                if cors:
                    headers = _cors_headers(request)
                    if request.method == "OPTIONS":
                        return Response(body="", status_code=204, headers=headers)
                args: list[Any] = [request]
                if auth == "agent":
                    args.append(agent_principal(bearer_token(request), roles))
                elif auth == "customer":
                    args.append(customer_principal(bearer_token(request)))
                result = view(*args, **params)
            except ParleyError as error:
                response = error_response(error)
                response.headers.update(headers)
                return response
            except Exception:
                logger.exception("unhandled error", extra={"path": getattr(request, "path", None)})
                return json_response(500, {"error": "internal",
                                           "message": "something went wrong on our side; it has been logged"},
                                     headers)
            if isinstance(result, Response):
                result.headers.update(headers)
                return result
            status, body = result if isinstance(result, tuple) else (200, result)
            return json_response(status, body, headers)

        run.auth, run.roles = auth, roles  # read by the OpenAPI generator
        return run

    return wrap


def link_base(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Middleware: while this request is served, links may start from the API Gateway URL it came in on
    (used only when PUBLIC_URL is not set; see config.public_base_url)."""
    from chalicelib.config import serving_request

    with serving_request(getattr(event, "context", None)):
        return get_response(event)


def normalize_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Middleware: give errors Chalice raises before a view runs (415, 400 on bad JSON...) our error shape."""
    response = get_response(event)
    if response.status_code >= 400 and isinstance(response.body, dict) and "Code" in response.body:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type"}
        response.body = json.dumps({"error": code.get(response.status_code, "bad_request"),
                                    "message": _chalice_message(response.status_code, response.body["Message"])})
        response.headers["Content-Type"] = "application/json"
    return response


def _chalice_message(status: int, message: str) -> str:
    if status == 415:
        return f"{message}; send JSON with 'Content-Type: application/json'"
    return message
