"""Files the command line writes and reads, when someone else can touch the folders.

A link planted where a file is about to be written (a shared export folder) is replaced, or
refused for the results file a batch appends to; its target is never written. A line of JSON
nested too deeply to parse is a bad line like any other (an error row in a batch, a named
line elsewhere), never a traceback. A link to a FIFO in the input folder is an error row at
once, not a read that waits forever; an input file over the read cap is not read.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from summarizer._files import replacing, write_replacing
from summarizer._runs import _sources
from summarizer._runs._batch import BatchResult
from summarizer._runs._results import ResultRecord
from summarizer.cli import app
from summarizer.errors import InputError
from tests.fault_server import FaultServer
from tests.report_screenshot import summary_from_gold
from tests.scenarios import SEED_ID, TEST_API_KEY, VISIT_ID, answer, article, gold

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "good")
DEEP = "[" * 200_000
"""A line no JSON parser of Python's can read without running out of stack."""
VICTIM = "another account's notes\n"


def batch(args: list[str], server: FaultServer, tmp_path: Path) -> Result:
    env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
    return CliRunner().invoke(app, [*args, "--cache-dir", str(tmp_path / "cache")], env=env)


def assert_clean_exit(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]


def victim(tmp_path: Path) -> Path:
    """A file of another account, outside every folder the command is given."""
    path = tmp_path / "victim" / "notes.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(VICTIM, encoding="utf-8")
    return path


def plant(link: Path, target: Path) -> Path:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results file of two summarised articles."""
    path = tmp_path_factory.mktemp("results") / "results.jsonl"
    lines = [
        ResultRecord.of(BatchResult(id=ident, summary=summary_from_gold(ident))).line()
        for ident in (SEED_ID, VISIT_ID)
    ]
    path.write_text("".join(lines), encoding="utf-8")
    return path


# -- 1. a link planted where a file is written ---------------------------------------------------


@pytest.mark.parametrize("format", ["csv", "parquet"])
def test_a_link_planted_in_the_export_folder_leaves_its_target_untouched(
    results: Path, tmp_path: Path, format: str
) -> None:
    target = victim(tmp_path)
    folder = tmp_path / "shared"
    link = plant(folder / f"quotes.{format}", target)
    result = CliRunner().invoke(app, ["export", str(results), "-f", format, "-o", str(folder)])
    assert_clean_exit(result, 0)
    assert target.read_text(encoding="utf-8") == VICTIM
    assert not link.is_symlink() and link.is_file()  # the link was replaced by the table
    assert (folder / f"articles.{format}").is_file()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary left


@pytest.mark.parametrize("command", ["report", "corpus", "corpus-json"])
def test_a_link_planted_at_a_page_path_leaves_its_target_untouched(
    results: Path, tmp_path: Path, command: str
) -> None:
    target = victim(tmp_path)
    page = plant(tmp_path / "shared" / "page.html", target)
    args = {
        "report": ["report", str(results), "-o", str(page)],
        "corpus": ["corpus", str(results), "-o", str(page)],
        "corpus-json": ["corpus", str(results), "--json", "-o", str(page)],
    }[command]
    assert_clean_exit(CliRunner().invoke(app, args), 0)
    assert target.read_text(encoding="utf-8") == VICTIM
    assert not page.is_symlink()
    written = page.read_text(encoding="utf-8")
    assert written.startswith("{") if command == "corpus-json" else "<html" in written


def test_a_link_at_the_results_path_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    """The results file is appended to (a batch resumes from it): a link there is refused."""
    target = victim(tmp_path)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": SEED}) + "\n", encoding="utf-8")
    output = plant(tmp_path / "shared" / "out.jsonl", target)
    with FaultServer([GOOD], repeat_last=True) as server:
        result = batch(["batch", str(source), "-o", str(output), "--no-cache"], server, tmp_path)
        assert server.requests == []
    assert_clean_exit(result, 2)
    assert "is a symbolic link: not followed" in " ".join(result.output.split())
    assert target.read_text(encoding="utf-8") == VICTIM and output.is_symlink()


def test_retrying_failures_rewrites_the_results_without_following_a_planted_link(
    tmp_path: Path,
) -> None:
    """--retry-failed rewrites the file whole: through a new file, never a planted name."""
    target = victim(tmp_path)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": SEED}) + "\n", encoding="utf-8")
    output = tmp_path / "shared" / "out.jsonl"
    output.parent.mkdir()
    failed = {"id": "a", "status": "error", "error": {"type": "ProviderError", "message": "x"}}
    output.write_text(json.dumps(failed) + "\n", encoding="utf-8")
    plant(output.with_name("out.jsonl.tmp"), target)  # the name a rewrite used to use
    with FaultServer([GOOD], repeat_last=True) as server:
        args = ["batch", str(source), "-o", str(output), "--no-cache", "--retry-failed"]
        assert_clean_exit(batch(args, server, tmp_path), 0)
    assert target.read_text(encoding="utf-8") == VICTIM
    assert [r["status"] for r in records(output)] == ["ok"]


def test_a_failed_write_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    write_replacing(path, "before")

    def fail_half_way() -> None:
        with replacing(path) as handle:
            handle.write(b"half a page")
            raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError, match="the writer failed"):
        fail_half_way()
    assert path.read_text(encoding="utf-8") == "before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


# -- 2. JSON nested too deeply ----------------------------------------------------------------


def test_a_deeply_nested_input_line_is_its_error_row_and_the_batch_goes_on(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.jsonl"
    first = json.dumps({"id": "first", "text": SEED})
    last = json.dumps({"id": "last", "text": f"{SEED}\n\nRef. 2"})
    source.write_text(f"{first}\n{DEEP}\n{last}\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        result = batch(["batch", str(source), "-o", str(output), "--no-cache"], server, tmp_path)
        assert len(server.requests) == 2
    assert_clean_exit(result, 1)  # one failed article
    found = {r["id"]: r for r in records(output)}
    assert set(found) == {"first", "line-2", "last"}
    assert found["first"]["status"] == found["last"]["status"] == "ok"
    assert found["line-2"]["error"]["type"] == "InputError"
    assert "line 2: JSON nested too deeply" in found["line-2"]["error"]["message"]


@pytest.mark.parametrize("command", ["corpus", "report", "export", "eval", "batch"])
def test_a_deeply_nested_results_line_is_a_named_line_error(
    results: Path, tmp_path: Path, command: str
) -> None:
    """Every reader of a results file (and the gold file) names the line; exit 2."""
    lines = results.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = tmp_path / "results.jsonl"
    broken.write_text(f"{lines[0]}{DEEP}\n{lines[1]}", encoding="utf-8")
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text(f"{DEEP}\n", encoding="utf-8")
    args = {
        "corpus": ["corpus", str(broken)],
        "report": ["report", str(broken), "-o", str(tmp_path / "page.html")],
        "export": ["export", str(broken), "-f", "csv", "-o", str(tmp_path / "tables")],
        "eval": ["eval", str(gold_file), "--predictions", str(results)],
        "batch": ["batch", str(tmp_path / "none.jsonl"), "-o", str(broken), "--no-cache"],
    }[command]
    (tmp_path / "none.jsonl").write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, args, env={"OPENAI_API_KEY": TEST_API_KEY})
    assert_clean_exit(result, 2)
    message = " ".join(result.output.split())
    assert "InputError" in message
    where = "gold.jsonl line 1" if command == "eval" else "results.jsonl line 2"
    assert f"{where}" in message and "nested too deeply" in message


# -- 3. what the input folder holds -----------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_link_to_a_fifo_in_the_input_folder_is_an_error_row_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED, encoding="utf-8")
    fifo = folder / "pipe"  # a FIFO itself is not an article file: skipped
    os.mkfifo(fifo)
    (folder / "b.txt").symlink_to(fifo)  # inside the folder: passes the link check
    output = tmp_path / "out.jsonl"
    outcome: list[Result] = []
    with FaultServer([GOOD], repeat_last=True) as server:
        args = ["batch", str(folder), "-o", str(output), "--no-cache"]
        worker = threading.Thread(
            target=lambda: outcome.append(batch(args, server, tmp_path)), daemon=True
        )
        worker.start()
        worker.join(timeout=20)
        hung = worker.is_alive()
        if hung:  # let the blocked read end: a writer that closes at once
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            worker.join(timeout=20)
    assert not hung, "reading the input folder blocked on a FIFO"
    assert_clean_exit(outcome[0], 1)
    found = {r["id"]: r for r in records(output)}
    assert found["a"]["status"] == "ok"
    assert found["b"]["error"]["type"] == "InputError"
    assert "is a FIFO, not a regular file" in found["b"]["error"]["message"]


def test_an_input_file_over_the_read_cap_is_its_error_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sources, "MAX_INPUT_FILE_BYTES", len(SEED.encode()) + 10)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED, encoding="utf-8")
    (folder / "big.txt").write_text(SEED + "x" * 100, encoding="utf-8")
    items = {item.id: item for item in _sources.read_articles(folder)}
    assert not isinstance(items["a"], _sources.InputProblem)
    problem = items["big"]
    assert isinstance(problem, _sources.InputProblem) and isinstance(problem.error, InputError)
    assert "is larger than" in str(problem.error) and "not read" in str(problem.error)


def test_a_link_swapped_to_outside_after_its_check_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: the link points inside when checked, elsewhere when opened."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "inside.md").write_text("inside", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("another account's notes", encoding="utf-8")
    link = folder / "a.txt"
    link.symlink_to(folder / "inside.md")
    opened = _sources.open_regular  # type: ignore[attr-defined]

    def swap_then_open(path: Any, flags: int, *, follow: bool = False) -> int:
        if Path(path) == link:  # the attacker swaps the link between check and open ...
            link.unlink()
            link.symlink_to(secret)
            fd = opened(path, flags, follow=follow)
            link.unlink()  # ... and back, so a second resolve sees the inside file
            link.symlink_to(folder / "inside.md")
            return fd
        return opened(path, flags, follow=follow)

    monkeypatch.setattr(_sources, "open_regular", swap_then_open)
    items = {item.id: item for item in _sources.read_articles(folder)}
    problem = items["a"]
    assert isinstance(problem, _sources.InputProblem), "the swapped-in file was read"
    assert "changed while it was opened" in str(problem.error)
    assert items["inside"].text == "inside"  # type: ignore[union-attr]
