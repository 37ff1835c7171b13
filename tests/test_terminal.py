"""What reaches the terminal: data as text (never rich markup), control sequences removed.

An article, a model's answer, a file name, a batch id or a provider's status can hold
``[/b]``, ``[the chancellor]`` or escape sequences that set the window title, hide text or
make links. They print as the text they are, without their control sequences, and a bad
input still ends with exit code 2, never a traceback.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from typer.testing import CliRunner, Result

from summarizer._views._render import terminal_text
from summarizer.cli import _batch as cli_batch, app
from tests.fake_batch_api import BATCH_ID, FakeBatchAPI
from tests.fault_server import FaultServer
from tests.scenarios import SEED_ID, TEST_API_KEY, answer, article, fabricated_seed, gold

SEED = article(SEED_ID)
TITLE = "\x1b]0;pwned-title\x07"
LINK = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
HIDDEN = "\x1b[8mhidden\x1b[0m"
HOSTILE = f"We will meet [the chancellor] in Berlin [/b] {TITLE}{HIDDEN} {LINK} soon\x9b2J."
"""A quote as an article or a model may carry it: markup-like brackets and escape sequences."""
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def assert_safe(output: str) -> None:
    """No control character but newline and tab (a message may name one as ``\\x1b``)."""
    assert not CONTROL.search(output), repr(CONTROL.findall(output))


def odd_path(base: Path, name: str) -> Path:
    """``base/x[/b]name``: a path whose text holds a rich closing tag (a folder ``x[``)."""
    folder = base / "x["
    folder.mkdir(exist_ok=True)
    return folder / f"b]{name}"


def assert_clean_exit(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain [b]text[/b] stays", "plain [b]text[/b] stays"),
        (f"title{TITLE}set", "titleset"),
        (f"a {LINK} b", "a click b"),
        (f"{HIDDEN}!", "hidden!"),
        ("csi\x9b31m 8-bit\x9d0;t\x9c done", "csi 8-bit done"),
        ("dcs\x1bPq#0;2;0;0;0\x1b\\ end", "dcs end"),
        ("bell\x07 back\x08 nul\x00 del\x7f nel\x85.", "bell back nul del nel."),
        ("tab\tand\nnewline\r\n", "tab\tand\nnewline\n"),
        ("unterminated \x1b]0;title and the rest", "unterminated 0;title and the rest"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("Zoë — “quoted” ✓ 😀 \u2028", "Zoë — “quoted” ✓ 😀 \u2028"),
    ],
)
def test_terminal_text(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown


def hostile_answer() -> dict[str, Any]:
    data = copy.deepcopy(gold(SEED_ID))
    data["headline"] = f"Kremlin [bold]: no meeting yet {TITLE}"
    data["quotes"].append(
        {
            "speaker": "Dmitry Peskov",
            "kind": "direct",
            "text": HOSTILE,
            "evidence": None,
            "cue": "added",
            "said_on": None,
        }
    )
    return data


@pytest.mark.parametrize("shape", ["tables", "--markdown", "--json"])
def test_summaries_print_data_as_text_without_control_sequences(tmp_path: Path, shape: str) -> None:
    path = odd_path(tmp_path, " article.txt")
    path.write_text(f"{SEED}\n\nDmitry Peskov added: “{HOSTILE}”", encoding="utf-8")
    extra = [] if shape == "tables" else [shape]
    with FaultServer([answer(hostile_answer(), "hostile")], repeat_last=True) as server:
        env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
        result = CliRunner().invoke(app, ["summarize", str(path), *extra], env=env)
    assert_clean_exit(result, 0)
    if shape == "--json":  # escaped, not removed: the value is the article's own
        summary = json.loads(result.stdout)
        assert summary["article_text"] == path.read_text(encoding="utf-8")
        assert HOSTILE in [q.get("text") for q in summary["quotes"]]
        assert "\\u009b" in result.stdout
        assert not CONTROL.search(result.stdout)
        return
    assert_safe(result.output)
    if shape == "tables":  # the sequences are gone, payload and all
        assert "pwned-title" not in result.output and "evil.example" not in result.output
    flat = " ".join(result.output.replace("│", " ").replace("\\", "").split())  # Markdown \[
    assert "[bold]" in flat and "[/b]" in flat
    assert "[the chancellor]" in flat or "[the" in flat  # tables may wrap the cell
    assert "hidden" in flat and "click" in flat


def test_an_extraction_error_quoting_the_model_prints_as_text(tmp_path: Path) -> None:
    data = fabricated_seed()
    data["quotes"][1]["text"] = f"No impulses [/b] at all {TITLE}{HIDDEN}"
    path = tmp_path / "article.txt"
    path.write_text(SEED, encoding="utf-8")
    with FaultServer([answer(data, "fab")], repeat_last=True) as server:
        env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
        result = CliRunner().invoke(app, ["summarize", str(path)], env=env)
    assert_clean_exit(result, 1)  # the world's failure, reported in one line
    assert "ExtractionError" in result.output and "[/b]" in result.output
    assert_safe(result.output)


def test_input_errors_name_files_as_text_and_exit_2(tmp_path: Path) -> None:
    missing = odd_path(tmp_path, f"missing {TITLE}.txt")
    result = CliRunner().invoke(app, ["summarize", str(missing)], env={"OPENAI_API_KEY": "x"})
    assert_clean_exit(result, 2)
    assert "InputError" in result.output and "x[/b]missing" in result.output
    assert_safe(result.output)
    report = CliRunner().invoke(app, ["report", str(missing)])
    assert_clean_exit(report, 2)
    assert_safe(report.output)


def test_batch_failure_lines_print_ids_and_messages_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    odd_path(folder, f" empty {TITLE}.txt").write_text("   ", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    with FaultServer([answer(gold(SEED_ID), "ok")], repeat_last=True) as server:
        env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
        result = CliRunner().invoke(
            app, ["batch", str(folder), "-o", str(output), "--no-cache"], env=env
        )
    assert_clean_exit(result, 1)
    assert "failed x[/b] empty" in result.output and "article text is empty" in result.output
    assert_safe(result.output)


class OddStatusAPI(FakeBatchAPI):
    """A Batch API whose status strings hold markup and escape sequences."""

    def _batch(self, status: str) -> dict[str, Any]:
        data = super()._batch(status)
        if status != "completed":
            data["status"] = f"[/b]{status}{TITLE}"
        return data


def test_batch_api_ids_statuses_and_file_names_print_as_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    api = OddStatusAPI(polls_before_done=5)
    client = openai.OpenAI(
        api_key=TEST_API_KEY, http_client=httpx2.Client(transport=httpx2.MockTransport(api.handle))
    )
    real = cli_batch.Summarizer  # type: ignore[attr-defined]
    monkeypatch.setattr(cli_batch, "Summarizer", lambda **kw: real(client=client, **kw))
    folder = odd_path(tmp_path, " in")
    folder.mkdir()
    (folder / "a.txt").write_text(SEED, encoding="utf-8")
    output = odd_path(tmp_path, " out.jsonl")
    submitted = CliRunner().invoke(
        app,
        ["batch", str(folder), "-o", str(output), "--via", "openai-batch", "--submit-only"],
        env={},
    )
    assert_clean_exit(submitted, 0)
    flat = " ".join(submitted.output.split())
    assert f"batch-collect {BATCH_ID} {folder} -o {output}" in flat
    status = CliRunner().invoke(app, ["batch-status", BATCH_ID], env={})
    assert_clean_exit(status, 0)
    assert "[/b]in_progress" in status.output
    assert_safe(status.output)


def test_eval_prints_file_and_model_names_as_text(tmp_path: Path) -> None:
    gold_file = tmp_path / "[red]gold.jsonl"
    gold_file.write_text(
        json.dumps({"id": "a", "text": SEED, "gold": gold(SEED_ID)}) + "\n", encoding="utf-8"
    )
    predictions = tmp_path / "results.jsonl"
    predictions.write_text(
        json.dumps({"id": "a", "status": "ok", "summary": gold(SEED_ID)}) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["eval", str(gold_file), "--predictions", str(predictions)])
    assert_clean_exit(result, 0)
    assert "[red]gold.jsonl" in result.output
