"""``summarizer batch``, ``batch-status``, ``batch-collect``: many articles, resumable JSONL.

The commands turn options into calls of the public batch API and the Batch API module, and
render progress with rich; the results file itself belongs to :mod:`summarizer._runs._results`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from summarizer import ray as ray_engine
from summarizer._cache import ResultCache
from summarizer._meta import Usage
from summarizer._models import estimated_cost
from summarizer._passes import refuse_batch_api
from summarizer._runs._batch import Article, BatchResult, asummarize_articles, check_limits
from summarizer._runs._estimate import RunEstimate
from summarizer._runs._openai_batch import (
    BatchJob,
    batch_requests,
    batch_status as batch_status_of,
    collect_batch,
    submit_requests,
    wait_for_batch,
)
from summarizer._runs._results import ResultRecord, ResultsFile
from summarizer._runs._sources import HTML_SUFFIXES, TEXT_SUFFIXES, InputProblem, read_articles
from summarizer._settings import DEFAULT_MAX_HTML_BYTES, over_limit
from summarizer._summarizer import Summarizer
from summarizer._views._render import plain
from summarizer.cli._common import (
    OutputOption,
    PollIntervalOption,
    ShardOption,
    err_console,
    failures,
    settings_options,
)
from summarizer.errors import ConfigurationError, InputError, SummarizerError

__all__ = [
    "BatchInput",
    "BatchStats",
    "RunLimits",
    "batch",
    "batch_collect",
    "batch_status",
    "parse_shard",
    "run_batch",
    "run_ray_batch",
]


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

    model: str
    total: int | None = None
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    cached: int = 0
    usage: Usage = field(default_factory=Usage)
    started: float = field(default_factory=time.monotonic)
    interrupted: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.ok + self.failed

    @property
    def cost(self) -> float | None:
        """Estimated US dollars so far (None for a model without a known price)."""
        return estimated_cost(self.model, self.usage)

    def cost_text(self) -> str:
        return "unknown model" if self.cost is None else f"${self.cost:.4f}"

    def left(self) -> int | None:
        if self.total is None:
            return None
        return max(self.total - self.skipped - self.done, 0)

    def add(self, result: BatchResult | ResultRecord) -> None:
        record = result if isinstance(result, ResultRecord) else ResultRecord.of(result)
        if record.ok:
            self.ok += 1
        else:
            self.failed += 1
            error = record.error
            message = f"{error.type}: {error.message}" if error is not None else "failed"
            self.failures.append((record.id, message))
        self.cached += int(record.meta.get("cached") is True)
        usage = record.meta.get("usage")
        if isinstance(usage, dict):
            self.usage += Usage.model_validate(usage)

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
            ("tokens in / out", f"{self.usage.input_tokens} / {self.usage.output_tokens}"),
            ("estimated cost", self.cost_text()),
            ("wall time", f"{elapsed:.1f} s"),
            ("rate", f"{self.done / elapsed:.2f} articles/s" if elapsed > 0 else "-"),
        ]
        for name, value in rows:
            table.add_row(name, value)
        return table


def _selected(
    job: BatchInput,
    results: ResultsFile,
    stats: BatchStats,
) -> Iterator[Article]:
    """Articles still to do; unreadable items are written as errors on the way.

    Every id of the input is distinct (:func:`read_articles` refuses an input where two
    articles would share one), so nothing is skipped for its id alone.
    """
    for item in job.read():
        if not in_shard(item.id, job.shard):
            continue
        if item.id in results.done:
            stats.skipped += 1
            continue
        if isinstance(item, InputProblem):
            result = BatchResult(id=item.id, error=item.error)
            results.append(result)
            stats.add(result)
            continue
        yield item


def _is_same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # hard and symbolic links too
    except OSError:  # one of them does not exist yet
        return a.resolve() == b.resolve()


@dataclass(frozen=True)
class BatchInput:
    """What a batch reads and where it writes: the same for every engine.

    ``max_html_bytes`` bounds the HTML pages read; ``max_requests``, when set, refuses a run
    whose estimate (:meth:`open`) needs more requests.

    Raises:
        InputError: The results would be written into the input (the same file, or a file
            of the input folder that would be read as an article).
    """

    path: str
    output: Path
    shard: tuple[int, int] | None = None
    retry_failed: bool = False
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES
    max_requests: int | None = None

    def __post_init__(self) -> None:
        source, output = Path(self.path), Path(self.output)
        if _is_same_file(source, output):
            raise InputError(f"the results would be appended to the input {self.path}: give -o")
        if (
            source.is_dir()
            and output.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES
            and output.resolve().is_relative_to(source.resolve())
        ):
            raise InputError(
                f"the results file {self.output} would be read as an article of {self.path}: "
                "give -o a .jsonl file or a path outside the folder"
            )

    def read(self) -> Iterator[Article | InputProblem]:
        """Every item of the input, read lazily."""
        return read_articles(self.path, max_html_bytes=self.max_html_bytes)

    def open(
        self, summarizer: Summarizer, console: Console, *, batch_api: bool = False
    ) -> tuple[ResultsFile, BatchStats]:
        """The results file, resumed (torn tail cut, failures dropped if asked), and stats.

        Before anything is sent or written, the run's estimate is printed in one line
        (:meth:`estimate`), and checked against ``max_requests``.

        Raises:
            InputError: The estimate is over ``max_requests``: nothing was sent.
        """
        results = ResultsFile(self.output)
        if results.repaired:
            err_console.print(
                Text("Repaired a torn last line in the results file.", style="yellow")
            )
        estimate = self.estimate(summarizer, results)
        console.print(plain(estimate.line(batch_api=batch_api)), soft_wrap=True)
        if self.max_requests is not None and estimate.requests > self.max_requests:
            found = f"the run needs about {estimate.requests:,} requests"
            raise InputError(over_limit(found, self.max_requests, "max_requests"))
        if self.retry_failed and (dropped := results.drop_failed()):
            console.print(f"Retrying {dropped} failed article(s).")
        return results, BatchStats(model=summarizer.model, total=estimate.total)

    def estimate(self, summarizer: Summarizer, results: ResultsFile) -> RunEstimate:
        """What the run would send: a pass over the input, planning each article to do.

        The input is read once more for it (an HTML page is extracted twice); only counts
        are kept, so memory does not grow with the input.
        """
        estimate = RunEstimate(model=summarizer.model)
        for item in self.read():
            if not in_shard(item.id, self.shard):
                continue
            estimate.total += 1
            status = results.done.get(item.id)
            if status is not None and (status == "ok" or not self.retry_failed):
                estimate.skipped += 1
            elif isinstance(item, InputProblem):
                estimate.unreadable += 1
            else:
                estimate.add(summarizer, item.text, item.published)
        return estimate

    def pending(self, results: ResultsFile, stats: BatchStats) -> Iterator[Article]:
        """The articles still to do (see :func:`_selected`)."""
        return _selected(self, results, stats)


def _status(stats: BatchStats) -> str:
    elapsed = max(time.monotonic() - stats.started, 1e-9)
    cost = "?" if stats.cost is None else f"${stats.cost:.4f}"
    return (
        f"ok {stats.ok} · failed {stats.failed} · {stats.done / elapsed:.1f}/s · "
        f"{stats.usage.total_tokens} tokens · {cost}"
    )


@dataclass(frozen=True)
class RunLimits:
    """The limits of one run, from ``--concurrency``, ``--rpm`` and ``--tpm``.

    Raises:
        ConfigurationError: A limit is not a whole number >= 1 (the library's own check).
    """

    concurrency: int = 8
    rpm: int | None = None
    tpm: int | None = None

    def __post_init__(self) -> None:
        check_limits(self.concurrency, self.rpm, self.tpm)


def _progress(label: str, console: Console, *, remaining: bool) -> Progress:
    """The progress bar of a run: what it does, done/total, the last status, time."""
    columns = [
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}", markup=False),
        TimeElapsedColumn(),
    ]
    if remaining:  # a batch on the Batch API has no meaningful estimate
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console, transient=False)


class _Recorder:
    """Writes each result as it comes, and shows the progress bar of a run."""

    def __init__(self, results: ResultsFile, stats: BatchStats, progress: Progress) -> None:
        self.results, self.stats, self.progress = results, stats, progress
        self.task = progress.add_task("batch", total=stats.total, status="")
        progress.update(self.task, completed=stats.skipped)

    def write(self, result: BatchResult | ResultRecord) -> None:
        """Append one result; a configuration error (no key, rejected key) stops the run."""
        record = result if isinstance(result, ResultRecord) else ResultRecord.of(result)
        if isinstance(result, BatchResult) and isinstance(result.error, ConfigurationError):
            raise result.error
        if record.error is not None and record.error.type == "ConfigurationError":
            raise ConfigurationError(record.error.message)
        if record.id in self.results.done:
            return  # a row delivered twice (a rerun of a worker's batch) is written once
        self.results.append(record)
        self.stats.add(record)
        done = self.stats.skipped + self.stats.done
        self.progress.update(self.task, completed=done, status=_status(self.stats))


def run_batch(
    job: BatchInput, summarizer: Summarizer, *, limits: RunLimits, console: Console
) -> BatchStats:
    """Run (or resume) a batch; Ctrl-C stops cleanly and the stats say what is left."""
    results, stats = job.open(summarizer, console)

    async def consume(recorder: _Recorder) -> None:
        try:
            async for result in asummarize_articles(
                job.pending(results, stats),
                concurrency=limits.concurrency,
                rpm=limits.rpm,
                tpm=limits.tpm,
                summarizer=summarizer,
            ):
                recorder.write(result)
        finally:
            await summarizer.aclose()  # the default client lives in this event loop

    with _progress("summarising", console, remaining=True) as progress:
        try:
            asyncio.run(consume(_Recorder(results, stats, progress)))
        except KeyboardInterrupt:
            stats.interrupted = True
    return stats


def run_ray_batch(
    job: BatchInput,
    summarizer: Summarizer,
    *,
    limits: RunLimits,
    address: str | None,
    workers: int | None,
    console: Console,
) -> BatchStats:
    """The same on a Ray cluster (local unless ``address``): rows are written as they arrive."""
    results, stats = job.open(summarizer, console)
    articles = list(job.pending(results, stats))
    if not articles:
        return stats
    ray_engine.init(address)
    ray_engine.quiet()
    try:
        output = ray_engine.summarize_dataset(
            ray_engine.dataset_of(articles),
            concurrency=limits.concurrency,
            rpm=limits.rpm,
            tpm=limits.tpm,
            workers=workers,
            summarizer=summarizer,
        )
        with _progress("summarising", console, remaining=True) as progress:
            recorder = _Recorder(results, stats, progress)
            for record in ray_engine.records(output):
                recorder.write(record)
    except KeyboardInterrupt:
        stats.interrupted = True
    finally:
        ray_engine.shutdown()
    return stats


def _cached_or_pending(
    summarizer: Summarizer, articles: Iterator[Article], results: ResultsFile, stats: BatchStats
) -> list[Article]:
    """Write cache hits at once; return the articles that still need the provider."""
    pending = []
    for item in articles:
        try:
            hit = summarizer.cached(item.text, item.published)
        except SummarizerError:  # it cannot be sent either: batch_requests records why
            hit = None
        if hit is None:
            pending.append(item)
            continue
        result = BatchResult.of(item, summary=hit)
        results.append(result)
        stats.add(result)
    return pending


def submit_openai_batch(
    job: BatchInput, summarizer: Summarizer, *, console: Console
) -> tuple[BatchJob | None, list[Article], ResultsFile, BatchStats]:
    """Resume bookkeeping, cache hits, then one Batch API job for everything else.

    An article whose request cannot be built (a bad ``published``) is written as an error
    result, as in-process; the others are submitted.
    """
    refuse_batch_api(summarizer.settings.passes)  # before the results file is touched
    results, stats = job.open(summarizer, console, batch_api=True)
    articles = list(job.pending(results, stats))
    pending = _cached_or_pending(summarizer, iter(articles), results, stats)
    requests = batch_requests(summarizer, pending)
    for refused in requests.refused:
        results.append(refused)
        stats.add(refused)
    if not requests.articles:
        return None, [], results, stats
    submitted = submit_requests(summarizer, requests)
    count = f" with {submitted.requests} request(s)."
    console.print(Text.assemble("Submitted batch ", plain(submitted.id, "bold"), count))
    return submitted, requests.articles, results, stats


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
    refuse_batch_api(summarizer.settings.passes)
    with _progress("batch", console, remaining=False) as progress:
        task = progress.add_task("batch", total=len(articles), status="")

        def show(batch: Any) -> None:
            counts = batch.request_counts
            done = (counts.completed + counts.failed) if counts else 0
            progress.update(task, completed=done, status=plain(batch.status).plain)

        try:
            wait_for_batch(summarizer, job_id, poll_interval=poll_interval, on_update=show)
        except KeyboardInterrupt:
            stats.interrupted = True
            console.print(
                plain(f"Stopped waiting; collect later with: summarizer batch-collect {job_id}")
            )
            return stats
    for result in collect_batch(summarizer, job_id, articles):
        results.append(result)
        stats.add(result)
        if result.summary is not None:
            summarizer.store(result.summary)
    if stats.failed:
        console.print(
            f"{stats.failed} result(s) failed; rerun with --retry-failed to retry them in-process."
        )
    return stats


def pending_articles(job: BatchInput) -> list[Article]:
    """The articles of the input not yet in the results file (for batch-collect)."""
    return list(job.pending(ResultsFile(job.output), BatchStats(model="")))


def _finish_batch(stats: BatchStats, console: Console) -> None:
    console.print(stats.table())
    for ident, message in stats.failures[:10]:
        console.print(Text.assemble(("failed", "red"), plain(f" {ident}: {message}")))
    if stats.interrupted:
        console.print("Interrupted: rerun the same command to finish the rest.")
        raise typer.Exit(code=130)
    if stats.failed:
        raise typer.Exit(code=1)


@settings_options
def batch(
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="Folder of .txt/.md/.html files, or a JSONL.")
    ],
    output: OutputOption,
    concurrency: Annotated[
        int, typer.Option(help="HTTP requests in flight at once, in all (chunks too).")
    ] = 8,
    rpm: Annotated[
        int | None, typer.Option(help="Requests per minute, evenly spaced (all workers).")
    ] = None,
    tpm: Annotated[
        int | None,
        typer.Option(help="Estimated tokens per minute, input and answer (all workers)."),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run again the ids that failed before.")
    ] = False,
    shard: ShardOption = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the result cache.")] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Cache folder (default: SUMMARIZER_CACHE_DIR or user cache)."),
    ] = None,
    via: Annotated[
        str, typer.Option(help="inprocess (concurrent requests) or openai-batch (Batch API).")
    ] = "inprocess",
    engine: Annotated[
        str, typer.Option(help="inprocess (this process) or ray (a Ray cluster; the ray extra).")
    ] = "inprocess",
    address: Annotated[
        str | None, typer.Option(help="With --engine ray: an existing cluster (default: local).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="With --engine ray: worker actors (default 2).")
    ] = None,
    submit_only: Annotated[
        bool, typer.Option("--submit-only", help="With --via openai-batch: submit and exit.")
    ] = False,
    poll_interval: PollIntervalOption = 30.0,
    max_requests: Annotated[
        int | None,
        typer.Option(min=0, help="Refuse the run if its estimate needs more requests than this."),
    ] = None,
    *,
    options: dict[str, Any],
) -> None:
    """Summarise many articles concurrently into a resumable JSONL file.

    Rerunning the same command skips the ids already in the output, so a crash or Ctrl-C
    loses nothing. The estimated requests (and cost, for a known model) are printed first.
    """
    console = Console(stderr=True, highlight=False)
    with failures():
        _check_engine(via, engine, address, workers)
        limits = RunLimits(concurrency, rpm, tpm)
        summarizer = Summarizer(cache=None if no_cache else ResultCache(cache_dir), **options)
        job = BatchInput(
            input_path,
            output,
            parse_shard(shard),
            retry_failed,
            max_html_bytes=summarizer.settings.max_html_bytes,
            max_requests=max_requests,
        )
        if engine == "ray":
            stats = run_ray_batch(
                job, summarizer, limits=limits, address=address, workers=workers, console=console
            )
        elif via == "inprocess":
            stats = run_batch(job, summarizer, limits=limits, console=console)
        elif (found := _openai_batch(job, summarizer, submit_only, poll_interval, console)) is None:
            return
        else:
            stats = found
    _finish_batch(stats, console)


def _check_engine(via: str, engine: str, address: str | None, workers: int | None) -> None:
    """Refuse an unknown ``--via``/``--engine`` or options that do not go together."""
    if via not in ("inprocess", "openai-batch"):
        raise InputError(f"--via takes inprocess or openai-batch, got {via!r}")
    if engine not in ("inprocess", "ray"):
        raise InputError(f"--engine takes inprocess or ray, got {engine!r}")
    if engine != "ray" and (address or workers):
        raise InputError("--address and --workers go with --engine ray")
    if engine == "ray" and via != "inprocess":
        raise InputError("--engine ray sends requests itself: it does not go with --via")


def _openai_batch(
    job: BatchInput,
    summarizer: Summarizer,
    submit_only: bool,
    poll_interval: float,
    console: Console,
) -> BatchStats | None:
    """``--via openai-batch``: submit, then wait and collect (None: submitted only)."""
    submitted, pending, results, stats = submit_openai_batch(job, summarizer, console=console)
    if submitted is not None and submit_only:
        console.print(
            plain(
                f"Check it with: summarizer batch-status {submitted.id}\n"
                f"Collect it with: summarizer batch-collect {submitted.id} {job.path} "
                f"-o {job.output}"
            )
        )
        return None
    if submitted is not None:
        collect_openai_batch(
            submitted.id,
            pending,
            results,
            stats,
            summarizer,
            poll_interval=poll_interval,
            console=console,
        )
    return stats


@settings_options
def batch_status(
    batch_id: Annotated[str, typer.Argument(help="The id printed by --submit-only.")],
    *,
    options: dict[str, Any],
) -> None:
    """Show the state of a Batch API job."""
    with failures():
        job = batch_status_of(Summarizer(**options), batch_id)
    counts = job.request_counts
    table = Table("batch", "status", "completed", "failed", "total")
    table.add_row(
        plain(job.id),
        plain(job.status),
        plain(counts.completed if counts else "?"),
        plain(counts.failed if counts else "?"),
        plain(counts.total if counts else "?"),
    )
    Console().print(table)


@settings_options
def batch_collect(
    batch_id: Annotated[str, typer.Argument(help="The id printed by --submit-only.")],
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="The input it was built from.")
    ],
    output: OutputOption,
    shard: ShardOption = None,
    poll_interval: PollIntervalOption = 30.0,
    *,
    options: dict[str, Any],
) -> None:
    """Wait for a Batch API job, validate its answers and append them to the results.

    A long article is merged from the chunks it was submitted in (its request ids name
    them), whatever chunk budget this run has.
    """
    console = Console(stderr=True, highlight=False)
    with failures():
        summarizer = Summarizer(**options)
        job = BatchInput(
            input_path,
            output,
            parse_shard(shard),
            max_html_bytes=summarizer.settings.max_html_bytes,
        )
        articles = pending_articles(job)
        stats = BatchStats(model=summarizer.model, total=len(articles))
        collect_openai_batch(
            batch_id,
            articles,
            ResultsFile(job.output),
            stats,
            summarizer,
            poll_interval=poll_interval,
            console=console,
        )
    _finish_batch(stats, console)
