"""``summarizer summarize``: one article in, its summary printed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from summarizer._api import summarize_article
from summarizer._escape import safe_json
from summarizer._runs._pages import read_page
from summarizer._runs._sources import HTML_SUFFIXES
from summarizer._settings import Settings
from summarizer._views._render import render_summary, terminal_text
from summarizer.cli._common import (
    JsonOption,
    MarkdownOption,
    failures,
    read_input,
    settings_options,
)

__all__ = ["summarize"]


@settings_options
def summarize(
    path: Annotated[
        str, typer.Argument(help="Article file (.txt, .md or .html), or - for standard input.")
    ],
    as_json: JsonOption = False,
    markdown: MarkdownOption = False,
    published: Annotated[
        str | None,
        typer.Option(
            help="Publication date YYYY-MM-DD (default: the page's own date, or the text's "
            "date header)."
        ),
    ] = None,
    *,
    options: dict[str, Any],
) -> None:
    """Summarise one article and print it as tables (or JSON)."""
    with failures():
        prompt = options.pop("prompt", None)
        settings = Settings.from_env(**options)
        text, _ = read_input(path)
        if path != "-" and Path(path).suffix.lower() in HTML_SUFFIXES:
            page = read_page(text, Path(path).name, max_bytes=settings.max_html_bytes)
            text = page.text
            if published is None and page.published is not None:  # the caller's date wins
                published = page.published.isoformat()
        summary = summarize_article(text, published=published, settings=settings, prompt=prompt)
    if as_json:  # the same value, with terminal controls and odd line breaks escaped
        typer.echo(safe_json(summary.model_dump_json(indent=2)))
    elif markdown:
        typer.echo(terminal_text(summary.to_markdown()))
    else:
        render_summary(summary)
