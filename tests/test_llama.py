"""The library against a real OpenAI-compatible peer: llama.cpp's server with Gemma 3 270M.

Opt-in (``SUMMARIZER_LLAMA_TESTS=1``): it starts a server process and each tools-mode
call takes 25-65 s on two CPU cores. ``tests/llama_server.py`` says how the
server's Python and model are found. A 270M base model cannot be expected to produce a
grounded summary, so these tests pin the contract instead: the caller gets either a
summary whose every span indexes the article, or one of the library's typed errors with
its context filled in, never a raw exception from openai, instructor or pydantic, and
never a hang.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import summarizer
from summarizer import ArticleSummary, ExtractionError, ProviderError, Summarizer
from tests.llama_server import (
    MODEL_NAME,
    LlamaSetup,
    LlamaUnavailable,
    find_setup,
    llama_server,
)
from tests.recording import CASSETTES, ReadableJsonYaml
from tests.scenarios import SEED_ID, article

pytestmark = [
    pytest.mark.llama,
    pytest.mark.skipif(
        os.environ.get("SUMMARIZER_LLAMA_TESTS") != "1",
        reason="needs a local llama.cpp server: set SUMMARIZER_LLAMA_TESTS=1 to opt in",
    ),
]

TIMEOUT = 300.0
"""Seconds per HTTP request: generous for two CPU cores, finite so nothing hangs."""


@pytest.fixture(scope="module")
def setup() -> LlamaSetup:
    try:
        return find_setup()
    except LlamaUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def base_url(setup: LlamaSetup) -> Iterator[str]:
    with llama_server(setup) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="local")


def assert_grounded(summary: ArticleSummary, text: str) -> None:
    """Every span the library recorded is a real slice of the article."""
    spans = [q.span for q in summary.quotes] + [q.evidence_span for q in summary.quotes]
    spans += [p.evidence_span for p in summary.positions]
    spans += [s.evidence_span for s in summary.stances]
    for meeting in summary.proposed_meetings:
        assert len(meeting.evidence_spans) == len(meeting.evidence)
        spans += meeting.evidence_spans
    for expression in summary.framing.expressions:
        assert expression.spans
        spans += expression.spans
    for quote in summary.quotes:
        assert quote.location is not None
    for span in spans:
        if span is not None:
            assert 0 <= span.start < span.end <= len(text)
            assert span.slice(text).strip()


def check_extraction_error(error: ExtractionError, max_reasks: int) -> None:
    assert error.kind in {"invalid", "truncated", "empty", "refusal"}
    assert 1 <= error.attempts <= max_reasks + 1
    if error.kind == "invalid":  # every reask was spent
        assert error.attempts == max_reasks + 1
        assert error.validation_errors
    if error.kind != "empty":
        assert error.last_raw_output
    assert error.usage is not None
    assert error.usage.input_tokens > 0 and error.usage.output_tokens > 0
    assert error.model == MODEL_NAME
    assert error.prompt_version == summarizer.load_prompt().version
    assert error.__cause__ is not None


def test_tools_mode_seed_article(client: openai.OpenAI, record_property: Any) -> None:
    """A valid grounded summary or a typed ExtractionError: both are correct outcomes.

    Anything else (ProviderError from a timeout, a raw openai/instructor/pydantic
    exception) propagates and fails the test.
    """
    text = article(SEED_ID)
    max_reasks = 1
    result: ArticleSummary | ExtractionError
    started = time.perf_counter()
    try:
        result = summarizer.summarize_article(
            text,
            client=client,
            model=MODEL_NAME,
            max_retries=0,
            max_reasks=max_reasks,
            timeout=TIMEOUT,
        )
    except ExtractionError as exc:
        result = exc
    elapsed = time.perf_counter() - started
    if isinstance(result, ExtractionError):
        check_extraction_error(result, max_reasks)
        outcome = (
            f"ExtractionError kind={result.kind} attempts={result.attempts} "
            f"usage={result.usage} message={result}"
        )
    else:
        assert result.meta is not None
        assert result.meta.usage.total_tokens > 0
        assert result.meta.prompt_version == summarizer.load_prompt().version
        assert result.meta.mode == "tools"
        assert_grounded(result, text)
        outcome = f"ArticleSummary attempts={result.meta.attempts} usage={result.meta.usage}"
    record_property("outcome", outcome)
    record_property("seconds", round(elapsed, 1))
    print(f"tools mode: {outcome} in {elapsed:.1f}s")
    assert elapsed < (max_reasks + 1) * TIMEOUT


def test_json_schema_mode_is_refused_by_the_server(
    client: openai.OpenAI, record_property: Any
) -> None:
    """llama-cpp-python's server accepts response_format types 'text' and 'json_object'
    only; its request validation for 'json_schema' surfaces as HTTP 500."""
    engine = Summarizer(
        client=client, model=MODEL_NAME, mode="json_schema", max_retries=1, timeout=TIMEOUT
    )
    waits: list[float] = []
    engine._sleep = waits.append
    started = time.perf_counter()
    with pytest.raises(ProviderError) as caught:
        engine.summarize(article(SEED_ID))
    elapsed = time.perf_counter() - started
    error = caught.value
    record_property("seconds", round(elapsed, 2))
    print(f"json_schema mode: {error!r} in {elapsed:.2f}s")
    assert error.status_code == 500
    assert error.attempts == 2  # max_retries + 1: a 500 is retried once, then reported
    assert len(waits) == 1
    assert error.retryable is True
    assert error.provider_message is not None
    assert "response_format" in error.provider_message
    assert "json_schema" in error.provider_message
    assert "'text' or 'json_object'" in error.provider_message
    assert error.provider_message in str(error)
    assert "may not support mode 'json_schema'" in str(error)
    assert "'tools'" in str(error)
    assert error.model == MODEL_NAME
    assert isinstance(error.__cause__, openai.InternalServerError)
    assert elapsed < 30


def test_greedy_tools_mode_reproduces_the_recording(
    setup: LlamaSetup, record_property: Any
) -> None:
    """On a fresh server, greedy decoding gives the answers ``python -m tests.record_llama``
    recorded, so the cassette is a faithful stand-in for this peer.

    Fresh matters: llama-cpp-python reuses the evaluated prompt prefix of the previous
    request, and a different evaluation path can change a greedy answer.
    """
    path = CASSETTES / "llama_gemma3_270m_seed.yaml"
    if not path.exists():
        pytest.skip("no cassette: run python -m tests.record_llama")
    recorded = ReadableJsonYaml.deserialize(path.read_text())["interactions"]
    answers = [json.loads(i["response"]["body"]["string"]) for i in recorded]
    with llama_server(setup) as url:
        engine = Summarizer(
            client=openai.OpenAI(base_url=url, api_key="local"),
            model=MODEL_NAME,
            max_retries=0,
            max_reasks=len(answers) - 1,
            timeout=TIMEOUT,
            temperature=0.0,
        )
        started = time.perf_counter()
        result = engine.summarize(article(SEED_ID))
    record_property("seconds", round(time.perf_counter() - started, 1))
    [answer] = answers
    raw = answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert result.headline == json.loads(raw, strict=False)["headline"]
    assert result.meta is not None and result.meta.attempts == 1
    assert result.meta.usage.input_tokens == answer["usage"]["prompt_tokens"]
    assert result.meta.usage.output_tokens == answer["usage"]["completion_tokens"]
