"""The one HTTP client that talks to messaging providers, and its stand-ins.

Senders are callables `HttpRequest -> HttpResponse`. `UrllibSender` does real
HTTP with the standard library (no extra dependency in the Lambda bundle); an
HTTP error status is a response, not an exception, so the retry policy in
outbound.py can look at it. Only a failure to get any answer (DNS, refused
connection, timeout) raises NetworkError, and a body over the sender's size
bound raises ResponseTooLargeError. Redirects are followed, but credentials
never go to another host. `RecordingSender` keeps requests in an outbox
instead of sending them: tests and the local stack use it.
"""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

from chalicelib.errors import ParleyError


class NetworkError(ParleyError):
    """The provider could not be reached at all (DNS, connection, timeout); worth retrying."""

    status = 502
    code = "provider_unreachable"


class ResponseTooLargeError(ParleyError):
    """The provider's answer is bigger than the sender accepts; retrying cannot help."""

    status = 413
    code = "response_too_large"


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request to a provider, ready to send: method, absolute URL, headers, body bytes (and the channel
    it serves where the request alone does not tell, as Messenger's and Instagram's share the Send API)."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    channel: str | None = None


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
    """Sends requests over the network with urllib; the production sender.

    `max_response_bytes` bounds the body read (None: no bound).
    """

    def __init__(self, timeout_seconds: float = 10.0, max_response_bytes: int | None = None):
        self.timeout_seconds = timeout_seconds
        self.max_response_bytes = max_response_bytes
        self._opener = urllib.request.build_opener(_SameHostCredentialsRedirect())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Send one request; return the response whatever its status, raise NetworkError if none came."""
        outgoing = urllib.request.Request(
            request.url, data=request.body or None, headers=dict(request.headers), method=request.method
        )
        try:
            # URLs come from outbound.py and media.py (provider endpoints), never from agents or customers.
            with self._opener.open(outgoing, timeout=self.timeout_seconds) as reply:
                return HttpResponse(reply.status, self._read(reply, request.url), dict(reply.headers.items()))
        except urllib.error.HTTPError as error:
            with error:
                headers = dict(error.headers.items()) if error.headers else {}
                return HttpResponse(error.code, self._read(error, request.url), headers)
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise NetworkError(f"could not reach {_host(request.url)}: {reason}") from error

    def _read(self, stream: Any, url: str) -> bytes:
        """The body, or ResponseTooLargeError as soon as it is known to pass the bound."""
        limit = self.max_response_bytes
        if limit is None:
            return stream.read() or b""
        declared = stream.headers.get("Content-Length") if stream.headers else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLargeError(f"{_host(url)} answered {declared} bytes; the limit is {limit}")
        body = stream.read(limit + 1) or b""
        if len(body) > limit:
            raise ResponseTooLargeError(f"{_host(url)} answered more than {limit} bytes")
        return body


class _SameHostCredentialsRedirect(urllib.request.HTTPRedirectHandler):
    """Follows redirects like urllib, dropping Authorization when the redirect leaves the host.

    Twilio, for one, redirects a media URL to a pre-signed storage URL that must not get our credentials.
    """

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        """urllib's redirect request, without credentials for another host."""
        follow = super().redirect_request(req, fp, code, msg, headers, newurl)
        if follow is not None and urlsplit(follow.full_url).netloc != urlsplit(req.full_url).netloc:
            follow.remove_header("Authorization")
        return follow


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
