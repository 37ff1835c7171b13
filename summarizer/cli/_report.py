"""``summarizer report``: results or a summary in, one self-contained HTML file out."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from summarizer._files import write_replacing
from summarizer._runs._results import parse_report_input
from summarizer._views._render import terminal_text
from summarizer._views._report import entries_to_html
from summarizer.cli._common import failures, read_input
from summarizer.errors import InputError

__all__ = ["report"]

_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate (a JSON ``\\ud800`` escape in an id or a text) cannot be written as
UTF-8: the page shows U+FFFD in its place."""


def report(
    path: Annotated[
        str,
        typer.Argument(
            metavar="PATH",
            help="A results JSONL (summarizer batch), a summary JSON (summarize --json), "
            "or - for standard input.",
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="HTML file to write; default: PATH with the suffix .html; - for standard output.",
        ),
    ] = None,
) -> None:
    """Write an HTML report: the summary beside the article, quotes highlighted.

    One summary gives one page; many results give an index with a section per article.
    The file is self-contained (no network) and opens from disk in any browser.
    """
    with failures():
        text, source = read_input(path)
        entries = parse_report_input(text, source)
        if not entries:
            raise InputError(f"{source} holds no results")
        html = _SURROGATE.sub("\ufffd", entries_to_html(entries))
        target = output or ("-" if path == "-" else str(Path(path).with_suffix(".html")))
        if target != "-" and path != "-" and Path(target).resolve() == Path(path).resolve():
            raise InputError(f"the report would overwrite its input {path}: give -o")
        if target == "-":
            sys.stdout.write(html)
            return
        try:
            write_replacing(target, html)
        except OSError as exc:
            raise InputError(f"cannot write {target}: {exc}") from exc
    ok = sum(1 for e in entries if e.ok)
    failed = len(entries) - ok
    typer.echo(
        terminal_text(
            f"wrote {target}: {ok} summar{'y' if ok == 1 else 'ies'}"
            + (f", {failed} failed" if failed else "")
        ),
        err=True,
    )
