"""How the examples run without a key: recorded answers instead of a live model.

Every example calls the live model when ``OPENAI_API_KEY`` is set. Without it, it replays
cassettes from ``cassettes/`` (recorded HTTP; which answers are curated, written by a
language model or recorded live is in ``cassettes/README.md``) through the same replay as
``summarizer eval --replay``: a request the cassettes hold gets its recorded answer, any
other an HTTP 400 naming the cassettes. Nothing here reaches the network.

Not an example itself: a helper the examples share (``import _offline`` works because
Python puts a script's own folder first on ``sys.path``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2
import openai

from summarizer._replay import CassetteReplay

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CASSETTES = ROOT / "cassettes"
KEY = "replay-only"
"""The key offline clients send: the replay needs none, and no real key is ever read."""
_HOP_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection"}


def live() -> bool:
    """True when a key is set: the examples then call the live model."""
    return bool(os.environ.get("OPENAI_API_KEY"))


def _replay(names: tuple[str, ...]) -> CassetteReplay:
    print(
        f"No OPENAI_API_KEY: replaying {', '.join(f'cassettes/{n}.yaml' for n in names)} "
        "offline (recorded answers, see cassettes/README.md).",
        file=sys.stderr,
    )
    return CassetteReplay(CASSETTES / f"{name}.yaml" for name in names)


def replay_client(*names: str) -> openai.OpenAI:
    """A client answered in process by the named cassettes."""
    return _replay(names).client()


def replay_async_client(*names: str) -> openai.AsyncOpenAI:
    """The asynchronous twin of :func:`replay_client`."""
    transport = httpx2.MockTransport(_replay(names).handle)
    return openai.AsyncOpenAI(api_key=KEY, http_client=httpx2.AsyncClient(transport=transport))


@contextmanager
def replay_server(*names: str) -> Iterator[str]:
    """An OpenAI-compatible endpoint on 127.0.0.1 that replays the cassettes; its base URL.

    For code that builds its own clients from a base URL (a Ray worker, another process).
    """
    replay = _replay(names)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            answer = replay.handle(httpx2.Request("POST", self.path, content=body))
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in _HOP_HEADERS:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the example prints what matters."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
