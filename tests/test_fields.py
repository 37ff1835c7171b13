"""Field roles are declared once: a new verbatim field needs no other change.

A test-only schema adds one verbatim field to positions (its marker and the span field it
names) and nothing else. Grounding, span shifting after chunking, chunk merging, the HTML
report and the evaluation's grounding rate all pick it up through the one walker.
"""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Annotated

import pytest
from pydantic import Field, ValidationError
from pydantic.json_schema import SkipJsonSchema

from summarizer import ArticleSummary, Position, Span, locate_quote
from summarizer._chunking import merge_chunks, shift_spans
from summarizer._fields import Person, Verbatim, walk, walk_spans
from summarizer._views._report import summary_to_html
from summarizer.evaluation import GoldArticle, score_article
from tests.scenarios import SEED_ID, article, gold

SEED = article(SEED_ID)
CONTEXT = "Share"  # the seed's stray web-page word: verbatim, and near no other evidence


class PositionWithContext(Position):
    """A position with one more verbatim field: the only declaration it takes."""

    context: Annotated[str | None, Verbatim(span="context_span")] = None
    context_span: SkipJsonSchema[Span | None] = None


class ExtendedSummary(ArticleSummary):
    positions: list[PositionWithContext] = Field(default_factory=list)  # type: ignore[assignment]


def extended(context: str = CONTEXT, text: str = SEED) -> ExtendedSummary:
    data = copy.deepcopy(gold(SEED_ID))
    data["positions"][0]["context"] = context
    return ExtendedSummary.model_validate(data, context={"article": text})


def test_the_walker_sees_the_new_field_among_the_declared_roles() -> None:
    visits = [(v.path, type(v.role).__name__) for v in walk(extended())]
    assert ("positions[0].context", "Verbatim") in visits
    assert ("positions[0].actor", "Person") in visits
    assert ("quotes[1].text", "Verbatim") in visits
    assert all(isinstance(v.role, Person) for v in walk(extended()) if v.name == "holder")


def test_the_new_field_is_grounded() -> None:
    summary = extended()
    span = summary.positions[0].context_span
    assert span is not None and span.slice(SEED) == CONTEXT
    with pytest.raises(ValidationError, match=r"positions\[0\]\.context is not in the article"):
        extended(context="a sentence the article never had")


def test_the_new_field_is_shifted_after_chunking_and_survives_the_merge() -> None:
    start = SEED.index(CONTEXT) - 40
    chunk = Span(start=start, end=len(SEED))
    position = {**gold(SEED_ID)["positions"][1], "context": CONTEXT}  # Putin's, in the chunk
    part = ExtendedSummary.model_validate(
        {
            "headline": "h",
            "summary": "s",
            "speakers": [{"name": "Vladimir Putin", "aliases": ["Putin"]}],
            "positions": [position],
        },
        context={"article": chunk.slice(SEED)},
    )
    local = part.positions[0].context_span
    assert local is not None and local.start < start  # chunk-relative before the shift
    shift_spans(part, chunk, SEED)
    shifted = part.positions[0].context_span
    assert shifted == locate_quote(CONTEXT, SEED)
    merged = merge_chunks([part], SEED)
    assert isinstance(merged, ExtendedSummary)
    assert merged.positions[0].context_span == shifted


class _Highlights(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str | None] = []
        self.text: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(dict(attrs).get("data-hl") if tag == "span" else None)

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for mark in filter(None, self.open):
            self.text[mark] = self.text.get(mark, "") + data


def test_the_new_field_is_highlighted_in_the_report() -> None:
    summary = extended().model_copy(update={"article_text": SEED})
    page = _Highlights()
    page.feed(summary_to_html(summary))
    assert page.text["a0-p0-context"] == CONTEXT
    assert page.text["a0-p0"] == summary.positions[0].evidence  # the first field keeps its id


def test_the_new_field_counts_in_the_grounding_rate() -> None:
    summary = extended()
    plain = ArticleSummary.model_validate(gold(SEED_ID), context={"article": SEED})
    item = GoldArticle(id="seed", text=SEED, published=None, gold={})
    with_field = score_article(item, summary).grounding
    without = score_article(item, plain).grounding
    assert (with_field.correct, with_field.total) == (without.correct + 1, without.total + 1)


def test_a_marker_naming_a_missing_field_fails_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="no_such_field"):

        class Broken(Position):
            note: Annotated[str, Verbatim(span="no_such_field")] = "Share"

    with pytest.raises(TypeError, match="nobody_id"):

        class AlsoBroken(Position):
            owner: Annotated[str, Person(id="nobody_id")] = "x"


def test_a_span_field_no_marker_names_fails_when_the_class_is_made() -> None:
    """Nothing would shift it onto the article after chunking: refused, not silently wrong."""
    with pytest.raises(TypeError, match="stray_spans holds spans, but no Verbatim marker"):

        class Stray(Position):
            stray_spans: SkipJsonSchema[list[Span]] = Field(default_factory=list)


def test_the_span_walker_visits_a_field_two_markers_name_once() -> None:
    quotes = [v.path for v in walk_spans(extended()) if v.path.startswith("quotes[0].")]
    assert quotes == [
        "quotes[0].span",
        "quotes[0].evidence_span",
        "quotes[0].pieces",
        "quotes[0].cue_span",
        "quotes[0].source_span",
    ]
    assert ("positions[0].context_span") in {v.path for v in walk_spans(extended())}
