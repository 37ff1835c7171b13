"""Where a statement's attribution is: sentences, the cue, the source's mention.

An attribution has three parts (as PARC and PolNeAR annotate it): the source's mention
("Israeli officials"), the cue ("said") and the content ("Netanyahu will meet Trump").
The model names the source and writes the cue and the content; every span here is the
library's, found in the caller's string:

- the content is located like any verbatim string (:func:`summarizer.locate_quote`);
- the cue is the occurrence of the cue as written nearest the content, in the content's
  sentence, else in a neighbouring sentence of the same paragraph (or the paragraph before,
  when it ends by introducing the quotation); in a transcript, the speaker label
  ("President of Russia Vladimir Putin:") that governs the lines below it;
- the source's mention is the speaker's form (name, alias, or, for an organisation or a
  group, the article's words that name it) nearest the cue in the content's sentences;
  failing that, a personal pronoun right next to the cue ("he said", "said she"); failing
  that, the speaker's form nearest in a neighbouring sentence of the paragraph.

The same module bounds a passage given by its first and last words
(:data:`PASSAGE_MAX_SENTENCES`, :data:`PASSAGE_MAX_CHARS`, one paragraph) and decides when
an organisation's or group's name is made of the article's words (:func:`named_by_words`).

Sentences are found by a deliberately plain rule: a line break, or ``.``, ``!`` or ``?``
(and any closing quotation marks) followed by a space and a capital letter, digit or
opening mark, except after a common abbreviation or an initial (``Mr.``, ``U.S.``, ``J.``).
A leading ``date YYYY-MM-DD`` header is no sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from summarizer._grounding import Span, locate_all, normalize_surface

__all__ = [
    "PASSAGE_MAX_CHARS",
    "PASSAGE_MAX_SENTENCES",
    "Attribution",
    "attribute",
    "content_words",
    "named_by_words",
    "passage_problem",
    "sentence_count",
    "words_passage",
]

PASSAGE_MAX_SENTENCES = 3
"""The most sentences a passage given by its first and last words may span."""
PASSAGE_MAX_CHARS = 600
"""The most characters such a passage may have (three long news sentences)."""

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_DATE_HEADER = re.compile(r"\A\s*date\s+\d{4}-\d{2}-\d{2}\s+")  # as _article reads it
_SENTENCE_END = re.compile(r"[.!?][\"'”’»)\]]*\s+(?=[\"'“‘„«(\[]?[A-Z0-9À-ÖØ-Þ])|\n")
_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "gov",
        "sen",
        "rep",
        "st",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "corp",
        "co",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
    }
)
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_STOPWORDS = frozenset(
    {
        "the",
        "a",
        "an",
        "of",
        "and",
        "in",
        "on",
        "at",
        "for",
        "to",
        "by",
        "with",
        "from",
        "its",
        "their",
        "his",
        "her",
        "our",
        "s",
    }
)
_PRONOUNS = r"he|she|they|we|i|it"
_PRONOUN_BEFORE = re.compile(rf"(?<!\w)({_PRONOUNS})\s+$", re.IGNORECASE)
_PRONOUN_AFTER = re.compile(rf"^\s+({_PRONOUNS})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class _Sentences:
    """An article's sentences, as parallel offset lists, with each one's paragraph."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    paragraphs: tuple[int, ...]


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the ``.`` at ``dot`` ends an abbreviation or an initial, not a sentence."""
    if text[dot] != ".":
        return False
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot].casefold()
    return len(word) == 1 or word in _ABBREVIATIONS


@lru_cache(maxsize=16)
def _sentences(text: str) -> _Sentences:
    starts: list[int] = []
    ends: list[int] = []
    paragraphs: list[int] = []
    header = _DATE_HEADER.match(text)
    cursor, paragraph = (header.end() if header else 0), 0
    for block in [*_BLANK_LINE.finditer(text), None]:
        block_end = block.start() if block is not None else len(text)
        start = cursor
        for match in _SENTENCE_END.finditer(text, cursor, block_end):
            if _is_abbreviation(text, match.start()):
                continue
            end = match.start() + len(match.group().rstrip())
            if text[start:end].strip():
                starts.append(start)
                ends.append(end)
                paragraphs.append(paragraph)
            start = match.end()
        if text[start:block_end].strip():
            starts.append(start)
            ends.append(block_end)
            paragraphs.append(paragraph)
        if block is not None:
            cursor, paragraph = block.end(), paragraph + 1
    return _Sentences(tuple(starts), tuple(ends), tuple(paragraphs))


def _sentence_range(text: str, span: Span) -> tuple[int, int]:
    """The indices of the first and last sentences ``span`` touches."""
    sentences = _sentences(text)
    first = max(0, bisect_right(sentences.starts, span.start) - 1)
    last = max(first, bisect_left(sentences.starts, max(span.end, span.start + 1)) - 1)
    return first, last


def sentence_count(text: str, span: Span) -> int:
    """How many sentences ``span`` touches."""
    first, last = _sentence_range(text, span)
    return last - first + 1


def passage_problem(text: str, span: Span) -> str | None:
    """Why a passage given by its first and last words is too long, or None if it is not.

    A passage stays within one paragraph, :data:`PASSAGE_MAX_SENTENCES` sentences and
    :data:`PASSAGE_MAX_CHARS` characters.
    """
    passage = span.slice(text)
    if _BLANK_LINE.search(passage):
        return "runs over more than one paragraph"
    sentences = sentence_count(text, span)
    if sentences > PASSAGE_MAX_SENTENCES:
        return f"runs over {sentences} sentences"
    if len(passage) > PASSAGE_MAX_CHARS:
        return f"has {len(passage)} characters"
    return None


_LEADS_IN = (":", ",")
"""How a sentence ends when it introduces the quotation that opens the next paragraph."""


def _regions(text: str, words: Sequence[Span]) -> list[Span]:
    """Where to look for an attribution: the words' sentences, then their neighbours.

    The neighbours are those of the same paragraph (a caption line after a quote, "That is
    according to officials." after a claim), and the last sentence of the paragraph before
    when it ends by introducing the quotation ("Rathbun stated," then the quoted paragraph).
    """
    sentences = _sentences(text)
    first, _ = _sentence_range(text, words[0])
    _, last = _sentence_range(text, words[-1])
    own = Span(start=sentences.starts[first], end=sentences.ends[last])
    before, after = first, last
    if first > 0 and sentences.paragraphs[first - 1] == sentences.paragraphs[first]:
        before = first - 1
    if (
        last + 1 < len(sentences.starts)
        and sentences.paragraphs[last + 1] == sentences.paragraphs[last]
    ):
        after = last + 1
    if (
        before == first
        and first > 0
        and text[sentences.starts[first - 1] : sentences.ends[first - 1]]
        .rstrip()
        .endswith(_LEADS_IN)
    ):  # the paragraph before ends by introducing it: 'Rathbun stated,' / '..., the Church denied:'
        before = first - 1
    wider = Span(start=sentences.starts[before], end=sentences.ends[after])
    return [own, wider] if wider != own else [own]


def _gap(a: Span, b: Span) -> int:
    return max(0, a.start - b.end, b.start - a.end)


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _nearest(candidates: Sequence[Span], anchors: Sequence[Span], region: Span) -> Span | None:
    """The candidate inside ``region``, outside every anchor, nearest to one (first on ties)."""
    inside = [
        c
        for c in candidates
        if region.start <= c.start
        and c.end <= region.end
        and not any(_overlaps(c, a) for a in anchors)
    ]
    if not inside:
        return None
    return min(inside, key=lambda c: (min(_gap(c, a) for a in anchors), c.start))


def content_words(name: str) -> list[str]:
    """The words of a name that must be the article's: no articles, linking words or 's."""
    words = _WORD.findall(normalize_surface(name).lower())
    stripped = [w.removesuffix("'s") for w in words]
    return [w for w in stripped if w and w not in _STOPWORDS]


@lru_cache(maxsize=16)
def _article_words(text: str) -> tuple[tuple[str, int, int], ...]:
    """Every word of ``text`` (lower case, possessive dropped) with its offsets."""
    found = []
    for match in _WORD.finditer(text):  # offsets of the caller's string: no normalising
        word = match.group().lower().replace("’", "'").removesuffix("'s")
        found.append((word, match.start(), match.end()))
    return tuple(found)


def named_by_words(name: str, text: str) -> bool:
    """Whether every content word of ``name`` is a word of the article ("Iran's leaders")."""
    wanted = content_words(name)
    have = {word for word, _, _ in _article_words(text)}
    return bool(wanted) and all(word in have for word in wanted)


def words_passage(name: str, text: str, within: Span | None = None) -> Span | None:
    """The shortest stretch of one sentence holding every content word of ``name``.

    "Iran, whose leaders" for "Iran's leaders"; None when no sentence (of ``within``, if
    given) holds them all.
    """
    wanted = set(content_words(name))
    if not wanted:
        return None
    sentences = _sentences(text)
    best: Span | None = None
    words = _article_words(text)
    for start, end in zip(sentences.starts, sentences.ends, strict=True):
        if within is not None and (end <= within.start or start >= within.end):
            continue
        inside = [(w, a, b) for w, a, b in words if start <= a and b <= end and w in wanted]
        for i, (_, a, _) in enumerate(inside):
            seen: set[str] = set()
            for w, _, b in inside[i:]:
                seen.add(w)
                if seen == wanted:
                    if best is None or b - a < best.end - best.start:
                        best = Span(start=a, end=b)
                    break
    return best


@dataclass(frozen=True)
class Attribution:
    """The parts of one statement's attribution the article shows.

    Attributes:
        cue: Where the cue is, if it was found near the statement.
        source: Where the source is mentioned, if it was.
        sentences: The sentences holding the statement, its cue and its source mention.
    """

    cue: Span | None
    source: Span | None
    sentences: Span


def _pronoun(text: str, cue: Span, region: Span) -> Span | None:
    """A personal pronoun right before or after the cue ("he said", "said she")."""
    before = _PRONOUN_BEFORE.search(text, region.start, cue.start)
    if before is not None:
        return Span(start=before.start(1), end=before.end(1))
    after = _PRONOUN_AFTER.match(text, cue.end, region.end)
    if after is not None:
        return Span(start=after.start(1), end=after.end(1))
    return None


def _mentions(text: str, forms: Sequence[str], by_words: bool, region: Span) -> list[Span]:
    """Every mention of the source in ``region``: its forms, longest first at a place."""
    spans = [s for form in forms for s in locate_all(form, text)]
    if by_words:
        spans += [s for form in forms if (s := words_passage(form, text, region)) is not None]
    spans = [s for s in spans if region.start <= s.start and s.end <= region.end]
    return [
        s for s in spans if not any(o != s and o.start <= s.start and s.end <= o.end for o in spans)
    ]


_LABEL = re.compile(r"^[^\n:]{2,150}:[ \t]", re.MULTILINE)
"""A transcript's speaker label: a line that opens with a name or title and a colon."""
_SECTION_BREAK = re.compile(r"^\s*\*\s*\*\s*\*\s*$", re.MULTILINE)


@lru_cache(maxsize=16)
def _label_starts(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Where each speaker label and each section break (``* * *``) begins."""
    labels = tuple(m.start() for m in _LABEL.finditer(text))
    breaks = tuple(m.start() for m in _SECTION_BREAK.finditer(text))
    return labels, breaks


def _speaker_label(text: str, first: Span, occurrences: Sequence[Span]) -> Span | None:
    """The cue as a transcript's speaker label governing ``first``, if it is one.

    In a transcript ("President of Russia Vladimir Putin: Good afternoon. ..."), a label
    attributes every line below it until the next label or section break. The cue must be
    that label (as the article writes it, its colon optional).
    """
    labels, breaks = _label_starts(text)
    index = bisect_right(labels, first.start) - 1
    if index < 0:
        return None
    start = labels[index]
    after = bisect_right(breaks, start)
    if after < len(breaks) and breaks[after] < first.start:  # a section break ends its turn
        return None
    colon = text.index(":", start)
    for occurrence in occurrences:
        if occurrence.start == start and occurrence.end in (colon, colon + 1):
            return occurrence
    return None


def attribute(
    text: str,
    words: Sequence[Span],
    cue: str | None,
    forms: Sequence[str],
    by_words: bool = False,
) -> Attribution:
    """The attribution of a statement whose words (content, or a quote's pieces) are ``words``.

    Args:
        text: The article.
        words: The statement's located words, in order (at least one span).
        cue: The cue as the model wrote it, if any.
        forms: The source's forms (name and aliases).
        by_words: Whether the source may be named by the article's words in any order (an
            organisation or a group: "Iran, whose leaders" for "Iran's leaders").
    """
    cue_span: Span | None = None
    source: Span | None = None
    regions = _regions(text, words)
    occurrences = locate_all(cue, text) if cue else []
    for region in regions:
        cue_span = _nearest(occurrences, words, region)
        if cue_span is not None:
            break
    anchors = [cue_span] if cue_span is not None else list(words)

    def closest(region: Span) -> Span | None:
        mentions = [
            s
            for s in _mentions(text, forms, by_words, region)
            if not any(_overlaps(s, w) for w in words)
        ]
        return min(
            mentions, key=lambda s: (min(_gap(s, a) for a in anchors), s.start), default=None
        )

    if cue_span is None and cue:
        label = _speaker_label(text, words[0], occurrences)
        if label is not None:  # a transcript: "Name:" governs the lines below it
            mentions = _mentions(text, forms, by_words, label)
            first, last = _sentence_range(text, words[0])[0], _sentence_range(text, words[-1])[1]
            sentences = _sentences(text)
            return Attribution(
                label,
                min(mentions, key=lambda s: s.start, default=None),
                Span(start=sentences.starts[first], end=sentences.ends[last]),
            )
    source = closest(regions[0])
    if source is None and cue_span is not None:
        source = _pronoun(text, cue_span, regions[0])
    if source is None and len(regions) > 1:
        source = closest(regions[1])
    parts = [*words, *(s for s in (cue_span, source) if s is not None)]
    first, _ = _sentence_range(text, min(parts, key=lambda s: s.start))
    _, last = _sentence_range(text, max(parts, key=lambda s: s.end))
    sentences = _sentences(text)
    return Attribution(
        cue_span, source, Span(start=sentences.starts[first], end=sentences.ends[last])
    )
