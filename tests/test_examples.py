"""The documented commands are code too: run them as a newcomer would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app

ROOT = Path(__file__).resolve().parent.parent


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env["COLUMNS"] = "120"
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / "summarize_seed.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_seed_example_replays_offline_and_says_so() -> None:
    result = run_example()
    assert result.returncode == 0, result.stderr
    assert "replaying cassettes/seed_article_v3.yaml" in result.stderr
    for expected in ("Dmitry Peskov", "Vladimir Putin", "Donald Trump", "proposed", "Meetings"):
        assert expected in result.stdout


@pytest.mark.slow
def test_seed_example_json() -> None:
    result = run_example("--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["meta"]["prompt_version"] == "v3"
    assert data["quotes"][1]["span"] == {"start": 256, "end": 295}


def test_cli_prompts_list_and_show() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["prompts", "list"])
    assert listed.exit_code == 0, listed.output
    assert "v3 (default)" in listed.output and "v2" in listed.output and "v1" in listed.output
    shown = runner.invoke(app, ["prompts", "show", "v1"])
    assert shown.exit_code == 0 and "{{ article }}" in shown.output
    missing = runner.invoke(app, ["prompts", "show", "v9"])
    assert missing.exit_code == 2


def test_cli_summarize_without_key_is_a_clear_error(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Some article text.", encoding="utf-8")
    result = CliRunner().invoke(app, ["summarize", str(article)])
    assert result.exit_code == 2
    assert "ConfigurationError" in result.output and "OPENAI_API_KEY" in result.output


def test_cli_summarize_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["summarize", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "InputError" in result.output


def test_cli_summarize_prints_json_and_markdown(tmp_path: Path) -> None:
    from tests.recording import make_vcr
    from tests.scenarios import SEED_ID, TEST_API_KEY, article

    path = tmp_path / "seed.txt"
    path.write_text(article(SEED_ID), encoding="utf-8")
    env = {"OPENAI_API_KEY": TEST_API_KEY}
    for flag, check in (("--json", '"speakers"'), ("--markdown", "Dmitry Peskov")):
        with make_vcr("none").use_cassette("seed_article_v3"):  # the default prompt's
            result = CliRunner().invoke(app, ["summarize", str(path), flag], env=env)
        assert result.exit_code == 0, result.output
        assert check in result.stdout
