"""What every command shares: one error handler, one input reader, the common options.

Exit codes: 0 success, 1 a provider or extraction failure (or, for ``batch``, any failed
article), 2 a configuration or input error, 130 interrupted.

The settings flags (``--model``, ``--api-key``, ``--temperature``, ...) are made from the
fields of :class:`~summarizer.Settings` by :func:`settings_options`, one per field, so the
command line takes the same options as the Python API and checks them the same way; it adds
``--prompt FILE`` / ``--prompts DIR``, a prompt of your own (``Summarizer(prompt=...)``).
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from summarizer import errors
from summarizer._settings import SETTING_NAMES, Settings
from summarizer._views._render import plain
from summarizer.errors import ConfigurationError, InputError, SummarizerError

__all__ = [
    "PROMPT_FLAGS",
    "SETTING_HELP",
    "JsonOption",
    "MarkdownOption",
    "OutputOption",
    "PollIntervalOption",
    "ShardOption",
    "err_console",
    "exit_code",
    "failures",
    "read_input",
    "settings_options",
]

SETTING_HELP: dict[str, str] = {
    "model": "Model name (default: SUMMARIZER_MODEL, else gpt-4.1-mini).",
    "prompt_version": "Prompt version, e.g. v1 (default: the latest released).",
    "mode": "tools, json_schema, json or md_json (default: SUMMARIZER_MODE, else tools).",
    "max_retries": "Transport retries per request (429, 5xx, timeouts, connection errors).",
    "max_reasks": "Times the model is asked again when its answer fails validation.",
    "passes": "1, or 2: a second request asks for what the first missed (SUMMARIZER_PASSES).",
    "timeout": "Seconds allowed for one HTTP request.",
    "total_timeout": "Seconds allowed for one article, retries and reasks included.",
    "max_retry_wait": "The longest wait between two attempts, in seconds.",
    "max_input_tokens": "Input budget per request (default: SUMMARIZER_MAX_INPUT_TOKENS).",
    "temperature": "From 0 to 2 (default: not sent).",
    "chunk_concurrency": "Chunks of one long article extracted at the same time.",
    "max_article_chars": "Longest article in characters (SUMMARIZER_MAX_ARTICLE_CHARS, else 1e6).",
    "max_chunks": "Most chunks (requests) per article (default SUMMARIZER_MAX_CHUNKS or 64).",
    "max_html_bytes": "Largest HTML page read (SUMMARIZER_MAX_HTML_BYTES, else 5e6 bytes).",
    "api_key": "API key (default: OPENAI_API_KEY; the variable keeps it out of process lists).",
    "base_url": "An OpenAI-compatible endpoint (default: OPENAI_BASE_URL, else OpenAI's).",
}
"""The help of each settings flag; one entry per :class:`~summarizer.Settings` field."""


def _flag_type(name: str) -> Any:
    """The flag's type: the field's, optional (an absent flag leaves the setting alone)."""
    hint = typing.get_type_hints(Settings)[name]
    if isinstance(hint, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    return hint | None


PROMPT_FLAGS: dict[str, Any] = {
    "prompt_file": Annotated[
        Path | None,
        typer.Option(
            "--prompt",
            metavar="FILE",
            help="A prompt file of your own (the package's spec and lock).",
        ),
    ],
    "prompts_dir": Annotated[
        Path | None,
        typer.Option(
            "--prompts",
            metavar="DIR",
            help="A prompts folder of your own (DIR/<id>/<version>.yaml, DIR/lock.json).",
        ),
    ],
}
"""The flags of a prompt of your own: they reach ``options`` as ``prompt``."""


def _prompt_source(file: Path | None, folder: Path | None) -> Path | None:
    """The one prompt source given.

    Raises:
        ConfigurationError: Both flags are given.
    """
    if file is not None and folder is not None:
        raise ConfigurationError("pass --prompt or --prompts, not both")
    return file if file is not None else folder


def settings_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` one flag per :class:`~summarizer.Settings` field, and the prompt flags.

    The flags given (not None) reach ``command`` as its ``options`` argument, a dict ready
    for ``Summarizer(**options)``; the library checks them, so a bad value is the same
    :class:`~summarizer.ConfigurationError` (exit code 2) as in Python. ``--prompt FILE``
    or ``--prompts DIR`` is its ``prompt`` option.
    """
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "options"]
    flags = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[_flag_type(name), typer.Option(help=SETTING_HELP[name])],
        )
        for name in sorted(SETTING_NAMES, key=list(SETTING_HELP).index)
    ]
    flags += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
        for name, kind in PROMPT_FLAGS.items()
    ]

    @functools.wraps(command)
    def with_settings(**values: Any) -> None:
        given = {name: values.pop(name) for name in SETTING_NAMES}
        with failures():
            given["prompt"] = _prompt_source(*(values.pop(name) for name in PROMPT_FLAGS))
        command(**values, options={k: v for k, v in given.items() if v is not None})

    parameters = [*own, *flags]
    with_settings.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_settings.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_settings


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
MarkdownOption = Annotated[bool, typer.Option("--markdown", help="Print Markdown.")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="Results JSONL (appended).")]
ShardOption = Annotated[
    str | None, typer.Option(help="Only shard i of n (e.g. 2/4), stable by id.")
]
PollIntervalOption = Annotated[float, typer.Option(help="Seconds between Batch API polls.")]

err_console = Console(stderr=True, highlight=False)
"""Where messages go: standard error, data printed as text (never as markup), through
:func:`summarizer._views._render.plain` (no control sequences)."""


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
