"""The public API: its surface, its configuration, its errors, its manners."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import instructor
import openai
import pytest

import summarizer
from summarizer import (
    ConfigurationError,
    ExtractionError,
    InputError,
    ProviderError,
    Summarizer,
    SummarizerError,
    asummarize_article,
    summarize_article,
)
from tests.fakes import ScriptedEndpoint
from tests.scenarios import SEED_ID, VISIT_ID, answer, article, error, gold

SEED = article(SEED_ID)
FAKE_KEY = "sk-proj-FAKEKEYabcdefghijklmnopqrstuvwxyz0123456789"


def test_exported_members() -> None:
    """The public surface is deliberate: adding or removing a name is an API change."""
    assert set(summarizer.__all__) == {
        "DEFAULT_MODEL",
        "MODES",
        "ActorTone",
        "Article",
        "ArticleSummary",
        "BatchResult",
        "ConfigurationError",
        "ExtractionError",
        "Framing",
        "FramingExpression",
        "InputError",
        "Position",
        "ProposedMeeting",
        "ProviderError",
        "Quote",
        "RequestLimits",
        "ResultCache",
        "Settings",
        "Span",
        "Speaker",
        "Stance",
        "Summarizer",
        "SummarizerError",
        "SummaryMeta",
        "Usage",
        "__version__",
        "asummarize_article",
        "asummarize_articles",
        "list_prompts",
        "load_prompt",
        "locate_all",
        "locate_pieces",
        "locate_quote",
        "summarize_article",
        "summarize_articles",
    }
    for name in summarizer.__all__:
        assert hasattr(summarizer, name)


def test_error_hierarchy() -> None:
    for cls in (ConfigurationError, InputError, ProviderError, ExtractionError):
        assert issubclass(cls, SummarizerError)
    assert summarizer.errors.SummarizerError is SummarizerError


def test_missing_key_is_a_configuration_error_before_any_request() -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY") as caught:
        summarize_article(SEED)
    assert "OPENAI_BASE_URL" in str(caught.value)


def test_no_client_is_built_at_construction() -> None:
    summarizer_ = Summarizer()  # no key needed until the first call
    assert "gpt-4.1-mini" in repr(summarizer_)


def test_default_client_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SUMMARIZER_MODEL", "my-local-model")
    s = Summarizer()
    resolved = s.client(want_async=False)
    assert str(resolved.client.base_url) == "http://127.0.0.1:9/v1/"
    assert resolved.client.max_retries == 0  # the SDK's own retries never multiply ours
    assert s.model == "my-local-model"
    assert FAKE_KEY not in repr(s)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "telepathy"}, "unknown mode"),
        ({"prompt_version": "v0"}, "unknown prompt version"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_reasks": -1}, "max_reasks"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_bad_configuration(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Summarizer(**kwargs)


def test_a_client_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="client must be"):
        summarize_article(SEED, client=object())


@pytest.mark.parametrize(
    "text", [None, "", "   \n\t", 42, b"\xff\xfe not UTF-8", b"\xef\xbb\xbf  ", ["a"]]
)
def test_bad_input_is_refused_before_any_request(text: Any) -> None:
    endpoint = ScriptedEndpoint([])
    with pytest.raises(InputError):
        summarize_article(text, client=endpoint.client())
    assert endpoint.requests == []


@pytest.mark.parametrize("published", ["yesterday", "2024-13-45", 20241223])
def test_bad_published_date(published: Any) -> None:
    with pytest.raises(InputError, match="published"):
        summarize_article(SEED, published=published, client=ScriptedEndpoint([]).client())


def test_published_comes_from_the_caller_or_the_header() -> None:
    endpoint = ScriptedEndpoint([answer(gold(SEED_ID), "a")], repeat_last=True)
    client = endpoint.client()
    assert summarize_article(SEED, client=client).published.isoformat() == "2024-12-23"  # type: ignore[union-attr]
    given = summarize_article(SEED, client=client, published="2024-12-24")
    assert given.published is not None and given.published.isoformat() == "2024-12-24"
    assert "Publication date: 2024-12-24" in endpoint.requests[1]["messages"][-1]["content"]


def test_instructor_client_is_accepted_and_its_mode_used() -> None:
    endpoint = ScriptedEndpoint([answer(gold(SEED_ID), "a")])
    wrapped = instructor.from_openai(endpoint.client(), mode=instructor.Mode.JSON_SCHEMA)
    result = summarize_article(SEED, client=wrapped)
    assert result.meta is not None and result.meta.mode == "json_schema"
    assert endpoint.requests[0]["response_format"]["type"] == "json_schema"


def test_results_are_plain_article_summaries() -> None:
    """instructor answers with its own subclass; callers get the public class itself."""
    result = summarize_article(SEED, client=ScriptedEndpoint([answer(gold(SEED_ID), "a")]).client())
    assert type(result) is summarizer.ArticleSummary
    assert result == summarizer.ArticleSummary.model_validate_json(result.model_dump_json())


def test_inputs_are_not_mutated() -> None:
    client = ScriptedEndpoint([answer(gold(SEED_ID), "a")]).client()
    text = str(SEED)
    summarize_article(text, client=client)
    assert text == SEED
    assert client.max_retries == openai.DEFAULT_MAX_RETRIES  # the caller's client untouched


def test_one_summarizer_shared_across_threads() -> None:
    endpoint = ScriptedEndpoint([answer(gold(SEED_ID), "a")], repeat_last=True)
    shared = Summarizer(client=endpoint.client())
    results: list[Any] = []

    def work() -> None:
        results.append(shared.summarize(SEED))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 6
    assert all(r.meta.attempts == 1 for r in results)  # per-call state stays per call


async def test_async_tasks_share_one_summarizer() -> None:
    endpoint = ScriptedEndpoint([answer(gold(VISIT_ID), "a")], repeat_last=True)
    shared = Summarizer(client=endpoint.async_client())
    results = await asyncio.gather(*(shared.asummarize(article(VISIT_ID)) for _ in range(5)))
    assert [r.meta.attempts for r in results] == [1] * 5  # type: ignore[union-attr]


async def test_asummarize_with_a_sync_client_runs_in_a_thread() -> None:
    """The sync request runs in a worker thread while the event loop goes on running."""
    loop, loop_thread = asyncio.get_running_loop(), threading.get_ident()
    request_threads: list[int] = []
    request_started = asyncio.Event()
    loop_ran = threading.Event()

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        request_threads.append(threading.get_ident())
        loop.call_soon_threadsafe(request_started.set)
        loop_ran.wait(10)  # a blocked event loop never sets it
        return answer(gold(SEED_ID), "a")(request)

    async def loop_keeps_running() -> None:
        await request_started.wait()
        loop_ran.set()

    client = ScriptedEndpoint([reply]).client()
    result, _ = await asyncio.gather(asummarize_article(SEED, client=client), loop_keeps_running())
    assert request_threads and request_threads[0] != loop_thread
    assert loop_ran.is_set()
    assert result.meta is not None and result.meta.attempts == 1
    assert result.quotes[1].span is not None
    assert result.quotes[1].span.slice(SEED) == "There have been no real impulses so far"


def test_sync_summarize_with_an_async_client_is_a_clear_error() -> None:
    client = ScriptedEndpoint([]).async_client()
    with pytest.raises(ConfigurationError, match="asummarize"):
        summarize_article(SEED, client=client)


def test_rejected_key_is_a_configuration_error_without_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    message = f"Incorrect API key provided: {FAKE_KEY}. You can find your API key at ..."
    endpoint = ScriptedEndpoint([error(401, message, "invalid_request_error")])
    with pytest.raises(ConfigurationError, match="rejected the API key") as caught:
        summarize_article(SEED, client=endpoint.client(api_key=FAKE_KEY))
    assert len(endpoint.requests) == 1  # never retried
    captured = [str(caught.value), repr(caught.value), caplog.text]
    captured += [str(e) for e in _chain(caught.value) if isinstance(e, SummarizerError)]
    for text in captured:
        assert FAKE_KEY not in text
        assert FAKE_KEY[:20] not in text


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_succeed(status: int) -> None:
    endpoint = ScriptedEndpoint(
        [error(status, "upstream hiccup", "server_error"), answer(gold(SEED_ID), "a")]
    )
    s = Summarizer(client=endpoint.client())
    waits: list[float] = []
    s._sleep = waits.append
    result = s.summarize(SEED)
    assert result.meta is not None and result.meta.attempts == 2
    assert len(waits) == 1 and 0 <= waits[0] <= s.settings.max_retry_wait


def test_retries_are_bounded_then_provider_error() -> None:
    endpoint = ScriptedEndpoint(
        [error(429, "slow down", "requests", {"retry-after": "2"})], repeat_last=True
    )
    s = Summarizer(client=endpoint.client(), max_retries=2)
    waits: list[float] = []
    s._sleep = waits.append
    with pytest.raises(ProviderError) as caught:
        s.summarize(SEED)
    assert caught.value.status_code == 429
    assert caught.value.attempts == 3 == len(endpoint.requests)
    assert waits == [2.0, 2.0]
    assert isinstance(caught.value.__cause__, openai.RateLimitError)


def test_bad_request_is_not_retried() -> None:
    endpoint = ScriptedEndpoint(
        [error(400, "context_length_exceeded-ish", "invalid_request_error")]
    )
    with pytest.raises(ProviderError) as caught:
        summarize_article(SEED, client=endpoint.client())
    assert caught.value.status_code == 400 and caught.value.attempts == 1


def test_refusal_is_an_extraction_error() -> None:
    def refuse(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        status, headers, body = answer(gold(SEED_ID), "r")(request)
        body["choices"][0]["message"]["refusal"] = "I can't help with that."
        return status, headers, body

    endpoint = ScriptedEndpoint([refuse])
    with pytest.raises(ExtractionError) as caught:
        summarize_article(SEED, client=endpoint.client())
    assert caught.value.kind == "refusal" and caught.value.refusal == "I can't help with that."
    assert len(endpoint.requests) == 1


def test_truncated_output_is_never_a_partial_result() -> None:
    endpoint = ScriptedEndpoint([answer('{"headline": "Kreml', "cut", finish_reason="length")])
    with pytest.raises(ExtractionError) as caught:
        summarize_article(SEED, client=endpoint.client())
    assert caught.value.kind == "truncated"
    assert caught.value.last_raw_output == '{"headline": "Kreml'


def test_meta_records_usage_over_every_answer_including_reasks() -> None:
    bad = gold(SEED_ID)
    bad["quotes"][1]["text"] = "So far there have been no genuine impulses"
    endpoint = ScriptedEndpoint([answer(bad, "bad"), answer(gold(SEED_ID), "good")])
    result = summarize_article(SEED, client=endpoint.client())
    assert result.meta is not None
    assert (result.meta.attempts, result.meta.reasks) == (2, 1)
    assert result.meta.usage.input_tokens > 0
    assert result.meta.created_at.tzinfo is not None


def test_logging_reports_the_outcome_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="summarizer")
    endpoint = ScriptedEndpoint([error(503, "busy", "server_error"), answer(gold(SEED_ID), "a")])
    s = Summarizer(client=endpoint.client(api_key=FAKE_KEY))
    s._sleep = lambda seconds: None
    s.summarize(SEED)
    assert "retrying in" in caplog.text and "summarised in" in caplog.text
    assert f"prompt={summarizer.load_prompt().version}" in caplog.text
    assert FAKE_KEY not in caplog.text


def test_raw_newlines_inside_json_strings_are_repaired_not_reasked() -> None:
    """Local grammars let literal newlines into JSON strings; that alone costs no reask."""
    raw = json.dumps(gold(SEED_ID)).replace("Kremlin says", "Kremlin\nsays", 1)
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)  # a literal newline inside a string: invalid strict JSON
    endpoint = ScriptedEndpoint([answer(raw, "raw-newline")])
    result = summarize_article(SEED, client=endpoint.client(), prompt_version="v1")  # v1's shape
    assert result.headline.startswith("Kremlin\nsays")
    assert result.meta is not None and result.meta.attempts == 1


def test_json_broken_otherwise_is_reasked() -> None:
    endpoint = ScriptedEndpoint(
        [answer('{"headline": "x", ', "broken"), answer(gold(SEED_ID), "ok")]
    )
    result = summarize_article(SEED, client=endpoint.client())
    assert result.meta is not None and result.meta.reasks == 1
    assert "Invalid JSON" in endpoint.requests[1]["messages"][-1]["content"]
