"""One statement, many reports: the same words of one identity quoted by several articles.

The rule of sameness, in one place. Two quotes are reports of one statement when they are
by the same identity of the corpus (:meth:`summarizer.corpus._people.People.of_speaker`) and their
verbatim words share a run of :data:`MIN_RUN` consecutive words that is at least two thirds of
the shorter quote's words (a stock phrase two different statements open with is not enough),
compared as normalised words (case, punctuation and spacing aside: ``Not`` is ``not``,
``don't`` is ``don’t``);
when one of them has fewer words than that, the whole of it must appear in the other, and
it must have at least :data:`MIN_WORDS` words (a one- or two-word fragment joins nothing).
The verbatim words are a direct quote's text, or the quoted fragments of mixed speech
(``called the plan "a dead end"``): reported speech takes part only through the fragment it
quotes, and indirect speech, which quotes nothing, never. Sameness is transitive: when A
shares a run with B and B with C, all three are one statement.

Only statements reported by two or more articles are kept. Their reports are in
publication order; the first is the reference, and every other report carries its
differences from it word by word (:class:`WordChange`: ``added``, ``dropped``,
``changed``), found with :class:`difflib.SequenceMatcher` on the normalised words and shown
in each report's own spelling. A statement is :attr:`Statement.changed` when any report's
words differ from the reference's (a dropped "not", a quote cut short); differences of case,
punctuation or spacing alone are not changes.

The work is near-linear: quotes are indexed by their word runs (one dictionary entry per
run), never compared in pairs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from summarizer._summary import Quote, is_direct
from summarizer.corpus._corpus_article import CorpusArticle
from summarizer.corpus._people import People, PersonEntry

__all__ = [
    "MIN_RUN",
    "MIN_WORDS",
    "Report",
    "Statement",
    "WordChange",
    "find_statements",
    "words_of",
]

MIN_RUN = 5
"""Consecutive words two quotes must share to be one statement."""
MIN_WORDS = 3
"""The fewest words a quote needs to take part (then the whole of it must be shared)."""

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_FOLD = str.maketrans({"’": "'", "‘": "'"})

ChangeKind = Literal["added", "dropped", "changed"]


def words_of(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text``: (normalised word, start, end) in ``text``."""
    return [
        (m.group().translate(_FOLD).casefold(), m.start(), m.end()) for m in _WORD.finditer(text)
    ]


@dataclass(frozen=True)
class WordChange:
    """One difference of a report's words from the reference report's."""

    op: ChangeKind
    before: str
    """The reference's words (empty for ``added``)."""
    after: str
    """This report's words (empty for ``dropped``)."""


@dataclass(frozen=True)
class Report:
    """One article's report of a statement: its wording, where it sits, and its outlet."""

    article_id: str
    quote_index: int
    """The quote's position in its article's ``quotes``."""
    published: dt.date | None
    outlet: str | None
    """The article's site (or the URL's host), when known."""
    kind: str
    said_as: str
    wording: str
    """The verbatim words: a direct quote's text, or mixed speech's quoted fragments."""
    start: int | None
    """Where the quote (direct) or its evidence (mixed) starts in the article's text."""
    end: int | None
    pieces: list[tuple[int, int]]
    """The verbatim pieces' offsets in the article's text."""
    changes: list[WordChange] = field(default_factory=list)
    """How its words differ from the statement's first report (empty for that report)."""
    segments: list[tuple[str, str]] = field(default_factory=list)
    """The wording as ``(kind, text)`` runs, kind ``same``, ``added``, ``changed`` or
    ``dropped`` (the reference's words this report leaves out), for a side-by-side view."""

    @property
    def differs(self) -> bool:
        """Whether its words differ from the reference's."""
        return bool(self.changes)


@dataclass(frozen=True)
class Statement:
    """One statement of one identity, as every article that quotes it reports it."""

    id: str
    person_id: str
    speaker: str
    reports: list[Report]

    @property
    def changed(self) -> bool:
        """Whether an outlet's words differ from the first report's."""
        return any(r.changes for r in self.reports)

    @property
    def articles(self) -> list[str]:
        """The articles that report it, in publication order."""
        return list(dict.fromkeys(r.article_id for r in self.reports))


@dataclass
class _Quoted:
    article: CorpusArticle
    index: int
    quote: Quote
    person: PersonEntry
    wording: str
    words: list[tuple[str, int, int]]
    pieces: list[tuple[int, int]]


def _verbatim(article: CorpusArticle, quote: Quote) -> tuple[str, list[tuple[int, int]]] | None:
    """The quote's own words and their pieces' offsets; None for speech that quotes nothing."""
    pieces = [(p.start, p.end) for p in quote.pieces if p.within(article.text)]
    if is_direct(quote.kind):
        if not pieces and quote.span is not None and quote.span.within(article.text):
            pieces = [(quote.span.start, quote.span.end)]
        return quote.text, pieces
    if quote.kind == "mixed" and pieces:
        return " … ".join(article.text[s:e] for s, e in pieces), pieces
    return None


def _quoted(articles: list[CorpusArticle], people: People) -> Iterator[_Quoted]:
    for article in articles:
        for j, quote in enumerate(article.summary.quotes):
            found = _verbatim(article, quote)
            if found is None:
                continue
            person = (
                people.of_speaker(article.id, quote.speaker_id)
                if quote.speaker_id
                else people.resolve(article.id, quote.speaker)
            )
            words = words_of(found[0])
            if person is not None and len(words) >= MIN_WORDS:
                yield _Quoted(article, j, quote, person, found[0], words, found[1])


class _Groups:
    """Union-find over quote numbers."""

    def __init__(self) -> None:
        self.parent: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def root(self, n: int) -> int:
        while self.parent[n] != n:
            self.parent[n] = self.parent[self.parent[n]]
            n = self.parent[n]
        return n

    def join(self, a: int, b: int) -> None:
        self.parent[self.root(b)] = self.root(a)


Key = tuple[str, tuple[str, ...]]


_RUN_CANDIDATES = 32
"""Quotes remembered per run of words: a stock phrase ("I would like to express") met in
hundreds of quotes is checked against the first few only, so the work stays linear."""


def _shares_enough(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two quotes' longest shared run of words is most of the shorter one's words.

    A run of :data:`MIN_RUN` words alone can be a stock phrase two different statements
    share ("I would like to express our condolences" / "I would like to express hope");
    one statement reported twice shares at least two thirds of the shorter report's words.
    """
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= MIN_RUN and 3 * match.size >= 2 * min(len(a), len(b))


def _group(quoted: list[_Quoted]) -> _Groups:
    """Join every two quotes of one identity that share a run (see the module docstring)."""
    groups = _Groups()
    runs: dict[Key, list[int]] = {}  # a MIN_RUN-word run -> the quotes that have it
    shorter: dict[Key, list[int]] = {}  # a run under MIN_RUN words -> every quote with it
    whole: dict[Key, list[int]] = {}  # a short quote's whole words -> those quotes
    norms: list[tuple[str, ...]] = []
    for q in quoted:
        n = groups.add()
        pid, norm = q.person.id, tuple(w for w, _, _ in q.words)
        norms.append(norm)
        if len(norm) >= MIN_RUN:
            checked: set[int] = set()
            for i in range(len(norm) - MIN_RUN + 1):
                having = runs.setdefault((pid, norm[i : i + MIN_RUN]), [])
                for other in having:
                    if other not in checked and _shares_enough(norms[other], norm):
                        groups.join(other, n)
                    checked.add(other)
                if len(having) < _RUN_CANDIDATES:
                    having.append(n)
        else:  # the whole of it, inside a quote seen before
            for other in [*shorter.get((pid, norm), []), *whole.get((pid, norm), [])]:
                groups.join(other, n)
            whole.setdefault((pid, norm), []).append(n)
        for size in range(MIN_WORDS, min(MIN_RUN, len(norm) + 1)):
            for i in range(len(norm) - size + 1):
                key = (pid, norm[i : i + size])
                for other in whole.get(key, []):  # a short quote seen before, inside this one
                    if other != n:
                        groups.join(other, n)
                shorter.setdefault(key, []).append(n)
    return groups


def _diff(reference: _Quoted, report: _Quoted) -> tuple[list[WordChange], list[tuple[str, str]]]:
    """The word changes of ``report`` from ``reference``, and its wording as marked runs."""
    ref, own = reference.words, report.words
    text, ref_text = report.wording, reference.wording
    matcher = SequenceMatcher(None, [w for w, _, _ in ref], [w for w, _, _ in own], autojunk=False)
    changes: list[WordChange] = []
    segments: list[tuple[str, str]] = []
    at = 0  # how far into the report's wording the segments reach
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        before = ref_text[ref[i1][1] : ref[i2 - 1][2]] if i2 > i1 else ""
        if j2 > j1:
            start = own[j1][1] if op != "equal" else at
            end = own[j2 - 1][2]
            if start > at:
                segments.append(("same", text[at:start]))
            after = text[own[j1][1] : end]
            segments.append(("same" if op == "equal" else _KIND[op], text[start:end]))
            at = end
        else:
            after = ""
        if op == "equal":
            continue
        changes.append(WordChange(op=_KIND[op], before=before, after=after))
        if op == "delete":
            segments.append(("dropped", before))
    if at < len(text):
        segments.append(("same", text[at:]))
    return changes, segments


_KIND: dict[str, ChangeKind] = {"insert": "added", "delete": "dropped", "replace": "changed"}


def _report(q: _Quoted, reference: _Quoted | None) -> Report:
    changes, segments = _diff(reference, q) if reference is not None else ([], [])
    start, end = q.article.offsets(q.quote.location)
    return Report(
        article_id=q.article.id,
        quote_index=q.index,
        published=q.article.published,
        outlet=q.article.outlet,
        kind=q.quote.kind,
        said_as=q.quote.speaker,
        wording=q.wording,
        start=start,
        end=end,
        pieces=q.pieces,
        changes=changes,
        segments=segments or [("same", q.wording)],
    )


def find_statements(articles: list[CorpusArticle], people: People) -> list[Statement]:
    """The statements reported by two or more articles (articles in publication order)."""
    quoted = list(_quoted(articles, people))
    groups = _group(quoted)
    members: dict[int, list[_Quoted]] = {}
    for n, q in enumerate(quoted):
        members.setdefault(groups.root(n), []).append(q)
    statements: list[Statement] = []
    counts: dict[str, int] = {}
    for group in members.values():  # in order of each statement's first report
        if len({q.article.id for q in group}) < 2:
            continue
        first = group[0]
        counts[first.person.id] = counts.get(first.person.id, 0) + 1
        statements.append(
            Statement(
                id=f"st-{first.person.id}-{counts[first.person.id]}",
                person_id=first.person.id,
                speaker=first.person.name,
                reports=[_report(q, None if q is first else first) for q in group],
            )
        )
    return statements
