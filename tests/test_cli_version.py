"""``summarizer --version``: the version a bug report needs, without a command or a key."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

import summarizer
from summarizer.cli import app


def test_version_prints_the_package_version_and_exits() -> None:
    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    result = CliRunner().invoke(app, ["--version"], env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 0, result.output
    assert result.output == f"summarizer {summarizer.__version__}\n"
    assert summarizer.__version__ == pyproject["project"]["version"]
