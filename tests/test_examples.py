"""The documented commands are code too: run them as a newcomer would.

Every script in ``examples/`` runs here offline, in its own process, as a user runs it:
no key (so it replays its cassettes), and no network: ``tests/no_network`` on the
``PYTHONPATH`` refuses any connection or name lookup beyond loopback in every process the
example starts (the session's own socket guard does not reach a subprocess).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NO_NETWORK = ROOT / "tests" / "no_network"


def example_env() -> dict[str, str]:
    """The environment of an example: no key, no endpoint, no setting, no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env["COLUMNS"] = "120"
    env["PYTHONPATH"] = os.pathsep.join([str(NO_NETWORK), str(ROOT)])  # this checkout's package
    return env


def run_example(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=ROOT,
        env=example_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_every_example_is_run_here_and_listed() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    run_here = set(re.findall(r'run_example\(\s*"([\w.]+)"', Path(__file__).read_text()))
    assert scripts == run_here, "an example no test runs, or a test of a missing example"
    listing = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert {s for s in scripts if f"`{s}`" not in listing} == set(), "examples/README.md"


@pytest.mark.slow
def test_examples_have_no_network() -> None:
    """The guard the examples run under refuses what a live call would do."""
    code = "import httpx2; httpx2.get('https://api.openai.com/v1/models')"
    result = subprocess.run(
        [sys.executable, "-c", code], env=example_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "no network in the example tests: lookup of 'api.openai.com' refused" in result.stderr


@pytest.mark.slow
def test_seed_example_replays_offline_and_says_so() -> None:
    result = run_example("summarize_seed.py")
    assert result.returncode == 0, result.stderr
    assert "replaying cassettes/seed_article_v4.yaml" in result.stderr
    for expected in ("Dmitry Peskov", "Vladimir Putin", "Donald Trump", "proposed", "Meetings"):
        assert expected in result.stdout


@pytest.mark.slow
def test_seed_example_json() -> None:
    result = run_example("summarize_seed.py", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["meta"]["prompt_version"] == "v4"
    assert data["quotes"][1]["span"] == {"start": 256, "end": 295}


REAL_IDS = [
    json.loads(line)["id"]
    for line in (ROOT / "seeds" / "real" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
]


@pytest.mark.slow
def test_many_articles_async_with_limits() -> None:
    result = run_example("many_articles.py", "--concurrency", "4", "--rpm", "6000")
    assert result.returncode == 0, result.stderr
    assert "replaying cassettes/real_v4.yaml" in result.stderr
    assert "16 summarised, 0 failed" in result.stdout
    done = re.findall(r"^(GUM_news_\w+): \d+ speakers, (\d+) quotes", result.stdout, re.M)
    assert sorted(ident for ident, _ in done) == sorted(REAL_IDS)
    assert dict(done)["GUM_news_warhol"] == "25"


@pytest.mark.slow
def test_pipeline_resumes_and_writes_tables(tmp_path: Path) -> None:
    args = ("seeds/real/gold.jsonl", str(tmp_path))
    first = run_example("pipeline.py", *args, "--limit", "5")  # as if stopped after five
    assert first.returncode == 0, first.stderr
    assert "0 already done, 16 to do" in first.stdout
    assert "5 articles in the tables" in first.stdout
    second = run_example("pipeline.py", *args, "--format", "csv")
    assert second.returncode == 0, second.stderr
    assert "5 already done, 11 to do" in second.stdout
    lines = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert sorted(ids) == sorted(REAL_IDS)  # each once: the rerun did only the rest
    with (tmp_path / "tables" / "articles.csv").open(encoding="utf-8") as table:
        assert sorted(row["article_id"] for row in csv.DictReader(table)) == sorted(REAL_IDS)
    assert (tmp_path / "tables" / "quotes.parquet").exists()  # the first run's format


@pytest.mark.slow
def test_story_folder_to_corpus_page_and_json(tmp_path: Path) -> None:
    result = run_example("story.py", "seeds/story", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "replaying cassettes/story_v2.yaml" in result.stderr
    assert "8 articles" in result.stdout
    summit = "meeting of Jonas Aubrecht and Arkady Belozarsky: proposed → under_discussion"
    assert summit in result.stdout
    assert "Arkady Belozarsky on revised customs pact: oppose" in result.stdout
    data = json.loads((tmp_path / "corpus.json").read_text(encoding="utf-8"))
    assert len(data["articles"]) == 8 and data["meetings"]
    assert "<html" in (tmp_path / "corpus.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_compare_two_prompts_on_a_gold_file() -> None:
    result = run_example("compare.py")
    assert result.returncode == 0, result.stderr
    rows = {
        line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:] if line.strip()
    }
    assert rows["speakers"] == ["0.71", "0.95"]  # what `summarizer eval` says (docs/guide)
    assert rows["quotes_mixed"] == ["0.00", "0.93"]
    assert result.stdout.splitlines()[-1].split()[-2:] == ["0", "0"]  # failed articles


@pytest.mark.slow
def test_any_openai_compatible_server() -> None:
    result = run_example("any_server.py", "--model", "gpt-4.1-mini")
    assert result.returncode == 0, result.stderr
    assert "replaying cassettes/seed_article_v4.yaml" in result.stderr
    assert "- Dmitry Peskov (direct, start=256 end=295): 'There have been no real" in result.stdout
    assert re.search(r"^gpt-4\.1-mini at http://127\.0\.0\.1:\d+/v1: ", result.stdout, re.M)


@pytest.mark.slow
def test_own_field_and_prompt_claims_per_speaker() -> None:
    result = run_example("own_field.py")
    assert result.returncode == 0, result.stderr
    assert "replaying cassettes/example_claims.yaml" in result.stderr
    expected = (
        "Dmitry Peskov\n"
        "  [256-295] There have been no real impulses so far\n"
        "  [468-536] there are no specifics or prerequisites for face-to-face contact yet\n"
        "Vladimir Putin\n"
    )
    assert expected in result.stdout  # "Peskov" in the answer: the speaker by its id
    assert result.stdout.count("\n  [") == 7


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the ray extra")
def test_ray_dataset_in_summaries_out(tmp_path: Path) -> None:
    result = run_example("ray_dataset.py", "--output", str(tmp_path / "out"), timeout=300)
    assert result.returncode == 0, result.stderr
    done = re.findall(r"^(GUM_news_\w+): (\d+) quotes$", result.stdout, re.M)
    assert sorted(ident for ident, _ in done) == sorted(REAL_IDS)
    assert dict(done)["GUM_news_iodine"] == "26"  # the quotes of real_v4.yaml's answer
    assert list((tmp_path / "out").glob("*.parquet"))


def test_cli_prompts_list_and_show() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["prompts", "list"])
    assert listed.exit_code == 0, listed.output
    assert "v4 (default)" in listed.output and "v3" in listed.output and "v1" in listed.output
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
        with make_vcr("none").use_cassette("seed_article_v4"):  # the default prompt's
            result = CliRunner().invoke(app, ["summarize", str(path), flag], env=env)
        assert result.exit_code == 0, result.output
        assert check in result.stdout
