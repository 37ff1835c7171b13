"""``summarizer corpus`` and ``summarizer export``: a batch's results as one story.

``corpus`` prints the linked view (people, meeting threads, stance threads) as text or
JSON, or writes it as one HTML page; ``export`` writes the joinable tables (Parquet or CSV).
Both read the results file through :mod:`summarizer._runs._results` (its one tolerance policy)
and leave the linking to :class:`summarizer.corpus.Corpus`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.text import Text

from summarizer._files import write_replacing
from summarizer._views._render import terminal_text
from summarizer.cli._common import JsonOption, failures
from summarizer.corpus import Corpus, WordChange
from summarizer.errors import InputError

__all__ = ["corpus", "export"]

ResultsArgument = Annotated[
    Path, typer.Argument(metavar="RESULTS", help="A results JSONL written by summarizer batch.")
]


def _load(path: Path) -> Corpus:
    found = Corpus.from_results(path)
    if not found.articles:
        raise InputError(f"{path} holds no summarised article")
    return found


def _text(found: Corpus) -> Text:
    """A short reading of the corpus for the terminal."""
    out = Text()
    dated = [a.published for a in found.articles if a.published]
    span = f", {min(dated)} to {max(dated)}" if dated else ""
    people = sum(1 for p in found.people if p.kind == "person")
    out.append(f"{len(found.articles)} articles{span}; {people} people, ", style="bold")
    out.append(f"{len(found.people)} sources in all\n\n", style="bold")
    out.append("Meeting threads\n", style="bold underline")
    t = terminal_text  # data from articles and models: text, control sequences removed
    for thread in found.meetings:
        out.append(t(f"  {' ↔ '.join(thread.participants)}"), style="bold")
        out.append(t(f" ({thread.location})\n") if thread.location else "\n")
        for event in thread.events:
            mark = "•" if event.changed else "·"
            out.append(f"    {mark} {event.published or 'undated'}  {event.status:<17} ")
            out.append(t(f"{event.article_id}\n"), style="dim")
    changed = [s for s in found.stances if s.changed]
    out.append(f"\nStance changes ({len(changed)})\n", style="bold underline")
    for stance in changed:
        out.append(t(f"  {stance.holder} on {stance.target}: "), style="bold")
        out.append(" → ".join(f"{e.polarity} ({e.published})" for e in stance.events) + "\n")
    differ = [s for s in found.statements if s.changed]
    out.append(f"\nStatements worded differently ({len(differ)})\n", style="bold underline")
    for statement in differ:
        first = statement.reports[0]
        out.append(t(f"  {statement.speaker}"), style="bold")
        out.append(t(f" (first: {first.outlet or first.article_id}, {first.published})\n"))
        for report in statement.reports[1:]:
            changes = "; ".join(_change(c) for c in report.changes) or "same words"
            out.append(t(f"    {report.outlet or report.article_id}: {changes}\n"))
    for skipped in found.skipped:
        out.append(t(f"\nleft out {skipped.id}: {skipped.error}"), style="red")
    return out


def _change(change: WordChange) -> str:
    if change.op == "changed":
        return f"{change.before!r} → {change.after!r}"
    return f"{change.op} {change.before or change.after!r}"


def corpus(
    results: ResultsArgument,
    as_json: JsonOption = False,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the HTML page (the JSON with --json) here; - for standard output.",
        ),
    ] = None,
) -> None:
    """Link many articles into one story: people, meeting threads, stance changes.

    Reads summarizer batch output. Prints a reading of it; --json prints JSON; -o writes
    one self-contained HTML page (timelines, people, stances, the articles), or the JSON
    with --json.
    """
    with failures():
        found = _load(results)
        if output is None and not as_json:
            Console(highlight=False).print(_text(found))
            return
        document = found.to_json() + "\n" if as_json else found.to_html()
        if output in (None, "-"):
            sys.stdout.write(document)
            return
        if Path(output).resolve() == results.resolve():
            raise InputError(f"the output would overwrite its input {results}: give another -o")
        try:
            write_replacing(output, document)
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc}") from exc
    typer.echo(
        terminal_text(
            f"wrote {output}: {len(found.articles)} articles, {len(found.meetings)} meeting threads"
        ),
        err=True,
    )


def export(
    results: ResultsArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the tables (created if needed).")
    ],
    format: Annotated[
        Literal["parquet", "csv"],
        typer.Option("--format", "-f", help="parquet (needs the export extra) or csv."),
    ] = "parquet",
    csv_escape: Annotated[
        bool,
        typer.Option(
            "--csv-escape/--no-csv-escape",
            help="CSV: a leading ' on cells starting with = + - @ (no live formula) and "
            "control characters shown as \\x1b; --no-csv-escape writes the data as it is.",
        ),
    ] = True,
) -> None:
    """Write joinable tables: articles, speakers, quotes, meetings, stances, statements.

    The meeting events are a table too. CSV is made safe for spreadsheets by default (see
    --no-csv-escape); Parquet keeps the data as it is.
    """
    with failures():
        written = _load(results).write_tables(output, format, csv_escape=csv_escape)
    for path in written:
        typer.echo(terminal_text(path), err=True)
