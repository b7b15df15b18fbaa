"""A stand-in for the messaging providers' file endpoints: a real HTTP server on 127.0.0.1, in a thread.

Tests say what each path answers (`answer`, `file`, `json`) and read the requests it got. The functional
stack's provider base URLs point here (tests/conftest.py), so media downloads reach it instead of the internet.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    """One HTTP answer; `length` overrides the Content-Length header (None: the body's length, "": none)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    length: str | None = None


@dataclass(frozen=True)
class Seen:
    """A request the server got."""

    method: str
    path: str
    headers: dict[str, str]


class ProviderServer:
    """Answers GETs by exact path (query included); unknown paths get a Graph-style 404."""

    def __init__(self) -> None:
        self._answers: dict[str, list[Answer]] = {}
        self._lock = threading.Lock()
        self.requests: list[Seen] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> "ProviderServer":
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def environment(self) -> dict[str, str]:
        """Settings that send every provider API call of a Parley process here."""
        return {"GRAPH_API_BASE": self.url, "TELEGRAM_API_BASE": self.url, "TWILIO_API_BASE": self.url}

    def answer(self, path: str, *answers: Answer) -> None:
        """GET path gets these answers in turn, then the last one again."""
        with self._lock:
            self._answers[path] = list(answers)

    def file(self, path: str, body: bytes, content_type: str) -> None:
        """GET path answers these bytes."""
        self.answer(path, Answer(body=body, headers={"Content-Type": content_type}))

    def json(self, path: str, data: Any, status: int = 200) -> None:
        """GET path answers this JSON."""
        self.answer(path, Answer(status, json.dumps(data).encode(), {"Content-Type": "application/json"}))

    def seen(self, path: str) -> list[Seen]:
        """The requests made to path."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _next(self, seen: Seen) -> Answer:
        with self._lock:
            self.requests.append(seen)
            queued = self._answers.get(seen.path)
            if not queued:
                return Answer(404, b'{"error": {"message": "Unknown path", "code": 100}}',
                              {"Content-Type": "application/json"})
            return queued.pop(0) if len(queued) > 1 else queued[0]


def _handler(server: ProviderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            answer = server._next(Seen("GET", self.path, dict(self.headers.items())))
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            length = str(len(answer.body)) if answer.length is None else answer.length
            if length:
                self.send_header("Content-Length", length)
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *_: Any) -> None:
            pass

    return Handler
