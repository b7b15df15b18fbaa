"""The HTTP edge of the Zendesk-compatible API: Basic/Bearer auth, JSON in, and Zendesk's error shapes.

    401 {"error": "Couldn't authenticate you"}
    403 {"error": "Forbidden", "description": ...}
    404 {"error": "RecordNotFound", "description": "Not found"}
    409 {"error": "UpdateConflict", "description": ...}
    422 {"error": "RecordInvalid", "description": "Record validation errors", "details": {field: [...]}}
"""
from __future__ import annotations

import functools
import re
from typing import Any, Callable

from chalice import Response

from chalicelib.api.http import AGENT_ROLES, json_body, json_response
from chalicelib.errors import (ConflictError, ForbiddenError, NotFoundError, ParleyError, PayloadTooLargeError,
                               UnauthorizedError, ValidationError)
from chalicelib.observability import logger

_FIELD = re.compile(r"^([a-z_]+)\b")


class RecordInvalidError(ValidationError):
    """Zendesk's 422: the record breaks a rule; details name each field and what is wrong with it."""

    status = 422
    code = "RecordInvalid"

    def __init__(self, details: dict[str, str]):
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in details.items()))
        self.details = details


class BadRequestError(ParleyError):
    """A request Zendesk would not parse (not JSON, a missing parameter)."""

    status = 400
    code = "BadRequest"


def error_body(error: ParleyError) -> tuple[int, dict[str, Any]]:
    """The status and Zendesk-shaped body for one of Parley's errors."""
    if isinstance(error, UnauthorizedError):
        return 401, {"error": "Couldn't authenticate you"}
    if isinstance(error, ForbiddenError):
        return 403, {"error": "Forbidden", "description": error.message}
    if isinstance(error, NotFoundError):
        return 404, {"error": "RecordNotFound", "description": "Not found"}
    if isinstance(error, ConflictError):
        return 409, {"error": "UpdateConflict", "description": error.message}
    if isinstance(error, PayloadTooLargeError):
        return 413, {"error": "PayloadTooLarge", "description": error.message}
    if isinstance(error, BadRequestError):
        return 400, {"error": "BadRequest", "description": error.message}
    if isinstance(error, ValidationError):
        details = getattr(error, "details", None) or {_field_of(error.message): error.message}
        return 422, {"error": "RecordInvalid", "description": "Record validation errors",
                     "details": {field: [{"description": f"{field}: {problem}" if not problem.startswith(field)
                                          else problem, "error": "InvalidValue"}]
                                 for field, problem in details.items()}}
    return error.status, {"error": error.code, "description": error.message}


def _field_of(message: str) -> str:
    """The field a service's message is about ("status 'x' is not one of …" → status), else "base"."""
    match = _FIELD.match(message)
    known = {"status", "priority", "type", "tags", "subject", "assignee_id", "department", "custom_fields",
             "requester", "requester_id", "email", "name", "comment", "body", "domain_names", "organization_id",
             "group_id", "description", "role", "external_id", "details", "notes", "author_id", "phone",
             "user_fields", "ids", "query", "sort_by", "sort_order", "include"}
    return match.group(1) if match and match.group(1) in known else "base"


def zendesk_view(*, roles: tuple[str, ...] = AGENT_ROLES) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Wrap a view: authenticate (Basic or Bearer), check roles, answer JSON, map errors to Zendesk's shapes."""
    from chalicelib.api.basic_auth import authenticate

    def wrap(view: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(view)
        def run(request: Any, **params: Any) -> Response:
            try:
                result = view(request, authenticate(request, roles), **params)
            except ParleyError as error:
                status, body = error_body(error)
                headers = {"WWW-Authenticate": 'Basic realm="Web Password"'} if status == 401 else None
                return json_response(status, body, headers)
            except Exception:
                logger.exception("unhandled error", extra={"path": getattr(request, "path", None)})
                return json_response(500, {"error": "InternalError",
                                           "description": "something went wrong on our side; it has been logged"})
            if isinstance(result, Response):
                return result
            status, body = result if isinstance(result, tuple) else (200, result)
            if status == 204:
                return Response(body="", status_code=204)
            return json_response(status, body)

        return run

    return wrap


def read_object(request: Any, root: str) -> dict[str, Any]:
    """The object under root in the JSON body ({"ticket": {...}}); 400 for bad JSON, 422 when it is missing."""
    data = json_body(request, invalid=BadRequestError)
    inner = data.get(root) if isinstance(data, dict) else None
    if not isinstance(inner, dict):
        raise RecordInvalidError({root: f'send a JSON object under "{root}", e.g. {{"{root}": {{...}}}}'})
    return inner


def numeric_id(raw: str, suffix: str = ".json") -> int:
    """The number in a path segment such as "42.json"; NotFoundError for anything else."""
    text = raw.removesuffix(suffix)
    if not text.isdigit():
        raise NotFoundError(f"{raw} is not an id")
    return int(text)


def base_url(request: Any) -> str:
    """Scheme, host and stage prefix the client called, for the absolute URLs Zendesk puts in responses."""
    from chalicelib.config import settings

    headers = request.headers or {}
    host = headers.get("host")
    if not host:
        return settings().public_url.rstrip("/")
    local = host.startswith(("127.0.0.1", "localhost", "[::1]"))
    scheme = headers.get("x-forwarded-proto") or ("http" if local else "https")
    path = (getattr(request, "context", None) or {}).get("path") or ""
    prefix = path[: path.find("/api/v2/")] if "/api/v2/" in path else ""
    return f"{scheme}://{host}{prefix}"


def query_params(request: Any) -> dict[str, str]:
    """The query string as a plain dict."""
    return dict(request.query_params or {})


MAX_SHOW_MANY = 100


def show_many_ids(request: Any, kind: str) -> list[int]:
    """The ids of a show_many request (?ids=1,2,3), in the order asked, each once; 400 unless 1 to 100 numbers."""
    parts = [p.strip() for p in query_params(request).get("ids", "").split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts) or len(parts) > MAX_SHOW_MANY:
        raise BadRequestError(f"ids must be 1 to {MAX_SHOW_MANY} {kind} ids separated by commas, e.g. ids=1,2,3")
    return list(dict.fromkeys(int(p) for p in parts))
