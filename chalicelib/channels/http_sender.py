"""The one HTTP client that talks to messaging providers, and its stand-ins.

Senders are callables `HttpRequest -> HttpResponse`. `UrllibSender` does real
HTTP with the standard library (no extra dependency in the Lambda bundle); an
HTTP error status is a response, not an exception, so the retry policy in
outbound.py can look at it. Only a failure to get any answer (DNS, refused
connection, timeout) raises NetworkError. `RecordingSender` keeps requests in
an outbox instead of sending them: tests and the local stack use it.
"""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable, Protocol

from chalicelib.errors import ParleyError


class NetworkError(ParleyError):
    """The provider could not be reached at all (DNS, connection, timeout); worth retrying."""

    status = 502
    code = "provider_unreachable"


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request to a provider, ready to send: method, absolute URL, headers, body bytes."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class HttpResponse:
    """What the provider answered (any status, including errors)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A response header by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


class Sender(Protocol):
    """Anything that turns an HttpRequest into an HttpResponse (or raises NetworkError)."""

    def __call__(self, request: HttpRequest) -> HttpResponse: ...


class UrllibSender:
    """Sends requests over the network with urllib; the production sender."""

    def __init__(self, timeout_seconds: float = 10.0):
        self.timeout_seconds = timeout_seconds

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Send one request; return the response whatever its status, raise NetworkError if none came."""
        outgoing = urllib.request.Request(
            request.url, data=request.body or None, headers=dict(request.headers), method=request.method
        )
        try:
            # URLs come from outbound.py (provider https endpoints), never from user input.
            with urllib.request.urlopen(outgoing, timeout=self.timeout_seconds) as reply:  # noqa: S310
                return HttpResponse(reply.status, reply.read(), dict(reply.headers.items()))
        except urllib.error.HTTPError as error:
            with error:
                headers = dict(error.headers.items()) if error.headers else {}
                return HttpResponse(error.code, error.read() or b"", headers)
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise NetworkError(f"could not reach {_host(request.url)}: {reason}") from error


class RecordingSender:
    """Records each request into an outbox instead of sending it, and answers with `respond`.

    `record` is any callable taking the request (e.g. `list.append`, or the
    local stack's outbox writer); `respond` builds the provider's answer
    (default: 200 with an empty JSON object).
    """

    def __init__(
        self,
        record: Callable[[HttpRequest], object] | None = None,
        respond: Callable[[HttpRequest], HttpResponse] | None = None,
    ):
        self.requests: list[HttpRequest] = []
        self._record = record
        self._respond = respond or (lambda _request: HttpResponse(200, b"{}"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Keep the request, hand it to the outbox, and answer as the provider would."""
        self.requests.append(request)
        if self._record is not None:
            self._record(request)
        return self._respond(request)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
