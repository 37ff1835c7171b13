"""A batch never dies of one record, nor loses one.

Odd records (text that is not Unicode, a bad date), odd results (line separators inside
strings, a last line without its newline), inputs that would give two articles one id, links
out of the input folder, an output that is the input: each either becomes one article's error
line while the rest go on, or is refused before any request with exit code 2.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from typer.testing import CliRunner, Result

from summarizer import InputError, summarize_article
from summarizer.cli import _batch as cli_batch, app
from summarizer.cli._common import read_input
from tests.fake_batch_api import FakeBatchAPI
from tests.fault_server import FaultServer
from tests.scenarios import SEED_ID, TEST_API_KEY, VISIT_ID, answer, article, gold

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "good")
LINE_BREAKS = "one\u2028two\u2029three\u0085four"
"""Characters ``str.splitlines`` splits on but a JSONL reader must not."""


def variant(n: int, extra: str = "") -> str:
    """The seed with a distinct last line: a different article the same answer grounds in."""
    return f"{SEED}\n\nRef. {n}{extra}"


def run(args: list[str], server: FaultServer, tmp_path: Path) -> Result:
    env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
    return CliRunner().invoke(app, [*args, "--cache-dir", str(tmp_path / "cache")], env=env)


def records(path: Path) -> list[dict[str, Any]]:
    """The lines of a results file, split on newlines only."""
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]


def write_jsonl(path: Path, items: list[dict[str, Any]], *, ascii_only: bool = True) -> Path:
    path.write_text(
        "".join(json.dumps(item, ensure_ascii=ascii_only) + "\n" for item in items),
        encoding="utf-8",
    )
    return path


def assert_clean_exit(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


# -- 1. text that is not Unicode -------------------------------------------------------------


def test_a_lone_surrogate_fails_its_article_and_the_batch_goes_on(tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "first", "text": variant(1)},
            {"id": "broken", "text": variant(2, " \ud800 ")},  # a JSON "\ud800" escape
            {"id": "odd-id-\udc80", "text": variant(3)},
            {"id": "last", "text": variant(4)},
        ],
    )
    output = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(output), "--no-cache", "--concurrency", "1"]
    with FaultServer([GOOD], repeat_last=True) as server:
        first = run(args, server, tmp_path)
        assert_clean_exit(first, 1)  # one article failed, the others are done
        assert len(server.requests) == 3
        again = run(args, server, tmp_path)
        assert_clean_exit(again, 0)
        assert len(server.requests) == 3  # every id is in the file: nothing is sent again
    found = {r["id"]: r for r in records(output)}
    assert len(records(output)) == 4
    assert set(found) == {"first", "broken", "odd-id-\udc80", "last"}
    assert found["broken"]["status"] == "error"
    assert found["broken"]["error"]["type"] == "InputError"
    assert "lone surrogate" in found["broken"]["error"]["message"]
    assert all(found[i]["status"] == "ok" for i in ("first", "odd-id-\udc80", "last"))


def test_a_jsonl_line_that_is_not_utf8_fails_only_that_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    good = json.dumps({"id": "good", "text": SEED}).encode()
    source.write_bytes(good + b"\n" + b'{"id": "bad", "text": "caf\xe9 \xff"}\n')
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        result = run(["batch", str(source), "-o", str(output), "--no-cache"], server, tmp_path)
    assert_clean_exit(result, 1)
    found = {r["id"]: r for r in records(output)}
    assert found["good"]["status"] == "ok"
    assert found["line-2"]["error"]["type"] == "InputError"
    assert "line 2: not UTF-8" in found["line-2"]["error"]["message"]


def test_text_that_is_not_unicode_is_an_input_error_everywhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="lone surrogate"):
        summarize_article(SEED + "\udcff", client=openai.OpenAI(api_key=TEST_API_KEY))
    # A text stream (no byte buffer) hands undecodable bytes over as lone surrogates.
    monkeypatch.setattr("sys.stdin", io.StringIO("text with \udcff in it"))
    with pytest.raises(InputError, match="standard input is not UTF-8"):
        read_input("-")
    piped = CliRunner().invoke(
        app, ["summarize", "-"], input=b"caf\xe9 \xff\xfe", env={"OPENAI_API_KEY": "x"}
    )
    assert_clean_exit(piped, 2)
    assert "InputError" in piped.output and "not UTF-8" in piped.output


# -- 2. line separators inside strings --------------------------------------------------------


def test_line_separators_in_results_survive_report_eval_and_resume(tmp_path: Path) -> None:
    """Report, evaluation and resume read the results by "\\n" only, and see every article."""
    ids = ["a", "b", "c"]
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": i, "text": variant(n, f" {LINE_BREAKS}")} for n, i in enumerate(ids)],
        ascii_only=False,
    )
    gold_file = write_jsonl(
        tmp_path / "gold.jsonl",
        [
            {"id": i, "text": variant(n, f" {LINE_BREAKS}"), "gold": gold(SEED_ID)}
            for n, i in enumerate(ids)
        ],
        ascii_only=False,  # gold written raw: its reader too splits on "\n" only
    )
    output = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(output), "--no-cache"]
    with FaultServer([GOOD], repeat_last=True) as server:
        assert_clean_exit(run(args, server, tmp_path), 0)
        assert len(server.requests) == 3
        assert_clean_exit(run(args, server, tmp_path), 0)
        assert len(server.requests) == 3  # resumed: nothing is done twice
    assert sorted(r["id"] for r in records(output)) == ids  # each exactly once
    assert len(output.read_text(encoding="utf-8").splitlines()) == 3  # any splitter agrees
    report = CliRunner().invoke(app, ["report", str(output), "-o", str(tmp_path / "r.html")])
    assert_clean_exit(report, 0)
    assert "3 summaries" in report.output
    scored = CliRunner().invoke(
        app, ["eval", str(gold_file), "--predictions", str(output), "--json"]
    )
    assert_clean_exit(scored, 0)
    [config] = json.loads(scored.stdout)["configs"]
    assert config["failed"] == 0 and len(config["per_article"]) == 3


def test_results_written_raw_with_line_separators_are_read_whole(tmp_path: Path) -> None:
    """A file an older version (or another tool) wrote with raw U+2028: every reader copes."""
    summary = {**gold(SEED_ID), "headline": f"Headline {LINE_BREAKS}", "article_text": SEED}
    lines = [{"id": i, "status": "ok", "summary": summary, "meta": {}} for i in ("x", "y")]
    output = write_jsonl(tmp_path / "out.jsonl", lines, ascii_only=False)
    assert "\u2028" in output.read_text(encoding="utf-8")
    report = CliRunner().invoke(app, ["report", str(output), "-o", str(tmp_path / "r.html")])
    assert_clean_exit(report, 0)
    assert "2 summaries" in report.output
    gold_file = write_jsonl(
        tmp_path / "gold.jsonl", [{"id": i, "text": SEED, "gold": gold(SEED_ID)} for i in "xy"]
    )
    scored = CliRunner().invoke(
        app, ["eval", str(gold_file), "--predictions", str(output), "--json"]
    )
    assert_clean_exit(scored, 0)
    assert json.loads(scored.stdout)["configs"][0]["failed"] == 0
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": SEED} for i in ("x", "y")])
    with FaultServer([GOOD], repeat_last=True) as server:
        resumed = run(["batch", str(source), "-o", str(output), "--no-cache"], server, tmp_path)
        assert_clean_exit(resumed, 0)
        assert server.requests == []
    assert [r["id"] for r in records(output)] == ["x", "y"]


# -- 3. one id, one article ---------------------------------------------------------------------


def test_two_files_with_one_id_are_refused_naming_both(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "story.txt").write_text(variant(1), encoding="utf-8")
    (folder / "story.md").write_text(variant(2), encoding="utf-8")
    (folder / "sub" / "story.txt").write_text(variant(3), encoding="utf-8")  # id sub/story
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        result = run(["batch", str(folder), "-o", str(output), "--no-cache"], server, tmp_path)
        assert server.requests == []
    assert_clean_exit(result, 2)
    said = " ".join(result.output.split())
    assert "InputError" in said and "story.md" in said and "story.txt" in said
    assert "'story'" in said and "rename one" in said
    assert not output.exists() or records(output) == []


def test_duplicate_jsonl_ids_are_refused_naming_the_lines(tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "a", "text": variant(1)},
            {"id": "b", "text": variant(2)},
            {"id": "a", "text": variant(3)},
        ],
    )
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        result = run(["batch", str(source), "-o", str(output), "--no-cache"], server, tmp_path)
        assert server.requests == []
    assert_clean_exit(result, 2)
    assert "lines 1 and 3 have the same id 'a'" in " ".join(result.output.split())
    assert not output.exists() or records(output) == []


def test_a_link_out_of_the_input_folder_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "private.txt"
    secret.parent.mkdir()
    secret.write_text(f"PRIVATE-NOTES {SEED}", encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "article.txt").write_text(variant(1), encoding="utf-8")
    (folder / "also.txt").symlink_to(folder / "article.txt")  # inside the folder: read
    (folder / "leak.txt").symlink_to(secret)
    (folder / "dir").symlink_to(secret.parent, target_is_directory=True)  # not descended
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        result = run(["batch", str(folder), "-o", str(output), "--no-cache"], server, tmp_path)
        assert not any("PRIVATE-NOTES" in json.dumps(r) for r in server.requests)
        assert len(server.requests) == 2
    assert_clean_exit(result, 1)
    found = {r["id"]: r for r in records(output)}
    assert set(found) == {"article", "also", "leak"}
    assert found["article"]["status"] == found["also"]["status"] == "ok"
    assert found["leak"]["error"]["type"] == "InputError"
    assert "outside the input folder" in found["leak"]["error"]["message"]
    assert "PRIVATE-NOTES" not in output.read_text(encoding="utf-8")


def test_a_dangling_link_is_its_articles_error(tmp_path: Path) -> None:
    """A dangling link is reported as its article's error, not skipped and not a crash."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED, encoding="utf-8")
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        result = run(["batch", str(folder), "-o", str(output), "--no-cache"], server, tmp_path)
    assert_clean_exit(result, 1)
    found = {r["id"]: r for r in records(output)}
    assert found["a"]["status"] == "ok" and found["dangling"]["error"]["type"] == "InputError"


# -- 4. the results file and the input ----------------------------------------------------------


def test_a_whole_last_record_without_its_newline_is_kept(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": SEED} for i in "abc"])
    output = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(output), "--no-cache"]
    with FaultServer([GOOD], repeat_last=True) as server:
        assert_clean_exit(run(args, server, tmp_path), 0)
        data = output.read_bytes()
        assert data.endswith(b"}\n")
        output.write_bytes(data[:-1])  # a whole record, only its newline missing
        again = run(args, server, tmp_path)
        assert_clean_exit(again, 0)
        assert len(server.requests) == 3  # the last record was kept: nothing redone
    assert "Repaired" not in again.output
    assert sorted(r["id"] for r in records(output)) == ["a", "b", "c"]
    assert output.read_bytes().endswith(b"}\n")


@pytest.mark.parametrize("spelling", ["same", "dotted", "link"])
def test_an_output_that_is_the_input_is_refused(tmp_path: Path, spelling: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": SEED}])
    before = source.read_bytes()
    output = {
        "same": source,
        "dotted": tmp_path / "." / "in.jsonl",
        "link": tmp_path / "link.jsonl",
    }[spelling]
    if spelling == "link":
        output.symlink_to(source)
    with FaultServer([GOOD], repeat_last=True) as server:
        result = run(["batch", str(source), "-o", str(output), "--no-cache"], server, tmp_path)
        assert server.requests == []
    assert_clean_exit(result, 2)
    assert "would be appended to the input" in " ".join(result.output.split())
    assert source.read_bytes() == before


def test_an_output_read_as_an_article_of_the_input_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["batch", str(folder), "-o", str(folder / "results.txt")], env={}
    )
    assert_clean_exit(result, 2)
    assert "would be read as an article" in " ".join(result.output.split())


# -- 5. the Batch API path ------------------------------------------------------------------------


def batch_api_engine(monkeypatch: pytest.MonkeyPatch, fake: FakeBatchAPI) -> None:
    """Make the CLI's summarizers talk to the in-process fake Batch API."""
    client = openai.OpenAI(
        api_key=TEST_API_KEY,
        http_client=httpx2.Client(transport=httpx2.MockTransport(fake.handle)),
    )
    real = cli_batch.Summarizer  # type: ignore[attr-defined]
    monkeypatch.setattr(cli_batch, "Summarizer", lambda **kw: real(client=client, **kw))


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_one_bad_record_on_the_batch_api_is_one_failed_article(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: bool
) -> None:
    fake = FakeBatchAPI(polls_before_done=0)
    batch_api_engine(monkeypatch, fake)
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "seed", "text": SEED},
            {"id": "bad-date", "text": SEED, "published": "last Tuesday"},
            {"id": "visit", "text": article(VISIT_ID)},
        ],
    )
    output = tmp_path / "out.jsonl"
    caching = ["--cache-dir", str(tmp_path / "cache")] if cache else ["--no-cache"]
    args = ["batch", str(source), "-o", str(output), "--via", "openai-batch", *caching]
    result = CliRunner().invoke(app, [*args, "--poll-interval", "0"], env={})
    assert_clean_exit(result, 1)  # one failed article, like the in-process path
    assert [line["custom_id"] for line in fake.uploaded] == ["seed", "visit"]
    found = {r["id"]: r for r in records(output)}
    assert len(records(output)) == 3
    assert found["seed"]["status"] == found["visit"]["status"] == "ok"
    assert found["bad-date"]["error"]["type"] == "InputError"
    assert "published must be an ISO date" in found["bad-date"]["error"]["message"]


def test_a_batch_api_answer_that_cannot_be_read_fails_only_its_article(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = FakeBatchAPI(polls_before_done=0)
    handle = fake.handle

    def garbled(request: httpx2.Request) -> httpx2.Response:
        response = handle(request)
        if request.url.path.endswith("/content"):
            rows = [json.loads(row) for row in response.content.decode().split("\n") if row]
            rows[0]["response"]["body"] = {"not": "a completion"}
            for row in rows[1:]:  # raw line separators inside a good record's strings
                row["response"]["body"]["id"] += LINE_BREAKS
            lines = [json.dumps(row, ensure_ascii=False) for row in rows]
            text = "\n".join([*lines, "{torn", '"not a record"']) + "\n"
            return httpx2.Response(200, content=text.encode())
        return response

    fake.handle = garbled  # type: ignore[method-assign]
    batch_api_engine(monkeypatch, fake)
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": "seed", "text": SEED}, {"id": "visit", "text": article(VISIT_ID)}],
    )
    output = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(output), "--via", "openai-batch", "--no-cache"]
    result = CliRunner().invoke(app, [*args, "--poll-interval", "0"], env={})
    assert_clean_exit(result, 1)
    found = {r["id"]: r for r in records(output)}
    assert found["seed"]["status"] == "error" and found["visit"]["status"] == "ok"
    assert "not a chat completion" in found["seed"]["error"]["message"]


def test_submit_batch_leaves_out_what_cannot_be_sent() -> None:
    from summarizer import Summarizer
    from summarizer._runs._batch import Article
    from summarizer._runs._openai_batch import submit_batch

    fake = FakeBatchAPI(polls_before_done=0)
    client = openai.OpenAI(
        api_key=TEST_API_KEY,
        http_client=httpx2.Client(transport=httpx2.MockTransport(fake.handle)),
    )
    engine = Summarizer(client=client)
    job = submit_batch(
        engine,
        [Article(id="ok", text=SEED), Article(id="bad", text=SEED, published="yesterday")],
    )
    assert job.requests == 1 and [r.id for r in job.refused] == ["bad"]
    assert isinstance(job.refused[0].error, InputError)
    with pytest.raises(InputError, match="no article of the batch can be sent"):
        submit_batch(engine, [Article(id="bad", text="  ")])


def test_an_articles_id_is_kept_as_json_will_read_it_back() -> None:
    """A surrogate pair given as two code points is the character every JSON reader makes of
    it, so a resumed batch finds the id it wrote; a lone surrogate stays as it is."""
    from summarizer._runs._batch import Article

    assert Article(id="a\ud800\udfff", text="x").id == "a\U000103ff"
    assert Article(id="b\udcff", text="x").id == "b\udcff"
