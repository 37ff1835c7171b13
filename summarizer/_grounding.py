"""Grounding: find a quoted or evidence string in the article, tolerating what models change.

Models and translations alter the surface of a quote without changing its words: straight
vs typographic quotes and apostrophes, dashes, whitespace and line breaks, the surrounding
quotation marks, a capitalised first letter, the trailing punctuation, and ``...`` joining
two verbatim pieces. Everything else must match exactly, so paraphrases and fabrications
are rejected.

Both sides are put through the same character-level normalisation; the article's
normalised form keeps a map back to the original offsets, so a match always yields the
span of the caller's own string. The normalised article is cached (bounded by the memory
its entries hold, not by their count), so grounding fifty strings in one article normalises
it once. Every search is linear in the article's length: finding every occurrence of a
phrase passes over the article once per case variant, and the pieces of a quote are each
searched from where the previous one ended, only as far as the nearest match. A quote of more
than :data:`MAX_QUOTE_PIECES` pieces is not searched for at all.
"""

from __future__ import annotations

import re
import sys
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ATTRIBUTION_WORDS",
    "MAX_QUOTE_PIECES",
    "Span",
    "locate_all",
    "locate_pieces",
    "locate_quote",
    "normalize_surface",
    "quoted_fragments",
    "too_many_pieces",
]


class Span(BaseModel):
    """Character offsets into the article: ``text[span.start:span.end]`` is the match."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self

    def slice(self, text: str) -> str:
        """Return the article text this span covers."""
        return text[self.start : self.end]

    def within(self, text: str | None) -> Span | None:
        """This span if it covers some of ``text`` (a stored span may not fit another text)."""
        if text is None or self.end > len(text) or self.start >= self.end:
            return None
        return self

    @property
    def offsets(self) -> str:
        """``start–end``, for display."""
        return f"{self.start}–{self.end}"


# One character in, one character out, so offsets stay aligned: look-alike quotation marks,
# apostrophes and dashes become their ASCII form, and every whitespace character a space.
# Each class is one substitution with a fixed replacement, done in C: no Python call per
# character, however many line breaks a long article has.
_EQUIVALENT_CLASSES = (
    (re.compile("[\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4`]"), "'"),
    (re.compile("[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e]"), '"'),
    (re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]"), "-"),
    (re.compile(r"[^\S ]"), " "),
)
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# What is not one-to-one once the equivalents are in: a run of two or more spaces and
# invisible characters (one space if it holds a space: "a \u200b b" is "a b"), an invisible
# character alone (nothing), and the one-character ellipsis ("...").
_IRREGULAR = re.compile(rf"[ {_INVISIBLE}]{{2,}}|[{_INVISIBLE}]|\u2026")
_ELLIPSIS_SPLIT = re.compile(r"\s*(?:\[\s*\.\.\.\s*\]|\(\s*\.\.\.\s*\)|\.\.\.)\s*")
_LEADING_JUNK = "\"' "
_TRAILING_JUNK = "\"' .,;:!?"


def _replacement(run: str) -> str:
    if run == "\u2026":
        return "..."
    return " " if " " in run else ""


def _equivalents(text: str) -> str:
    """Look-alike characters replaced one for one (offsets unchanged)."""
    for pattern, char in _EQUIVALENT_CLASSES:
        text = pattern.sub(char, text)
    return text


def normalize_surface(text: str) -> str:
    """A short string (a needle) normalised the way the article is: quotes, dashes, spaces."""
    return _IRREGULAR.sub(lambda m: _replacement(m.group()), _equivalents(text))


@dataclass(frozen=True, slots=True)
class _NormalizedText:
    """An article in normalised form, with the map back to original offsets.

    The normalised text is the original with some runs replaced (see ``_IRREGULAR``); the
    arrays hold one entry per replaced run, in order: where its replacement starts and ends
    in the normalised text, and the original range it stands for. Elsewhere the text is a
    copy, so offsets shift by a constant between two runs. Four machine integers a run: a
    long article of short lines costs a few bytes per line, not Python objects.
    """

    text: str
    norm_starts: array[int]
    norm_ends: array[int]
    orig_starts: array[int]
    orig_ends: array[int]

    def original_start(self, i: int) -> int:
        """Original start offset of a match whose first normalised character is at ``i``."""
        k = bisect_right(self.norm_starts, i) - 1
        if k < 0:
            return i
        if i < self.norm_ends[k]:
            return self.orig_starts[k]
        return self.orig_ends[k] + (i - self.norm_ends[k])

    def original_end(self, i: int) -> int:
        """Original end offset of a match whose last normalised character is at ``i``."""
        k = bisect_right(self.norm_starts, i) - 1
        if k < 0:
            return i + 1
        if i < self.norm_ends[k]:
            return self.orig_ends[k]
        return self.orig_ends[k] + (i - self.norm_ends[k]) + 1

    @property
    def nbytes(self) -> int:
        """Memory held by this object (the original article not counted)."""
        arrays = (self.norm_starts, self.norm_ends, self.orig_starts, self.orig_ends)
        return sys.getsizeof(self.text) + sum(a.itemsize * len(a) for a in arrays)


def _normalize(text: str) -> _NormalizedText:
    translated = _equivalents(text)
    # Normalised offsets are at most three times the original's (an ellipsis grows by two).
    kind = "i" if 3 * len(text) < 2**31 else "q"
    norm_starts, norm_ends, orig_starts, orig_ends = (array(kind) for _ in range(4))
    shift = 0  # original minus normalised length, so far

    def replace(match: re.Match[str]) -> str:
        nonlocal shift
        start, end = match.span()
        replacement = _replacement(match.group())
        norm_starts.append(start - shift)
        norm_ends.append(start - shift + len(replacement))
        orig_starts.append(start)
        orig_ends.append(end)
        shift += end - start - len(replacement)
        return replacement

    normalized = _IRREGULAR.sub(replace, translated)
    return _NormalizedText(normalized, norm_starts, norm_ends, orig_starts, orig_ends)


class _ArticleCache:
    """Normalised articles by text, least recently used first out, bounded by memory.

    ``max_bytes`` bounds what the entries hold (their normalised text and offset maps, and
    the article strings they keep alive), not how many there are: a 4 MB article and a
    thousand short ones weigh what they weigh. The article grounded last is always kept,
    even alone over the bound, so grounding many strings in one article normalises it once.
    Safe across threads.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[_NormalizedText, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def __call__(self, text: str) -> _NormalizedText:
        with self._lock:
            if (entry := self._entries.get(text)) is not None:
                self._entries.move_to_end(text)
                return entry[0]
        normalized = _normalize(text)
        size = normalized.nbytes + sys.getsizeof(text)
        with self._lock:
            if text not in self._entries:
                self._entries[text] = (normalized, size)
                self._held += size
            self._entries.move_to_end(text)
            while self._held > self.max_bytes and len(self._entries) > 1:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._held -= dropped
        return normalized

    @property
    def nbytes(self) -> int:
        """What the cached entries hold, in bytes."""
        return self._held

    def __len__(self) -> int:
        return len(self._entries)

    def cache_clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._held = 0


_normalized_article = _ArticleCache(max_bytes=64 * 2**20)
"""The normalised form of each recent article: grounding fifty strings normalises once."""


def _clean_piece(piece: str) -> str:
    return piece.lstrip(_LEADING_JUNK).rstrip(_TRAILING_JUNK)


def _first_letter_variants(piece: str) -> tuple[str, ...]:
    first = piece[0]
    swapped = first.lower() if first.isupper() else first.upper()
    if swapped == first:
        return (piece,)
    return (piece, swapped + piece[1:])


_WINDOW = 256
"""Positions first searched next to the cursor; each further window is twice as wide."""


def _find(haystack: str, piece: str, start: int) -> tuple[int, int] | None:
    """The earliest match of ``piece`` (or its first-letter case variant) from ``start``.

    Returns its (start, end): a case variant may differ in length (``ß`` -> ``SS``). Both
    variants are looked for in windows that double in width, so the cost is the distance to
    the match, not the rest of the article for the variant that is not there: the pieces of
    a quote, searched one after the other, cost one pass over the article together.
    """
    variants = _first_letter_variants(piece)
    lo, width = start, _WINDOW
    while True:
        hi = min(lo + width, len(haystack))  # matches starting in [lo, hi)
        best: tuple[int, int] | None = None
        for variant in variants:
            pos = haystack.find(variant, lo, hi - 1 + len(variant))
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, pos + len(variant))
        if best is not None or hi >= len(haystack):
            return best
        lo, width = hi, 2 * width


def _rfind(haystack: str, piece: str, start: int, end: int) -> tuple[int, int] | None:
    """The latest match of ``piece`` (or its first-letter variant) within ``[start, end)``.

    Searched back from ``end`` in windows that double, as :func:`_find` searches forward.
    """
    variants = _first_letter_variants(piece)
    hi, width = end, _WINDOW
    while True:
        lo = max(hi - width, start)  # matches starting in [lo, hi), ending by ``end``
        best: tuple[int, int] | None = None
        for variant in variants:
            pos = haystack.rfind(variant, lo, min(hi - 1 + len(variant), end))
            if pos >= 0 and (best is None or pos > best[0]):
                best = (pos, pos + len(variant))
        if best is not None or lo <= start:
            return best
        hi, width = lo, 2 * width


class _Occurrences:
    """Successive matches of a piece (or its first-letter variant), in one pass per variant.

    Each variant's next match is kept and searched again only once the cursor has passed
    it, so a variant that never occurs is looked for once, not once per match of the other:
    finding every occurrence is linear in the article's length.
    """

    def __init__(self, haystack: str, piece: str) -> None:
        self.haystack = haystack
        self.variants = _first_letter_variants(piece)
        self.hits = [haystack.find(v) for v in self.variants]

    def next(self, start: int) -> tuple[int, int] | None:
        """The earliest match that starts at or after ``start``: (start, end), or None."""
        best: tuple[int, int] | None = None
        for k, variant in enumerate(self.variants):
            if 0 <= self.hits[k] < start:
                self.hits[k] = self.haystack.find(variant, start)
            pos = self.hits[k]
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, pos + len(variant))
        return best


def _trailing_punctuation(needle: str) -> str:
    """The punctuation a needle ends with (quotes and spaces aside), e.g. ``.`` or ``?!``."""
    stripped = needle.rstrip(_TRAILING_JUNK)
    return "".join(ch for ch in needle[len(stripped) :] if ch not in "\"' ")


def _piece_positions(
    article: _NormalizedText, pieces: list[str], suffix: str = ""
) -> list[tuple[int, int]] | None:
    """Where the pieces are, in order (normalised offsets), or None if one is missing.

    ``suffix`` is punctuation the caller's string ended with: when the article has it right
    after the last piece, that piece includes it, so a quoted sentence keeps its full stop.
    """
    cursor = 0
    found: list[tuple[int, int]] = []
    for piece in pieces:
        hit = _find(article.text, piece, cursor)
        if hit is None:
            return None
        found.append(hit)
        cursor = hit[1]
    # Tighten: each earlier piece moves to its last occurrence before the next one, so
    # "According to the ... last words" is the passage that ends there, not one from an
    # earlier "According to the".
    for i in range(len(found) - 2, -1, -1):
        lower = found[i - 1][1] if i else 0
        hit = _rfind(article.text, pieces[i], lower, found[i + 1][0])
        if hit is not None and hit[0] > found[i][0]:
            found[i] = hit
    return _with_suffix(article, found, suffix)


def _with_suffix(
    article: _NormalizedText, found: list[tuple[int, int]], suffix: str
) -> list[tuple[int, int]]:
    start, end = found[-1]
    if suffix and article.text.startswith(suffix, end):
        found[-1] = (start, end + len(suffix))
    return found


def _spans(article: _NormalizedText, positions: list[tuple[int, int]]) -> list[Span]:
    return [
        Span(start=article.original_start(a), end=article.original_end(b - 1)) for a, b in positions
    ]


def _find_pieces(article: _NormalizedText, pieces: list[str], suffix: str = "") -> Span | None:
    """Find the pieces in order; the span runs from the first to the end of the last."""
    positions = _piece_positions(article, pieces, suffix)
    if positions is None:
        return None
    first, last = _spans(article, [positions[0], positions[-1]])
    return Span(start=first.start, end=last.end)


def _needle(quote: str) -> tuple[str, str] | None:
    """A quote normalised for searching, and the punctuation it ended with; None if empty."""
    normalized = normalize_surface(quote).strip()
    needle = _clean_piece(normalized)
    if not needle or not any(ch.isalnum() for ch in needle):
        return None
    return needle, _trailing_punctuation(normalized)


MAX_QUOTE_PIECES = 50
"""The most verbatim pieces one quote may have (joined by ``...`` or by its attribution).

A quote split by its attribution has two or three; an anchor (first words ... last words)
two. A string of more is not a quote, and grounding it is refused before any search."""


def _ellipsis_pieces(needle: str) -> list[str]:
    """The pieces of a normalised needle joined by ``...`` (each with a letter or digit)."""
    pieces = [_clean_piece(p) for p in _ELLIPSIS_SPLIT.split(needle)]
    return [p for p in pieces if any(ch.isalnum() for ch in p)]


def too_many_pieces(quote: str) -> int | None:
    """How many pieces ``quote`` joins by ``...`` when that is over :data:`MAX_QUOTE_PIECES`.

    None when the count is within the bound: such a quote is searched for.
    """
    count = len(_ellipsis_pieces(normalize_surface(quote)))
    return count if count > MAX_QUOTE_PIECES else None


def locate_quote(quote: str, text: str) -> Span | None:
    """Find ``quote`` in ``text`` and return its span, or None if it is not there verbatim.

    Tolerated: whitespace and line breaks, straight vs typographic quotation marks and
    apostrophes, dash variants, quotation marks around the quote, a capitalised (or
    lower-cased) first letter, trailing punctuation, and ``...``, ``…`` or ``[...]``
    joining verbatim pieces that occur in that order. Any other difference (a changed,
    added or dropped word) means no match, and so does a quote of more than
    :data:`MAX_QUOTE_PIECES` pieces (:func:`too_many_pieces`).

    Args:
        quote: The string a model claims is in the article.
        text: The article.

    Returns:
        The span of the match in ``text`` (offsets into the caller's string), or None.
    """
    if (prepared := _needle(quote)) is None:
        return None
    needle, suffix = prepared
    article = _normalized_article(text)
    whole = _find_pieces(article, [needle], suffix)
    if whole is not None:
        return whole
    pieces = _ellipsis_pieces(needle)
    if not pieces or pieces == [needle] or len(pieces) > MAX_QUOTE_PIECES:
        return None
    return _find_pieces(article, pieces, suffix)


ATTRIBUTION_WORDS = 15
"""The most words an attribution may have between two pieces of one quote joined without
``...`` (``"A," the minister told reporters on Monday, "B"``)."""

# What lies between two pieces of a quote interrupted by its attribution, normalised: it
# closes a quotation mark, says who spoke, and opens the next one.
_ATTRIBUTION = re.compile(r"""^[\s.,;:!?-]*["'](?P<middle>.*?)["']\s*$""", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_WORD_END = re.compile(r"\S+")


def _is_attribution(article: _NormalizedText, original: str, start: int, end: int) -> bool:
    """Whether normalised ``[start, end)`` is a short attribution within one paragraph."""
    match = _ATTRIBUTION.match(article.text[start:end])
    if match is None or not 1 <= len(match["middle"].split()) <= ATTRIBUTION_WORDS:
        return False
    gap = original[article.original_start(start) : article.original_start(end)]
    return _BLANK_LINE.search(gap) is None


def _next_piece(
    article: _NormalizedText, original: str, rest: str, cursor: int, first: bool
) -> tuple[int, int, int] | None:
    """The longest leading words of ``rest`` found where the next piece may start.

    Returns (normalised start, normalised end, characters of ``rest`` used), or None. The
    first piece may be anywhere; a later one must follow a short attribution.
    """
    for word in reversed(list(_WORD_END.finditer(rest))):
        piece = _clean_piece(rest[: word.end()])
        if not any(ch.isalnum() for ch in piece):
            continue
        hit = _find(article.text, piece, cursor)
        if hit is None:
            continue
        if first or _is_attribution(article, original, cursor, hit[0]):
            return hit[0], hit[1], word.end()
    return None


def _attribution_pieces(
    article: _NormalizedText, original: str, needle: str, suffix: str
) -> list[tuple[int, int]] | None:
    """The pieces of a quote given whole although its attribution interrupts it."""
    found: list[tuple[int, int]] = []
    rest, cursor = needle, 0
    while any(ch.isalnum() for ch in rest):
        if len(found) == MAX_QUOTE_PIECES:
            return None  # more pieces than a quote its attribution interrupts has
        piece = _next_piece(article, original, rest, cursor, first=not found)
        if piece is None:
            return None
        start, cursor, used = piece
        found.append((start, cursor))
        rest = rest[used:]
    return _with_suffix(article, found, suffix) if len(found) > 1 else None


def locate_pieces(quote: str, text: str) -> list[Span] | None:
    """Every verbatim piece of a quote, as spans of ``text``; None if it is not there.

    The tolerance of :func:`locate_quote`, and one more: a quote interrupted by its
    attribution (``"We are ready," Varga said, "but not at any price."``) is found however
    the pieces are given: joined by ``...``, listed one after the other (``We are ready,
    but not at any price.``), or quoted in full. A join without ``...`` is accepted only
    when what lies between the pieces closes and reopens the quotation, has at most
    :data:`ATTRIBUTION_WORDS` words and no blank line; a changed or dropped word, or two
    sentences far apart, are still not found.

    Returns:
        One span per piece, in order (one span when the quote is found whole).
    """
    if (prepared := _needle(quote)) is None:
        return None
    needle, suffix = prepared
    article = _normalized_article(text)
    positions = _piece_positions(article, [needle], suffix)
    if positions is None:
        pieces = _ellipsis_pieces(needle)
        if len(pieces) > MAX_QUOTE_PIECES:
            return None
        if len(pieces) > 1:
            positions = _piece_positions(article, pieces, suffix)
        else:
            positions = _attribution_pieces(article, text, needle, suffix)
    return None if positions is None else _spans(article, positions)


_QUOTED = re.compile(r"[\"“„«‹‘](?P<inner>[^\"“”„«»‹›‘’\n]{2,}?)[\"”“»›’]")


def quoted_fragments(span: Span, text: str) -> list[Span]:
    """The fragments between quotation marks inside ``text[span]``, as spans of ``text``.

    A quote within reported speech: ``called the plan "a dead end"``.
    """
    # A located passage stops before a closing mark that ends it: look one character on.
    region = text[span.start : min(span.end + 1, len(text))]
    return [
        Span(start=span.start + m.start("inner"), end=span.start + m.end("inner"))
        for m in _QUOTED.finditer(region)
    ]


def locate_all(phrase: str, text: str) -> list[Span]:
    """Every non-overlapping occurrence of ``phrase`` in ``text``, with the same tolerance.

    Used for expressions that recur (an outlet's label for a person), where each
    occurrence matters. Ellipses are not treated as joins here.
    """
    needle = _clean_piece(normalize_surface(phrase).strip())
    if not needle or not any(ch.isalnum() for ch in needle):
        return []
    article = _normalized_article(text)
    occurrences = _Occurrences(article.text, needle)
    spans: list[Span] = []
    cursor = 0
    while (hit := occurrences.next(cursor)) is not None:
        start, cursor = hit
        spans.append(
            Span(start=article.original_start(start), end=article.original_end(cursor - 1))
        )
    return spans
