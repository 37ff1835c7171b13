"""``summarizer prompts list|show``: the versioned prompts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from summarizer._prompts import list_prompts, load_prompt
from summarizer.cli._common import failures

__all__ = ["prompts_list", "prompts_show"]


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
