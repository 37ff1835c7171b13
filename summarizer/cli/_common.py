"""What every command shares: one error handler, one input reader, the common options.

Exit codes: 0 success, 1 a provider or extraction failure (or, for ``batch``, any failed
article), 2 a configuration or input error, 130 interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from summarizer import errors
from summarizer._render import plain
from summarizer.errors import ConfigurationError, InputError, SummarizerError

__all__ = [
    "JsonOption",
    "MarkdownOption",
    "MaxArticleCharsOption",
    "MaxChunksOption",
    "MaxHtmlBytesOption",
    "ModeOption",
    "ModelOption",
    "OutputOption",
    "PollIntervalOption",
    "PromptVersionOption",
    "ShardOption",
    "err_console",
    "exit_code",
    "failures",
    "read_input",
]

ModelOption = Annotated[str | None, typer.Option(help="Model name.")]
PromptVersionOption = Annotated[str | None, typer.Option(help="Prompt version, e.g. v1.")]
ModeOption = Annotated[str | None, typer.Option(help="tools, json_schema, json or md_json.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
MarkdownOption = Annotated[bool, typer.Option("--markdown", help="Print Markdown.")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="Results JSONL (appended).")]
ShardOption = Annotated[
    str | None, typer.Option(help="Only shard i of n (e.g. 2/4), stable by id.")
]
PollIntervalOption = Annotated[float, typer.Option(help="Seconds between Batch API polls.")]
MaxArticleCharsOption = Annotated[
    int | None,
    typer.Option(
        min=1, help="Longest article, in characters (default SUMMARIZER_MAX_ARTICLE_CHARS or 1e6)."
    ),
]
MaxChunksOption = Annotated[
    int | None,
    typer.Option(
        min=1, help="Most chunks (requests) per article (default SUMMARIZER_MAX_CHUNKS or 64)."
    ),
]
MaxHtmlBytesOption = Annotated[
    int | None,
    typer.Option(
        min=1, help="Largest HTML page parsed, in bytes (default SUMMARIZER_MAX_HTML_BYTES or 5e6)."
    ),
]

err_console = Console(stderr=True, highlight=False)
"""Where messages go: standard error, data printed as text (never as markup), through
:func:`summarizer._render.plain` (no control sequences)."""


def exit_code(error: BaseException) -> int:
    """2 for the caller's mistakes (configuration, input, files), 1 for the world's."""
    return 2 if isinstance(error, ConfigurationError | InputError | OSError) else 1


def _public_name(error: BaseException) -> str:
    """The name of the error's nearest public class (``InputError``, not a private subclass)."""
    for cls in type(error).__mro__:
        if cls.__name__ in errors.__all__:
            return cls.__name__
    return "Error"


@contextmanager
def failures() -> Iterator[None]:
    """Turn a library error (or a file error) into a one-line message and its exit code."""
    try:
        yield
    except (SummarizerError, OSError) as error:
        message = Text(_public_name(error), style="bold red")
        message.append(plain(f": {error}"))
        err_console.print(message)
        raise typer.Exit(code=exit_code(error)) from error


def read_input(path: str) -> tuple[str, str]:
    """The text of ``path`` (UTF-8, a BOM dropped), or of standard input for ``-``.

    Returns:
        The text and how to name its source in messages.

    Raises:
        InputError: The file cannot be read or is not UTF-8.
    """
    if path == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        source = "standard input"
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc}") from exc
        source = path
    if isinstance(data, str):  # a text stream: undecodable bytes come as lone surrogates
        try:
            data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(f"{source} is not UTF-8 text (at character {exc.start})") from exc
        return data, source
    try:
        return data.decode("utf-8-sig"), source
    except UnicodeDecodeError as exc:
        raise InputError(f"{source} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
