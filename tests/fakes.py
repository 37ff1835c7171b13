"""In-process OpenAI endpoints for tests that need no cassette.

``scripted_client`` answers each request with the next scripted reply, through a real
``openai.OpenAI`` client and a real HTTP transport object (``httpx2.MockTransport``), so the
whole stack runs (openai, instructor, tenacity, validators) without a socket.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx2
import openai

from tests.scenarios import TEST_API_KEY, Reply


class ScriptedEndpoint:
    """Serves replies in order and keeps every request body it received."""

    def __init__(self, replies: list[Reply], *, repeat_last: bool = False) -> None:
        self.replies = replies
        self.repeat_last = repeat_last
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        with self._lock:
            index = len(self.requests)
            self.requests.append(body)
        if index >= len(self.replies):
            if not self.repeat_last:
                raise AssertionError("more requests than scripted replies")
            index = len(self.replies) - 1
        status, headers, payload = self.replies[index](body)
        return httpx2.Response(status, headers=headers, json=payload)

    async def handle_async(self, request: httpx2.Request) -> httpx2.Response:
        return self.handle(request)

    def client(self, api_key: str = TEST_API_KEY) -> openai.OpenAI:
        transport = httpx2.MockTransport(self.handle)
        return openai.OpenAI(api_key=api_key, http_client=httpx2.Client(transport=transport))

    def async_client(self, api_key: str = TEST_API_KEY) -> openai.AsyncOpenAI:
        transport = httpx2.MockTransport(self.handle_async)
        return openai.AsyncOpenAI(
            api_key=api_key, http_client=httpx2.AsyncClient(transport=transport)
        )
