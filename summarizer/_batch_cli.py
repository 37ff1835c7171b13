"""The ``summarizer batch`` job: input → concurrent summaries → resumable JSONL, with progress.

Kept out of ``cli.py`` so the command stays a thin layer: this module turns options into
calls of the public batch API and renders progress with rich.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from summarizer._article import prepare_article
from summarizer._batch import Article, BatchResult, asummarize_articles
from summarizer._models import model_info
from summarizer._openai_batch import BatchJob, collect_batch, submit_batch, wait_for_batch
from summarizer._sources import InputProblem, ResultsFile, count_articles, read_articles
from summarizer._summarizer import Summarizer
from summarizer.errors import ConfigurationError, InputError

__all__ = ["BatchStats", "parse_shard", "run_batch"]


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """``"i/n"`` (1-based) → ``(i, n)``.

    Raises:
        InputError: Not of that form.
    """
    if not value:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError as exc:
        raise InputError(f"--shard takes i/n, e.g. 1/4, got {value!r}") from exc
    if not 1 <= index <= count:
        raise InputError(f"--shard {value}: i must be between 1 and n")
    return index, count


def in_shard(article_id: str, shard: tuple[int, int] | None) -> bool:
    """Stable assignment of ids to shards (by hash, so input order does not matter)."""
    if shard is None:
        return True
    index, count = shard
    return int(hashlib.sha256(article_id.encode()).hexdigest()[:12], 16) % count == index - 1


@dataclass
class BatchStats:
    """What a batch run did, for the progress line and the final table."""

    total: int | None = None
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    cached: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = 0.0
    started: float = field(default_factory=time.monotonic)
    interrupted: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.ok + self.failed

    def left(self) -> int | None:
        if self.total is None:
            return None
        return max(self.total - self.skipped - self.done, 0)

    def add(self, result: BatchResult, model: str) -> None:
        if result.ok:
            self.ok += 1
        else:
            self.failed += 1
            error = result.error
            self.failures.append((result.id, f"{type(error).__name__}: {error}"))
        meta = result.summary.meta if result.summary is not None else None
        if meta is None:
            return
        self.cached += int(meta.cached)
        self.input_tokens += meta.usage.input_tokens
        self.output_tokens += meta.usage.output_tokens
        info = model_info(model)
        if info is None or self.cost is None:
            self.cost = None
        else:
            self.cost += info.cost(
                meta.usage.input_tokens, meta.usage.output_tokens, meta.usage.cached_input_tokens
            )

    def table(self) -> Table:
        elapsed = time.monotonic() - self.started
        table = Table(title="Batch interrupted" if self.interrupted else "Batch finished")
        table.add_column("", style="bold")
        table.add_column("", justify="right")
        rows = [
            ("summarised", str(self.ok)),
            ("failed", str(self.failed)),
            ("from cache", str(self.cached)),
            ("already done (skipped)", str(self.skipped)),
            ("left to do", "?" if self.left() is None else str(self.left())),
            ("tokens in / out", f"{self.input_tokens} / {self.output_tokens}"),
            ("estimated cost", "unknown model" if self.cost is None else f"${self.cost:.4f}"),
            ("wall time", f"{elapsed:.1f} s"),
            ("rate", f"{self.done / elapsed:.2f} articles/s" if elapsed > 0 else "-"),
        ]
        for name, value in rows:
            table.add_row(name, value)
        return table


def _selected(
    path: str,
    results: ResultsFile,
    shard: tuple[int, int] | None,
    stats: BatchStats,
) -> Iterator[Article]:
    """Articles still to do; unreadable items are written as errors on the way."""
    seen: set[str] = set()
    for item in read_articles(path):
        if not in_shard(item.id, shard) or item.id in seen:
            continue
        seen.add(item.id)
        if item.id in results.done:
            stats.skipped += 1
            continue
        if isinstance(item, InputProblem):
            result = BatchResult(id=item.id, error=item.error)
            results.append(result)
            stats.add(result, "")
            continue
        yield item


def _total(path: str, shard: tuple[int, int] | None) -> int | None:
    if shard is None:
        return count_articles(path)
    return sum(1 for item in read_articles(path) if in_shard(item.id, shard))


def run_batch(
    input_path: str,
    output: Path,
    summarizer: Summarizer,
    *,
    concurrency: int,
    retry_failed: bool,
    shard: tuple[int, int] | None,
    console: Console,
) -> BatchStats:
    """Run (or resume) a batch; Ctrl-C stops cleanly and the stats say what is left."""
    results = ResultsFile(output)
    if results.repaired:
        console.print("[yellow]Repaired a torn last line in the results file.[/yellow]")
    if retry_failed and (dropped := results.drop_failed()):
        console.print(f"Retrying {dropped} failed article(s).")
    stats = BatchStats(total=_total(input_path, shard))
    columns = (
        TextColumn("[bold]summarising"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )

    async def consume(progress: Progress) -> None:
        todo = None if stats.total is None else stats.total
        task = progress.add_task("batch", total=todo, status="")
        progress.update(task, completed=stats.skipped)
        try:
            await consume_results(progress, task)
        finally:
            await summarizer.aclose()  # the default client lives in this event loop

    async def consume_results(progress: Progress, task: TaskID) -> None:
        async for result in asummarize_articles(
            _selected(input_path, results, shard, stats),
            concurrency=concurrency,
            summarizer=summarizer,
        ):
            if isinstance(result.error, ConfigurationError):
                raise result.error  # no key, rejected key, unknown model: stop, don't record
            results.append(result)
            stats.add(result, summarizer.model)
            elapsed = max(time.monotonic() - stats.started, 1e-9)
            cost = "?" if stats.cost is None else f"${stats.cost:.4f}"
            progress.update(
                task,
                completed=stats.skipped + stats.done,
                status=f"ok {stats.ok} · failed {stats.failed} · {stats.done / elapsed:.1f}/s · "
                f"{stats.input_tokens + stats.output_tokens} tokens · {cost}",
            )

    with Progress(*columns, console=console, transient=False) as progress:
        try:
            asyncio.run(consume(progress))
        except KeyboardInterrupt:
            stats.interrupted = True
    return stats


def _prepare(
    input_path: str,
    output: Path,
    retry_failed: bool,
    shard: tuple[int, int] | None,
    console: Console,
) -> tuple[ResultsFile, BatchStats]:
    results = ResultsFile(output)
    if results.repaired:
        console.print("[yellow]Repaired a torn last line in the results file.[/yellow]")
    if retry_failed and (dropped := results.drop_failed()):
        console.print(f"Retrying {dropped} failed article(s).")
    return results, BatchStats(total=_total(input_path, shard))


def _cached_or_pending(
    summarizer: Summarizer, articles: Iterator[Article], results: ResultsFile, stats: BatchStats
) -> list[Article]:
    """Write cache hits at once; return the articles that still need the provider."""
    pending = []
    for item in articles:
        hit = None
        if summarizer.cache is not None:
            key = summarizer._cache_key(prepare_article(item.text, item.published))
            hit = summarizer._cached(key, time.perf_counter())
        if hit is None:
            pending.append(item)
            continue
        result = BatchResult(id=item.id, summary=hit, source=item.source, url=item.url)
        results.append(result)
        stats.add(result, summarizer.model)
    return pending


def submit_openai_batch(
    input_path: str,
    output: Path,
    summarizer: Summarizer,
    *,
    retry_failed: bool,
    shard: tuple[int, int] | None,
    console: Console,
) -> tuple[BatchJob | None, list[Article], ResultsFile, BatchStats]:
    """Resume bookkeeping, cache hits, then one Batch API job for everything else."""
    results, stats = _prepare(input_path, output, retry_failed, shard, console)
    articles = list(_selected(input_path, results, shard, stats))
    pending = _cached_or_pending(summarizer, iter(articles), results, stats)
    if not pending:
        return None, [], results, stats
    job = submit_batch(summarizer, pending)
    console.print(f"Submitted batch [bold]{job.id}[/bold] with {job.requests} request(s).")
    return job, pending, results, stats


def collect_openai_batch(
    job_id: str,
    articles: list[Article],
    results: ResultsFile,
    stats: BatchStats,
    summarizer: Summarizer,
    *,
    poll_interval: float,
    console: Console,
) -> BatchStats:
    """Wait for the batch with a progress bar, then validate and write every result."""
    columns = (
        TextColumn("[bold]batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("batch", total=len(articles), status="")

        def show(batch: Any) -> None:
            counts = batch.request_counts
            done = (counts.completed + counts.failed) if counts else 0
            progress.update(task, completed=done, status=batch.status)

        try:
            wait_for_batch(summarizer, job_id, poll_interval=poll_interval, on_update=show)
        except KeyboardInterrupt:
            stats.interrupted = True
            console.print(f"Stopped waiting; collect later with: summarizer batch-collect {job_id}")
            return stats
    by_id = {article.id: article for article in articles}
    for result in collect_batch(summarizer, job_id, articles):
        results.append(result)
        stats.add(result, summarizer.model)
        article = by_id[result.id]
        key = summarizer._cache_key(prepare_article(article.text, article.published))
        if result.summary is not None and key is not None and summarizer.cache is not None:
            summarizer.cache.put(key, result.summary)
    if stats.failed:
        console.print(
            f"{stats.failed} result(s) failed; rerun with --retry-failed to retry them in-process."
        )
    return stats


def pending_articles(input_path: str, output: Path, shard: tuple[int, int] | None) -> list[Article]:
    """The articles of INPUT not yet in the results file (for batch-collect)."""
    results = ResultsFile(output)
    stats = BatchStats()
    return list(_selected(input_path, results, shard, stats))
