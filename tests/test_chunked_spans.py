"""Every field holding article offsets indexes the whole article after chunking.

The article below is written by the team for these tests (people and places fictional): three
paragraphs, one chunk each at ``BUDGET``, and its last chunk holds an instance of every span
field of the schema: a direct quote split by its attribution (``span``, ``pieces``), a mixed
quote (``evidence_span`` and its quoted fragment in ``pieces``), a position, a stance, a
meeting and a framing expression.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from summarizer import ArticleSummary, Span, Summarizer, locate_pieces, locate_quote
from summarizer._chunking import shift_spans, split_article
from summarizer._fields import span_fields, walk_spans
from tests.fakes import ScriptedEndpoint
from tests.scenarios import answer, sent_article

ARTICLE = (
    "Talks on the northern rail link resumed in Korvik on Monday, after a pause of six weeks. "
    "Transport Minister Ana Ruiz said the route through the valley was settled. "
    "“We have the money and we have the map,” Ruiz said at the station.\n\n"
    "Opposition leader Marek Olsen said his party would oppose the bill. The regional council "
    "has not yet taken a position on the link, and its chair was travelling abroad. "
    "Olsen and Ruiz will meet on Thursday to discuss the costs, their offices said.\n\n"
    "“We will not wait for another winter,” Transport Minister Ana Ruiz told reporters before "
    "the evening vote in parliament, “and the first trains will run in 2027.” Olsen called "
    "the timetable “a fantasy” and said the vote should be delayed. Ruiz will see Olsen again "
    "after the vote, an aide said. What critics call the minister's reckless gamble has split "
    "the coalition."
)
BUDGET = 140
SPLIT_QUOTE = "We will not wait for another winter, and the first trains will run in 2027."
MIXED_EVIDENCE = "Olsen called the timetable “a fantasy” and said the vote should be delayed."

RUIZ = {"name": "Ana Ruiz", "aliases": ["Ruiz"], "role": "Transport Minister"}
OLSEN = {"name": "Marek Olsen", "aliases": ["Olsen"], "role": "Opposition leader"}
ANSWER: dict[str, Any] = {  # items in article order: the merged result's order
    "headline": "Rail link talks resume in Korvik",
    "summary": "Talks on the northern rail link resumed; the opposition wants the vote delayed.",
    "speakers": [RUIZ, OLSEN],
    "quotes": [
        {"speaker": "Ana Ruiz", "kind": "direct", "text": "We have the money and we have the map"},
        {
            "speaker": "Marek Olsen",
            "kind": "indirect",
            "text": "Olsen said his party would oppose the bill",
            "evidence": "Opposition leader Marek Olsen said his party would oppose the bill.",
            "content": "his party would oppose the bill",
            "cue": "said",
        },
        {"speaker": "Ana Ruiz", "kind": "direct", "text": SPLIT_QUOTE, "cue": "told reporters"},
        {
            "speaker": "Marek Olsen",
            "kind": "mixed",
            "text": "Olsen said the timetable was unrealistic and the vote should be delayed",
            "evidence": MIXED_EVIDENCE,
            "content": "the timetable “a fantasy”",
            "cue": "called",
        },
    ],
    "positions": [
        {
            "actor": "Marek Olsen",
            "topic": "the vote on the rail link",
            "position": "it should be delayed",
            "evidence": "said the vote should be delayed",
        }
    ],
    "proposed_meetings": [
        {
            "participants": ["Marek Olsen", "Ana Ruiz"],
            "status": "scheduled",
            "timeframe": "on Thursday",
            "evidence": [
                "Olsen and Ruiz will meet on Thursday to discuss the costs",
                "Ruiz will see Olsen again after the vote",
            ],
        }
    ],
    "stances": [
        {
            "holder": "Marek Olsen",
            "target": "the timetable",
            "polarity": "oppose",
            "evidence": "called the timetable “a fantasy”",
        }
    ],
    "framing": {
        "expressions": [{"text": "reckless gamble", "refers_to": "Ana Ruiz"}],
        "tone": [{"actor": "Ana Ruiz", "tone": "neutral"}],
    },
}


def answer_for_chunk(chunk: str) -> dict[str, Any]:
    """``ANSWER`` restricted to what ``chunk`` holds, as a careful reader of it would give it."""

    def found(text: str | None) -> bool:
        return text is None or locate_quote(text, chunk) is not None

    data = copy.deepcopy(ANSWER)
    names: dict[str, str] = {}
    speakers = []
    for speaker in data["speakers"]:
        forms = [f for f in [speaker["name"], *speaker["aliases"]] if found(f)]
        if forms:
            names[speaker["name"]] = forms[0]
            speakers.append({**speaker, "name": forms[0], "aliases": forms[1:]})
    data["speakers"] = speakers
    data["quotes"] = [
        {**q, "speaker": names[q["speaker"]]}
        for q in data["quotes"]
        if q["speaker"] in names
        and found(q.get("evidence"))
        and (q["kind"] != "direct" or locate_pieces(q["text"], chunk) is not None)
    ]
    data["positions"] = [p for p in data["positions"] if found(p["evidence"])]
    data["stances"] = [s for s in data["stances"] if found(s["evidence"])]
    meetings = []
    for meeting in data["proposed_meetings"]:
        evidence = [e for e in meeting["evidence"] if found(e)]
        if evidence:
            meetings.append({**meeting, "evidence": evidence})
    data["proposed_meetings"] = meetings
    framing = data["framing"]
    framing["expressions"] = [e for e in framing["expressions"] if found(e["text"])]
    framing["tone"] = [t for t in framing["tone"] if t["actor"] in names]
    return data


def schema_span_fields() -> set[tuple[str, str]]:
    """(model, field) of every field typed with :class:`Span` reachable from the summary.

    Found from the type annotations, independently of the markers the walker reads.
    """

    def holds(annotation: Any, kind: type) -> bool:
        return annotation is kind or any(
            holds(a, kind) for a in getattr(annotation, "__args__", ())
        )

    found: set[tuple[str, str]] = set()
    seen: set[type] = set()
    todo: list[type[BaseModel]] = [ArticleSummary]
    while todo:
        model = todo.pop()
        if model in seen or model is Span or model.__module__ == "summarizer._meta":
            continue  # meta's chunks index the article already: they are no chunk's offsets
        seen.add(model)
        for name, info in model.model_fields.items():
            if holds(info.annotation, Span):
                found.add((model.__name__, name))
            stack = [info.annotation]
            while stack:
                annotation = stack.pop()
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    todo.append(annotation)
                stack += getattr(annotation, "__args__", ())
    return found


def walked_fields(summary: BaseModel) -> set[tuple[str, str]]:
    return {(type(v.owner).__name__, v.name) for v in walk_spans(summary) if v.spans}


def test_the_walker_knows_every_span_field_of_the_schema() -> None:
    fields = schema_span_fields()
    assert ("Quote", "pieces") in fields and ("Quote", "span") in fields
    named = {
        (model.__name__, name)
        for model in {type(v.owner) for v in walk_spans(_whole())}
        for name in span_fields(model)
    }
    assert named == fields


def _whole() -> ArticleSummary:
    return ArticleSummary.model_validate(ANSWER, context={"article": ARTICLE})


def test_the_fixture_has_every_span_field_in_its_last_chunk() -> None:
    *_, last = split_article(ARTICLE, BUDGET)
    part = ArticleSummary.model_validate(
        answer_for_chunk(last.slice(ARTICLE)), context={"article": last.slice(ARTICLE)}
    )
    assert walked_fields(part) == schema_span_fields()


def test_every_span_field_of_the_last_chunk_is_shifted_onto_the_article() -> None:
    chunks = split_article(ARTICLE, BUDGET)
    assert len(chunks) == 3
    last = chunks[-1]
    text = last.slice(ARTICLE)
    part = ArticleSummary.model_validate(answer_for_chunk(text), context={"article": text})
    before = [(v.path, [s.slice(text) for s in v.spans]) for v in walk_spans(part)]
    shift_spans(part, last, ARTICLE)
    after = [(v.path, [s.slice(ARTICLE) for s in v.spans]) for v in walk_spans(part)]
    assert after == before
    moved = {(type(v.owner).__name__, v.name) for v in walk_spans(part) if v.spans}
    assert moved == schema_span_fields()  # each one was there to be shifted


def summarize_in_chunks(budget: int | None = BUDGET) -> tuple[ArticleSummary, ScriptedEndpoint]:
    """The article summarised through the library, each request answered for its chunk."""

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        return answer(answer_for_chunk(sent_article(request)), "rail-chunk")(request)

    endpoint = ScriptedEndpoint([reply], repeat_last=True)
    engine = Summarizer(client=endpoint.client(), max_input_tokens=budget, max_reasks=0)
    return engine.summarize(ARTICLE), endpoint


def test_a_chunked_articles_pieces_slice_to_their_words() -> None:
    summary, endpoint = summarize_in_chunks()
    assert summary.meta is not None and len(summary.meta.chunks) == len(endpoint.requests) == 3
    by_text = {q.text: q for q in summary.quotes}
    split = by_text[SPLIT_QUOTE]
    assert [p.slice(ARTICLE) for p in split.pieces] == [
        "We will not wait for another winter",
        "and the first trains will run in 2027.",
    ]
    assert split.span is not None and split.span.slice(ARTICLE).startswith("We will not wait")
    mixed = next(q for q in summary.quotes if q.kind == "mixed")
    assert mixed.evidence_span is not None and mixed.evidence_span.slice(ARTICLE) == MIXED_EVIDENCE
    assert [p.slice(ARTICLE) for p in mixed.pieces] == ["a fantasy"]


def test_after_chunking_every_span_is_the_one_found_on_the_whole_article() -> None:
    """The chunked result's offsets, field by field, are those of grounding it unchunked."""
    summary, _ = summarize_in_chunks()
    whole, endpoint = summarize_in_chunks(budget=None)
    assert len(endpoint.requests) == 1
    assert [(v.path, v.spans) for v in walk_spans(summary)] == [
        (v.path, v.spans) for v in walk_spans(whole)
    ]
    last = split_article(ARTICLE, BUDGET)[-1]
    in_last = {
        (type(v.owner).__name__, v.name)
        for v in walk_spans(summary)
        if any(s.start >= last.start for s in v.spans)
    }
    # A merged speaker's name_span is where its name first stands: both speakers are named in
    # the first chunk, so that field is checked by the equality above, not in the last chunk.
    assert in_last == schema_span_fields() - {("Speaker", "name_span")}
