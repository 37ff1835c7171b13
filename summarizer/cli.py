"""The ``summarizer`` command: a thin layer over the public API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from summarizer._api import summarize_article
from summarizer._batch_cli import (
    BatchStats,
    collect_openai_batch,
    parse_shard,
    pending_articles,
    run_batch,
    submit_openai_batch,
)
from summarizer._cache import ResultCache
from summarizer._eval_cli import (
    ConfigResult,
    comparison_markdown,
    comparison_table,
    default_models,
    default_versions,
    predictions_name,
    run_configs,
)
from summarizer._openai_batch import batch_status
from summarizer._prompts import list_prompts, load_prompt
from summarizer._render import render_summary
from summarizer._replay import CassetteReplay
from summarizer._report_cli import report
from summarizer._sources import HTML_SUFFIXES, ResultsFile, html_to_text
from summarizer._summarizer import Summarizer
from summarizer.errors import ConfigurationError, InputError, SummarizerError
from summarizer.evaluation import load_gold, load_predictions, score_set

__all__ = ["app", "main"]

app = typer.Typer(
    help="Structured, verifiable summaries of news articles.",
    no_args_is_help=True,
    add_completion=False,
)
prompts_app = typer.Typer(help="List and show the versioned prompts.", no_args_is_help=True)
app.add_typer(prompts_app, name="prompts")

_err = Console(stderr=True)


def _fail(error: SummarizerError) -> typer.Exit:
    _err.print(
        f"[bold red]{type(error).__name__}[/bold red]: {error}", markup=True, highlight=False
    )
    return typer.Exit(code=2 if isinstance(error, ConfigurationError | InputError) else 1)


@app.command()
def summarize(
    path: Annotated[
        str, typer.Argument(help="Article file (.txt, .md or .html), or - for standard input.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the summary as Markdown.")
    ] = False,
    published: Annotated[
        str | None, typer.Option(help="Publication date YYYY-MM-DD (default: the text's header).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    prompt_version: Annotated[str | None, typer.Option(help="Prompt version, e.g. v1.")] = None,
    mode: Annotated[str | None, typer.Option(help="tools, json_schema, json or md_json.")] = None,
) -> None:
    """Summarise one article and print it as tables (or JSON)."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            try:
                text = Path(path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"cannot read {path}: {exc}") from exc
            if Path(path).suffix.lower() in HTML_SUFFIXES:
                text = html_to_text(text, Path(path).name)
        summary = summarize_article(
            text, published=published, model=model, prompt_version=prompt_version, mode=mode
        )
    except SummarizerError as error:
        raise _fail(error) from error
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
    elif markdown:
        typer.echo(summary.to_markdown())
    else:
        render_summary(summary)


@app.command()
def batch(
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="Folder of .txt/.md/.html files, or a JSONL.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Results JSONL (appended).")],
    concurrency: Annotated[int, typer.Option(min=1, help="Articles in flight at once.")] = 8,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run again the ids that failed before.")
    ] = False,
    shard: Annotated[
        str | None, typer.Option(help="Only shard i of n (e.g. 2/4), stable by id.")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the result cache.")] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Cache folder (default: SUMMARIZER_CACHE_DIR or user cache)."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    prompt_version: Annotated[str | None, typer.Option(help="Prompt version, e.g. v1.")] = None,
    mode: Annotated[str | None, typer.Option(help="tools, json_schema, json or md_json.")] = None,
    via: Annotated[
        str, typer.Option(help="inprocess (concurrent requests) or openai-batch (Batch API).")
    ] = "inprocess",
    submit_only: Annotated[
        bool, typer.Option("--submit-only", help="With --via openai-batch: submit and exit.")
    ] = False,
    poll_interval: Annotated[float, typer.Option(help="Seconds between Batch API polls.")] = 30.0,
) -> None:
    """Summarise many articles concurrently into a resumable JSONL file.

    Rerunning the same command skips the ids already in the output, so a crash or Ctrl-C
    loses nothing.
    """
    console = Console(stderr=True)
    try:
        shard_spec = parse_shard(shard)
        if via not in ("inprocess", "openai-batch"):
            raise InputError(f"--via takes inprocess or openai-batch, got {via!r}")
        summarizer = Summarizer(
            model=model,
            prompt_version=prompt_version,
            mode=mode,
            cache=None if no_cache else ResultCache(cache_dir),
        )
        if via == "openai-batch":
            job, pending, results, stats = submit_openai_batch(
                input_path,
                output,
                summarizer,
                retry_failed=retry_failed,
                shard=shard_spec,
                console=console,
            )
            if job is not None and submit_only:
                console.print(
                    f"Check it with: summarizer batch-status {job.id}\n"
                    f"Collect it with: summarizer batch-collect {job.id} {input_path} -o {output}"
                )
                return
            if job is not None:
                collect_openai_batch(
                    job.id,
                    pending,
                    results,
                    stats,
                    summarizer,
                    poll_interval=poll_interval,
                    console=console,
                )
            _finish_batch(stats, console)
            return
        stats = run_batch(
            input_path,
            output,
            summarizer,
            concurrency=concurrency,
            retry_failed=retry_failed,
            shard=shard_spec,
            console=console,
        )
    except SummarizerError as error:
        raise _fail(error) from error
    _finish_batch(stats, console)


def _finish_batch(stats: BatchStats, console: Console) -> None:
    console.print(stats.table())
    for ident, message in stats.failures[:10]:
        console.print(f"[red]failed[/red] {ident}: {message}", highlight=False)
    if stats.interrupted:
        console.print("Interrupted: rerun the same command to finish the rest.")
        raise typer.Exit(code=130)
    if stats.failed:
        raise typer.Exit(code=1)


@app.command("batch-status")
def batch_status_command(
    batch_id: Annotated[str, typer.Argument(help="The id printed by --submit-only.")],
) -> None:
    """Show the state of a Batch API job."""
    try:
        batch = batch_status(Summarizer(), batch_id)
    except SummarizerError as error:
        raise _fail(error) from error
    counts = batch.request_counts
    table = Table("batch", "status", "completed", "failed", "total")
    table.add_row(
        batch.id,
        batch.status,
        str(counts.completed if counts else "?"),
        str(counts.failed if counts else "?"),
        str(counts.total if counts else "?"),
    )
    Console().print(table)


@app.command("batch-collect")
def batch_collect_command(
    batch_id: Annotated[str, typer.Argument(help="The id printed by --submit-only.")],
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="The input it was built from.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Results JSONL (appended).")],
    shard: Annotated[str | None, typer.Option(help="The --shard it was submitted with.")] = None,
    poll_interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 30.0,
    model: Annotated[str | None, typer.Option(help="The model it was submitted with.")] = None,
    prompt_version: Annotated[str | None, typer.Option(help="Its prompt version.")] = None,
    mode: Annotated[str | None, typer.Option(help="Its mode.")] = None,
) -> None:
    """Wait for a Batch API job, validate its answers and append them to the results."""
    console = Console(stderr=True)
    try:
        summarizer = Summarizer(model=model, prompt_version=prompt_version, mode=mode)
        shard_spec = parse_shard(shard)
        articles = pending_articles(input_path, output, shard_spec)
        results = ResultsFile(output)
        stats = BatchStats(total=len(articles))
        collect_openai_batch(
            batch_id,
            articles,
            results,
            stats,
            summarizer,
            poll_interval=poll_interval,
            console=console,
        )
    except SummarizerError as error:
        raise _fail(error) from error
    _finish_batch(stats, console)


@app.command("eval")
def eval_command(
    gold_path: Annotated[Path, typer.Argument(metavar="GOLD", help="Gold JSONL file.")],
    predictions: Annotated[
        Path | None, typer.Option(help="Score this results JSONL (summarizer batch output).")
    ] = None,
    prompt_version: Annotated[
        list[str] | None, typer.Option(help="Run and compare these prompt versions.")
    ] = None,
    model: Annotated[list[str] | None, typer.Option(help="Run and compare these models.")] = None,
    replay: Annotated[
        list[Path] | None,
        typer.Option(help="Answer from these cassette files (or folders), not a live model."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table.")] = False,
) -> None:
    """Score extraction quality against gold annotations, for one or more configurations."""
    try:
        gold = load_gold(gold_path)
        if predictions is not None:
            results = [
                ConfigResult(
                    predictions_name(predictions), score_set(gold, load_predictions(predictions))
                )
            ]
        else:
            results = run_configs(
                gold,
                default_versions(prompt_version),
                default_models(model),
                CassetteReplay(replay) if replay else None,
            )
    except SummarizerError as error:
        raise _fail(error) from error
    except OSError as error:
        raise _fail(InputError(str(error))) from error
    if as_json:
        typer.echo(json.dumps({"configs": [r.as_dict() for r in results]}, indent=2))
    elif markdown:
        typer.echo(comparison_markdown(results))
    else:
        Console().print(comparison_table(results, f"{gold_path.name}: {len(gold)} article(s)"))


@prompts_app.command("list")
def prompts_list() -> None:
    """List prompt versions, marking the default."""
    default = load_prompt()
    table = Table("version", "released", "sha256", "description")
    for version in list_prompts():
        prompt = load_prompt(version)
        marker = " (default)" if version == default.version else ""
        table.add_row(
            version + marker,
            "yes" if prompt.spec.released else "no",
            prompt.sha256[:12],
            prompt.spec.description,
        )
    Console().print(table)


@prompts_app.command("show")
def prompts_show(
    version: Annotated[str | None, typer.Argument(help="Version (default: the default).")] = None,
) -> None:
    """Print one prompt file."""
    try:
        prompt = load_prompt(version)
    except SummarizerError as error:
        raise _fail(error) from error
    text = Path(prompt.path).read_text(encoding="utf-8")
    Console().print(Syntax(text, "yaml", word_wrap=True))


app.command("report")(report)


def main() -> None:
    """Console-script entry point."""
    app()
