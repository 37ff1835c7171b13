"""Quotes split by their attribution are one quote; a join is not a licence to change words.

The article below is written by the team for these tests (people and places fictional).
"""

from __future__ import annotations

import pytest

from summarizer import ArticleSummary, Span, locate_pieces, locate_quote
from summarizer._grounding import ATTRIBUTION_WORDS, quoted_fragments

ARTICLE = (
    '"We are ready to sign a framework," Foreign Minister Ilse Varga told reporters after '
    'the final session in Hallby, "but not one that gives away a single village."\n\n'
    "Her counterpart, Pieter Halvorsen, was more hopeful. “We closed three of the five "
    "chapters,” he said. “The last two are the hardest.”\n\n"
    'The opposition leader called the draft "a dead end" and said talks should stop.\n\n'
    '"Nothing is agreed until everything is agreed," Varga said.\n\n'
    '"We will not sign this year," an aide said. The weather in Hallby was cold and grey all '
    "week, and the talks ran late on Thursday and Friday as both delegations waited for "
    'instructions from their capitals before the final text. "Maybe next spring."'
)


def pieces_text(quote: str) -> list[str] | None:
    found = locate_pieces(quote, ARTICLE)
    return None if found is None else [span.slice(ARTICLE) for span in found]


FIRST = "We are ready to sign a framework,"
SECOND = "but not one that gives away a single village."


@pytest.mark.parametrize(
    "given",
    [
        f"{FIRST} ... {SECOND}",  # joined with "..."
        f"{FIRST} {SECOND}",  # joined with nothing: the attribution is left out
        "We are ready to sign a framework but not one that gives away a single village",
        f"“{FIRST}” … “{SECOND}”",  # typographic marks and a one-character ellipsis
    ],
    ids=["ellipsis", "nothing", "no-punctuation", "typographic"],
)
def test_a_quote_split_by_its_attribution_is_found_however_it_is_joined(given: str) -> None:
    found = pieces_text(given)
    assert found is not None and len(found) == 2
    assert found[0].startswith("We are ready to sign a framework")
    assert found[1].rstrip(".") == "but not one that gives away a single village"


def test_pieces_listed_in_typographic_quotes_across_a_sentence_attribution() -> None:
    found = pieces_text("We closed three of the five chapters, The last two are the hardest.")
    assert found == ["We closed three of the five chapters", "The last two are the hardest."]


def test_a_quote_found_whole_is_one_piece() -> None:
    assert pieces_text("Nothing is agreed until everything is agreed") == [
        "Nothing is agreed until everything is agreed"
    ]


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("We are ready to sign a framework, but not one that gives away any village.", "changed"),
        ("We are ready to sign a framework, but one that gives away a single village.", "dropped"),
        ("We will not sign this year, Maybe next spring.", "far apart"),
        ("We are ready to sign a framework, Nothing is agreed until everything is agreed", "far"),
        ("We closed three of the five chapters, but not one that gives away a village.", "made"),
    ],
)
def test_changed_words_and_far_joins_are_still_rejected(given: str, why: str) -> None:
    assert locate_pieces(given, ARTICLE) is None, why


def test_the_attribution_limit_is_a_word_count_within_one_paragraph() -> None:
    assert ATTRIBUTION_WORDS == 15
    long_attribution = (
        '"One," said the minister who had led the delegation for three long years of talks '
        'about the river border and its villages, "two."'
    )
    assert locate_pieces("One, two.", long_attribution) is None
    short = '"One," said the minister, "two."'
    assert [s.slice(short) for s in locate_pieces("One, two.", short) or []] == ["One", "two."]
    across_paragraphs = '"One," said the minister.\n\n"Two."'
    assert locate_pieces("One, two.", across_paragraphs) is None


def test_an_ellipsis_join_covers_the_passage_that_ends_at_the_last_piece() -> None:
    """ "First words ... last words" is the passage they bound, not one from an earlier start."""
    text = "Varga said so. Varga said the talks should go on until the end of the week."
    span = locate_quote("Varga said the ... of the week", text)
    assert span is not None and span.slice(text) == (
        "Varga said the talks should go on until the end of the week"
    )


def test_quoted_fragments_of_reported_speech() -> None:
    start = ARTICLE.index("The opposition leader")
    span = Span(start=start, end=ARTICLE.index("should stop.") + len("should stop."))
    assert [f.slice(ARTICLE) for f in quoted_fragments(span, ARTICLE)] == ["a dead end"]


def test_the_schema_keeps_every_piece_of_a_split_direct_quote_and_a_mixed_quotes_fragment() -> None:
    summary = ArticleSummary.model_validate(
        {
            "headline": "Varga and Halvorsen end talks",
            "summary": "Ilse Varga said she was ready to sign a framework.",
            "speakers": [
                {"name": "Ilse Varga", "aliases": ["Varga"]},
                {"name": "The opposition leader", "kind": "anonymous"},
            ],
            "quotes": [
                {"speaker": "Varga", "kind": "direct", "text": f"{FIRST} {SECOND}"},
                {
                    "speaker": "The opposition leader",
                    "kind": "mixed",
                    "text": "called the draft a dead end",
                    "evidence": 'The opposition leader called the draft "a dead end"',
                },
            ],
        },
        context={"article": ARTICLE},
    )
    direct, mixed = summary.quotes
    assert [p.slice(ARTICLE) for p in direct.pieces] == [FIRST.rstrip(","), SECOND]
    assert direct.span is not None and direct.span.start == direct.pieces[0].start
    assert direct.span.end == direct.pieces[-1].end
    assert [p.slice(ARTICLE) for p in mixed.pieces] == ["a dead end"]
    assert summary.speakers[1].kind == "anonymous"
