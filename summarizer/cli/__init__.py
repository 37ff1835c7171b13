"""The ``summarizer`` command: a thin layer over the public API.

One module per command group (``_summarize``, ``_batch``, ``_eval``, ``_report``,
``_corpus``, ``_prompts``); what they share (the error handler, the input reader, the common
options) is in ``_common``. Business logic stays in the library.
"""

from __future__ import annotations

import typer

from summarizer._version import __version__
from summarizer.cli._batch import batch, batch_collect, batch_status
from summarizer.cli._corpus import corpus, export
from summarizer.cli._eval import evaluate
from summarizer.cli._prompts import prompts_list, prompts_lock, prompts_show
from summarizer.cli._report import report
from summarizer.cli._summarize import summarize

__all__ = ["app", "main"]

app = typer.Typer(
    help="Structured, verifiable summaries of news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # an unexpected traceback never prints a key it held
)
prompts_app = typer.Typer(
    help="List and show the versioned prompts; lock a folder of your own.", no_args_is_help=True
)
app.add_typer(prompts_app, name="prompts")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_print_version,
        is_eager=True,
    ),
) -> None:
    """Structured, verifiable summaries of news articles."""


app.command()(summarize)
app.command()(batch)
app.command("batch-status")(batch_status)
app.command("batch-collect")(batch_collect)
app.command("eval")(evaluate)
app.command("report")(report)
app.command("corpus")(corpus)
app.command("export")(export)
prompts_app.command("list")(prompts_list)
prompts_app.command("show")(prompts_show)
prompts_app.command("lock")(prompts_lock)


def main() -> None:
    """Console-script entry point."""
    app()
