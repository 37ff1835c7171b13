"""Shared by the benchmarks: seed articles, canned answers, capturing endpoints, the baseline.

Nothing here sends a request anywhere: the library and the bare-instructor baseline talk to an
in-process ``httpx2.MockTransport`` (or, in ``overhead.py``, to a server on loopback) that
keeps the exact request body each one produced and answers with a canned, valid completion.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import instructor
import openai
from rich.table import Table

from summarizer import DEFAULT_MODEL, MODES, ArticleSummary, load_prompt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the seed loaders live with the tests

from tests.scenarios import article, gold  # noqa: E402, F401 (article: re-exported for the scripts)

SEEDS = ROOT / "seeds"
CASSETTES = ROOT / "cassettes"
API_KEY = "sk-benchmark-not-a-real-key-000000000000"

BASELINE_SYSTEM = "Summarize the news article."
"""The bare-instructor baseline's whole instruction: one line, the article as the user turn."""


def seed_ids() -> list[str]:
    """Every seed article (``seeds/*.txt``), in name order."""
    return sorted(p.stem for p in SEEDS.glob("*.txt"))


def cell(value: Any, digits: int = 2) -> str:
    """A table cell: yes/no for booleans, ``digits`` decimals for floats."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(
    columns: list[tuple[str, str]], rows: list[dict[str, Any]], digits: int = 2
) -> list[str]:
    """Lines of a Markdown table; ``columns`` are (key, header) pairs."""
    out = ["| " + " | ".join(header for _, header in columns) + " |"]
    out.append("| " + " | ".join("---" for _ in columns) + " |")
    out += ["| " + " | ".join(cell(r[k], digits) for k, _ in columns) + " |" for r in rows]
    return out


def rich_table(
    title: str,
    columns: list[tuple[str, str]],
    rows: list[dict[str, Any]],
    left: set[str],
    digits: int = 2,
) -> Table:
    """The same table for the terminal; keys in ``left`` are left-aligned."""
    table = Table(title=title)
    for key, header in columns:
        table.add_column(header, justify="left" if key in left else "right")
    for row in rows:
        table.add_row(*(cell(row[k], digits) for k, _ in columns))
    return table


def answer_text(seed_id: str) -> str:
    """The recorded answer for a seed, serialised as the curated cassettes carry it."""
    return json.dumps(gold(seed_id), ensure_ascii=False)


def completion(request: dict[str, Any], arguments: str) -> dict[str, Any]:
    """A chat.completion carrying ``arguments`` as the forced tool call, or as content."""
    message: dict[str, Any] = {"role": "assistant", "refusal": None, "annotations": []}
    if request.get("tools"):
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": "call_benchmark",
                "type": "function",
                "function": {
                    "name": request["tools"][0]["function"]["name"],
                    "arguments": arguments,
                },
            }
        ]
        finish = "tool_calls"
    else:
        message["content"] = arguments
        finish = "stop"
    return {
        "id": "chatcmpl-benchmark",
        "object": "chat.completion",
        "created": 1764000000,
        "model": request.get("model", DEFAULT_MODEL),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "system_fingerprint": None,
    }


@dataclass
class CaptureEndpoint:
    """An in-process OpenAI endpoint: keeps each raw request body, answers with ``arguments``."""

    arguments: str
    bodies: list[bytes] = field(default_factory=list)
    keep: bool = True
    """Keep every body (the token benchmark); off for timing, where only the answer matters."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _answer: bytes | None = None

    def answer(self, content: bytes) -> bytes:
        """The canned answer, built from the first request (one endpoint serves one mode)."""
        if self._answer is None:
            self._answer = json.dumps(completion(json.loads(content), self.arguments)).encode()
        return self._answer

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        content = request.content
        if self.keep:
            with self._lock:
                self.bodies.append(content)
        return httpx2.Response(
            200, headers={"content-type": "application/json"}, content=self.answer(content)
        )

    def client(self) -> openai.OpenAI:
        transport = httpx2.MockTransport(self.handle)
        return openai.OpenAI(api_key=API_KEY, http_client=httpx2.Client(transport=transport))

    def last_body(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.bodies[-1])
        return body


COMPARED_PROMPT = "v1"
"""The prompt version the baseline comparisons use: its answers have the ArticleSummary shape."""


def released_summary_model(version: str = COMPARED_PROMPT) -> type[ArticleSummary]:
    """ArticleSummary as prompt ``version`` released it: its frozen JSON schema, same name.

    Bare instructor sends a model's current schema; giving it this one makes the baseline
    send exactly the schema the library sends for that version, so only the prompt differs.
    """
    frozen = load_prompt(version).schema
    assert frozen is not None, f"prompt {version} has no frozen schema"

    def model_json_schema(cls: type[ArticleSummary], *args: Any, **kwargs: Any) -> dict[str, Any]:
        return copy.deepcopy(frozen)

    namespace = {
        "__doc__": ArticleSummary.__doc__,
        "model_json_schema": classmethod(model_json_schema),
    }
    return type("ArticleSummary", (ArticleSummary,), namespace)


def baseline_client(client: openai.OpenAI, mode: str) -> instructor.Instructor:
    """Bare instructor on the same client and mode: no prompt file, no grounding."""
    return instructor.from_openai(client, mode=MODES[mode])


def baseline_call(
    client: instructor.Instructor,
    text: str,
    model: str = DEFAULT_MODEL,
    response_model: type[ArticleSummary] | None = None,
) -> ArticleSummary:
    """The baseline request: the same response model, a one-line system prompt, the article."""
    result: ArticleSummary = client.chat.completions.create(
        model=model,
        response_model=response_model or released_summary_model(),
        messages=[
            {"role": "system", "content": BASELINE_SYSTEM},
            {"role": "user", "content": text},
        ],
    )
    return result


def machine() -> dict[str, Any]:
    """Where the figures were taken: cores, CPU model, Python, load at the time."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "load_average_1min": round(load[0], 2),
    }


def median_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    mid = len(ordered) // 2
    value = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return value * 1000


def percentile_ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(int(q * (len(ordered) - 1) + 0.5), len(ordered) - 1)
    return ordered[index] * 1000
