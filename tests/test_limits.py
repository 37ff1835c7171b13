"""Run-level limits: requests in flight (chunks included), rpm/tpm pacing, the queue clock.

Counted where it matters, at a real loopback server: how many requests it had in flight at
once, and how many it had to refuse with a 429 because they came too fast.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import openai
import pytest
from typer.testing import CliRunner

from summarizer import (
    ConfigurationError,
    ProviderError,
    RequestLimits,
    Summarizer,
    asummarize_articles,
    summarize_articles,
)
from summarizer._limits import LocalPacing, Slots
from summarizer.cli import app
from tests.fault_server import FaultServer, MeteredEndpoint, body_tokens
from tests.scenarios import (
    LONG_BUDGET,
    SEED_ID,
    TEST_API_KEY,
    answer,
    article,
    gold,
    gold_for_chunk,
    long_article,
    long_chunk_count,
    sent_article,
)

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "good")


def chunk_reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    """The curated answer to whichever chunk (of whichever long article) is asked."""
    return answer(gold_for_chunk(sent_article(request)), "chunk")(request)


def long_variant(n: int) -> str:
    return f"{long_article()}\n\nRef. {n}"


def variant(n: int) -> str:
    return f"{SEED}\n\nRef. {n}"


# -- requests in flight ----------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [2, 8])
def test_threads_bound_requests_in_flight_chunk_requests_included(concurrency: int) -> None:
    """Each article is several chunk requests: the bound is on requests, not articles."""
    assert long_chunk_count() >= 4
    endpoint = MeteredEndpoint(chunk_reply, delay=0.2)
    with FaultServer([endpoint], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        texts = [long_variant(i) for i in range(concurrency + 2)]
        results = list(
            summarize_articles(
                texts, concurrency=concurrency, client=client, max_input_tokens=LONG_BUDGET
            )
        )
    assert all(r.ok for r in results), [str(r.error) for r in results if not r.ok]
    assert all(r.summary and r.summary.meta and len(r.summary.meta.chunks) >= 4 for r in results)
    assert endpoint.peak == concurrency  # reached, never exceeded (articles alone would be 4x)


async def test_asyncio_bounds_requests_in_flight_chunk_requests_included() -> None:
    endpoint = MeteredEndpoint(chunk_reply, delay=0.2)
    with FaultServer([endpoint], repeat_last=True) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=TEST_API_KEY) as client:
            results = [
                r
                async for r in asummarize_articles(
                    [long_variant(i) for i in range(5)],
                    concurrency=3,
                    client=client,
                    max_input_tokens=LONG_BUDGET,
                )
            ]
    assert len(results) == 5 and all(r.ok for r in results)
    assert endpoint.peak == 3


def write_long_inputs(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"long-{i:02d}.txt").write_text(long_variant(i), encoding="utf-8")
    return folder


def test_cli_concurrency_8_never_has_more_than_8_requests_in_flight(tmp_path: Path) -> None:
    inputs = write_long_inputs(tmp_path / "in", 10)
    endpoint = MeteredEndpoint(chunk_reply, delay=0.2)
    with FaultServer([endpoint], repeat_last=True) as server:
        env = {
            "OPENAI_API_KEY": TEST_API_KEY,
            "OPENAI_BASE_URL": server.base_url,
            "SUMMARIZER_MAX_INPUT_TOKENS": str(LONG_BUDGET),
        }
        output = tmp_path / "out.jsonl"
        args = ["batch", str(inputs), "-o", str(output), "--concurrency", "8", "--no-cache"]
        result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert endpoint.served == 10 * long_chunk_count()
    assert endpoint.peak == 8


def test_time_queued_for_a_slot_is_not_the_calls_total_timeout() -> None:
    """Four articles through one slot, 0.4 s each: the last waits 1.2 s, past total_timeout."""
    endpoint = MeteredEndpoint(GOOD, delay=0.4)
    with FaultServer([endpoint], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        engine = Summarizer(client=client, total_timeout=1.0)
        texts = [variant(i) for i in range(4)]
        results = list(summarize_articles(texts, limits=RequestLimits(1), summarizer=engine))
    assert all(r.ok for r in results), [str(r.error) for r in results]
    assert endpoint.peak == 1


# -- requests and tokens per minute ----------------------------------------------------------


def test_the_metered_server_refuses_an_unpaced_batch() -> None:
    """The control for the pacing tests below: without --rpm the same server says 429."""
    endpoint = MeteredEndpoint(GOOD, rpm=600)
    with FaultServer([endpoint], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        results = list(
            summarize_articles(
                [variant(i) for i in range(20)], concurrency=8, client=client, max_retries=0
            )
        )
    assert endpoint.limited > 0
    assert any(isinstance(r.error, ProviderError) and r.error.status_code == 429 for r in results)


async def test_rpm_600_spreads_40_requests_over_3_5_seconds_without_a_429() -> None:
    endpoint = MeteredEndpoint(GOOD, rpm=600)
    with FaultServer([endpoint], repeat_last=True) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=TEST_API_KEY) as client:
            started = time.monotonic()
            results = [
                r
                async for r in asummarize_articles(
                    [variant(i) for i in range(40)], concurrency=8, rpm=600, client=client
                )
            ]
            elapsed = time.monotonic() - started
    assert len(results) == 40 and all(r.ok for r in results)
    assert endpoint.limited == 0 and endpoint.served == 40
    assert elapsed >= 3.5
    gaps = [b - a for a, b in zip(endpoint.starts, endpoint.starts[1:], strict=False)]
    assert sum(gaps) / len(gaps) >= 0.09  # evenly spaced, not bursts


def test_cli_rpm_with_threads_of_a_sync_batch(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(12):
        (inputs / f"a{i:02d}.txt").write_text(variant(i), encoding="utf-8")
    endpoint = MeteredEndpoint(GOOD, rpm=600)
    with FaultServer([endpoint], repeat_last=True) as server:
        env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
        args = ["batch", str(inputs), "-o", str(tmp_path / "o.jsonl"), "--rpm", "600"]
        started = time.monotonic()
        result = CliRunner().invoke(app, [*args, "--concurrency", "8", "--no-cache"], env=env)
        elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert endpoint.limited == 0 and endpoint.served == 12
    assert elapsed >= 1.0  # 12 requests 0.1 s apart


def test_tpm_paces_estimated_tokens_without_a_429() -> None:
    engine = Summarizer(client=openai.OpenAI(api_key=TEST_API_KEY))
    call = engine.pipeline.start(variant(0))
    [exchange] = call.exchanges(None)
    estimate = engine.pipeline.estimated_tokens(exchange)
    assert estimate > body_tokens(exchange.body)  # the answer is counted too
    tpm = 60 * 2 * estimate  # two requests a second, two at once
    endpoint = MeteredEndpoint(GOOD, tpm=tpm)
    with FaultServer([endpoint], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        started = time.monotonic()
        results = list(
            summarize_articles(
                [variant(i) for i in range(10)], concurrency=8, tpm=tpm, client=client
            )
        )
        elapsed = time.monotonic() - started
    assert all(r.ok for r in results), [str(r.error) for r in results if not r.ok]
    assert endpoint.limited == 0 and endpoint.served == 10
    assert elapsed >= 3.5  # (10 - 2) requests at 2 a second


def test_tpm_without_pacing_is_refused_by_the_same_server() -> None:
    engine = Summarizer(client=openai.OpenAI(api_key=TEST_API_KEY))
    [exchange] = engine.pipeline.start(variant(0)).exchanges(None)
    endpoint = MeteredEndpoint(GOOD, tpm=60 * 2 * engine.pipeline.estimated_tokens(exchange))
    with FaultServer([endpoint], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        list(
            summarize_articles(
                [variant(i) for i in range(10)], concurrency=8, client=client, max_retries=0
            )
        )
    assert endpoint.limited > 0


# -- the parts ------------------------------------------------------------------------------


def test_slots_serve_threads_and_tasks_together() -> None:
    slots = Slots(2)
    peak = 0
    lock = threading.Lock()

    def hold(seconds: float) -> None:
        nonlocal peak
        with lock:
            peak = max(peak, slots.in_use)

    def in_thread() -> None:
        for _ in range(5):
            slots.acquire()
            hold(0)
            time.sleep(0.01)
            slots.release()

    async def in_tasks() -> None:
        async def one() -> None:
            await slots.aacquire()
            hold(0)
            await asyncio.sleep(0.01)
            slots.release()

        await asyncio.gather(*(one() for _ in range(10)))

    threads = [threading.Thread(target=in_thread) for _ in range(3)]
    for thread in threads:
        thread.start()
    asyncio.run(in_tasks())
    for thread in threads:
        thread.join()
    assert peak == 2 and slots.in_use == 0


async def test_a_cancelled_waiter_passes_its_slot_on() -> None:
    slots = Slots(1)
    await slots.aacquire()
    waiting = asyncio.create_task(slots.aacquire())
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    slots.release()
    assert slots.in_use == 0
    await asyncio.wait_for(slots.aacquire(), timeout=5)  # the slot was not lost
    assert slots.in_use == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"concurrency": 0}, {"rpm": 0}, {"tpm": -5}, {"rpm": 1.5}, {"concurrency": True}],
)
def test_limits_are_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        RequestLimits(**kwargs)


def test_a_request_heavier_than_a_seconds_tokens_waits_for_them() -> None:
    pacing = LocalPacing(tpm=6000)  # 100 tokens a second, 100 at once
    started = time.monotonic()
    pacing.wait(100)
    pacing.wait(250)  # 100 now-ish, then 150 more at 100 a second
    assert time.monotonic() - started >= 2.3
