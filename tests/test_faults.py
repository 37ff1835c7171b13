"""The fault matrix: every way the provider, the network or the model can go wrong.

Each row runs through the public API over real HTTP against a scripted server on loopback
(``tests/fault_server.py``): openai's client, instructor, tenacity and the validators all
run. Each test asserts the outcome, the exception type and attributes, and the exact number
of HTTP requests the server received.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import importlib
import logging
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openai
import pytest

from summarizer import (
    ArticleSummary,
    ConfigurationError,
    ExtractionError,
    InputError,
    ProviderError,
    Summarizer,
)
from summarizer._request import Exchange
from tests.fault_server import Action, Drop, FaultServer, Hang, Reset, closed_port
from tests.scenarios import SEED_ID, answer, article, error, fabricated_seed, gold

SEED = article(SEED_ID)
KEY = "sk-fault-matrix-FAKE-0123456789abcdefghijklmnop"
GOOD = answer(gold(SEED_ID), "good")
LLAMA_500 = (
    "1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
)


def summarizer(url: str, **settings: Any) -> tuple[Summarizer, list[float]]:
    """A summarizer for ``url`` whose retry waits are recorded instead of slept."""
    engine = Summarizer(client=openai.OpenAI(base_url=url, api_key=KEY), **settings)
    waits: list[float] = []
    engine._sleep = waits.append
    return engine, waits


def custom(edit: Any) -> Any:
    """A good answer, edited on its way out (a broken provider or model)."""

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        status, headers, body = GOOD(request)
        edit(body)
        return status, headers, body

    return reply


def test_429_with_retry_after_then_success() -> None:
    """Waits about as long as the server asked (a real wait), then succeeds."""
    with FaultServer(
        [error(429, "Rate limit reached", "requests", {"retry-after": "1"}), GOOD]
    ) as server:
        engine = Summarizer(client=openai.OpenAI(base_url=server.base_url, api_key=KEY))
        started = time.monotonic()
        result = engine.summarize(SEED)
        elapsed = time.monotonic() - started
    assert isinstance(result, ArticleSummary)
    assert result.meta is not None and result.meta.attempts == 2 == len(server.requests)
    assert 0.9 <= elapsed < 5


def test_429_on_every_attempt_exhausts_the_budget() -> None:
    with FaultServer(
        [error(429, "Rate limit reached", "requests", {"retry-after": "0"})], repeat_last=True
    ) as server:
        engine, waits = summarizer(server.base_url, max_retries=3)
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
    assert caught.value.status_code == 429
    assert caught.value.attempts == 4 == len(server.requests)
    assert caught.value.retryable
    assert waits == [0.0, 0.0, 0.0]


def test_429_on_every_attempt_stops_at_the_total_time_bound() -> None:
    """No retry is scheduled to end past total_timeout, however many retries are left."""
    script = [error(429, "Rate limit reached", "requests", {"retry-after": "0.4"})]
    with FaultServer(script, repeat_last=True) as server:
        engine = Summarizer(
            client=openai.OpenAI(base_url=server.base_url, api_key=KEY),
            max_retries=50,
            total_timeout=1.0,
        )
        started = time.monotonic()
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
        elapsed = time.monotonic() - started
    assert caught.value.status_code == 429
    assert 2 <= caught.value.attempts == len(server.requests) <= 3
    assert elapsed < 1.5


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_then_success(status: int) -> None:
    with FaultServer([error(status, "upstream failed", "server_error"), GOOD]) as server:
        engine, waits = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and result.meta.attempts == 2 == len(server.requests)
    assert len(waits) == 1 and 0 <= waits[0] <= 0.5  # the first backoff window


def test_permanent_error_dressed_as_500() -> None:
    """llama.cpp's server refuses an unsupported response_format with a 500."""
    with FaultServer([error(500, LLAMA_500, "server_error")], repeat_last=True) as server:
        engine, _ = summarizer(server.base_url, mode="json_schema", max_retries=2)
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
    assert caught.value.status_code == 500
    assert caught.value.attempts == 3 == len(server.requests)
    assert "Input should be 'text' or 'json_object'" in str(caught.value)
    assert "may not support mode 'json_schema'" in str(caught.value)
    assert "try another mode" in str(caught.value)


def test_400_is_not_retried() -> None:
    with FaultServer(
        [error(400, "Invalid value for 'tool_choice'.", "invalid_request_error")]
    ) as server:
        engine, waits = summarizer(server.base_url)
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
    assert caught.value.status_code == 400 and caught.value.attempts == 1 == len(server.requests)
    assert caught.value.provider_message == "Invalid value for 'tool_choice'."
    assert "Invalid value for 'tool_choice'." in str(caught.value)
    assert "another mode" not in str(caught.value)  # the hint is for 5xx only
    assert not caught.value.retryable and waits == []


def test_context_length_exceeded_is_an_input_error() -> None:
    def too_long(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        message = "This model's maximum context length is 8192 tokens. However, you requested 9100."
        body = {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        }
        return 400, {"content-type": "application/json"}, body

    with FaultServer([too_long]) as server:
        engine, _ = summarizer(server.base_url)
        with pytest.raises(InputError, match="maximum context length is 8192"):
            engine.summarize(SEED)
    assert len(server.requests) == 1


def test_401_is_a_configuration_error_without_the_key() -> None:
    message = f"Incorrect API key provided: {KEY[:8]}**************{KEY[-4:]}."
    with FaultServer([error(401, message, "invalid_request_error")]) as server:
        engine, _ = summarizer(server.base_url)
        with pytest.raises(ConfigurationError, match="rejected the API key") as caught:
            engine.summarize(SEED)
    assert len(server.requests) == 1
    assert KEY not in str(caught.value) and KEY[:8] not in str(caught.value)
    assert server.headers[0]["authorization"] == f"Bearer {KEY}"  # it was sent, not leaked


def test_connection_refused_is_retried_then_provider_error() -> None:
    with closed_port() as url:
        engine, waits = summarizer(url, max_retries=2)
        with pytest.raises(ProviderError, match="the request could not connect") as caught:
            engine.summarize(SEED)
    assert caught.value.status_code is None and caught.value.attempts == 3
    assert caught.value.retryable and len(waits) == 2
    assert isinstance(caught.value.__cause__, openai.APIConnectionError)


def test_connection_reset_is_retried_then_provider_error() -> None:
    with FaultServer([Reset()], repeat_last=True) as server:
        engine, waits = summarizer(server.base_url, max_retries=2)
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
    assert caught.value.attempts == 3 == len(server.requests) and len(waits) == 2
    assert caught.value.status_code is None and caught.value.retryable
    assert isinstance(caught.value.__cause__, openai.APIConnectionError)


def test_response_dropped_midway_is_retried_then_succeeds() -> None:
    with FaultServer([Drop(), GOOD]) as server:
        engine, _ = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and result.meta.attempts == 2 == len(server.requests)


def test_response_dropped_every_time_is_a_provider_error() -> None:
    with FaultServer([Drop()], repeat_last=True) as server:
        engine, waits = summarizer(server.base_url, max_retries=1)
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
    assert caught.value.attempts == 2 == len(server.requests) and len(waits) == 1
    assert caught.value.status_code is None and caught.value.retryable
    assert isinstance(caught.value.__cause__, openai.APIConnectionError)


def test_server_that_never_answers_times_out_and_is_retried() -> None:
    with FaultServer([Hang()], repeat_last=True) as server:
        engine, _ = summarizer(server.base_url, timeout=0.5, max_retries=1)
        started = time.monotonic()
        with pytest.raises(ProviderError, match="the request timed out") as caught:
            engine.summarize(SEED)
        elapsed = time.monotonic() - started
    assert caught.value.attempts == 2 == len(server.requests)
    assert isinstance(caught.value.__cause__, openai.APITimeoutError)
    assert elapsed < 3


def test_total_timeout_bounds_a_hanging_server_however_many_retries() -> None:
    with FaultServer([Hang()], repeat_last=True) as server:
        engine, _ = summarizer(server.base_url, timeout=5, total_timeout=0.8, max_retries=10)
        started = time.monotonic()
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
        elapsed = time.monotonic() - started
    assert elapsed < 2 and caught.value.retryable and caught.value.status_code is None
    assert caught.value.attempts == len(server.requests) <= 2  # 0.8 s holds one 5 s request
    assert isinstance(caught.value.__cause__, openai.APITimeoutError)


def test_output_that_is_not_json_is_reasked() -> None:
    with FaultServer([answer("Sure! Here is the summary you asked for.", "prose"), GOOD]) as server:
        engine, _ = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and (result.meta.attempts, result.meta.reasks) == (2, 1)
    assert "Invalid JSON" in server.requests[1]["messages"][-1]["content"]


def test_json_that_violates_the_schema_is_reasked_with_the_errors() -> None:
    bad = gold(SEED_ID)
    bad["proposed_meetings"][0]["status"] = "maybe"
    del bad["headline"]
    with FaultServer([answer(bad, "bad"), GOOD]) as server:
        engine, _ = summarizer(server.base_url, prompt_version="v1")  # an answer in v1's shape
        result = engine.summarize(SEED)
    assert result.meta is not None and (result.meta.attempts, result.meta.reasks) == (2, 1)
    reask = server.requests[1]["messages"][-1]["content"]
    assert "headline" in reask and "proposed_meetings.0.status" in reask


def test_fabricated_quote_is_reasked_and_never_accepted() -> None:
    with FaultServer([answer(fabricated_seed(), "fab"), GOOD]) as server:
        engine, _ = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and (result.meta.attempts, result.meta.reasks) == (2, 1)
    assert all("genuine" not in q.text for q in result.quotes)
    assert (
        "So far there have been no genuine impulses"
        in server.requests[1]["messages"][-1]["content"]
    )


def test_fabrication_on_every_attempt_is_an_extraction_error() -> None:
    with FaultServer([answer(fabricated_seed(), "fab")], repeat_last=True) as server:
        engine, _ = summarizer(server.base_url, max_reasks=2)
        with pytest.raises(ExtractionError) as caught:
            engine.summarize(SEED)
    error_ = caught.value
    assert error_.kind == "invalid" and error_.attempts == 3 == len(server.requests)
    assert error_.last_raw_output is not None and "genuine" in error_.last_raw_output
    assert error_.validation_errors and error_.usage is not None
    assert error_.usage.input_tokens > 0 and error_.usage.output_tokens > 0


def test_truncated_output_is_never_a_partial_object() -> None:
    def truncate(body: dict[str, Any]) -> None:
        call = body["choices"][0]["message"]["tool_calls"][0]["function"]
        call["arguments"] = call["arguments"][:300]
        body["choices"][0]["finish_reason"] = "length"

    with FaultServer([custom(truncate)]) as server:
        engine, _ = summarizer(server.base_url)
        with pytest.raises(ExtractionError) as caught:
            engine.summarize(SEED)
    assert caught.value.kind == "truncated" and caught.value.attempts == 1
    assert caught.value.last_raw_output is not None and len(caught.value.last_raw_output) == 300
    assert caught.value.usage is not None and caught.value.usage.output_tokens > 0


def test_refusal_is_an_extraction_error_with_the_refusal_text() -> None:
    def refuse(body: dict[str, Any]) -> None:
        message = body["choices"][0]["message"]
        message.update(tool_calls=None, content=None, refusal="I'm sorry, I can't help with that.")
        body["choices"][0]["finish_reason"] = "stop"

    with FaultServer([custom(refuse)]) as server:
        engine, _ = summarizer(server.base_url)
        with pytest.raises(ExtractionError) as caught:
            engine.summarize(SEED)
    assert caught.value.kind == "refusal"
    assert caught.value.refusal == "I'm sorry, I can't help with that."
    assert "the model refused: I'm sorry" in str(caught.value)
    assert caught.value.attempts == 1 == len(server.requests)
    assert caught.value.usage is not None and caught.value.usage.input_tokens > 0


def test_empty_choices_is_an_extraction_error() -> None:
    with FaultServer([custom(lambda body: body.update(choices=[]))]) as server:
        engine, _ = summarizer(server.base_url)
        with pytest.raises(ExtractionError) as caught:
            engine.summarize(SEED)
    assert caught.value.kind == "empty" and caught.value.attempts == 1 == len(server.requests)
    assert "no choices" in str(caught.value)
    assert caught.value.usage is not None and caught.value.usage.input_tokens > 0


def test_missing_tool_call_is_reasked() -> None:
    def no_tool(body: dict[str, Any]) -> None:
        message = body["choices"][0]["message"]
        message.update(tool_calls=None, content="Peskov says there are no prerequisites.")
        body["choices"][0]["finish_reason"] = "stop"

    with FaultServer([custom(no_tool), GOOD]) as server:
        engine, _ = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and (result.meta.attempts, result.meta.reasks) == (2, 1)
    assert server.requests[1]["messages"][-1]["role"] == "user"  # no tool call to answer


def test_missing_tool_call_every_time_is_an_extraction_error() -> None:
    def no_tool(body: dict[str, Any]) -> None:
        body["choices"][0]["message"].update(tool_calls=None, content="No.")

    with FaultServer([custom(no_tool)], repeat_last=True) as server:
        engine, _ = summarizer(server.base_url, max_reasks=1)
        with pytest.raises(ExtractionError) as caught:
            engine.summarize(SEED)
    assert caught.value.kind == "invalid"
    assert caught.value.attempts == 2 == len(server.requests)
    assert caught.value.last_raw_output == "No."


async def test_async_path_survives_the_same_faults() -> None:
    script: list[Action] = [
        error(503, "busy", "server_error"),
        Reset(),
        answer(fabricated_seed(), "fab"),
        GOOD,
    ]
    with FaultServer(script) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=KEY) as client:
            engine = Summarizer(client=client)
            waits: list[float] = []

            async def record_wait(seconds: float) -> None:
                waits.append(seconds)

            engine._async_sleep = record_wait
            result = await engine.asummarize(SEED)
    assert result.meta is not None
    assert (result.meta.attempts, result.meta.reasks) == (4, 1) and len(waits) == 2


@pytest.mark.parametrize("value", ["nan", "soon", "inf", "-"])
def test_429_with_a_malformed_retry_after_falls_back_to_the_backoff(value: str) -> None:
    """A Retry-After that is neither seconds nor an HTTP date is ignored, not fatal."""
    script = [error(429, "Rate limit reached", "requests", {"retry-after": value}), GOOD]
    with FaultServer(script) as server:
        engine, waits = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and result.meta.attempts == 2 == len(server.requests)
    assert len(waits) == 1 and 0 <= waits[0] <= 0.5  # the first backoff window


def test_retry_after_is_capped_by_max_retry_wait() -> None:
    script = [error(429, "Rate limit reached", "requests", {"retry-after": "120"}), GOOD]
    with FaultServer(script) as server:
        engine, waits = summarizer(server.base_url, max_retry_wait=2)
        result = engine.summarize(SEED)
    assert result.meta is not None and result.meta.attempts == 2 == len(server.requests)
    assert waits == [2.0]


def test_server_errors_back_off_exponentially_with_full_jitter(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Each wait is drawn from [0, 0.5 s x 2^(n-1)], the window capped by max_retry_wait."""
    windows: list[tuple[float, float]] = []

    def top_of_window(low: float, high: float) -> float:
        windows.append((low, high))
        return high

    monkeypatch.setattr(random, "uniform", top_of_window)
    caplog.set_level(logging.INFO, logger="summarizer")
    with FaultServer([error(503, "busy", "server_error")], repeat_last=True) as server:
        engine, waits = summarizer(server.base_url, max_retries=4, max_retry_wait=1.5)
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
    assert caught.value.status_code == 503 and caught.value.attempts == 5 == len(server.requests)
    assert caught.value.retryable and "another mode" not in str(caught.value)
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retrying")]
    assert retries[0] == (
        "retrying in 0.50s after InternalServerError (attempt 1 of 5; "
        f"model=gpt-4.1-mini prompt={engine.prompt_version})"
    )
    assert len(retries) == 4 and retries[-1].startswith("retrying in 1.50s")
    # tenacity also draws the wait after the last attempt, to see whether it would fit.
    assert windows[:4] == [(0, 0.5), (0, 1.0), (0, 1.5), (0, 1.5)]
    assert waits == [0.5, 1.0, 1.5, 1.5]


@pytest.mark.parametrize("status", [403, 404])
def test_403_and_404_are_configuration_errors_not_retried(status: int) -> None:
    message = f"The model `gpt-4.1-mini` does not exist or you do not have access to it ({KEY})."
    with FaultServer([error(status, message, "invalid_request_error")], repeat_last=True) as server:
        engine, waits = summarizer(server.base_url)
        with pytest.raises(ConfigurationError, match=f"HTTP {status}") as caught:
            engine.summarize(SEED)
    assert len(server.requests) == 1 and waits == []
    assert "check the model name and base URL" in str(caught.value)
    assert "does not exist" in str(caught.value) and KEY not in str(caught.value)
    assert caught.value.model == "gpt-4.1-mini"
    assert caught.value.prompt_version == engine.prompt_version


def test_content_filter_is_a_refusal_not_retried() -> None:
    def filtered(body: dict[str, Any]) -> None:
        body["choices"][0]["message"].update(tool_calls=None, content=None)
        body["choices"][0]["finish_reason"] = "content_filter"

    with FaultServer([custom(filtered)], repeat_last=True) as server:
        engine, _ = summarizer(server.base_url)
        with pytest.raises(ExtractionError) as caught:
            engine.summarize(SEED)
    assert caught.value.kind == "refusal"
    assert caught.value.refusal == "the provider's content filter stopped the answer"
    assert caught.value.attempts == 1 == len(server.requests)


def test_retry_after_ms_is_honoured_first() -> None:
    headers = {"retry-after-ms": "1500", "retry-after": "9"}
    with FaultServer([error(429, "Rate limit reached", "requests", headers), GOOD]) as server:
        engine, waits = summarizer(server.base_url)
        engine.summarize(SEED)
    assert waits == [1.5] and len(server.requests) == 2


@pytest.mark.parametrize("zone", ["GMT", "-0000"])
def test_retry_after_as_an_http_date(zone: str) -> None:
    """``Retry-After: <HTTP date>``; a date without a time zone (``-0000``) is UTC."""
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
    value = email.utils.format_datetime(
        when if zone == "GMT" else when.replace(tzinfo=None), usegmt=zone == "GMT"
    )
    assert value.endswith(zone)
    script = [error(429, "Rate limit reached", "requests", {"retry-after": value}), GOOD]
    with FaultServer(script) as server:
        engine, waits = summarizer(server.base_url, max_retry_wait=60)
        engine.summarize(SEED)
    assert len(waits) == 1 and 15 < waits[0] <= 20


def test_429_out_of_credit_is_not_retried() -> None:
    def no_credit(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        status, headers, body = error(429, "You exceeded your current quota.", "requests")(request)
        body["error"]["code"] = "insufficient_quota"
        return status, headers, body

    with FaultServer([no_credit], repeat_last=True) as server:
        engine, waits = summarizer(server.base_url)
        with pytest.raises(ProviderError) as caught:
            engine.summarize(SEED)
    assert caught.value.status_code == 429 and not caught.value.retryable
    assert caught.value.attempts == 1 == len(server.requests) and waits == []


async def test_async_failure_is_the_same_typed_error() -> None:
    with FaultServer([error(400, "Invalid value for 'tool_choice'.", "bad")]) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=KEY) as client:
            with pytest.raises(ProviderError) as caught:
                await Summarizer(client=client).asummarize(SEED)
    assert caught.value.status_code == 400 and caught.value.attempts == 1 == len(server.requests)
    assert caught.value.provider_message == "Invalid value for 'tool_choice'."
    assert caught.value.model == "gpt-4.1-mini"


def test_cached_input_tokens_are_summed_over_every_answer() -> None:
    def cached(reply: Any) -> Any:
        def edit(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
            status, headers, body = reply(request)
            body["usage"]["prompt_tokens_details"]["cached_tokens"] = 1024
            return status, headers, body

        return edit

    with FaultServer([cached(answer(fabricated_seed(), "fab")), cached(GOOD)]) as server:
        engine, _ = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and result.meta.reasks == 1
    assert result.meta.usage.cached_input_tokens == 2048


def test_fabricated_evidence_is_reasked_and_never_accepted() -> None:
    fabricated = gold(SEED_ID)
    fabricated["stances"][0]["evidence"] = "I am ready for that at any moment, of course."
    with FaultServer([answer(fabricated, "fab-evidence"), GOOD]) as server:
        engine, _ = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and (result.meta.attempts, result.meta.reasks) == (2, 1)
    assert (
        "stances[0].evidence is not in the article" in server.requests[1]["messages"][-1]["content"]
    )
    assert all("any moment" not in stance.evidence for stance in result.stances)


def test_backoff_waits_are_random_within_their_windows() -> None:
    """Real jitter: eight retries at once must not all wait the same (a thundering herd)."""
    with FaultServer([error(503, "busy", "server_error")], repeat_last=True) as server:
        engine, waits = summarizer(server.base_url, max_retries=8, max_retry_wait=4)
        with pytest.raises(ProviderError):
            engine.summarize(SEED)
    windows = [min(4.0, 0.5 * 2**n) for n in range(8)]
    assert len(waits) == 8 and all(0 <= w <= top for w, top in zip(waits, windows, strict=True))
    assert len(set(waits)) == 8  # drawn, not fixed: equal draws have probability zero
    assert any(w < top * 0.99 for w, top in zip(waits, windows, strict=True))


# Every row of the failure-modes tables (docs/guide/errors.md), and the tests that guard it.
FAILURE_MODES: dict[str, list[str]] = {
    "429 with `Retry-After`, then success": [
        "test_faults::test_429_with_retry_after_then_success",
        "test_faults::test_retry_after_is_capped_by_max_retry_wait",
        "test_faults::test_retry_after_ms_is_honoured_first",
        "test_faults::test_retry_after_as_an_http_date",
    ],
    "429 with a `Retry-After` that is neither seconds nor an HTTP date (`nan`, `soon`)": [
        "test_faults::test_429_with_a_malformed_retry_after_falls_back_to_the_backoff",
    ],
    "429 with the code `insufficient_quota` (out of credit)": [
        "test_faults::test_429_out_of_credit_is_not_retried",
    ],
    "429 on every attempt": [
        "test_faults::test_429_on_every_attempt_exhausts_the_budget",
        "test_faults::test_429_on_every_attempt_stops_at_the_total_time_bound",
    ],
    "500 / 502 / 503 / 504, then success": [
        "test_faults::test_server_error_then_success",
        "test_faults::test_server_errors_back_off_exponentially_with_full_jitter",
        "test_faults::test_backoff_waits_are_random_within_their_windows",
    ],
    "a permanent error dressed as 500 (llama.cpp refusing `response_format` json_schema)": [
        "test_faults::test_permanent_error_dressed_as_500",
    ],
    "400": [
        "test_faults::test_400_is_not_retried",
        "test_faults::test_context_length_exceeded_is_an_input_error",
        "test_faults::test_async_failure_is_the_same_typed_error",
    ],
    "401 / 403 / 404": [
        "test_faults::test_401_is_a_configuration_error_without_the_key",
        "test_faults::test_403_and_404_are_configuration_errors_not_retried",
    ],
    "connection refused, reset, or dropped mid-response": [
        "test_faults::test_connection_refused_is_retried_then_provider_error",
        "test_faults::test_connection_reset_is_retried_then_provider_error",
        "test_faults::test_response_dropped_midway_is_retried_then_succeeds",
        "test_faults::test_response_dropped_every_time_is_a_provider_error",
    ],
    "the server accepts and never answers": [
        "test_faults::test_server_that_never_answers_times_out_and_is_retried",
        "test_faults::test_total_timeout_bounds_a_hanging_server_however_many_retries",
    ],
    "output that is not JSON, or JSON that violates the schema": [
        "test_faults::test_output_that_is_not_json_is_reasked",
        "test_faults::test_an_answer_nested_too_deeply_to_parse_is_reasked_not_a_crash",
        "test_faults::test_json_that_violates_the_schema_is_reasked_with_the_errors",
    ],
    "raw newlines inside JSON strings (local servers' grammars)": [
        "test_api::test_raw_newlines_inside_json_strings_are_repaired_not_reasked",
    ],
    "a fabricated quote or evidence string": [
        "test_faults::test_fabricated_quote_is_reasked_and_never_accepted",
        "test_faults::test_fabricated_evidence_is_reasked_and_never_accepted",
    ],
    "fabrication (or any invalid answer) on every attempt": [
        "test_faults::test_fabrication_on_every_attempt_is_an_extraction_error",
    ],
    '`finish_reason == "length"`': [
        "test_faults::test_truncated_output_is_never_a_partial_object",
    ],
    "a refusal (`message.refusal`, or the content filter)": [
        "test_faults::test_refusal_is_an_extraction_error_with_the_refusal_text",
        "test_faults::test_content_filter_is_a_refusal_not_retried",
    ],
    "no choices": ["test_faults::test_empty_choices_is_an_extraction_error"],
    "an answer without the tool call": [
        "test_faults::test_missing_tool_call_is_reasked",
        "test_faults::test_missing_tool_call_every_time_is_an_extraction_error",
    ],
    "empty, whitespace-only, `None` or non-text input; undecodable bytes; a sentence longer "
    "than the chunk budget; a `published` that is not a date (`2024-01-1999`)": [
        "test_inputs::test_bad_input_never_reaches_the_network",
        "test_inputs::test_a_sentence_over_the_input_budget_is_refused_with_its_size",
        "test_inputs::test_article_over_the_input_budget_is_chunked_not_refused",
        "test_article_data::test_published_refuses_a_string_that_only_starts_with_a_date",
    ],
    "an article over `max_article_chars` (a 4 MB text), or one needing more than `max_chunks` "
    "chunks": [
        "test_bounds::test_a_4mb_article_is_refused_before_any_request",
        "test_bounds::test_a_4mb_article_is_planned_in_chunks_when_the_limits_are_raised",
        "test_bounds::test_a_4mb_article_is_summarised_when_the_limit_is_raised",
        "test_bounds::test_too_many_chunks_are_refused_before_any_request",
        "test_bounds::test_the_bounds_hold_in_every_entry_point",
    ],
    "an article containing `</article>` (or `<article>`), the prompt's own delimiters": [
        "test_article_data::test_an_embedded_closing_tag_cannot_end_the_data_block",
        "test_article_data::test_only_the_delimiter_tags_are_made_inert",
    ],
    "the result cache cannot be created or opened (a folder that cannot be made, not a database)": [
        "test_cache::test_an_unusable_cache_is_a_configuration_error_naming_its_path",
        "test_cache::test_a_cache_folder_that_cannot_be_made_is_a_configuration_error",
    ],
    "the result cache fails during a call (locked past its busy timeout, read-only, "
    "corrupted, an entry that no longer reads)": [
        "test_cache::test_a_locked_cache_keeps_the_summary_that_was_paid_for",
        "test_cache::test_a_read_only_cache_is_skipped_with_a_warning",
        "test_cache::test_a_cache_corrupted_after_it_was_opened_is_skipped",
        "test_cache::test_a_stored_summary_that_no_longer_reads_is_a_miss",
    ],
    "a mistaken option (a bad value, an unknown name, `concurrency=0`) on any entry point": [
        "test_options::test_a_mistaken_setting_is_the_same_error_from_every_entry_point",
        "test_options::test_a_mistaken_limit_is_the_same_error_from_every_batch_entry_point",
    ],
    "an HTTP error on the Batch API path (an upload, a poll, one request's result)": [
        "test_options::test_the_batch_api_maps_errors_as_an_in_process_call_does",
    ],
    # A batch never dies of one record, nor loses one.
    'one record\'s text is not valid Unicode (a lone surrogate, from a JSON `"\\ud800"` escape)': [
        "test_batch_inputs::test_a_lone_surrogate_fails_its_article_and_the_batch_goes_on",
        "test_batch_inputs::test_a_jsonl_line_that_is_not_utf8_fails_only_that_line",
    ],
    "undecodable bytes piped to `summarize -`": [
        "test_batch_inputs::test_text_that_is_not_unicode_is_an_input_error_everywhere",
    ],
    'one bad record in a `--via openai-batch` run (`published: "last Tuesday"`), or an answer '
    "that is not a chat completion": [
        "test_batch_inputs::test_one_bad_record_on_the_batch_api_is_one_failed_article",
        "test_batch_inputs::test_a_batch_api_answer_that_cannot_be_read_fails_only_its_article",
        "test_batch_inputs::test_submit_batch_leaves_out_what_cannot_be_sent",
    ],
    "`batch-collect` run with another chunk budget than the submit "
    "(`SUMMARIZER_MAX_INPUT_TOKENS`, model), or given an article whose text changed since": [
        "test_openai_batch::test_batch_collect_assembles_the_submitted_chunks_whatever_its_settings",
        "test_openai_batch::test_collecting_merges_the_chunks_submitted_whatever_its_budget",
        "test_openai_batch::test_a_chunk_plan_that_does_not_fit_the_article_is_an_input_error",
        "test_openai_batch::test_an_article_missing_one_chunks_answer_has_no_result",
    ],
    "strings holding U+2028, U+2029 or U+0085": [
        "test_batch_inputs::test_line_separators_in_results_survive_report_eval_and_resume",
        "test_batch_inputs::test_results_written_raw_with_line_separators_are_read_whole",
    ],
    "two files with one id (`story.txt`, `story.md`) or two JSONL records with the same `id`": [
        "test_batch_inputs::test_two_files_with_one_id_are_refused_naming_both",
        "test_batch_inputs::test_duplicate_jsonl_ids_are_refused_naming_the_lines",
    ],
    "an HTML page over `max_html_bytes` in a batch's input (or given to `summarize`)": [
        "test_bounds::test_html_over_the_cap_is_refused_without_parsing",
        "test_bounds::test_summarize_refuses_a_page_over_the_cap_with_exit_2",
    ],
    "`batch --max-requests N` when the run's estimate needs more than N requests": [
        "test_bounds::test_batch_prints_its_estimate_and_max_requests_refuses_a_larger_run",
        "test_bounds::test_batch_estimate_counts_the_cache_and_refused_articles",
    ],
    "a symbolic link in the input folder to a file outside it": [
        "test_batch_inputs::test_a_link_out_of_the_input_folder_is_not_read",
        "test_batch_inputs::test_a_dangling_link_is_its_articles_error",
    ],
    "a link in the input folder to a FIFO (or a device, a socket); an input file over 64 MiB": [
        "test_written_files::test_a_link_to_a_fifo_in_the_input_folder_is_an_error_row_at_once",
        "test_written_files::test_an_input_file_over_the_read_cap_is_its_error_row",
    ],
    "a whole last record without its final newline; a torn last line": [
        "test_batch_inputs::test_a_whole_last_record_without_its_newline_is_kept",
        "test_batch::test_cli_resume_after_a_torn_line_yields_each_id_once",
    ],
    "a line of JSON nested too deeply to parse (`[` × 200,000)": [
        "test_written_files::test_a_deeply_nested_input_line_is_its_error_row_and_the_batch_goes_on",
        "test_written_files::test_a_deeply_nested_results_line_is_a_named_line_error",
    ],
    "`-o` is the input (any spelling, or a link to it), or a file the input folder would read "
    "as an article": [
        "test_batch_inputs::test_an_output_that_is_the_input_is_refused",
        "test_batch_inputs::test_an_output_read_as_an_article_of_the_input_folder_is_refused",
    ],
    "a symbolic link planted where a file is written (a table in `export -o DIR`, `report -o`, "
    "`corpus -o`, the rewrite of `--retry-failed`), or at `batch -o`": [
        "test_written_files::test_a_link_planted_in_the_export_folder_leaves_its_target_untouched",
        "test_written_files::test_a_link_planted_at_a_page_path_leaves_its_target_untouched",
        "test_written_files::test_a_link_at_the_results_path_is_refused_and_its_target_untouched",
        "test_written_files::"
        "test_retrying_failures_rewrites_the_results_without_following_a_planted_link",
    ],
    "a server that echoes the key on the Batch API path (submit, `batch-status`, collect), any "
    "key shape": [
        "test_secrets_batch_api::test_batch_api_errors_do_not_leak_the_key",
        "test_secrets_batch_api::test_batch_api_commands_do_not_leak_the_key",
    ],
    "markup (`[/b]`, `[the chancellor]`) or control sequences (ESC, OSC, CSI, C0/C1) in an "
    "article, an answer, a file name, an id or a batch status": [
        "test_terminal::test_terminal_text",
        "test_terminal::test_summaries_print_data_as_text_without_control_sequences",
        "test_terminal::test_an_extraction_error_quoting_the_model_prints_as_text",
        "test_terminal::test_input_errors_name_files_as_text_and_exit_2",
        "test_terminal::test_batch_failure_lines_print_ids_and_messages_as_text",
        "test_terminal::test_batch_api_ids_statuses_and_file_names_print_as_text",
    ],
    "all of these at once, fuzzed (surrogates, controls, separators, markup, long text)": [
        "test_fuzz_pipeline::test_hostile_text_through_summarize_results_report_and_eval",
    ],
}


FAILURE_MODES_PAGE = Path(__file__).parent.parent / "docs" / "guide" / "errors.md"


def documented_failure_modes() -> list[str]:
    """The first cell of each row of the failure-modes tables of the documentation."""
    page = FAILURE_MODES_PAGE.read_text(encoding="utf-8")
    section = page.split("\n## Failure modes\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    cells = [row[2:].split(" | ", 1)[0] for row in rows]
    return [cell for cell in cells if cell not in ("what happens", "---")]  # headers, rules


def test_every_failure_mode_in_the_docs_is_guarded_by_tests() -> None:
    assert documented_failure_modes() == list(FAILURE_MODES)
    for row, tests in FAILURE_MODES.items():
        for test in tests:
            module, name = test.split("::")
            found = getattr(importlib.import_module(f"tests.{module}"), name, None)
            assert callable(found), f"{row!r}: no test {test}"


def test_slow_invalid_answers_stop_at_the_total_timeout_counting_every_request() -> None:
    def slow_fabrication(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        time.sleep(0.3)
        return answer(fabricated_seed(), "fab")(request)

    with FaultServer([slow_fabrication], repeat_last=True) as server:
        engine, _ = summarizer(server.base_url, total_timeout=0.5, max_reasks=5)
        started = time.monotonic()
        with pytest.raises(ProviderError, match="timed out") as caught:
            engine.summarize(SEED)
        elapsed = time.monotonic() - started
    assert caught.value.retryable and caught.value.status_code is None
    assert caught.value.attempts == 2 == len(server.requests)  # the reask's timeout was cut
    assert elapsed < 3  # 0.5 s asked; generous for a loaded machine


def test_a_deadline_passed_while_validating_ends_the_call_before_the_reask(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No request is started past total_timeout; the error counts the one that was made."""
    accept = Exchange.accept

    def slow_accept(self: Exchange, completion: Any) -> Any:
        time.sleep(0.6)  # validating a huge answer on a loaded machine
        return accept(self, completion)

    monkeypatch.setattr(Exchange, "accept", slow_accept)
    with FaultServer([answer(fabricated_seed(), "fab")], repeat_last=True) as server:
        engine, _ = summarizer(server.base_url, total_timeout=0.5)
        with pytest.raises(ProviderError, match=r"ran past its total_timeout of 0\.5s") as caught:
            engine.summarize(SEED)
    assert caught.value.retryable and caught.value.attempts == 1 == len(server.requests)
    assert "(1 request(s) made)" in str(caught.value)


COLD_CALL = """
import sys, openai
from summarizer import Summarizer
from tests.scenarios import SEED_ID, article
client = openai.OpenAI(base_url=sys.argv[1], api_key="sk-cold-FAKE")
summary = Summarizer(client=client, total_timeout=0.5).summarize(article(SEED_ID))
print(summary.meta.attempts)
"""


def test_a_first_call_in_a_new_process_is_not_charged_for_openais_imports() -> None:
    """openai imports its resource modules on first use; that is not the call's total_timeout."""
    with FaultServer([GOOD]) as server:
        done = subprocess.run(
            [sys.executable, "-c", COLD_CALL, server.base_url],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).parent.parent,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1" and len(server.requests) == 1


def test_an_answer_nested_too_deeply_to_parse_is_reasked_not_a_crash() -> None:
    """A hostile model answer of 200,000 ``[`` is invalid JSON, never a RecursionError."""
    with FaultServer([answer("[" * 200_000, "deep"), GOOD]) as server:
        engine, _ = summarizer(server.base_url)
        result = engine.summarize(SEED)
    assert result.meta is not None and (result.meta.attempts, result.meta.reasks) == (2, 1)
