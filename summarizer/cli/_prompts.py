"""``summarizer prompts list|show|lock``: the versioned prompts, the package's or your own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from summarizer._prompts import LOCK_FILE, list_prompts, load_prompt, write_lock
from summarizer._views._render import plain
from summarizer.cli._common import err_console, failures

__all__ = ["prompts_list", "prompts_lock", "prompts_show"]


def prompts_list() -> None:
    """List prompt versions, marking the default."""
    with failures():
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


def prompts_show(
    version: Annotated[str | None, typer.Argument(help="Version (default: the default).")] = None,
) -> None:
    """Print one prompt file."""
    with failures():
        prompt = load_prompt(version)
        text = Path(prompt.path).read_text(encoding="utf-8")
    Console().print(Syntax(text, "yaml", word_wrap=True))


def prompts_lock(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A prompts folder: DIR/<id>/<version>.yaml.")
    ],
) -> None:
    """Lock the released prompts of a folder of your own: write DIR/lock.json.

    A released prompt already locked must not have changed (add a new version instead);
    loading a released prompt that is not as locked is refused.
    """
    with failures():
        lock = write_lock(folder)
    err_console.print(plain(f"{folder / LOCK_FILE}: {len(lock)} released file(s) locked"))
