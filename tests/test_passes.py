"""A second pass for recall (``passes=2``): what it sends, how its answer merges, where it runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer import (
    ConfigurationError,
    ExtractionError,
    ResultCache,
    Settings,
    Summarizer,
    summarize_articles,
)
from summarizer._prompts import load_second_pass
from summarizer._runs._batch import Article
from summarizer._runs._estimate import RunEstimate
from summarizer._runs._openai_batch import batch_requests, collect_batch
from summarizer.cli import app
from tests.fakes import ScriptedEndpoint
from tests.fault_server import FaultServer
from tests.scenarios import (
    LONG_BUDGET,
    SEED_ID,
    TEST_API_KEY,
    VISIT_ID,
    Reply,
    answer,
    article,
    gold,
    gold_for_chunk,
    long_article,
    long_chunk_count,
    sent_article,
)

SEED = article(SEED_ID)
VISIT = article(VISIT_ID)
FOLLOW_UP = load_second_pass().spec.message
MISSED = 7
"""The seed's quote the first answers leave out: Donald Trump's long direct quote."""
REPEATED = 1
"""A quote both answers give: Dmitry Peskov's "There have been no real impulses so far"."""


def first_answer() -> dict[str, Any]:
    """The seed's gold annotation without one quote (its speaker stays listed)."""
    data = gold(SEED_ID)
    del data["quotes"][MISSED]
    return data


def second_answer(data: dict[str, Any], quotes: list[dict[str, Any]]) -> dict[str, Any]:
    """An answer holding only ``quotes``, naming speakers it does not list itself."""
    return {
        "headline": data["headline"],
        "summary": data["summary"],
        "speakers": [],
        "quotes": quotes,
        "positions": [],
        "proposed_meetings": [],
        "stances": [],
        "framing": {"expressions": [], "tone": []},
    }


def seed_second(*indices: int) -> dict[str, Any]:
    data = gold(SEED_ID)
    return second_answer(data, [data["quotes"][i] for i in indices])


def asks_again(request: dict[str, Any]) -> bool:
    """Whether a request is a second pass (it carries the follow-up message)."""
    return FOLLOW_UP in json.dumps(request["messages"], ensure_ascii=False)


def two_passes(first: Reply, second: Reply) -> Reply:
    """The first reply to a first request, the second to a second pass."""

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        return (second if asks_again(request) else first)(request)

    return reply


SEED_REPLY = two_passes(
    answer(first_answer(), "first"), answer(seed_second(MISSED, REPEATED), "second")
)


def quote_texts(summary: Any) -> list[str]:
    return [q.text for q in summary.quotes]


# -- the second request -----------------------------------------------------------------------


def test_the_second_request_shows_the_first_answer_and_asks_for_what_it_missed() -> None:
    endpoint = ScriptedEndpoint([SEED_REPLY], repeat_last=True)
    Summarizer(client=endpoint.client(), passes=2).summarize(SEED)
    first, second = endpoint.requests
    assert {k: v for k, v in second.items() if k != "messages"} == {
        k: v for k, v in first.items() if k != "messages"
    }
    assert second["messages"][:2] == first["messages"]
    said, asked = second["messages"][2:]
    call = said["tool_calls"][0]
    assert said["role"] == "assistant" and call["id"] == "call_curated_first"
    arguments = call["function"]["arguments"]
    assert arguments == json.dumps(json.loads(arguments), ensure_ascii=False, separators=(",", ":"))
    written = answer(first_answer(), "first")(first)[2]["choices"][0]["message"]
    assert json.loads(arguments) == json.loads(written["tool_calls"][0]["function"]["arguments"])
    assert asked == {"role": "tool", "tool_call_id": "call_curated_first", "content": FOLLOW_UP}


def test_in_a_json_mode_the_first_answer_is_the_assistants_message() -> None:
    endpoint = ScriptedEndpoint([SEED_REPLY], repeat_last=True)
    Summarizer(client=endpoint.client(), passes=2, mode="json_schema").summarize(SEED)
    first, second = endpoint.requests
    said, asked = second["messages"][len(first["messages"]) :]
    assert said["role"] == "assistant" and "tool_calls" not in said
    assert json.loads(said["content"])["headline"] == gold(SEED_ID)["headline"]
    assert ", " not in said["content"].split('"headline"')[0]
    assert asked == {"role": "user", "content": FOLLOW_UP}


def test_one_pass_sends_one_request_as_before() -> None:
    endpoint = ScriptedEndpoint([SEED_REPLY], repeat_last=True)
    summary = Summarizer(client=endpoint.client()).summarize(SEED)
    assert len(endpoint.requests) == 1 and gold(SEED_ID)["quotes"][MISSED]["text"] not in (
        quote_texts(summary)
    )
    assert summary.meta is not None and summary.meta.passes == 1
    assert summary.meta.second_pass_version is None


# -- the merge --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_missed_quote_is_added_once_and_a_repeated_one_kept_once(version: str) -> None:
    """Whatever the answer's shape, the merge is of summaries: once each, every span located."""
    endpoint = ScriptedEndpoint([SEED_REPLY], repeat_last=True)
    one = Summarizer(client=endpoint.client(), prompt_version=version).summarize(SEED)
    two = Summarizer(client=endpoint.client(), prompt_version=version, passes=2).summarize(SEED)
    missed, repeated = gold(SEED_ID)["quotes"][MISSED], gold(SEED_ID)["quotes"][REPEATED]
    assert quote_texts(two).count(missed["text"]) == 1
    assert quote_texts(two).count(repeated["text"]) == 1
    assert len(two.quotes) == len(one.quotes) + 1
    added = next(q for q in two.quotes if q.text == missed["text"])
    assert added.span is not None and added.pieces
    assert SEED[added.span.start : added.span.end].startswith("Including foreign policy")
    # Donald Trump is listed only by the first answer: the second's quote resolves to him.
    assert added.speaker == "Donald Trump" and added.speaker_id == "donald-trump"
    assert [s.name for s in two.speakers] == [s.name for s in one.speakers]
    assert all(q.location is not None for q in two.quotes)
    starts = [q.location.start for q in two.quotes if q.location is not None]
    assert starts == sorted(starts)
    assert sorted(map(repr, two.stances)) == sorted(map(repr, one.stances))  # put in article order
    assert two.headline == one.headline


def test_meta_counts_both_passes() -> None:
    endpoint = ScriptedEndpoint([SEED_REPLY], repeat_last=True)
    summary = Summarizer(client=endpoint.client(), passes=2).summarize(SEED)
    meta = summary.meta
    assert meta is not None and (meta.attempts, meta.reasks, meta.passes) == (2, 0, 2)
    second = load_second_pass()
    assert (meta.second_pass_version, meta.second_pass_sha256) == (second.version, second.sha256)
    one = Summarizer(client=endpoint.client()).summarize(SEED)
    assert one.meta is not None and meta.usage.input_tokens > 2 * one.meta.usage.input_tokens
    assert summary.article_text == SEED and summary.published == one.published


def test_a_fabricated_quote_in_the_second_answer_is_reasked() -> None:
    fabricated = seed_second(MISSED)
    fabricated["quotes"][0]["text"] = "President Putin said he wants a deal with me by Friday"
    endpoint = ScriptedEndpoint(
        [
            answer(first_answer(), "first"),
            answer(fabricated, "fabricated"),
            answer(seed_second(MISSED), "second"),
        ]
    )
    summary = Summarizer(client=endpoint.client(), passes=2).summarize(SEED)
    assert len(endpoint.requests) == 3
    reask = endpoint.requests[2]["messages"]
    assert reask[:4] == endpoint.requests[1]["messages"]  # the second pass's conversation
    assert "wants a deal with me by Friday" in reask[-1]["content"]
    assert all("by Friday" not in text for text in quote_texts(summary))
    assert gold(SEED_ID)["quotes"][MISSED]["text"] in quote_texts(summary)
    assert summary.meta is not None and (summary.meta.attempts, summary.meta.reasks) == (3, 1)


def test_a_second_answer_that_stays_fabricated_is_an_extraction_error() -> None:
    fabricated = seed_second(MISSED)
    fabricated["quotes"][0]["text"] = "President Putin said he wants a deal with me by Friday"
    endpoint = ScriptedEndpoint(
        [answer(first_answer(), "first"), answer(fabricated, "fabricated")], repeat_last=True
    )
    with pytest.raises(ExtractionError) as caught:
        Summarizer(client=endpoint.client(), passes=2, max_reasks=1).summarize(SEED)
    assert caught.value.kind == "invalid" and len(endpoint.requests) == 3
    assert caught.value.last_raw_output is not None and "by Friday" in caught.value.last_raw_output


def test_a_long_article_gets_its_passes_chunk_by_chunk() -> None:
    """Each chunk's second answer repeats that chunk's first quote: the result is unchanged."""

    def repeat_first_quote(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        chunk = sent_article({"messages": request["messages"][:2]})
        data = gold_for_chunk(chunk)
        return answer(second_answer(data, data["quotes"][:1]), "again")(request)

    def chunk_reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        chunk = sent_article(request)
        return answer(gold_for_chunk(chunk), f"at-{long_article().find(chunk)}")(request)

    endpoint = ScriptedEndpoint([two_passes(chunk_reply, repeat_first_quote)], repeat_last=True)
    settings: dict[str, Any] = {"max_input_tokens": LONG_BUDGET, "chunk_concurrency": 1}
    text = long_article()
    one = Summarizer(client=endpoint.client(), **settings).summarize(text)
    assert len(endpoint.requests) == long_chunk_count()
    two = Summarizer(client=endpoint.client(), passes=2, **settings).summarize(text)
    assert len(endpoint.requests) == 3 * long_chunk_count()
    assert sum(asks_again(r) for r in endpoint.requests) == long_chunk_count()
    assert [(q.text, q.location) for q in two.quotes] == [(q.text, q.location) for q in one.quotes]
    assert two.meta is not None and one.meta is not None
    assert two.meta.chunks == one.meta.chunks and two.meta.attempts == 2 * long_chunk_count()


# -- every way in -----------------------------------------------------------------------------


async def test_asummarize_runs_both_passes() -> None:
    endpoint = ScriptedEndpoint([SEED_REPLY], repeat_last=True)
    summary = await Summarizer(client=endpoint.async_client(), passes=2).asummarize(SEED)
    assert len(endpoint.requests) == 2 and asks_again(endpoint.requests[1])
    assert gold(SEED_ID)["quotes"][MISSED]["text"] in quote_texts(summary)


def visit_reply() -> Reply:
    data = gold(VISIT_ID)
    return two_passes(answer(data, "visit"), answer(second_answer(data, []), "visit-again"))


def by_article(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    sent = sent_article({"messages": request["messages"][:2]})
    return (SEED_REPLY if sent == SEED else visit_reply())(request)


def test_a_batch_runs_both_passes_for_every_article() -> None:
    endpoint = ScriptedEndpoint([by_article], repeat_last=True)
    results = list(
        summarize_articles(
            [Article("seed", SEED), Article("visit", VISIT)], client=endpoint.client(), passes=2
        )
    )
    assert len(endpoint.requests) == 4 and sum(asks_again(r) for r in endpoint.requests) == 2
    found = {r.id: r.summary for r in results}
    assert found["seed"] is not None and found["visit"] is not None
    assert gold(SEED_ID)["quotes"][MISSED]["text"] in quote_texts(found["seed"])
    assert len(found["visit"].quotes) == len(gold(VISIT_ID)["quotes"])


def test_the_batch_api_is_refused_before_anything_is_sent() -> None:
    endpoint = ScriptedEndpoint([])
    summarizer = Summarizer(client=endpoint.client(), passes=2)
    for call in (
        lambda: batch_requests(summarizer, [Article("seed", SEED)]),
        lambda: list(collect_batch(summarizer, "batch_1", [Article("seed", SEED)])),
        lambda: summarizer.validate_completion(SEED, object()),
    ):
        with pytest.raises(ConfigurationError, match="in-process batches"):
            call()
    assert endpoint.requests == []


def test_the_estimate_counts_the_second_requests() -> None:
    one, two = RunEstimate(model="gpt-4.1-mini"), RunEstimate(model="gpt-4.1-mini")
    one.add(Summarizer(api_key=TEST_API_KEY), SEED)
    two.add(Summarizer(api_key=TEST_API_KEY, passes=2), SEED)
    assert (one.requests, two.requests) == (1, 2)
    assert two.usage.input_tokens > 2 * one.usage.input_tokens
    assert two.usage.output_tokens == 2 * one.usage.output_tokens


# -- settings and the cache -------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 3, True, "2", 1.5])
def test_passes_is_one_or_two(value: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"passes .*must be 1 or 2"):
        Settings(passes=value)


def test_passes_from_the_environment() -> None:
    assert Settings.from_env({"SUMMARIZER_PASSES": "2"}).passes == 2
    with pytest.raises(ConfigurationError, match="SUMMARIZER_PASSES"):
        Settings.from_env({"SUMMARIZER_PASSES": "two"})


def test_one_pass_and_two_passes_are_separate_cache_entries(tmp_path: Path) -> None:
    endpoint = ScriptedEndpoint([SEED_REPLY], repeat_last=True)
    cache = ResultCache(tmp_path)
    one = Summarizer(client=endpoint.client(), cache=cache)
    two = one.with_options(passes=2)
    assert one.pipeline.cache_key(cache, one.pipeline.prepare(SEED)) != two.pipeline.cache_key(
        cache, two.pipeline.prepare(SEED)
    )
    one.summarize(SEED)
    assert len(endpoint.requests) == 1
    first = two.summarize(SEED)
    assert len(endpoint.requests) == 3 and len(cache) == 2
    again = two.summarize(SEED)
    assert len(endpoint.requests) == 3
    assert again.meta is not None and again.meta.cached and again.meta.passes == 2
    assert quote_texts(again) == quote_texts(first)


def test_the_one_pass_key_is_the_key_of_earlier_releases() -> None:
    parts: dict[str, Any] = {
        "model": "m",
        "mode": "tools",
        "prompt_id": "article_summary",
        "prompt_version": "v1",
        "prompt_sha256": "a" * 64,
        "article": "text",
        "published": None,
        "temperature": None,
    }
    assert ResultCache.key(**parts) == ResultCache.key(**parts, passes=1, second_pass="x")
    assert ResultCache.key(**parts, passes=2, second_pass="x") != ResultCache.key(**parts)
    assert ResultCache.key(**parts, passes=2, second_pass="x") != ResultCache.key(
        **parts, passes=2, second_pass="y"
    )


# -- the command line -------------------------------------------------------------------------


def run_cli(args: list[str], server: FaultServer, tmp_path: Path) -> Any:
    env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
    return CliRunner().invoke(app, args, env=env)


def test_cli_summarize_with_two_passes(tmp_path: Path) -> None:
    path = tmp_path / "seed.txt"
    path.write_text(SEED, encoding="utf-8")
    with FaultServer([SEED_REPLY], repeat_last=True) as server:
        result = run_cli(["summarize", str(path), "--json", "--passes", "2"], server, tmp_path)
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 2 and asks_again(server.requests[1])
    data = json.loads(result.stdout)
    assert data["meta"]["passes"] == 2
    assert gold(SEED_ID)["quotes"][MISSED]["text"] in [q["text"] for q in data["quotes"]]


def test_cli_batch_with_two_passes(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "seed.txt").write_text(SEED, encoding="utf-8")
    (inputs / "visit.txt").write_text(VISIT, encoding="utf-8")
    output = tmp_path / "out.jsonl"
    args = ["batch", str(inputs), "-o", str(output), "--no-cache", "--passes", "2"]
    with FaultServer([by_article], repeat_last=True) as server:
        result = run_cli(args, server, tmp_path)
    assert result.exit_code == 0, result.output
    assert "4 request(s) for 2 article(s)" in result.output
    assert len(server.requests) == 4 and sum(asks_again(r) for r in server.requests) == 2
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["status"] for r in records) == ["ok", "ok"]
    assert all(r["meta"]["passes"] == 2 for r in records)


def test_cli_batch_through_the_batch_api_is_refused(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "seed.txt").write_text(SEED, encoding="utf-8")
    output = tmp_path / "out.jsonl"
    args = ["batch", str(inputs), "-o", str(output), "--via", "openai-batch", "--passes", "2"]
    with FaultServer([], repeat_last=False) as server:
        result = run_cli([*args, "--no-cache"], server, tmp_path)
    assert result.exit_code == 2, result.output
    assert "use in-process batches" in " ".join(result.output.split())
    assert server.requests == [] and not output.exists()


def test_the_first_request_is_the_same_with_two_passes() -> None:
    """A second pass changes nothing in the first request: its recorded answers still match."""
    one = Summarizer(api_key=TEST_API_KEY).request_bodies(SEED)
    assert Summarizer(api_key=TEST_API_KEY, passes=2).request_bodies(SEED) == one


def test_eval_compares_one_pass_with_two(tmp_path: Path) -> None:
    """The measurement of the README: one command scores both runs from recorded answers."""
    endpoint = ScriptedEndpoint([SEED_REPLY], repeat_last=True)
    client = endpoint.client()
    Summarizer(client=client, max_retries=0, prompt_version="v2").summarize(SEED)
    Summarizer(client=client, max_retries=0, prompt_version="v2", passes=2).summarize(SEED)
    interactions = [
        {
            "request": {"body_json": request},
            "response": {"status": {"code": 200}, "headers": {}, "body": {"json": payload}},
        }
        for request in endpoint.requests
        for _, _, payload in [SEED_REPLY(request)]
    ]
    cassette = tmp_path / "seed_2pass.yaml"
    cassette.write_text(json.dumps({"interactions": interactions}), encoding="utf-8")
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text(json.dumps({"id": "seed", "text": SEED, "gold": gold(SEED_ID)}) + "\n")
    args = ["eval", str(gold_file), "--prompt-version", "v2", "--passes", "1", "--passes", "2"]
    args += ["--replay", str(cassette)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    one, two = json.loads(result.stdout)["configs"]
    assert (one["name"], two["name"]) == ("v2 · gpt-4.1-mini", "v2 · gpt-4.1-mini · 2 passes")
    assert (one["quotes_direct"]["fn"], two["quotes_direct"]["fn"]) == (1, 0)
    assert two["quotes"]["recall"] > one["quotes"]["recall"]
    assert two["quotes"]["fp"] == one["quotes"]["fp"]  # the repeated quote is not counted twice
    assert two["tokens"]["input"] > 2 * one["tokens"]["input"]
