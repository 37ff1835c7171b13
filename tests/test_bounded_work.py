"""Bounded work whatever the answer: a quote of many pieces, the merge of many chunks.

Timing-free: the work is counted (characters the searches scan, calls of the comparisons),
and the fast paths are checked against the plain scans they replace.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import BaseModel, ValidationError

from summarizer import ArticleSummary, _chunking, _grounding
from summarizer._chunking import merge_chunks, shift_spans
from summarizer._fields import located_spans
from summarizer._grounding import (
    MAX_QUOTE_PIECES,
    Span,
    _find_pieces,
    _normalize,
    _NormalizedText,
    locate_pieces,
    locate_quote,
    too_many_pieces,
)
from summarizer._meeting_identity import same_meeting
from summarizer.schema import Quote


class CountingText(str):
    """An article text that counts the characters its searches may scan."""

    scanned = 0

    def find(self, sub: str, start: Any = None, end: Any = None) -> int:
        self.scanned += _extent(len(self), start, end)
        return super().find(sub, start, end)

    def rfind(self, sub: str, start: Any = None, end: Any = None) -> int:
        self.scanned += _extent(len(self), start, end)
        return super().rfind(sub, start, end)


def _extent(size: int, start: int | None, end: int | None) -> int:
    lo = 0 if start is None else min(start, size)
    hi = size if end is None else min(end, size)
    return max(hi - lo, 0)


def counting(text: str) -> _NormalizedText:
    return dataclasses.replace(_normalize(text), text=CountingText(_normalize(text).text))


def sentences(count: int, start: int = 0) -> list[str]:
    return [f"Item {i} was read out twice" for i in range(start, start + count)]


# --- a quote of many pieces ---------------------------------------------------------------


def test_a_quote_of_more_pieces_than_any_quote_has_is_refused_unsearched() -> None:
    parts = sentences(2_000)
    text = ". ".join(parts) + "."
    quote = " ... ".join(parts)
    assert too_many_pieces(quote) == 2_000
    assert locate_quote(quote, text) is None
    assert locate_pieces(quote, text) is None
    within = " ... ".join(parts[:MAX_QUOTE_PIECES])
    assert too_many_pieces(within) is None
    span = locate_quote(within, text)
    assert span is not None and span.start == 0
    assert span.slice(text).endswith(parts[MAX_QUOTE_PIECES - 1])
    assert len(locate_pieces(within, text) or []) == MAX_QUOTE_PIECES


def test_the_reask_names_a_quote_of_too_many_pieces() -> None:
    parts = sentences(60)
    text = ". ".join(parts) + '. "No," said Ana Lind.'
    data = {
        "headline": "Items were read out",
        "summary": "Ana Lind said no.",
        "speakers": [{"name": "Ana Lind"}],
        "quotes": [
            {"speaker": "Ana Lind", "kind": "direct", "text": "No"},
            {"speaker": "Ana Lind", "kind": "direct", "text": " ... ".join(parts)},
        ],
    }
    with pytest.raises(ValidationError) as raised:
        ArticleSummary.model_validate(data, context={"article": text})
    message = raised.value.errors()[0]["msg"]
    assert (
        "quotes[1].text (direct quote) has 60 pieces joined by '...'; "
        f"a quote has at most {MAX_QUOTE_PIECES}: copy its words from the article"
    ) in message
    assert "quotes[0]" not in message


def scanned_for_pieces(count: int) -> tuple[int, int]:
    parts = sentences(count)
    article = counting(". ".join(parts) + ".")
    assert _find_pieces(article, parts) is not None
    return article.text.scanned, len(article.text)  # type: ignore[attr-defined]


def test_finding_the_pieces_of_a_quote_scans_the_article_a_few_times_not_once_a_piece() -> None:
    """Each piece is searched from where the previous one ended, both first-letter variants
    only as far as the nearest match: the characters scanned grow with the article.

    (Before, the variant that is not there was looked for to the end of the article once a
    piece: 1,000 pieces scanned the 29 KB article about 1,000 times.)
    """
    small, small_size = scanned_for_pieces(1_000)
    large, large_size = scanned_for_pieces(4_000)
    assert large < 40 * large_size, f"{large:,} scanned for {large_size:,}"
    assert large / small < 1.5 * large_size / small_size


def scanned_moving_pieces(count: int) -> tuple[int, int]:
    parts = sentences(count)
    copy = ". ".join(parts) + ". "
    article = counting(copy + copy + "The end.")
    found = _find_pieces(article, [*parts, "The end"])
    assert found is not None and found.start == len(copy)
    return article.text.scanned, len(article.text)  # type: ignore[attr-defined]


def test_moving_the_pieces_to_the_passage_that_ends_with_the_last_is_linear_too() -> None:
    """Every piece occurs twice; only the second copy is followed by the last piece, so each
    piece moves from the first copy to the second (``According to the ... last words``)."""
    small, small_size = scanned_moving_pieces(500)
    large, large_size = scanned_moving_pieces(2_000)
    assert large < 40 * large_size, f"{large:,} scanned for {large_size:,}"
    assert large / small < 1.5 * large_size / small_size


def _naive_find(haystack: str, piece: str, start: int) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    for variant in _grounding._first_letter_variants(piece):
        pos = haystack.find(variant, start)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, pos + len(variant))
    return best


def _naive_rfind(haystack: str, piece: str, start: int, end: int) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    for variant in _grounding._first_letter_variants(piece):
        pos = haystack.rfind(variant, start, end)
        if pos >= 0 and (best is None or pos > best[0]):
            best = (pos, pos + len(variant))
    return best


@settings(max_examples=400, deadline=None)
@given(
    haystack=st.text(alphabet="aAbBßS ", max_size=60),
    piece=st.text(alphabet="aAbBßS ", min_size=1, max_size=4),
    start=st.integers(0, 65),
    end=st.integers(0, 65),
    window=st.integers(1, 8),
)
def test_searching_in_windows_finds_what_one_search_finds(
    haystack: str, piece: str, start: int, end: int, window: int
) -> None:
    saved = _grounding._WINDOW
    _grounding._WINDOW = window
    try:
        assert _grounding._find(haystack, piece, start) == _naive_find(haystack, piece, start)
        assert _grounding._rfind(haystack, piece, start, end) == _naive_rfind(
            haystack, piece, start, end
        )
    finally:
        _grounding._WINDOW = saved


# --- the merge of many chunks -------------------------------------------------------------


def _scan_dedupe(items: list[BaseModel]) -> list[BaseModel]:
    """The merge's rule as a plain scan: each item against every kept one, in order."""

    def same(a: BaseModel, b: BaseModel) -> bool:
        if _chunking._item_key(a) != _chunking._item_key(b):
            return False
        if not _chunking._is_verbatim_model(a):
            return True
        spans_a, spans_b = located_spans(a), located_spans(b)
        return bool(spans_a and spans_b and _chunking._overlaps(spans_a[0], spans_b[0]))

    def size(item: BaseModel) -> int:
        spans = located_spans(item)
        return spans[0].end - spans[0].start if spans else 0

    kept: list[BaseModel] = []
    for item in items:
        for k, other in enumerate(kept):
            if same(item, other):
                if size(item) > size(other):
                    kept[k] = item
                break
        else:
            kept.append(item)
    return kept


@pytest.mark.parametrize("seed", range(30))
def test_the_indexed_merge_keeps_what_the_scan_keeps(seed: int) -> None:
    rng = random.Random(seed)
    items: list[BaseModel] = []
    for i in range(rng.randint(1, 80)):
        start = rng.randrange(0, 120)
        span = None if rng.random() < 0.1 else Span(start=start, end=start + rng.randrange(0, 25))
        items.append(
            Quote.model_construct(
                speaker=rng.choice(["Ana Lind", "Bo Ek", "ana lind", "Cy Berg"]),
                kind=rng.choice(["direct", "indirect"]),
                text=f"quote {i}",
                span=span,
                evidence_span=None,
                pieces=[],
            )
        )
    assert [id(x) for x in _chunking._dedupe(items)] == [id(x) for x in _scan_dedupe(items)]


def _chunk_parts(count: int) -> tuple[str, list[ArticleSummary]]:
    """``count`` chunks, each quoting two of five people and reporting one meeting."""
    people = ["Ana Lind", "Bo Ek", "Cy Berg", "Di Holm", "Ed Moss"]
    chunks = []
    for c in range(count):
        a, b = people[c % 5], people[(c + 1) % 5]
        chunks.append(
            f'"Point {c} stands," said {a}. "Point {c} falls," said {b}. '
            f"{a} and {b} will meet on day {c}."
        )
    text = "\n\n".join(chunks)
    parts = []
    offset = 0
    for c, chunk in enumerate(chunks):
        a, b = people[c % 5], people[(c + 1) % 5]
        data = {
            "headline": "h",
            "summary": "s",
            "speakers": [{"name": a}, {"name": b}],
            "quotes": [
                {"speaker": a, "kind": "direct", "text": f"Point {c} stands"},
                {"speaker": b, "kind": "direct", "text": f"Point {c} falls"},
            ],
            "proposed_meetings": [
                {
                    "participants": [a, b, f"Guest {c}"] if c % 2 else [a, b],
                    "status": "proposed",
                    "timeframe": f"day {c}",
                    "evidence": [f"{a} and {b} will meet on day {c}."],
                }
            ],
        }
        part = ArticleSummary.model_validate(data, context={"article": chunk})
        shift_spans(part, Span(start=offset, end=offset + len(chunk)), text)
        parts.append(part)
        offset += len(chunk) + 2
    return text, parts


def test_merging_chunks_computes_each_items_key_once_not_once_a_comparison(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text, parts = _chunk_parts(120)
    calls = {"key": 0, "meeting": 0}
    item_key = _chunking._item_key

    def counted_key(item: BaseModel) -> tuple[object, ...]:
        calls["key"] += 1
        return item_key(item)

    def counted_meeting(*args: Any, **kwargs: Any) -> bool:
        calls["meeting"] += 1
        return same_meeting(*args, **kwargs)

    monkeypatch.setattr(_chunking, "_item_key", counted_key)
    monkeypatch.setattr(_chunking, "same_meeting", counted_meeting)
    merged = merge_chunks(parts, text)
    assert len(merged.quotes) == 240 and len(merged.speakers) == 5
    lists = ("speakers", "quotes", "positions", "stances", "proposed_meetings")
    items = sum(len(getattr(p, name)) for p in parts for name in lists)
    assert calls["key"] == items  # each item of each list once (before: twice a comparison)
    # Meetings of other participants are never compared: only those of the same people.
    meetings = len(merged.proposed_meetings)
    assert meetings == 120
    assert calls["meeting"] <= 60 * 59, calls
