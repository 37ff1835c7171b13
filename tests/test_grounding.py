"""locate_quote: what models and translations change is tolerated; anything else is not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from summarizer import Span, locate_all, locate_quote
from tests.scenarios import SEED_ID, VISIT_ID, article

SEED = article(SEED_ID)
VISIT = article(VISIT_ID)


# (quote as a model might return it, the exact article slice it must map to)
FOUND = [
    # verbatim
    ("There have been no real impulses so far", "There have been no real impulses so far"),
    # the model adds the quotation marks and a full stop where the article has a comma
    ('"There have been no real impulses so far."', "There have been no real impulses so far"),
    # typographic quotes around it
    ("“There have been no real impulses so far”", "There have been no real impulses so far"),
    # lower-cased first letter
    ("there have been no real impulses so far", "There have been no real impulses so far"),
    # capitalised first letter of a mid-sentence passage
    (
        "There are no specifics or prerequisites for face-to-face contact yet",
        "there are no specifics or prerequisites for face-to-face contact yet",
    ),
    # the article's hyphen rendered as an en dash or an em dash
    ("face–to–face contact", "face-to-face contact"),
    ("face—to—face contact", "face-to-face contact"),
    # typographic apostrophe where the article has a straight one
    ("I don’t know when we will meet with him.", "I don't know when we will meet with him."),
    # straight apostrophe where the article has a typographic one
    (
        "it's time for leaders to sign",
        "it’s time for leaders to sign",
    ),
    # straight quotes where the article has typographic ones, inside the passage
    (
        'an energy agreement "will not be signed at any price"',
        "an energy agreement “will not be signed at any price",
    ),
    # a line break inside the quote where the article has a space, and doubled spaces
    (
        "And I am ready for that,\nof course,  at any time.",
        "And I am ready for that, of course, at any time.",
    ),
    # an ellipsis joining two verbatim pieces of one passage
    (
        "I don't know when we will meet with him ... I will be ready for the meeting.",
        SEED[SEED.index("I don't know when") : SEED.index("ready for the meeting.") + 22],
    ),
    ("I have not spoken to him at all… I will be ready", None),
    ("we have to end this war [...] the number of soldiers who are dying is increasing", None),
    # leading ellipsis
    (
        "...and President Putin said he wants to meet with me",
        "and President Putin said he wants to meet with me",
    ),
    # a caption-attributed quote with its final full stop
    (
        "Fishing quotas are the hardest issue. We will not leave Port Aldea without a timetable "
        "for them, even if the power line has to wait.",
        "Fishing quotas are the hardest issue. We will not leave Port Aldea without a timetable "
        "for them, even if the power line has to wait.",
    ),
    # diacritics are kept and matched as written
    ("President Tomás Ibarra", "President Tomás Ibarra"),
]

NOT_FOUND = [
    # one word changed
    "There have been no genuine impulses so far",
    # a word added
    "There have been no real impulses at all so far",
    # a word dropped
    "There have been no impulses so far",
    # reordered clause
    "So far there have been no real impulses",
    # a translation-style paraphrase
    "Putin said he is ready to meet Trump at any time",
    # two real pieces glued together without an ellipsis
    "I will be ready for the meeting. Trump spoke about Putin's proposal",
    # pieces joined by an ellipsis but in the wrong order
    "I will be ready for the meeting ... I don't know when we will meet with him",
    # a real piece joined to a fabricated one
    "I don't know when we will meet with him ... and I trust him completely",
    # diacritics dropped: a different spelling is not the article's words
    "President Tomas Ibarra",
    # nothing to ground
    "",
    "   ",
    '"..."',
    "—",
]


@pytest.mark.parametrize(("quote", "expected"), FOUND)
def test_found(quote: str, expected: str | None) -> None:
    text = SEED if expected is None or expected in SEED else VISIT
    if expected is None:  # the ellipsis cases: found, and the span covers both ends
        span = locate_quote(quote, SEED)
        assert span is not None
        first, last = quote.replace("…", "...").replace("[...]", "...").split("...")
        assert span.slice(SEED).startswith(first.strip())
        assert span.slice(SEED).rstrip(".").endswith(last.strip().rstrip("."))
        return
    span = locate_quote(quote, text)
    assert span is not None, quote
    assert span.slice(text) == expected


@pytest.mark.parametrize("quote", NOT_FOUND)
def test_not_found(quote: str) -> None:
    assert locate_quote(quote, SEED) is None
    assert locate_quote(quote, VISIT) is None


def test_offsets_index_the_callers_string_despite_irregular_whitespace() -> None:
    text = "Intro.\r\n\r\n“We  are\u00a0ready,” \u00adsaid\tthe minister… Then\u200b more."
    span = locate_quote('"We are ready," said the minister', text)
    assert span is not None
    assert span.slice(text) == "We  are\u00a0ready,” \u00adsaid\tthe minister"
    span = locate_quote("minister... Then more", text)
    assert span is not None
    assert span.slice(text) == "minister… Then\u200b more"


def test_first_occurrence_wins() -> None:
    text = "He said yes. Later he said yes again."
    assert locate_quote("he said yes", text) == Span(start=0, end=11)


def test_locate_all_marks_every_occurrence() -> None:
    spans = locate_all("Russian dictator", SEED)
    assert len(spans) == 3
    assert all(s.slice(SEED) == "Russian dictator" for s in spans)
    assert locate_all("benevolent leader", SEED) == []


def test_span_rejects_reversed_offsets() -> None:
    with pytest.raises(ValueError, match="before its start"):
        Span(start=5, end=2)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_passage_of_the_article_is_found_where_it_is(data: st.DataObject) -> None:
    """Property: every verbatim passage is located, at a span whose text is that passage."""
    text = data.draw(st.sampled_from([SEED, VISIT]))
    start = data.draw(st.integers(0, len(text) - 2))
    end = data.draw(st.integers(start + 1, min(len(text), start + 400)))
    passage = text[start:end].strip()
    if sum(ch.isalnum() for ch in passage) < 3:
        return
    span = locate_quote(passage, text)
    assert span is not None, passage
    # The first occurrence may be earlier than where we cut, but it reads the same.
    found = span.slice(text)
    assert " ".join(found.split()).lower() in " ".join(passage.split()).lower() or (
        " ".join(passage.split()).lower().startswith(" ".join(found.split()).lower()[:20])
    )


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(max_size=200),
    suffix=st.text(max_size=200),
    passage=st.text(alphabet=st.characters(categories=["L", "N"]), min_size=3, max_size=40),
)
def test_offsets_are_exact_around_arbitrary_unicode(prefix: str, suffix: str, passage: str) -> None:
    text = f"{prefix} {passage} {suffix}"
    span = locate_quote(passage, text)
    assert span is not None
    assert locate_quote(span.slice(text), text) == span
