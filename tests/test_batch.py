"""Pipelines: concurrency, shared backoff, isolation of failures, cache, resume, Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import openai
import pytest
from typer.testing import CliRunner

from summarizer import (
    Article,
    ExtractionError,
    InputError,
    ResultCache,
    Summarizer,
    asummarize_articles,
    summarize_articles,
)
from summarizer._runs._results import ResultsFile, ResultsFormatError
from summarizer._runs._sources import read_articles
from summarizer.cli import app
from tests.fault_server import FaultServer
from tests.scenarios import SEED_ID, TEST_API_KEY, answer, article, error, fabricated_seed, gold

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "good")
ROOT = Path(__file__).resolve().parent.parent


def variant(n: int) -> str:
    """The seed with a distinct last line: a different article the same answer grounds in."""
    return f"{SEED}\n\nRef. {n}"


class CountingEndpoint:
    """Answers after ``delay`` seconds, recording how many requests were in flight."""

    def __init__(self, delay: float = 0.05, first: Any = None) -> None:
        self.delay = delay
        self.first = first
        self.in_flight = 0
        self.peak = 0
        self.starts: list[float] = []
        self._lock = threading.Lock()

    def reply(self, request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            self.starts.append(time.monotonic())
            index = len(self.starts) - 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            if index == 0 and self.first is not None:
                return self.first(request)  # type: ignore[no-any-return]
            time.sleep(self.delay)
            return GOOD(request)
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.mark.parametrize("concurrency", [1, 4])
def test_threads_respect_the_concurrency_bound(concurrency: int) -> None:
    endpoint = CountingEndpoint(delay=0.2)  # long enough that the workers surely overlap
    with FaultServer([endpoint.reply], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        results = list(
            summarize_articles(
                (variant(i) for i in range(10)), concurrency=concurrency, client=client
            )
        )
    assert len(results) == 10 and all(r.ok for r in results)
    assert endpoint.peak == concurrency
    assert len({r.id for r in results}) == 10


async def test_asyncio_respects_the_concurrency_bound() -> None:
    endpoint = CountingEndpoint(delay=0.2)
    with FaultServer([endpoint.reply], repeat_last=True) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=TEST_API_KEY) as client:
            results = [
                r
                async for r in asummarize_articles(
                    [Article(id=f"a{i}", text=variant(i)) for i in range(12)],
                    concurrency=3,
                    client=client,
                )
            ]
    assert sorted(r.id for r in results) == sorted(f"a{i}" for i in range(12))
    assert endpoint.peak == 3


async def test_one_429_slows_the_whole_batch() -> None:
    limited = error(429, "Rate limit reached", "requests", {"retry-after": "0.4"})
    endpoint = CountingEndpoint(delay=0.05, first=limited)
    with FaultServer([endpoint.reply], repeat_last=True) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=TEST_API_KEY) as client:
            results = [
                r
                async for r in asummarize_articles(
                    (variant(i) for i in range(8)), concurrency=4, client=client
                )
            ]
    assert all(r.ok for r in results)
    told_to_wait = endpoint.starts[0]
    later = endpoint.starts[4:]  # every request started after the first wave
    assert later and min(later) >= told_to_wait + 0.35


def test_failures_are_results_not_exceptions() -> None:
    script = {SEED: GOOD, variant(1): answer(fabricated_seed(), "fab")}

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        content = request["messages"][1]["content"]
        chosen = next(
            (r for text, r in script.items() if content.endswith(text + "\n</article>")), GOOD
        )
        return chosen(request)

    with FaultServer([reply], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        items = [
            {"id": "good", "text": SEED},
            {"id": "empty", "text": "   "},
            {"id": "fabricated", "text": variant(1)},
            {"id": "no-text"},
            42,
        ]
        results = {r.id: r for r in summarize_articles(items, client=client, max_reasks=1)}
    assert results["good"].ok
    assert isinstance(results["empty"].error, InputError)
    assert isinstance(results["fabricated"].error, ExtractionError)
    assert isinstance(results["no-text"].error, InputError)
    assert isinstance(results["item-4"].error, InputError)
    assert len(results) == 5


def test_cache_hits_and_misses(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    with FaultServer([GOOD], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        first = Summarizer(client=client, cache=cache).summarize(SEED)
        second = Summarizer(client=client, cache=cache).summarize(SEED)
        assert len(server.requests) == 1
        assert second.meta is not None and second.meta.cached and second.meta.attempts == 0
        assert second.quotes == first.quotes and second.article_text == SEED
        misses = [
            Summarizer(client=client, cache=cache, model="gpt-4o-mini").summarize(SEED),
            Summarizer(client=client, cache=cache, mode="json").summarize(SEED),
            Summarizer(client=client, cache=cache).summarize(SEED, published="2024-12-24"),
            Summarizer(client=client, cache=cache, temperature=0.0).summarize(SEED),
            Summarizer(client=client, cache=cache).summarize(variant(1)),
        ]
        assert len(server.requests) == 1 + len(misses)
        assert not any(m.meta and m.meta.cached for m in misses)
    assert len(cache) == 6


def test_cache_key_covers_prompt_and_schema() -> None:
    base = {
        "model": "m",
        "mode": "tools",
        "prompt_id": "article_summary",
        "prompt_version": "v1",
        "prompt_sha256": "a" * 64,
        "article": "text",
        "published": None,
        "temperature": None,
    }
    key = ResultCache.key(**base)  # type: ignore[arg-type]
    assert ResultCache.key(**{**base, "prompt_version": "v2"}) != key  # type: ignore[arg-type]
    assert ResultCache.key(**{**base, "prompt_sha256": "b" * 64}) != key  # type: ignore[arg-type]
    assert ResultCache.key(**base) == key  # type: ignore[arg-type]


def test_cache_is_safe_under_concurrent_writers(tmp_path: Path) -> None:
    with FaultServer([GOOD], repeat_last=True) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        summary = Summarizer(client=client).summarize(SEED)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        cache = ResultCache(tmp_path)
        try:
            for i in range(30):
                cache.put(f"key-{i % 10}", summary)
                cache.put(f"own-{worker}-{i}", summary)
                assert cache.get(f"key-{i % 10}") is not None
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ResultCache(tmp_path)) == 10 + 6 * 30


def write_inputs(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"article-{i:02d}.txt").write_text(variant(i), encoding="utf-8")
    return folder


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_cli(args: list[str], server: FaultServer, cache: Path) -> Any:
    env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
    return CliRunner().invoke(app, [*args, "--cache-dir", str(cache)], env=env)


def test_cli_batch_then_cached_rerun_makes_no_requests(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in", 5)
    with FaultServer([GOOD], repeat_last=True) as server:
        first = run_cli(
            ["batch", str(inputs), "-o", str(tmp_path / "a.jsonl")], server, tmp_path / "c"
        )
        assert first.exit_code == 0, first.output
        assert len(server.requests) == 5
        again = run_cli(
            ["batch", str(inputs), "-o", str(tmp_path / "b.jsonl")], server, tmp_path / "c"
        )
        assert again.exit_code == 0, again.output
        assert len(server.requests) == 5  # all five from the cache
    records = lines(tmp_path / "b.jsonl")
    assert sorted(r["id"] for r in records) == [f"article-{i:02d}" for i in range(5)]
    assert all(r["status"] == "ok" and r["meta"]["cached"] for r in records)
    assert "Batch finished" in again.output


def test_cli_resume_after_a_torn_line_yields_each_id_once(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in", 6)
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        run_cli(["batch", str(inputs), "-o", str(output), "--no-cache"], server, tmp_path / "c")
        kept = output.read_text(encoding="utf-8").splitlines(keepends=True)[:3]
        output.write_text("".join(kept) + kept[0][:57], encoding="utf-8")  # a crash mid-line
        before = len(server.requests)
        result = run_cli(
            ["batch", str(inputs), "-o", str(output), "--no-cache"], server, tmp_path / "c"
        )
        assert result.exit_code == 0, result.output
        assert len(server.requests) - before == 3
    assert "Repaired a torn last line" in result.output
    ids = [r["id"] for r in lines(output)]
    assert sorted(ids) == [f"article-{i:02d}" for i in range(6)]


def test_cli_retry_failed_reruns_only_failures(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in", 3)
    (inputs / "broken.txt").write_text("  ", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        first = run_cli(
            ["batch", str(inputs), "-o", str(output), "--no-cache"], server, tmp_path / "c"
        )
        assert first.exit_code == 1  # one article failed
        assert [r["status"] for r in lines(output)].count("error") == 1
        plain = run_cli(
            ["batch", str(inputs), "-o", str(output), "--no-cache"], server, tmp_path / "c"
        )
        assert plain.exit_code == 0 and len(lines(output)) == 4  # failures are not rerun
        (inputs / "broken.txt").write_text(variant(9), encoding="utf-8")
        retried = run_cli(
            ["batch", str(inputs), "-o", str(output), "--no-cache", "--retry-failed"],
            server,
            tmp_path / "c",
        )
        assert retried.exit_code == 0, retried.output
    records = lines(output)
    assert sorted(r["id"] for r in records) == ["article-00", "article-01", "article-02", "broken"]
    assert all(r["status"] == "ok" for r in records)
    failed_line = next(r for r in lines(output) if r["id"] == "broken")
    assert failed_line["summary"]["article_text"] == variant(9)


def test_cli_shards_partition_the_input(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in", 9)
    with FaultServer([GOOD], repeat_last=True) as server:
        for i in (1, 2, 3):
            result = run_cli(
                ["batch", str(inputs), "-o", str(tmp_path / "out.jsonl"), "--shard", f"{i}/3"],
                server,
                tmp_path / "c",
            )
            assert result.exit_code == 0, result.output
    ids = [r["id"] for r in lines(tmp_path / "out.jsonl")]
    assert sorted(ids) == [f"article-{i:02d}" for i in range(9)]


def test_cli_batch_reads_jsonl_and_html(tmp_path: Path) -> None:
    records = tmp_path / "in.jsonl"
    records.write_text(
        json.dumps({"id": "r1", "text": SEED, "url": "https://example.org/1"})
        + "\n"
        + "{not json\n",
        encoding="utf-8",
    )
    found = list(read_articles(records))
    assert found[0].id == "r1" and isinstance(found[0], Article) and found[0].url
    assert found[1].id == "line-2" and isinstance(found[1].error, InputError)  # type: ignore[union-attr]
    page = tmp_path / "page.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in SEED.split("\n\n"))
    page.write_text(f"<html><body><nav>Menu</nav><article>{paragraphs}</article></body></html>")
    [html_article] = list(read_articles(page))
    assert isinstance(html_article, Article)
    assert "There have been no real impulses so far" in html_article.text
    assert "Menu" not in html_article.text


def test_html_without_trafilatura_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>text</p></body></html>")
    [problem] = list(read_articles(page))
    assert "pip install 'summarizer[html]'" in str(problem.error)  # type: ignore[union-attr]


def test_cli_missing_key_stops_the_batch_without_recording(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in", 2)
    result = CliRunner().invoke(
        app, ["batch", str(inputs), "-o", str(tmp_path / "o.jsonl"), "--no-cache"], env={}
    )
    assert result.exit_code == 2 and "OPENAI_API_KEY" in result.output
    assert not (tmp_path / "o.jsonl").exists() or lines(tmp_path / "o.jsonl") == []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_batch_finishes_on_rerun_with_each_id_once(tmp_path: Path, sig: int) -> None:
    inputs = write_inputs(tmp_path / "in", 12)
    output = tmp_path / "out.jsonl"
    slow = CountingEndpoint(delay=0.4)
    with FaultServer([slow.reply], repeat_last=True) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))},
            "OPENAI_API_KEY": TEST_API_KEY,
            "OPENAI_BASE_URL": server.base_url,
        }
        command = [
            sys.executable,
            "-m",
            "summarizer",
            "batch",
            str(inputs),
            "-o",
            str(output),
            "--concurrency",
            "2",
            "--no-cache",
        ]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if output.exists() and len(output.read_text().splitlines()) >= 3:
                break
            time.sleep(0.05)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=30)
        if sig == signal.SIGINT:
            assert process.returncode == 130, stderr
            assert "Batch interrupted" in stderr and "left to do" in stderr
        else:
            assert process.returncode == -signal.SIGKILL
        partial = output.read_text(encoding="utf-8")
        complete = partial[: partial.rfind("\n") + 1]
        assert all(json.loads(line)["status"] == "ok" for line in complete.splitlines())
        assert 3 <= len(complete.splitlines()) < 12
        slow.delay = 0.0
        finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert finished.returncode == 0, finished.stderr
    ids = [json.loads(line)["id"] for line in output.read_text().splitlines()]
    assert sorted(ids) == [f"article-{i:02d}" for i in range(12)]


def test_results_file_names_a_garbage_line(tmp_path: Path) -> None:
    """One policy for every reader: a malformed line (not a torn last one) is named."""
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "a", "status": "error"}\nnot json\n{"id": "b", "status": "error"}\n')
    with pytest.raises(ResultsFormatError, match=r"r\.jsonl line 2 is not JSON") as caught:
        ResultsFile(path)
    assert caught.value.line == 2
    path.write_text('{"id": "a", "status": "error"}\n{"id": "b", "status": "error"}\n')
    assert ResultsFile(path).done == {"a": "error", "b": "error"}


def test_asyncio_consumer_cancellation_cancels_requests_in_flight() -> None:
    endpoint = CountingEndpoint(delay=3.0)

    async def consume_one() -> float:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=TEST_API_KEY) as client:
            stream = asummarize_articles(
                (variant(i) for i in range(100)), concurrency=4, client=client
            )
            task = asyncio.ensure_future(anext(stream))
            deadline = time.monotonic() + 20
            while endpoint.in_flight < 1 and time.monotonic() < deadline:  # noqa: ASYNC110 (set by a server thread)
                await asyncio.sleep(0.02)  # wait until requests are really in flight
            cancelled_at = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await stream.aclose()  # type: ignore[attr-defined]
            return time.monotonic() - cancelled_at

    with FaultServer([endpoint.reply], repeat_last=True) as server:
        after_cancel = asyncio.run(consume_one())
        assert endpoint.peak >= 1
        assert after_cancel < 1.5  # did not wait for the 3 s answers
        assert 1 <= len(server.requests) <= 4  # the input was pulled lazily
