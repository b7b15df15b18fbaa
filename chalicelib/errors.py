"""Parley's exception types, each mapped to one HTTP status in one place (api/responses.py)."""


class ParleyError(Exception):
    """Base of every error a user can act on; carries an HTTP status and a short code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(ParleyError):
    """Input that breaks a documented rule (wrong type, unknown value, illegal transition)."""

    status = 400
    code = "invalid"


class UnauthorizedError(ParleyError):
    """No credentials, or credentials that do not verify."""

    status = 401
    code = "unauthorized"


class ForbiddenError(ParleyError):
    """Valid credentials whose role does not allow the action."""

    status = 403
    code = "forbidden"


class NotFoundError(ParleyError):
    """The thing does not exist, or the caller may not know it exists."""

    status = 404
    code = "not_found"


class ConflictError(ParleyError):
    """A stale version or a duplicate: retry with fresh data."""

    status = 409
    code = "conflict"


class PayloadTooLargeError(ParleyError):
    """A body over the documented size limit."""

    status = 413
    code = "too_large"
