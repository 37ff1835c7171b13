"""Long articles: budget, chunking on paragraph/sentence boundaries, span shifting, merging."""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

import openai
import pytest

from summarizer import ArticleSummary, InputError, Summarizer
from summarizer._chunking import OUTPUT_PER_INPUT_TOKEN, merge_chunks, shift_spans, split_article
from summarizer._grounding import Span, locate_pieces, locate_quote
from summarizer._models import estimate_tokens
from summarizer.schema import ProposedMeeting
from tests.recording import CASSETTES, ReadableJsonYaml
from tests.scenarios import (
    GERMAN_ID,
    LONG_BUDGET,
    SCENARIOS,
    SEED_ID,
    TEST_API_KEY,
    VISIT_ID,
    article,
    gold,
    gold_for_chunk,
    long_article,
    sent_article,
)

LONG = long_article()


def responses(name: str) -> list[dict[str, Any]]:
    data = ReadableJsonYaml.deserialize((CASSETTES / f"{name}.yaml").read_text())
    return [json.loads(i["response"]["body"]["string"]) for i in data["interactions"]]


def requests(name: str) -> list[dict[str, Any]]:
    data = ReadableJsonYaml.deserialize((CASSETTES / f"{name}.yaml").read_text())
    return [json.loads(i["request"]["body"]) for i in data["interactions"]]


def check_long_summary(summary: ArticleSummary) -> None:
    assert summary.article_text == LONG
    assert summary.meta is not None
    chunks = summary.meta.chunks
    assert len(chunks) >= 3
    assert chunks[0].start == 0 and chunks[-1].end == len(LONG)
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # one-sentence overlap: no gap, no lost text
        assert estimate_tokens(before.slice(LONG)) <= LONG_BUDGET
    # Each request carried exactly one chunk, with the article's publication date.
    sent = [sent_article(r) for r in requests("long_article_chunked")]
    assert sent == [c.slice(LONG) for c in chunks]
    assert all(
        "Publication date: 2024-12-23" in r["messages"][-1]["content"]
        for r in requests("long_article_chunked")
    )
    # Usage and attempts are summed over every chunk's request.
    answers = responses("long_article_chunked")
    assert summary.meta.attempts == len(chunks) == len(answers)
    assert summary.meta.usage.input_tokens == sum(a["usage"]["prompt_tokens"] for a in answers)
    assert summary.meta.usage.output_tokens == sum(a["usage"]["completion_tokens"] for a in answers)

    # One speaker per person, each with a stable id; chunk-local names merged by identity.
    names = [s.name for s in summary.speakers]
    expected = {
        s["name"] for seed in (SEED_ID, VISIT_ID, GERMAN_ID) for s in gold(seed)["speakers"]
    }
    assert sorted(names) == sorted(expected)
    ids = [s.id for s in summary.speakers]
    assert len(set(ids)) == len(ids) and "vladimir-putin" in ids and "tomas-ibarra" in ids
    ibarra = summary.speaker("Ibarra")
    assert ibarra is not None and ibarra.name == "Tomás Ibarra"  # chunk 4 only says "Ibarra"

    # Every span indexes the original article exactly.
    for quote in summary.quotes:
        assert quote.speaker_id == summary.speaker(quote.speaker).id  # type: ignore[union-attr]
        if quote.kind == "direct":
            assert quote.span is not None
            assert quote.span == locate_quote(quote.text, LONG)
            assert quote.pieces == locate_pieces(quote.text, LONG)  # shifted too
        if quote.evidence:
            assert quote.evidence_span == locate_quote(quote.evidence, LONG)
    for position in summary.positions:
        assert position.evidence_span == locate_quote(position.evidence, LONG)
    for stance in summary.stances:
        assert stance.evidence_span == locate_quote(stance.evidence, LONG)
    for meeting in summary.proposed_meetings:
        assert meeting.evidence_spans == [locate_quote(e, LONG) for e in meeting.evidence]
        assert len(meeting.participant_ids) == len(meeting.participants)
    loaded = {e.text: e for e in summary.framing.expressions}
    assert len(loaded["Russian dictator"].spans) == 3  # across two chunks, counted once each

    # No quote twice, although the overlap regions were read by two chunks.
    locations = [(q.speaker_id, q.kind, q.location) for q in summary.quotes]
    assert len(set(locations)) == len(locations)
    per_chunk = sum(len(gold_for_chunk(c.slice(LONG))["quotes"]) for c in chunks)
    assert len(summary.quotes) < per_chunk  # the overlap's duplicate was dropped
    # ...and none lost: every gold quote inside some chunk is there, at its place.
    gold_quotes = [q for seed in (SEED_ID, VISIT_ID, GERMAN_ID) for q in gold(seed)["quotes"]]
    where = {
        locate_quote(q["text"] if q["kind"] == "direct" else q["evidence"], LONG)
        for q in gold_quotes
    }
    assert {q.location for q in summary.quotes} == where
    # The Putin–Trump meeting, read by two chunks, is one meeting with its evidence united.
    [putin_trump] = [m for m in summary.proposed_meetings if "vladimir-putin" in m.participant_ids]
    assert set(putin_trump.participant_ids) == {"vladimir-putin", "donald-trump"}
    assert len(putin_trump.evidence) == len(gold(SEED_ID)["proposed_meetings"][0]["evidence"])
    assert summary.headline == gold(SEED_ID)["headline"]  # the first chunk's


def test_long_article_is_chunked_and_merged(replay: Any, replay_client: openai.OpenAI) -> None:
    scenario = SCENARIOS["long_article_chunked"]
    with replay(scenario.name):
        summary = Summarizer(client=replay_client, **scenario.settings).summarize(LONG)
    check_long_summary(summary)


async def test_long_article_async(replay: Any) -> None:
    scenario = SCENARIOS["long_article_chunked"]
    client = openai.AsyncOpenAI(api_key=TEST_API_KEY)
    with replay(scenario.name):
        summary = await Summarizer(client=client, **scenario.settings).asummarize(LONG)
    check_long_summary(summary)


def test_curated_chunk_answers_are_the_gold_restricted_to_each_chunk() -> None:
    for request, body in zip(
        requests("long_article_chunked"), responses("long_article_chunked"), strict=True
    ):
        arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        assert json.loads(arguments) == gold_for_chunk(sent_article(request))


def test_chunks_are_substrings_on_sentence_boundaries_with_overlap() -> None:
    chunks = split_article(LONG, 300)
    assert len(chunks) == 5
    for chunk in chunks:
        text = chunk.slice(LONG)
        assert estimate_tokens(text) <= 300
        assert LONG[chunk.start : chunk.end] == text
        assert chunk.start == 0 or LONG[chunk.start - 1] in " \n"  # starts a sentence
    for before, after in itertools.pairwise(chunks):
        overlap = LONG[after.start : before.end].strip()
        assert overlap and LONG[before.start : before.end].rstrip().endswith(overlap)
        assert "\n\n" not in overlap  # one sentence or one short paragraph, no more


def test_short_article_is_one_chunk() -> None:
    assert split_article(article(SEED_ID), 10_000) == [Span(start=0, end=len(article(SEED_ID)))]


def test_a_sentence_longer_than_the_budget_is_refused() -> None:
    text = "Short one. " + "word " * 400 + "end.\n\nAnother paragraph."
    with pytest.raises(InputError, match="one sentence of the article is about"):
        split_article(text, 100)


def test_output_limit_also_forces_chunks() -> None:
    engine = Summarizer(model="gpt-4o-mini")
    assert engine.max_input_tokens == 128_000 - 16_384
    assert engine.chunk_budget == int(16_384 / OUTPUT_PER_INPUT_TOKEN)
    assert Summarizer(model="gpt-4o-mini", max_input_tokens=500).chunk_budget == 500
    assert Summarizer(model="my-local-model").chunk_budget is None


def test_budget_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_MAX_INPUT_TOKENS", "1234")
    assert Summarizer(model="my-local-model").max_input_tokens == 1234
    assert Summarizer(model="my-local-model", max_input_tokens=99).max_input_tokens == 99
    monkeypatch.setenv("SUMMARIZER_MAX_INPUT_TOKENS", "lots")
    with pytest.raises(Exception, match="SUMMARIZER_MAX_INPUT_TOKENS"):
        Summarizer()


def _part(meetings: list[dict[str, Any]], text: str) -> ArticleSummary:
    data = {"headline": "h", "summary": "s", "proposed_meetings": meetings}
    return ArticleSummary.model_validate(data, context={"article": text})


def test_two_meetings_of_one_chunk_never_merge_but_across_chunks_they_do() -> None:
    text = "A and B will meet in May. A and B met in March.\n\nThe May meeting was confirmed."
    may = {
        "participants": ["A", "B"],
        "status": "proposed",
        "timeframe": "May",
        "evidence": ["A and B will meet in May."],
    }
    march = {
        "participants": ["A", "B"],
        "status": "held",
        "timeframe": "March",
        "evidence": ["A and B met in March."],
    }
    later = {
        "participants": ["B", "A"],
        "status": "agreed",
        "timeframe": "may",
        "evidence": ["The May meeting was confirmed."],
    }
    merged = merge_chunks([_part([may, march], text), _part([later], text)], text)
    by_time = {m.timeframe: m for m in merged.proposed_meetings}
    assert set(by_time) == {"May", "March"}
    assert by_time["May"].status == "agreed"  # the most advanced status wins
    assert len(by_time["May"].evidence) == 2 and by_time["March"].status == "held"
    assert all(isinstance(m, ProposedMeeting) for m in merged.proposed_meetings)


def test_a_surname_keeps_its_own_chunks_meaning_when_merged() -> None:
    text = 'Boris Johnson spoke. "Yes," said Johnson.\n\nMike Johnson spoke. "No," said Johnson.'
    first, second = text.split("\n\n")

    def part(who: str, said: str, chunk: str) -> ArticleSummary:
        data = {
            "headline": "h",
            "summary": "s",
            "speakers": [{"name": who, "aliases": ["Johnson"]}],
            "quotes": [{"speaker": "Johnson", "kind": "direct", "text": said}],
        }
        return ArticleSummary.model_validate(data, context={"article": chunk})

    later = part("Mike Johnson", "No", second)
    shift_spans(later, Span(start=len(first) + 2, end=len(text)), text)
    merged = merge_chunks([part("Boris Johnson", "Yes", first), later], text)
    assert [s.id for s in merged.speakers] == ["boris-johnson", "mike-johnson"]
    assert [(q.text, q.speaker_id) for q in merged.quotes] == [
        ("Yes", "boris-johnson"),
        ("No", "mike-johnson"),
    ]


def test_a_single_call_result_carries_stable_ids() -> None:
    text = article(SEED_ID)
    summary = ArticleSummary.model_validate(gold(SEED_ID), context={"article": text})
    assert [s.id for s in summary.speakers] == ["dmitry-peskov", "vladimir-putin", "donald-trump"]
    assert {q.speaker_id for q in summary.quotes} == {
        "dmitry-peskov",
        "vladimir-putin",
        "donald-trump",
    }
    [meeting] = summary.proposed_meetings
    assert sorted(meeting.participant_ids) == ["donald-trump", "vladimir-putin"]  # type: ignore[type-var]
    assert all(t.actor_id for t in summary.framing.tone)
    assert "id" not in json.dumps(ArticleSummary.model_json_schema()["$defs"]["Speaker"])


def chunk_reply(fail_on: str) -> Any:
    """Each chunk's curated answer, except an HTTP 400 for the chunk containing ``fail_on``."""
    from tests.scenarios import answer, error

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        chunk = sent_article(request)
        if fail_on in chunk:
            return error(400, "this chunk is refused", "invalid_request_error")(request)
        return answer(gold_for_chunk(chunk), "chunk")(request)

    return reply


def test_a_failing_chunk_fails_the_call_with_its_typed_error() -> None:
    from summarizer import ProviderError
    from tests.fault_server import FaultServer

    with FaultServer([chunk_reply("Vestland")], repeat_last=True) as server:
        engine = Summarizer(
            client=openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY),
            max_input_tokens=LONG_BUDGET,
        )
        with pytest.raises(ProviderError, match="this chunk is refused") as caught:
            engine.summarize(LONG)
    assert caught.value.status_code == 400


async def test_a_failing_chunk_cancels_the_others_async() -> None:
    """The other chunks' requests are cancelled, not awaited: they would never answer."""
    from summarizer import ProviderError
    from tests.fault_server import FaultServer
    from tests.scenarios import answer, error, long_chunk_count

    release = threading.Event()
    held: list[str] = []

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        chunk = sent_article(request)
        if "Vestland" in chunk:
            return error(400, "this chunk is refused", "invalid_request_error")(request)
        held.append(chunk)
        release.wait(60)  # answers only when the test lets it: after the call has ended
        return answer(gold_for_chunk(chunk), "chunk")(request)

    with FaultServer([reply], repeat_last=True) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=TEST_API_KEY) as client:
            engine = Summarizer(client=client, max_input_tokens=LONG_BUDGET, timeout=60)
            started = time.monotonic()
            try:
                with pytest.raises(ProviderError, match="this chunk is refused"):
                    await engine.asummarize(LONG)
                elapsed = time.monotonic() - started
            finally:
                release.set()
    assert len(server.requests) == long_chunk_count() and held  # all were in flight at once
    assert elapsed < 20, f"the call waited {elapsed:.0f}s for chunks it should have cancelled"


def test_chunks_naming_two_people_alike_keep_them_and_their_quotes_apart() -> None:
    """A father and son (middle names differ), a king and a singer (a given name)."""
    chunks = [
        '"Read my lips," said George H. W. Bush. King Charles smiled.',
        '"Mission accomplished," said George W. Bush. "Hit the road," sang Ray Charles.',
    ]
    text = "\n\n".join(chunks)

    def part(chunk: str, speakers: list[str], quotes: list[tuple[str, str]]) -> ArticleSummary:
        data = {
            "headline": "h",
            "summary": "s",
            "speakers": [{"name": name} for name in speakers],
            "quotes": [{"speaker": who, "kind": "direct", "text": said} for who, said in quotes],
        }
        return ArticleSummary.model_validate(data, context={"article": chunk})

    first = part(
        chunks[0], ["George H. W. Bush", "King Charles"], [("George H. W. Bush", "Read my lips")]
    )
    second = part(
        chunks[1],
        ["George W. Bush", "Ray Charles"],
        [("George W. Bush", "Mission accomplished"), ("Ray Charles", "Hit the road")],
    )
    shift_spans(second, Span(start=len(chunks[0]) + 2, end=len(text)), text)
    merged = merge_chunks([first, second], text)
    assert [s.id for s in merged.speakers] == [
        "george-h-w-bush",
        "charles",
        "george-w-bush",
        "ray-charles",
    ]
    assert [(q.text, q.speaker, q.speaker_id) for q in merged.quotes] == [
        ("Read my lips", "George H. W. Bush", "george-h-w-bush"),
        ("Mission accomplished", "George W. Bush", "george-w-bush"),
        ("Hit the road", "Ray Charles", "ray-charles"),
    ]
