"""The Batch API round trip, replayed from cassettes of the files and batches endpoints."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer import ExtractionError, Summarizer
from summarizer.cli import app
from tests.fake_batch_api import BATCH_ID, _answer_for as answer_for, write_batch_inputs
from tests.fakes import ScriptedEndpoint
from tests.recording import CASSETTES, ReadableJsonYaml, make_vcr
from tests.scenarios import SEED_ID, TEST_API_KEY

ENV = {"OPENAI_API_KEY": TEST_API_KEY}


def records(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in (json.loads(line) for line in path.read_text().splitlines())}


def uploaded_lines(cassette: str) -> list[dict[str, Any]]:
    data = ReadableJsonYaml.deserialize((CASSETTES / f"{cassette}.yaml").read_text())
    upload = data["interactions"][0]["request"]["body"]
    body = upload if isinstance(upload, str) else upload.decode()
    return [json.loads(line) for line in re.findall(r'^\{"custom_id".*$', body, flags=re.M)]


def check_results(output: Path) -> None:
    found = records(output)
    assert set(found) == {"a-seed", "b-visit", "c-german", "d-fabricated"}
    for ident in ("a-seed", "b-visit", "c-german"):
        assert found[ident]["status"] == "ok"
        summary = found[ident]["summary"]
        assert summary["speakers"] and summary["article_text"]
        quote = summary["quotes"][0]
        where = quote["span"] or quote["evidence_span"]
        assert summary["article_text"][where["start"] : where["end"]]
        assert found[ident]["meta"]["attempts"] == 1
    failed = found["d-fabricated"]
    assert failed["status"] == "error"
    assert failed["error"]["type"] == "ExtractionError" and failed["error"]["kind"] == "invalid"
    assert "So far there have been no genuine impulses" in failed["error"]["message"]


def test_round_trip(tmp_path: Path) -> None:
    write_batch_inputs(tmp_path / "in")
    output = tmp_path / "out.jsonl"
    args = ["batch", str(tmp_path / "in"), "-o", str(output), "--via", "openai-batch"]
    with make_vcr("none").use_cassette("openai_batch_round_trip") as cassette:
        result = CliRunner().invoke(app, [*args, "--poll-interval", "0", "--no-cache"], env=ENV)
    assert cassette.all_played
    assert result.exit_code == 1, result.output  # one answer failed validation
    assert "rerun with --retry-failed" in result.output
    check_results(output)


def test_batch_requests_are_the_in_process_requests(tmp_path: Path) -> None:
    """Same prompt, schema and parameters as an in-process call, one line per article.

    The in-process side is what a scripted endpoint received over HTTP from a real
    ``summarize()`` call, not the function the Batch API path itself calls.
    """
    write_batch_inputs(tmp_path / "in")
    lines = uploaded_lines("openai_batch_round_trip")
    assert [line["custom_id"] for line in lines] == [
        "a-seed",
        "b-visit",
        "c-german",
        "d-fabricated",
    ]
    for line in lines:
        text = (tmp_path / "in" / f"{line['custom_id']}.txt").read_text(encoding="utf-8")
        endpoint = ScriptedEndpoint([lambda body: (200, {}, answer_for(body))])
        with contextlib.suppress(ExtractionError):  # the fabricated one: only its request counts
            Summarizer(client=endpoint.client(), max_reasks=0).summarize(text)
        assert line["url"] == "/v1/chat/completions" and line["method"] == "POST"
        assert line["body"] == endpoint.requests[0]


def test_submit_only_then_status_then_collect(tmp_path: Path) -> None:
    write_batch_inputs(tmp_path / "in")
    output = tmp_path / "out.jsonl"
    runner = CliRunner()
    folder = str(tmp_path / "in")
    with make_vcr("none").use_cassette("openai_batch_submit_collect") as cassette:
        submitted = runner.invoke(
            app,
            [
                "batch",
                folder,
                "-o",
                str(output),
                "--via",
                "openai-batch",
                "--submit-only",
                "--no-cache",
            ],
            env=ENV,
        )
        assert submitted.exit_code == 0, submitted.output
        assert f"batch-collect {BATCH_ID}" in submitted.output
        assert not output.exists() or output.read_text() == ""
        status = runner.invoke(app, ["batch-status", BATCH_ID], env=ENV)
        assert status.exit_code == 0 and "in_progress" in status.output
        collected = runner.invoke(
            app,
            ["batch-collect", BATCH_ID, folder, "-o", str(output), "--poll-interval", "0"],
            env=ENV,
        )
    assert cassette.all_played
    assert collected.exit_code == 1, collected.output
    check_results(output)


def test_a_long_article_goes_as_one_request_per_chunk_and_comes_back_merged() -> None:
    import httpx2
    import openai

    from summarizer._runs._batch import Article
    from summarizer._runs._openai_batch import batch_lines, collect_batch, submit_batch
    from tests.fake_batch_api import FakeBatchAPI
    from tests.scenarios import LONG_BUDGET, chunk_answer, long_article

    fake = FakeBatchAPI(polls_before_done=0)
    client = openai.OpenAI(
        api_key=TEST_API_KEY, http_client=httpx2.Client(transport=httpx2.MockTransport(fake.handle))
    )
    engine = Summarizer(client=client, max_input_tokens=LONG_BUDGET)
    long = Article(id="long", text=long_article())
    lines = [json.loads(line) for line in batch_lines(engine, [long])]
    in_process = ScriptedEndpoint([chunk_answer], repeat_last=True)
    made = Summarizer(client=in_process.client(), max_input_tokens=LONG_BUDGET).summarize(long.text)
    count = len(in_process.requests)  # the chunks an in-process call sent, in any order
    assert count > 1 and made.meta is not None
    assert [line["custom_id"] for line in lines] == [
        f"long#{i}/{count}:{chunk.start}-{chunk.end}"
        for i, chunk in enumerate(made.meta.chunks, start=1)
    ]
    sent = sorted(json.dumps(body, sort_keys=True) for body in in_process.requests)
    assert sorted(json.dumps(line["body"], sort_keys=True) for line in lines) == sent
    job = submit_batch(engine, [long])
    [result] = list(collect_batch(engine, job.id, [long]))
    assert result.summary is not None, result.error
    summary = result.summary
    assert summary.meta is not None and len(summary.meta.chunks) == count
    assert summary.article_text == long.text
    for quote in summary.quotes:
        assert quote.location is not None and quote.location.slice(long.text)
    assert len({s.id for s in summary.speakers}) == len(summary.speakers)


def fake_batch_client() -> tuple[Any, Any]:
    import httpx2
    import openai

    from tests.fake_batch_api import FakeBatchAPI

    fake = FakeBatchAPI(polls_before_done=0)
    transport = httpx2.MockTransport(fake.handle)
    client = openai.OpenAI(api_key=TEST_API_KEY, http_client=httpx2.Client(transport=transport))
    return fake, client


@pytest.mark.parametrize(
    "collect_budget",
    [None, 250, 30],
    ids=["whole-article-fits", "smaller-chunks", "a-sentence-over-the-budget"],
)
def test_collecting_merges_the_chunks_submitted_whatever_its_budget(
    collect_budget: int | None,
) -> None:
    """The chunk plan travels with the batch: the collecting summarizer does not replan."""
    from summarizer import InputError
    from summarizer._runs._batch import Article
    from summarizer._runs._openai_batch import collect_batch, submit_batch
    from tests.scenarios import LONG_BUDGET, long_article

    _, client = fake_batch_client()
    long = Article(id="long", text=long_article())
    job = submit_batch(Summarizer(client=client, max_input_tokens=LONG_BUDGET), [long])
    [as_submitted] = list(
        collect_batch(Summarizer(client=client, max_input_tokens=LONG_BUDGET), job.id, [long])
    )
    collector = Summarizer(client=client, max_input_tokens=collect_budget)
    if collect_budget == 30:  # planning now would refuse the article
        with pytest.raises(InputError, match="one sentence of the article"):
            collector.request_bodies(long.text)
    else:  # planning now would cut it otherwise
        assert len(collector.request_bodies(long.text)) != job.requests
    [result] = list(collect_batch(collector, job.id, [long]))
    assert result.error is None, result.error
    assert result.summary is not None and as_submitted.summary is not None
    assert result.summary.meta is not None and as_submitted.summary.meta is not None
    assert len(result.summary.meta.chunks) == job.requests > 1
    assert result.summary.meta.chunks == as_submitted.summary.meta.chunks
    dump: dict[str, Any] = {"exclude": {"meta"}}
    assert result.summary.model_dump(**dump) == as_submitted.summary.model_dump(**dump)


def test_a_chunk_plan_that_does_not_fit_the_article_is_an_input_error() -> None:
    """The article given at collect time is not the one submitted: no merge of strangers."""
    from summarizer import InputError
    from summarizer._runs._batch import Article
    from summarizer._runs._openai_batch import collect_batch, submit_batch
    from tests.scenarios import LONG_BUDGET, long_article

    _, client = fake_batch_client()
    engine = Summarizer(client=client, max_input_tokens=LONG_BUDGET)
    job = submit_batch(engine, [Article(id="long", text=long_article())])
    shorter = Article(id="long", text=long_article()[:-200])
    [result] = list(collect_batch(engine, job.id, [shorter]))
    assert isinstance(result.error, InputError)
    assert "not the text the requests were built from" in str(result.error)


@pytest.mark.parametrize("collect_env", [{}, {"SUMMARIZER_MAX_INPUT_TOKENS": "250"}])
def test_batch_collect_assembles_the_submitted_chunks_whatever_its_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, collect_env: dict[str, str]
) -> None:
    from summarizer.cli import _batch as cli_batch
    from tests.scenarios import LONG_BUDGET, article, long_article

    fake, client = fake_batch_client()
    real = cli_batch.Summarizer  # type: ignore[attr-defined]
    monkeypatch.setattr(cli_batch, "Summarizer", lambda **kw: real(client=client, **kw))
    source = tmp_path / "in.jsonl"
    items = [{"id": "long", "text": long_article()}, {"id": "seed", "text": article(SEED_ID)}]
    source.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    runner = CliRunner()
    submit = ["batch", str(source), "-o", str(output), "--via", "openai-batch", "--submit-only"]
    submitted = runner.invoke(
        app,
        [*submit, "--no-cache"],
        env={**ENV, "SUMMARIZER_MAX_INPUT_TOKENS": str(LONG_BUDGET)},
    )
    assert submitted.exit_code == 0, submitted.output
    ids = [line["custom_id"] for line in fake.uploaded]
    assert len([i for i in ids if i.startswith("long#")]) == 4  # both articles are chunked
    collect = ["batch-collect", BATCH_ID, str(source), "-o", str(output), "--poll-interval", "0"]
    collected = runner.invoke(app, collect, env={**ENV, **collect_env})
    assert collected.exit_code == 0, collected.output
    found = records(output)
    assert set(found) == {"long", "seed"}
    merged_ids = []
    for ident, record in found.items():
        assert record["status"] == "ok"
        chunks = record["meta"]["chunks"]
        n = len(chunks)
        merged_ids += [f"{ident}#{i}/{n}:{c['start']}-{c['end']}" for i, c in enumerate(chunks, 1)]
    assert sorted(merged_ids) == sorted(ids)


def test_an_article_missing_one_chunks_answer_has_no_result() -> None:
    from summarizer import ProviderError
    from summarizer._runs._batch import Article
    from summarizer._runs._openai_batch import collect_batch, submit_batch
    from tests.scenarios import LONG_BUDGET, long_article

    fake, client = fake_batch_client()
    engine = Summarizer(client=client, max_input_tokens=LONG_BUDGET)
    long = Article(id="long", text=long_article())
    submit_batch(engine, [long])
    del fake.uploaded[1]  # the batch expired before answering the second chunk
    [result] = list(collect_batch(engine, BATCH_ID, [long]))
    assert isinstance(result.error, ProviderError)
    assert "has no result for it" in str(result.error)
