"""A scripted OpenAI-compatible HTTP server on loopback, for the fault matrix.

Each request gets the next action of the script: a reply (any status, headers and JSON
body), a hang (accept, read, never answer), a reset (close the socket with RST), or a drop
(send headers promising a body, send part of it, close). The whole stack runs for real:
openai's HTTP client, instructor, tenacity and the validators, over TCP on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.scenarios import Reply


@dataclass(frozen=True)
class Hang:
    """Accept the request and never answer (until the server stops)."""


@dataclass(frozen=True)
class Reset:
    """Close the connection with a TCP reset instead of answering."""


@dataclass(frozen=True)
class Drop:
    """Start a 200 answer and close the connection halfway through the body."""


Action = Reply | Hang | Reset | Drop


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 refuses connections under a concurrent batch

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a cancelled or timed-out request) is not a server error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FaultServer:
    """Serves a script of actions, one per request; records every request body."""

    def __init__(self, script: Sequence[Action], *, repeat_last: bool = False) -> None:
        self.script = script
        self.repeat_last = repeat_last
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}/v1"

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Action:
        with self._lock:
            index = len(self.requests)
            self.requests.append(body)
            self.headers.append(headers)
        if index >= len(self.script):
            if not self.repeat_last:
                raise AssertionError("more requests than scripted actions")
            index = len(self.script) - 1
        return self.script[index]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm on, the body
            # waits for the client's delayed ACK (~40 ms a response on loopback).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                action = server._next(body, {k.lower(): v for k, v in self.headers.items()})
                if isinstance(action, Hang):
                    server._stopping.wait(timeout=60)
                    self.close_connection = True
                    return
                if isinstance(action, Reset):
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                if isinstance(action, Drop):
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", "5000")
                    self.end_headers()
                    self.wfile.write(b'{"id": "chatcmpl-dropped", "choices": [')
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                status, headers, payload = action(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def __enter__(self) -> FaultServer:
        self._server = _Server(("127.0.0.1", 0), self._handler())
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def closed_port() -> Iterator[str]:
    """A loopback base URL where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1"


class _Bucket:
    """A provider's view of one limit: one second's worth, refilled continuously."""

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60
        self.level = self.rate
        self.at = time.monotonic()

    def take(self, amount: float) -> bool:
        now = time.monotonic()
        self.level = min(self.rate, self.level + (now - self.at) * self.rate)
        self.at = now
        if amount > self.level:
            return False
        self.level -= amount
        return True


def body_tokens(request: dict[str, Any]) -> int:
    """What a :class:`MeteredEndpoint` counts for a request: its JSON, UTF-8 bytes / 3."""
    return -(-len(json.dumps(request, ensure_ascii=False).encode()) // 3)


class MeteredEndpoint:
    """A reply that runs after ``delay`` seconds and is metered like a provider meters it.

    Counts the requests in flight (``peak``) and, when ``rpm``/``tpm`` are set, enforces them
    as OpenAI says it may (limits quantised to the second): a bucket of one second's worth
    per limit, refilled continuously; a request that does not fit gets a 429 with a
    ``retry-after`` (``limited`` counts them). Tokens are :func:`body_tokens`.
    """

    def __init__(
        self,
        reply: Reply,
        *,
        delay: float = 0.0,
        rpm: float | None = None,
        tpm: float | None = None,
    ) -> None:
        self.reply = reply
        self.delay = delay
        self.in_flight = self.peak = self.served = self.limited = 0
        self.starts: list[float] = []
        self._lock = threading.Lock()
        self._requests = _Bucket(rpm) if rpm else None
        self._tokens = _Bucket(tpm) if tpm else None

    def _admitted(self, request: dict[str, Any]) -> bool:
        with self._lock:
            self.starts.append(time.monotonic())
            if self._tokens is not None and not self._tokens.take(body_tokens(request)):
                self.limited += 1
                return False
            if self._requests is not None and not self._requests.take(1):
                self.limited += 1
                return False
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return True

    def __call__(self, request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        if not self._admitted(request):
            body = {"error": {"message": "Rate limit reached", "type": "requests", "code": None}}
            return 429, {"content-type": "application/json", "retry-after": "1"}, body
        try:
            time.sleep(self.delay)
            return self.reply(request)
        finally:
            with self._lock:
                self.in_flight -= 1
                self.served += 1
