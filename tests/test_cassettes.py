"""The library over recorded HTTP: replay only, matched on method, path and JSON body."""

from __future__ import annotations

import json
import re
from typing import Any

import openai
import pytest

from summarizer import ArticleSummary, ExtractionError, ProviderError, Summarizer, load_prompt
from summarizer._grounding import normalize_surface
from tests.record import BATCH_CASSETTES
from tests.record_examples import CLAIMS_CASSETTE, EXAMPLE_CASSETTES, claims_answer
from tests.record_llama import CASSETTE as LLAMA_CASSETTE
from tests.record_written import WRITTEN_CASSETTES, WRITTEN_TWO_PASS, cassette_name
from tests.recording import CASSETTES, ReadableJsonYaml, make_vcr
from tests.scenarios import (
    GERMAN_ID,
    SCENARIOS,
    SEED_ID,
    TEST_API_KEY,
    VISIT_ID,
    article,
    gold,
    lean_from_gold,
)


def summarize(name: str, client: Any, **overrides: Any) -> ArticleSummary:
    scenario = SCENARIOS[name]
    summarizer = Summarizer(client=client, **{**scenario.settings, **overrides})
    return summarizer.summarize(article(scenario.seed_id))


def cassette(name: str) -> dict[str, Any]:
    data: dict[str, Any] = ReadableJsonYaml.deserialize((CASSETTES / f"{name}.yaml").read_text())
    return data


def request_bodies(name: str) -> list[dict[str, Any]]:
    return [json.loads(i["request"]["body"]) for i in cassette(name)["interactions"]]


def words(text: str) -> list[str]:
    """The words of a string as grounding compares them: quotes, dashes, case of a letter."""
    return re.findall(r"\w+", normalize_surface(text).casefold())


def assert_spans_index_the_article(summary: ArticleSummary, text: str) -> None:
    """Every verbatim string has a span, and the span's text is that string, word for word.

    A direct quote is compared through its pieces (an attribution may interrupt it, and the
    model may join the pieces with ``...``); evidence through its span.
    """
    assert summary.quotes
    for quote in summary.quotes:
        assert quote.location is not None, quote
        if quote.kind == "direct":
            assert quote.span is not None and quote.pieces
            assert (quote.span.start, quote.span.end) == (
                quote.pieces[0].start,
                quote.pieces[-1].end,
            )
            assert words(" ".join(p.slice(text) for p in quote.pieces)) == words(quote.text)
        if quote.evidence is not None:
            assert quote.evidence_span is not None
            assert words(quote.evidence_span.slice(text)) == words(quote.evidence)
        if quote.kind == "mixed" and quote.evidence_span is not None:  # fragments inside it
            span = quote.evidence_span
            assert all(span.start <= p.start and p.end <= span.end + 1 for p in quote.pieces)
    evidenced: list[Any] = [*summary.positions, *summary.stances]
    for item in evidenced:
        assert item.evidence_span is not None
        assert words(item.evidence_span.slice(text)) == words(item.evidence)
    for meeting in summary.proposed_meetings:
        assert [words(s.slice(text)) for s in meeting.evidence_spans] == [
            words(e) for e in meeting.evidence
        ]
    for expression in summary.framing.expressions:
        assert expression.spans
        assert all(words(s.slice(text)) == words(expression.text) for s in expression.spans)


def test_seed_article(replay: Any, replay_client: openai.OpenAI) -> None:
    text = article(SEED_ID)
    with replay("seed_article"):
        summary = summarize("seed_article", replay_client)

    names = {s.name for s in summary.speakers}
    assert names == {"Dmitry Peskov", "Vladimir Putin", "Donald Trump"}
    assert summary.published is not None and summary.published.isoformat() == "2024-12-23"

    by_speaker = {n: summary.quotes_by(n) for n in names}
    assert any(q.kind == "direct" for q in by_speaker["Vladimir Putin"])  # the captioned block
    assert any(q.kind == "direct" for q in by_speaker["Donald Trump"])
    peskov_direct = [q for q in by_speaker["Dmitry Peskov"] if q.kind == "direct"]
    assert peskov_direct and peskov_direct[0].span is not None
    assert peskov_direct[0].span.slice(text) == "There have been no real impulses so far"

    caption = next(q for q in by_speaker["Vladimir Putin"] if q.kind == "direct")
    assert caption.span is not None
    assert caption.span.slice(text).endswith("I will be ready for the meeting.")

    [meeting] = summary.proposed_meetings
    assert set(meeting.participants) == {"Vladimir Putin", "Donald Trump"}
    assert meeting.status == "proposed"

    polarity = {(s.holder, s.target): s.polarity for s in summary.stances}
    assert polarity[("Donald Trump", "the war against Ukraine")] == "oppose"

    loaded = {e.text: e for e in summary.framing.expressions}
    assert len(loaded["Russian dictator"].spans) == 3  # every occurrence is marked
    assert all(e.refers_to == "Vladimir Putin" for e in loaded.values())
    neutral = f"{summary.headline} {summary.summary}".lower()
    assert "dictator" not in neutral and "illegitimate" not in neutral

    assert_spans_index_the_article(summary, text)
    assert summary.article_text == text  # the result carries the string its spans index
    assert summary.meta is not None
    assert summary.meta.attempts == 1 and summary.meta.reasks == 0
    assert summary.meta.prompt_version == SCENARIOS["seed_article"].prompt_version
    assert summary.meta.prompt_sha256 == load_prompt(summary.meta.prompt_version).sha256
    assert summary.meta.usage.input_tokens > 0 and summary.meta.usage.output_tokens > 0


def test_scheduled_visit(replay: Any, replay_client: openai.OpenAI) -> None:
    with replay("scheduled_visit"):
        summary = summarize("scheduled_visit", replay_client)
    visit = next(m for m in summary.proposed_meetings if m.status == "scheduled")
    assert visit.proposed_by == "Tomás Ibarra"
    assert set(visit.participants) == {"Maren Holt", "Tomás Ibarra"}
    assert (visit.date_from.isoformat(), visit.date_to.isoformat()) == (  # type: ignore[union-attr]
        "2025-03-03",
        "2025-03-04",
    )
    assert "fishing quotas" in visit.agenda
    undated = next(m for m in summary.proposed_meetings if m is not visit)
    assert undated.status == "agreed" and undated.timeframe == "April"
    assert summary.framing.expressions == []
    assert_spans_index_the_article(summary, article(VISIT_ID))


def test_request_is_static_prefix_then_article() -> None:
    """System text and schema are identical for every article; the article comes last."""
    seed, visit = request_bodies("seed_article")[0], request_bodies("scheduled_visit")[0]
    assert seed["messages"][0] == visit["messages"][0]
    assert seed["tools"] == visit["tools"]
    assert seed["messages"][-1]["content"].endswith(article(SEED_ID).rstrip("\n") + "\n</article>")
    assert "<article>\n" + article(SEED_ID)[:40] in seed["messages"][-1]["content"]


def test_tools_mode_sends_forced_tool_call_without_provider_strict() -> None:
    """What instructor's TOOLS mode really sends: a forced function call, no `strict`."""
    body = request_bodies("seed_article")[0]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "ArticleSummary"}}
    function = body["tools"][0]["function"]
    assert "strict" not in function
    assert "span" not in json.dumps(function["parameters"])  # library-computed fields hidden
    assert "meta" not in function["parameters"]["properties"]


def test_json_schema_mode(replay: Any, replay_client: openai.OpenAI) -> None:
    with replay("seed_article_json_schema"):
        summary = summarize("seed_article_json_schema", replay_client)
    assert summary.meta is not None and summary.meta.mode == "json_schema"
    body = request_bodies("seed_article_json_schema")[0]
    assert body["response_format"]["type"] == "json_schema"
    assert "strict" not in body["response_format"]["json_schema"]
    assert "tools" not in body


def test_reask_after_ungrounded_quote(replay: Any, replay_client: openai.OpenAI) -> None:
    with replay("reask_ungrounded_quote"):
        summary = summarize("reask_ungrounded_quote", replay_client)
    assert summary.meta is not None
    assert (summary.meta.attempts, summary.meta.reasks) == (2, 1)
    assert all("genuine" not in q.text for q in summary.quotes)
    reask = request_bodies("reask_ungrounded_quote")[1]["messages"][-1]
    assert reask["role"] == "tool"
    assert "quotes[1].text" in reask["content"]
    assert "So far there have been no genuine impulses" in reask["content"]


def test_reask_after_schema_invalid_output(replay: Any, replay_client: openai.OpenAI) -> None:
    with replay("reask_schema_invalid"):
        summary = summarize("reask_schema_invalid", replay_client)
    assert summary.meta is not None and summary.meta.reasks == 1
    reask = request_bodies("reask_schema_invalid")[1]["messages"][-1]["content"]
    assert "proposed_meetings.0.status" in reask and "quotes.0.kind" in reask


def test_fabrication_on_every_attempt_raises(replay: Any, replay_client: openai.OpenAI) -> None:
    with replay("fabrication_every_attempt"), pytest.raises(ExtractionError) as caught:
        summarize("fabrication_every_attempt", replay_client)
    error = caught.value
    assert error.kind == "invalid"
    assert error.attempts == 3  # the first answer and two reasks
    assert error.last_raw_output and "no genuine impulses" in error.last_raw_output
    assert any(
        "So far there have been no genuine impulses" in e["msg"] for e in error.validation_errors
    )
    assert error.usage is not None
    per_answer = json.loads(
        cassette("fabrication_every_attempt")["interactions"][0]["response"]["body"]["string"]
    )
    assert error.usage.output_tokens == 3 * per_answer["usage"]["completion_tokens"]
    assert error.model == "gpt-4.1-mini" and error.prompt_version == "v1"
    assert error.__cause__ is not None


def test_rate_limit_then_success(replay: Any, replay_client: openai.OpenAI) -> None:
    waits: list[float] = []
    scenario = SCENARIOS["rate_limited_then_ok"]
    summarizer = Summarizer(client=replay_client, **scenario.settings)
    summarizer._sleep = waits.append
    with replay("rate_limited_then_ok"):
        summary = summarizer.summarize(article(scenario.seed_id))
    assert waits == [1.0]  # the Retry-After the server sent
    assert summary.meta is not None
    assert (summary.meta.attempts, summary.meta.reasks) == (2, 0)


async def test_async_replay(replay: Any) -> None:
    client = openai.AsyncOpenAI(api_key=TEST_API_KEY)
    with replay("seed_article"):
        summary = await Summarizer(client=client, **SCENARIOS["seed_article"].settings).asummarize(
            article(SEED_ID)
        )
    assert {s.name for s in summary.speakers} == {"Dmitry Peskov", "Vladimir Putin", "Donald Trump"}


def test_unrecorded_request_is_refused(replay_client: openai.OpenAI) -> None:
    """A request the cassette does not hold (changed prompt, schema or article) fails loudly.

    vcrpy refuses it; openai reports that as a connection error, which the transport
    retries and then raises as ProviderError with vcrpy's refusal at the root of the chain.
    """
    summarizer = Summarizer(client=replay_client, **SCENARIOS["seed_article"].settings)
    summarizer._sleep = lambda seconds: None
    with make_vcr("none").use_cassette("seed_article"), pytest.raises(ProviderError) as caught:
        summarizer.summarize(article(SEED_ID) + "\nOne more line.")
    root: BaseException | None = caught.value
    while root is not None and root.__cause__ is not None:
        root = root.__cause__
    assert type(root).__name__ == "CannotOverwriteExistingCassetteException"


@pytest.mark.parametrize("seed_id", [SEED_ID, VISIT_ID, GERMAN_ID])
def test_curated_answers_are_the_gold_annotations(seed_id: str) -> None:
    """Cassettes and gold files cannot drift apart: the curated answer is the gold."""
    name = {SEED_ID: "seed_article", VISIT_ID: "scheduled_visit", GERMAN_ID: "non_english_article"}[
        seed_id
    ]
    body = json.loads(cassette(name)["interactions"][0]["response"]["body"]["string"])
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == gold(seed_id)


def test_the_claims_example_answer_is_the_gold_and_the_curated_claims() -> None:
    """``examples/own_field.py`` replays what ``python -m tests.record_examples`` curates."""
    interaction = cassette(CLAIMS_CASSETTE)["interactions"][0]
    body = json.loads(interaction["response"]["body"]["string"])
    call = body["choices"][0]["message"]["tool_calls"][0]["function"]
    assert call["name"] == "ClaimsSummary"
    assert json.loads(call["arguments"]) == claims_answer()
    assert body["id"].startswith("chatcmpl-curated-")
    sent = json.loads(interaction["request"]["body"])
    assert sent["messages"][0]["content"].startswith("You turn one news article")
    assert "claims each speaker makes" in sent["messages"][0]["content"]


def test_the_v2_seed_answer_is_the_gold_written_as_v2_asks(
    replay: Any, replay_client: openai.OpenAI
) -> None:
    """Prompt v2 stays selectable: its seed cassette replays as it was recorded."""
    body = json.loads(cassette("seed_article_v2")["interactions"][0]["response"]["body"]["string"])
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == lean_from_gold(gold(SEED_ID))
    with replay("seed_article_v2"):
        summary = summarize("seed_article_v2", replay_client)
    assert summary.meta is not None and summary.meta.prompt_version == "v2"
    assert {s.name: s.kind for s in summary.speakers}["Dmitry Peskov"] == "person"
    v1 = ArticleSummary.model_validate(gold(SEED_ID), context={"article": article(SEED_ID)})
    assert [q.location for q in summary.quotes] == [q.location for q in v1.quotes]
    assert_spans_index_the_article(summary, article(SEED_ID))
    assert body["id"].startswith("chatcmpl-curated-")


@pytest.mark.parametrize("version", ["v3", "v4"])
def test_the_v3_shaped_seed_answer_is_the_gold_written_as_v3_asks(
    replay: Any, replay_client: openai.OpenAI, version: str
) -> None:
    """The seed cassettes of v3's answer shape; v4's is the default prompt's (what the
    README's example replays)."""
    name = f"seed_article_{version}"
    body = json.loads(cassette(name)["interactions"][0]["response"]["body"]["string"])
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == lean_from_gold(gold(SEED_ID), v3=True)
    with replay(name):
        summary = summarize(name, replay_client)
    assert summary.meta is not None and summary.meta.prompt_version == version
    assert load_prompt().version == "v4"
    text = article(SEED_ID)
    for quote, annotated in zip(summary.quotes, gold(SEED_ID)["quotes"], strict=True):
        assert quote.cue == annotated["cue"] and quote.cue_span is not None
        assert quote.cue_span.slice(text) == annotated["cue"]
        if quote.kind != "direct":  # the content: the gold's, without source and cue
            assert quote.span is not None and quote.span.slice(text) == annotated["content"]
            assert quote.evidence_span is not None and quote.evidence is not None
            assert quote.evidence_span.start <= quote.cue_span.start
            assert quote.span.end <= quote.evidence_span.end
    peskov = summary.quotes[0]
    assert peskov.source_span is not None and peskov.source_span.slice(text) == "Dmitry Peskov"
    speakers = {s.name: s for s in summary.speakers}
    assert speakers["Dmitry Peskov"].affiliation == "Kremlin"
    assert speakers["Dmitry Peskov"].country == "Russia"
    assert_spans_index_the_article(summary, text)
    assert body["id"].startswith("chatcmpl-curated-")


def test_every_scenario_has_a_cassette_listed_in_the_readme() -> None:
    readme = (CASSETTES / "README.md").read_text()
    on_disk = {p.stem for p in CASSETTES.glob("*.yaml")}
    written = {f"{name}_{version}" for name, version in WRITTEN_CASSETTES}
    written |= {cassette_name(name, version, 2) for name, version in WRITTEN_TWO_PASS}
    examples = set(EXAMPLE_CASSETTES)
    assert on_disk == set(SCENARIOS) | {LLAMA_CASSETTE, *BATCH_CASSETTES} | written | examples
    for name in on_disk:
        assert f"`{name}.yaml`" in readme


KEY_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"Bearer\s+[A-Za-z0-9._\-]{12,}"),
    re.compile(r"(?im)^\s*(authorization|api-key|x-api-key|openai-organization|set-cookie)\s*:"),
]


def test_no_cassette_holds_anything_key_like() -> None:
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text()
        for pattern in KEY_PATTERNS:
            assert not pattern.search(text), f"{path.name} matches {pattern.pattern}"
        assert TEST_API_KEY not in text
