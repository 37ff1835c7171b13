"""Answers from recorded cassettes, served to a real client: evaluation without a key.

The cassettes are this project's (vcrpy YAML with parsed JSON bodies, see
``cassettes/README.md``). A request is answered when a cassette holds a request with the same
JSON body; repeated identical requests get the recorded answers in order. Anything else gets
an HTTP 400 saying no answer was recorded, so a missing recording is a clear per-article error,
never a silent substitute.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx2
import openai
import yaml

__all__ = ["CassetteReplay"]


def _key(body: Any) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


class CassetteReplay:
    """An in-process endpoint that replays the given cassettes (files, or folders of them).

    Name the cassettes that hold the answers you mean: fault-scenario cassettes (a fabricated
    first answer, say) share their first request with the clean ones.
    """

    def __init__(self, paths: Iterable[str | Path]) -> None:
        files: list[Path] = []
        for entry in map(Path, paths):
            files += sorted(entry.glob("*.yaml")) if entry.is_dir() else [entry]
        self.source = ", ".join(str(f) for f in files) or "no cassettes"
        self._answers: dict[str, deque[tuple[int, dict[str, str], Any]]] = defaultdict(deque)
        self._lock = threading.Lock()
        for path in files:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for interaction in data.get("interactions", []):
                request, response = interaction["request"], interaction["response"]
                if "body_json" not in request or "json" not in response.get("body", {}):
                    continue
                headers = {k: v[0] for k, v in response.get("headers", {}).items() if v}
                answer = (response["status"]["code"], headers, response["body"]["json"])
                self._answers[_key(request["body_json"])].append(answer)

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._answers.values())

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            body = None
        with self._lock:
            queue = self._answers.get(_key(body))
            answer = queue.popleft() if queue else None
        if answer is None:
            message = f"no recorded answer for this request in {self.source}"
            error = {"error": {"message": message, "type": "replay", "code": "not_recorded"}}
            return httpx2.Response(400, json=error)
        status, headers, payload = answer
        headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        return httpx2.Response(status, headers=headers, json=payload)

    def client(self) -> openai.OpenAI:
        """A client whose requests this replay answers (no network)."""
        transport = httpx2.MockTransport(self.handle)
        return openai.OpenAI(api_key="replay", http_client=httpx2.Client(transport=transport))
