"""``summarizer summarize``: one article in, its summary printed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summarizer._api import summarize_article
from summarizer._escape import safe_json
from summarizer._render import render_summary, terminal_text
from summarizer._settings import Settings
from summarizer._sources import HTML_SUFFIXES, html_to_text
from summarizer.cli._common import (
    JsonOption,
    MarkdownOption,
    MaxArticleCharsOption,
    MaxChunksOption,
    MaxHtmlBytesOption,
    ModelOption,
    ModeOption,
    PromptVersionOption,
    failures,
    read_input,
)

__all__ = ["summarize"]


def summarize(
    path: Annotated[
        str, typer.Argument(help="Article file (.txt, .md or .html), or - for standard input.")
    ],
    as_json: JsonOption = False,
    markdown: MarkdownOption = False,
    published: Annotated[
        str | None, typer.Option(help="Publication date YYYY-MM-DD (default: the text's header).")
    ] = None,
    model: ModelOption = None,
    prompt_version: PromptVersionOption = None,
    mode: ModeOption = None,
    max_article_chars: MaxArticleCharsOption = None,
    max_chunks: MaxChunksOption = None,
    max_html_bytes: MaxHtmlBytesOption = None,
) -> None:
    """Summarise one article and print it as tables (or JSON)."""
    with failures():
        settings = Settings.from_env(
            model=model,
            prompt_version=prompt_version,
            mode=mode,
            max_article_chars=max_article_chars,
            max_chunks=max_chunks,
            max_html_bytes=max_html_bytes,
        )
        text, _ = read_input(path)
        if path != "-" and Path(path).suffix.lower() in HTML_SUFFIXES:
            text = html_to_text(text, Path(path).name, max_bytes=settings.max_html_bytes)
        summary = summarize_article(text, published=published, settings=settings)
    if as_json:  # the same value, with terminal controls and odd line breaks escaped
        typer.echo(safe_json(summary.model_dump_json(indent=2)))
    elif markdown:
        typer.echo(terminal_text(summary.to_markdown()))
    else:
        render_summary(summary)
