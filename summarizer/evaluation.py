"""Measure extraction quality against gold annotations.

Gold sets are JSONL, one article a line::

    {"id": "...", "text": "...", "published": "2024-12-23",
     "gold": {"speakers": [{"name": "Vladimir Putin", "aliases": ["Putin"]}],
              "quotes": [{"speaker": "Vladimir Putin", "text": "verbatim words", "kind": "direct"}],
              "proposed_meetings": [{"participants": ["A", "B"], "status": "proposed",
                                     "proposed_by": "A", "timeframe": "next week"}],
              "stances": [{"holder": "A", "target": "the war", "polarity": "oppose"}]}}

A field absent from ``gold`` is not scored for that article. Gold quote ``text`` is verbatim
article text (for reported speech: the reporting passage), so it can be located. A gold quote
may also carry its attribution, each part optional:

- ``content``: reported speech's content, verbatim (the reported clause without the source,
  the cue and a linking "that"); quote coverage then counts these characters, not the
  passage's;
- ``cue``: the cue as written, located nearest the quote by the library's own rule
  (``summarizer._attribution``), or ``cue_span`` (``{"start": .., "end": ..}``, wins);
- ``source``: the source's mention as written in the attribution, located the same way, or
  ``source_span``.

Matching rules (all pure functions below, table-tested):

- People: the identity rules of ``summarizer._identity`` (table-tested there), pairwise: two
  names are the same person when any of their forms (name, aliases) match after
  normalisation (case, diacritics, typographic quotes, possessive ``'s``, titles such as
  "President" or "Chancellor" dropped, transliteration variants such as Zelensky /
  Zelenskyy folded), or when one is a surname and the other a full name with it.
- Quotes: same person, same kind (when the gold gives one), and located spans whose
  intersection over union is at least ``SPAN_IOU`` (0.5): a prediction covering half a long
  quote still counts, one touching it at the edge does not (reported speech is matched by
  its content or by its passage, whichever both sides give). Direct and indirect are scored
  apart. The grounding rate is the share of predicted verbatim strings ``locate_quote`` finds.
- Quote coverage, the way PARC and PolNeAR score attribution content: the characters of
  what was said (a direct quote's pieces; reported speech's content when both sides give
  it, else its passage), person by person.
- Cue and source-mention accuracy, on the matched quotes whose gold gives a cue (a source
  mention): the predicted ``cue_span`` (``source_span``) overlaps the gold's.
- Attributed content, when a gold line has ``attribution`` (spans as in ``seeds/real/``: each
  statement's ``speaker``, and its ``source``, ``cue`` and ``content`` as lists of
  ``{"start", "end", "text"}``), the way PARC and PolNeAR score it: characters per speaker.
  A gold content character is covered when a predicted quote of the same speaker claims it;
  a predicted character is correct when it lies in the content of a gold statement of the
  same speaker. A quote claims its words (:attr:`summarizer.schema.Quote.words`: a direct
  quote's pieces, reported speech's content under prompt v3, else its passage, reporting
  clause included). Each speaker's characters count once, however many statements or
  quotes hold them. Two measures:

  - **under the reading rules** (``content``, the headline figure): content as the library
    defines it, its word characters (letters and digits; not quotation marks, punctuation,
    spaces, nor a linking "that" before reported content); the same speaker by the people
    rule above (the statement's speaker, its forms and its source mentions, pronouns aside,
    against the predicted speaker's name and aliases), or because the quote's source
    mention is one of the statement's own, or because one names the source by the other's
    words plus a description ("Secunia.com" / "The Internet security firm Secunia.com");
    and three kinds of statement optional, neither required nor held against a summary
    that gives them: the publishing outlet's own narration ("Wikinews has learned that"),
    a statement inside another speaker's content (a report inside a quotation), and a
    statement printed again (a headline or a caption repeating the body: one statement,
    counted at the printing the summary gives);
  - **as annotated** (``content_as_annotated``): every character of every gold statement,
    speakers by the people rule only.

  Cue and source-mention accuracy on these statements: a statement is matched to the quote
  of the same speaker (people rule) that claims most of its content; its cue (source
  mention) is right when the quote's ``cue_span`` (``source_span``) overlaps one of the
  gold's pieces. :func:`content_differences` lists what one side claims and the other does
  not, and what the reading rules set aside.
- Meetings: the same meeting by the rule chunk merging and the corpus's meeting threads use
  (``summarizer._meeting_identity``): the same set of participants (as the gold's people,
  other names by their words); the gold gives no resolved days, so they do not decide; then
  status accuracy on the matches.
- Stances: the same holder (as a person) and the same target by the rule of
  ``summarizer.corpus._targets`` for two wordings of one article's target: the same person when
  either is one of the gold's people, else at least half the shorter target's words shared
  (articles, linking words and version words aside); then polarity accuracy on the matches.

Each article gets counts (true/false positives, false negatives) per field; the report gives
per-article figures, micro averages (summed counts) and macro averages (mean of per-article
F1), with the counts, so that small sets are not over-read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from summarizer import _identity
from summarizer._attribution import attribute
from summarizer._fields import Verbatim, walk
from summarizer._grounding import Span, locate_all, locate_pieces, locate_quote
from summarizer._meeting_identity import MeetingKey, participant_keys, same_meeting
from summarizer._runs._results import read_results
from summarizer._summary import QUOTE_KINDS, SPEAKER_KINDS, is_direct
from summarizer.corpus._targets import same_target
from summarizer.errors import InputError
from summarizer.schema import ArticleSummary

__all__ = [
    "ACCURACIES",
    "FIELDS",
    "SPAN_IOU",
    "Accuracy",
    "ArticleScore",
    "ContentCoverage",
    "ContentDifference",
    "Counts",
    "Coverage",
    "EvalReport",
    "GoldArticle",
    "content_differences",
    "gold_record",
    "load_gold",
    "load_predictions",
    "same_person",
    "score_article",
    "score_set",
    "span_iou",
    "targets_match",
]

SPAN_IOU = 0.5
"""The overlap (intersection over union) at which a predicted quote matches a gold one."""
FIELDS = (
    "speakers",
    *(f"quotes_{kind}" for kind in QUOTE_KINDS),
    "quotes",
    "meetings",
    "stances",
)
"""The scored fields: quotes also per kind, every kind of the schema's vocabulary."""
ACCURACIES = (
    "meeting_status",
    "stance_polarity",
    "quote_cue",
    "quote_source",
    "attribution_cue",
    "attribution_source",
)
"""Accuracies on matched items: meeting status, stance polarity, a quote's cue and source
mention, a gold attribution's cue and source mention (each reported only when the gold gives
it)."""


def same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two people, each given as their forms (name first, then aliases), match."""
    return _identity.same_person(a, b)


def targets_match(a: str, b: str, people: Sequence[Sequence[str]] = ()) -> bool:
    """Stance targets match by the rule of :func:`summarizer.corpus._targets.same_target`, loosely.

    A target is a person when it names one of ``people`` (each given as forms) by the rule
    the corpus resolves names with (:func:`summarizer._identity.resolve`: "talks with Sandor"
    names talks, not Sandor); two wordings of anything else match when they share half the
    shorter one's words.
    """
    person_a, person_b = _identity.resolve(a, people), _identity.resolve(b, people)
    return same_target(a, b, person_a, person_b, loose=True)


def span_iou(a: Span, b: Span) -> float:
    """Intersection over union of two character spans."""
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union else 0.0


def _f1(matched: int, others: int, precision: float | None, recall: float | None) -> float | None:
    """F1 from precision and recall, with the empty cases decided.

    0.0 when nothing matched but there was something to find or something found; None only
    when there was neither (an empty field, not a failure).
    """
    if not matched:
        return 0.0 if others else None
    assert precision is not None and recall is not None  # something matched: both defined
    return 2 * precision * recall / (precision + recall)


def _ratios(score: Counts | Coverage | ContentCoverage) -> dict[str, float | None]:
    return {"precision": score.precision, "recall": score.recall, "f1": score.f1}


@dataclass
class Counts:
    """True positives, false positives and false negatives, with the usual ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float | None:
        """Tp / (tp + fp), or None when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """Tp / (tp + fn), or None when the gold has nothing."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall (see :func:`_f1`)."""
        return _f1(self.tp, self.fp + self.fn, self.precision, self.recall)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {**_ratios(self), "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Accuracy:
    """Correct out of total (for statuses and polarities of matched items)."""

    correct: int = 0
    total: int = 0

    def __add__(self, other: Accuracy) -> Accuracy:
        return Accuracy(self.correct + other.correct, self.total + other.total)

    @property
    def value(self) -> float | None:
        """Correct / total, or None when nothing was compared."""
        return self.correct / self.total if self.total else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {"accuracy": self.value, "correct": self.correct, "total": self.total}


@dataclass
class Coverage:
    """Characters of quoted words: predicted, gold, and both (same person), summed.

    Scores quotes the way a reader compares them: a quote split or joined differently, or a
    direct quote read as a mixed one, still covers the same words.
    """

    overlap: int = 0
    predicted: int = 0
    gold: int = 0

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(
            self.overlap + other.overlap, self.predicted + other.predicted, self.gold + other.gold
        )

    @property
    def precision(self) -> float | None:
        """Share of predicted characters that gold quotes of the same person cover."""
        return self.overlap / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        """Share of gold characters that predicted quotes of the same person cover."""
        return self.overlap / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall (see :func:`_f1`)."""
        return _f1(self.overlap, self.predicted + self.gold, self.precision, self.recall)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        counts = {"overlap_chars": self.overlap, "predicted_chars": self.predicted}
        return {**_ratios(self), **counts, "gold_chars": self.gold}


@dataclass
class ContentCoverage:
    """Characters of attributed content (gold ``attribution``), speaker by speaker.

    Unlike :class:`Coverage`, the two directions are counted apart: with names matched
    pairwise, one predicted speaker can stand for two gold ones ("Scientology" for "Church
    of Scientology" and for "Scientology officials" would), so the characters a prediction
    covers and those it gets right need not be the same number.
    """

    covered: int = 0
    """Gold characters that a predicted quote of the same speaker claims."""
    gold: int = 0
    correct: int = 0
    """Predicted characters inside a gold statement of the same speaker."""
    predicted: int = 0

    def __add__(self, other: ContentCoverage) -> ContentCoverage:
        return ContentCoverage(
            self.covered + other.covered,
            self.gold + other.gold,
            self.correct + other.correct,
            self.predicted + other.predicted,
        )

    @property
    def precision(self) -> float | None:
        """Correct / predicted characters, or None when nothing was predicted."""
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        """Covered / gold characters, or None when the gold has no content."""
        return self.covered / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall (see :func:`_f1`)."""
        others = self.predicted + self.gold
        return _f1(self.covered + self.correct, others, self.precision, self.recall)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        chars = {"covered_chars": self.covered, "gold_chars": self.gold}
        return {
            **_ratios(self),
            **chars,
            "correct_chars": self.correct,
            "predicted_chars": self.predicted,
        }


@dataclass(frozen=True)
class ContentDifference:
    """Attributed content one side claims and the other does not, for one statement or quote.

    Attributes:
        side: ``missed`` (a gold statement's content no quote of its speaker claims),
            ``extra`` (a predicted quote's words no gold statement of its speaker holds) or
            ``optional`` (a gold statement the reading rules set aside, see ``reason``).
        speaker: The gold statement's speaker, or the predicted quote's.
        spans: The characters concerned, as maximal runs.
        chars: How many characters (each speaker's characters counted once).
        reason: For ``optional``: ``publisher``, ``inside`` or ``repeat`` (see the module's
            reading rules).
    """

    side: str
    speaker: str
    spans: tuple[Span, ...]
    chars: int
    reason: str | None = None

    def text(self, article: str) -> str:
        """The characters concerned, their runs joined by `` … ``."""
        return " … ".join(article[s.start : s.end] for s in self.spans)


@dataclass(frozen=True)
class GoldArticle:
    """One line of a gold set."""

    id: str
    text: str
    published: str | None
    gold: Mapping[str, Any]
    url: str | None = None
    """The article's address; the reading rules know its publisher by it."""


@dataclass
class ArticleScore:
    """The scores of one article; a field is absent when the gold does not annotate it."""

    id: str
    counts: dict[str, Counts] = field(default_factory=dict)
    accuracy: dict[str, Accuracy] = field(default_factory=dict)
    grounding: Accuracy = field(default_factory=Accuracy)
    coverage: Coverage | None = None
    """Quote coverage by characters, when the gold annotates quotes."""
    content: ContentCoverage | None = None
    """Attributed content by characters under the reading rules, when the gold gives
    ``attribution``."""
    content_as_annotated: ContentCoverage | None = None
    """The same, every gold character and statement counted, speakers by name only."""
    kinds: dict[str, Counts] = field(default_factory=dict)
    """Speakers per kind: tp (matched with that kind), fp (predicted only), fn (gold only)."""
    failed: bool = False


def _forms(person: Mapping[str, Any]) -> list[str]:
    return [str(person["name"]), *[str(a) for a in person.get("aliases") or []]]


def _match_people(gold: list[list[str]], predicted: list[list[str]]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of people; returns (gold index, predicted index) pairs."""
    pairs, used = [], set()
    for g, g_forms in enumerate(gold):
        for p, p_forms in enumerate(predicted):
            if p not in used and same_person(g_forms, p_forms):
                pairs.append((g, p))
                used.add(p)
                break
    return pairs


def _gold_person(name: str, gold_people: Sequence[Sequence[str]]) -> int | None:
    for index, forms in enumerate(gold_people):
        if same_person([name], forms):
            return index
    return None


def _quote_locations(quote: Any, text: str) -> list[Span]:
    """Where a predicted quote is: its words (v3: a reported quote's content), its passage."""
    spans = [s for s in (quote.location, quote.evidence_span) if s is not None]
    if not spans:
        verbatim = quote.text if is_direct(quote.kind) else (quote.evidence or quote.text)
        spans = [s for s in [locate_quote(verbatim, text)] if s is not None]
    return [Span(start=s.start, end=s.end) for s in spans]


def _same_place(gold: Sequence[Span], predicted: Sequence[Span]) -> bool:
    """Whether some located form of the gold quote and of the prediction overlap enough."""
    return any(span_iou(g, p) >= SPAN_IOU for g in gold for p in predicted)


def _score_quotes(
    gold_quotes: list[Mapping[str, Any]],
    summary: ArticleSummary,
    text: str,
    gold_people: list[list[str]],
) -> tuple[dict[str, Counts], list[tuple[int, int]]]:
    """Counts per quote kind, and the matched (gold index, predicted index) pairs."""
    results = {"quotes": Counts(), **{f"quotes_{kind}": Counts() for kind in QUOTE_KINDS}}
    predicted = [
        (q, _quote_locations(q, text), _gold_person(q.speaker, gold_people)) for q in summary.quotes
    ]
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for g, gold_quote in enumerate(gold_quotes):
        passage = locate_quote(str(gold_quote["text"]), text)
        spans = [s for s in [passage, *_gold_words(gold_quote, text)] if s is not None]
        kind = gold_quote.get("kind")
        who = _gold_person(str(gold_quote["speaker"]), gold_people)
        found = None
        for index, (quote, location, person) in enumerate(predicted):
            if index in used or not location or not spans:
                continue
            if kind and quote.kind != kind:
                continue
            if person != who or not _same_place(spans, location):
                continue
            found = index
            break
        bucket = f"quotes_{kind}" if kind in QUOTE_KINDS else None
        if found is None:
            results["quotes"].fn += 1
            if bucket:
                results[bucket].fn += 1
        else:
            used.add(found)
            pairs.append((g, found))
            results["quotes"].tp += 1
            if bucket:
                results[bucket].tp += 1
    gold_kinds = {q.get("kind") for q in gold_quotes}
    for index, (quote, _, _) in enumerate(predicted):
        if index in used:
            continue
        results["quotes"].fp += 1
        if quote.kind in gold_kinds:
            results[f"quotes_{quote.kind}"].fp += 1
    kept = {k: v for k, v in results.items() if k == "quotes" or k[7:] in gold_kinds}
    return kept, pairs


def _characters(spans: Iterable[Span]) -> set[int]:
    return {i for span in spans for i in range(span.start, span.end)}


def _predicted_words(quote: Any) -> list[Span]:
    """The article characters a predicted quote says were said (see ``Quote.words``)."""
    words: list[Span] = quote.words
    return words


def _gold_words(gold_quote: Mapping[str, Any], text: str) -> list[Span]:
    """The characters a gold quote says were said: pieces, the content, else the passage."""
    if is_direct(str(gold_quote.get("kind"))):
        return locate_pieces(str(gold_quote["text"]), text) or []
    span = None
    if gold_quote.get("content"):
        passage = locate_quote(str(gold_quote["text"]), text)
        span = _inside(str(gold_quote["content"]), text, passage)
    span = span or locate_quote(str(gold_quote["text"]), text)
    return [span] if span is not None else []


def _inside(phrase: str, text: str, region: Span | None) -> Span | None:
    """The occurrence of ``phrase`` inside ``region`` (the first when there is none there)."""
    spans = locate_all(phrase, text) or [s for s in [locate_quote(phrase, text)] if s]
    within = [s for s in spans if region and region.start <= s.start and s.end <= region.end]
    return next(iter(within or spans), None)


def _gold_span(value: Any) -> Span | None:
    if isinstance(value, Mapping) and {"start", "end"} <= value.keys():
        return Span(start=int(value["start"]), end=int(value["end"]))
    return None


def _gold_attribution(gold_quote: Mapping[str, Any], text: str) -> tuple[Span | None, Span | None]:
    """The gold cue and source mention, as given or located by the library's own rule."""
    cue, source = _gold_span(gold_quote.get("cue_span")), _gold_span(gold_quote.get("source_span"))
    words = _gold_words(gold_quote, text)
    if words and cue is None and gold_quote.get("cue"):
        cue = attribute(text, words, str(gold_quote["cue"]), []).cue
    if words and source is None and gold_quote.get("source"):
        cue_text = str(gold_quote.get("cue") or "")
        source = attribute(text, words, cue_text, [str(gold_quote["source"])]).source
    return cue, source


def _attribution_accuracy(
    gold_quotes: list[Mapping[str, Any]],
    summary: ArticleSummary,
    text: str,
    pairs: list[tuple[int, int]],
) -> dict[str, Accuracy]:
    """Cue and source-mention accuracy on the matched quotes whose gold gives them."""
    cue, source = Accuracy(), Accuracy()
    for g, p in pairs:
        gold_cue, gold_source = _gold_attribution(gold_quotes[g], text)
        predicted = summary.quotes[p]
        for gold_span, span, acc in (
            (gold_cue, predicted.cue_span, cue),
            (gold_source, predicted.source_span, source),
        ):
            if gold_span is not None:
                acc.total += 1
                acc.correct += span is not None and span_iou(gold_span, span) > 0
    return {k: v for k, v in (("quote_cue", cue), ("quote_source", source)) if v.total}


def _coverage(
    gold_quotes: list[Mapping[str, Any]],
    summary: ArticleSummary,
    text: str,
    gold_people: list[list[str]],
) -> Coverage:
    """Character overlap of quoted words, person by person (see :class:`Coverage`)."""
    gold: dict[object, set[int]] = {}
    for q in gold_quotes:
        who = _gold_person(str(q["speaker"]), gold_people)
        gold.setdefault(who if who is not None else str(q["speaker"]), set()).update(
            _characters(_gold_words(q, text))
        )
    predicted: dict[object, set[int]] = {}
    for quote in summary.quotes:
        who = _gold_person(quote.speaker, gold_people)
        predicted.setdefault(who if who is not None else "?" + quote.speaker, set()).update(
            _characters(_predicted_words(quote))
        )
    overlap = sum(len(chars & gold.get(who, set())) for who, chars in predicted.items())
    return Coverage(
        overlap,
        sum(map(len, predicted.values())),
        sum(map(len, gold.values())),
    )


_PRONOUNS = frozenset({"i", "we", "you", "he", "she", "it", "they", "who", "which", "that"})
"""Source mentions that name nobody on their own ("I think", "Devocht … who")."""

REPEAT_MIN_WORDS = 5
"""A statement's words must be this many to count as the repeat of another's (a headline,
a pull-quote caption); fewer are too common to say it is the same statement."""


@dataclass(frozen=True)
class _Statement:
    """One gold attribution: its speaker's forms, its content characters, its cue and source.

    ``optional`` says why the reading rules do not require the statement (see
    :func:`_reading`); None when they do.
    """

    speaker: str
    forms: tuple[str, ...]
    content: frozenset[int]
    cue: tuple[Span, ...]
    source: tuple[Span, ...]
    optional: str | None = None


def _spans(value: Any) -> tuple[Span, ...]:
    return tuple(s for s in map(_gold_span, value or []) if s is not None)


def _statements(gold: Mapping[str, Any]) -> list[_Statement]:
    """The gold attributions, each with every form its speaker goes by in the gold line."""
    people = {str(p["name"]): _forms(p) for p in gold.get("speakers") or []}
    statements = []
    for item in gold.get("attribution") or []:
        speaker = str(item["speaker"])
        mentions = [str(s["text"]) for s in item.get("source") or []]
        forms = [*people.get(speaker, [speaker]), *mentions]
        forms = [f for f in forms if f.strip().casefold() not in _PRONOUNS]
        statements.append(
            _Statement(
                speaker,
                tuple(dict.fromkeys(forms)),
                frozenset(_characters(_spans(item.get("content")))),
                _spans(item.get("cue")),
                _spans(item.get("source")),
            )
        )
    return statements


_LINKING_THAT = re.compile(r"\s*that(?![\w'’])\W*", re.IGNORECASE)


def _word_characters(chars: Iterable[int], text: str) -> set[int]:
    """Content as the library defines it: word characters, without a leading linking "that".

    Letters and digits count; quotation marks, punctuation and spaces do not, nor a "that"
    starting content outside quotation marks (GUM keeps both in its spans; the library's
    content leaves them out, by its definition, so they are not a disagreement about what was
    said). Applied to both sides alike: "estimates that number is …" cannot tell a linking
    "that" from a determiner, so neither side is counted for it.
    """
    chars = set(chars)
    kept = {c for c in chars if text[c].isalnum()}
    if chars:
        start = min(chars)
        if (linking := _LINKING_THAT.match(text, start)) and text[start] not in "\"“”'‘’":
            kept -= set(range(start, linking.end()))
    return kept


def _said_characters(statement: _Statement, text: str) -> frozenset[int]:
    """A gold statement's content as the library defines content (:func:`_word_characters`)."""
    return frozenset(_word_characters(statement.content, text))


def _words(chars: frozenset[int], text: str) -> str:
    """Word characters as their casefolded words, one space apart (to compare printings)."""
    if not chars:
        return ""
    letters = (text[c] if c in chars else " " for c in range(min(chars), max(chars) + 1))
    return " ".join("".join(letters).casefold().split())


def _publisher(statement: _Statement, url: str | None) -> bool:
    """Whether the speaker is the outlet publishing the article ("Wikinews has learned")."""
    labels = (urlsplit(url).hostname or "").casefold().split(".") if url else []
    names = (re.sub(r"\W", "", form.casefold()) for form in statement.forms)
    return any(name and name in labels for name in names)


class _Printings:
    """Where a run of words is printed in an article.

    The article's words, casefolded, one space apart, with the offset of each word, so that
    every printing of a statement is found by one scan per statement.
    """

    def __init__(self, text: str) -> None:
        self.tokens = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        self.joined = " ".join(text[start:end].casefold() for start, end in self.tokens)
        self.word_at: dict[int, int] = {}
        offset = 0
        for index, (start, end) in enumerate(self.tokens):
            self.word_at[offset] = index
            offset += end - start + 1

    def of(self, words: str) -> list[frozenset[int]]:
        """The word characters of every printing of ``words`` (whole words only)."""
        found, count, at = [], len(words.split()), self.joined.find(words)
        while at >= 0:
            first = self.word_at.get(at)
            end = at + len(words)
            if first is not None and (end == len(self.joined) or self.joined[end] == " "):
                spans = self.tokens[first : first + count]
                found.append(frozenset(c for start, stop in spans for c in range(start, stop)))
            at = self.joined.find(words, at + 1)
        return found


_WORD = re.compile(r"[^\W_]+")


def _reading(
    statements: list[_Statement], text: str, url: str | None, claimed: set[int]
) -> list[_Statement]:
    """The gold statements under the reading rules.

    Content is read as the library defines it (:func:`_said_characters`), and ``optional``
    is set on the statements a summary need not give, each for a stated reason:

    - ``publisher``: the outlet's own narration ("Wikinews has learned that …"), not a source
      it reports;
    - ``inside``: a statement wholly inside the content of a statement by another speaker
      (not the outlet), whose words the summary gives to that speaker: a report inside a
      quotation, a message inside a post;
    - ``repeat``: a statement whose words (at least :data:`REPEAT_MIN_WORDS`) are printed
      again inside another statement's content: a headline or a pull-quote caption
      repeating what is said in the body is one statement. Of two statements with the same
      words the one ``claimed`` (characters any of the summary's quotes claim) covers most
      is required, the first on a tie.

    A statement printed again where no other statement is (a caption GUM annotates, with
    the body's printing left unannotated) is required once, at the printing the summary
    claims most (its own on a tie).
    """
    said = [
        _Statement(s.speaker, s.forms, _said_characters(s, text), s.cue, s.source)
        for s in statements
    ]
    why: list[str | None] = ["publisher" if _publisher(s, url) else None for s in said]
    for i, inner in enumerate(said):
        if why[i] or not inner.content:
            continue
        for j, outer in enumerate(said):
            if (
                j != i
                and why[j] != "publisher"
                and outer.speaker != inner.speaker
                and inner.content < outer.content
            ):
                why[i] = "inside"
                break
    printings = _Printings(text)
    words = [_words(s.content, text) for s in said]
    content = [s.content for s in said]
    for i, statement in enumerate(said):
        if why[i] or len(words[i].split()) < REPEAT_MIN_WORDS:
            continue
        elsewhere = [p for p in printings.of(words[i]) if not p & statement.content]
        holders = [
            j
            for j, other in enumerate(said)
            if j != i and not why[j] and any(p <= other.content for p in elsewhere)
        ]
        for j in holders:
            if words[i] == words[j]:
                mine, theirs = len(statement.content & claimed), len(said[j].content & claimed)
                if mine > theirs or (mine == theirs and i < j):
                    continue
            why[i] = "repeat"
            break
        if not why[i] and elsewhere:
            best = max(elsewhere, key=lambda p: len(p & claimed))
            if len(best & claimed) > len(statement.content & claimed):
                content[i] = best
    return [
        _Statement(s.speaker, s.forms, chars, s.cue, s.source, reason)
        for s, chars, reason in zip(said, content, why, strict=True)
    ]


def _quote_forms(summary: ArticleSummary) -> list[list[str]]:
    """Each predicted quote's speaker as forms: the speaker's name and aliases, if listed."""
    speakers = {s.name: s.forms() for s in summary.speakers}
    return [speakers.get(q.speaker, [q.speaker]) for q in summary.quotes]


def _described(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether one side names the source by the other's words plus a description.

    "Secunia.com" / "The Internet security firm Secunia.com", "an unknown author on pigmy" /
    "the post by an unknown author on pigmy": the shorter form (two words or more, a leading
    article aside) is a run of the longer's words. One word is too little to say so
    ("firm" / "The Internet security firm Secunia.com").
    """
    for x in a:
        for y in b:
            short, long = sorted((_identity.plain_words(form) for form in (x, y)), key=len)
            if short and short[0] in _identity.LEADING_ARTICLES:
                short = short[1:]
            if len(short) >= 2 and f" {' '.join(short)} " in f" {' '.join(long)} ":
                return True
    return False


def _named_at(statement: _Statement, text: str) -> set[int]:
    """The characters of the statement's source mentions that name someone (not pronouns)."""
    return {
        c
        for span in statement.source
        if text[span.start : span.end].strip().casefold() not in _PRONOUNS
        for c in range(span.start, span.end)
    }


def _content_sides(
    statements: list[_Statement], summary: ArticleSummary, text: str | None = None
) -> tuple[dict[str, set[int]], dict[str, set[int]], dict[str, set[int]], dict[str, set[int]]]:
    """Per gold speaker: content and covered characters; per predicted speaker: claimed, correct.

    Speakers are keyed by name as each side writes it; a speaker's characters are a set, so
    statements (quotes) that overlap count their shared characters once. With ``text`` the
    statements are read by the reading rules (:func:`_reading`, given as read): predicted
    characters count as the gold's do (word characters), a gold and a predicted speaker are
    also the same when a quote's source mention is one of the statement's own (the same
    words of the article name them both) or when one names the source by the other's words
    plus a description (:func:`_described`), and characters only optional statements hold
    are neither required nor counted against the summary.
    """
    gold: dict[str, set[int]] = {}
    optional: dict[str, set[int]] = {}
    gold_forms: dict[str, list[str]] = {}
    named_at: dict[str, set[int]] = {}
    for statement in statements:
        side = optional if statement.optional else gold
        side.setdefault(statement.speaker, set()).update(statement.content)
        gold.setdefault(statement.speaker, set())
        gold_forms.setdefault(statement.speaker, []).extend(statement.forms)
        if text is not None:
            named_at.setdefault(statement.speaker, set()).update(_named_at(statement, text))
    claimed: dict[str, set[int]] = {}
    claimed_forms: dict[str, list[str]] = {}
    mentioned: dict[str, set[int]] = {}
    for quote, forms in zip(summary.quotes, _quote_forms(summary), strict=True):
        chars = _characters(_predicted_words(quote))
        if text is not None:
            if is_direct(quote.kind):  # its pieces, inside the quotation marks
                chars = {c for c in chars if text[c].isalnum()}
            else:
                chars = _word_characters(chars, text)
            if quote.source_span is not None:
                span = quote.source_span
                mentioned.setdefault(quote.speaker, set()).update(range(span.start, span.end))
        claimed.setdefault(quote.speaker, set()).update(chars)
        claimed_forms.setdefault(quote.speaker, []).extend(forms)
    same = {
        (g, p): same_person(gold_forms[g], claimed_forms[p])
        or (
            text is not None
            and (
                bool(named_at[g] & mentioned.get(p, set()))
                or _described(gold_forms[g], claimed_forms[p])
            )
        )
        for g in gold
        for p in claimed
    }
    covered = {
        g: chars & {c for p, have in claimed.items() if same[g, p] for c in have}
        for g, chars in gold.items()
    }
    correct = {
        p: chars & {c for g, have in gold.items() if same[g, p] for c in have}
        for p, chars in claimed.items()
    }
    for p, chars in claimed.items():
        neutral = {c for g, have in optional.items() if same[g, p] for c in have}
        chars -= neutral - correct[p]
    return gold, covered, claimed, correct


def _claimed(summary: ArticleSummary) -> set[int]:
    """The characters any predicted quote claims."""
    return {c for quote in summary.quotes for c in _characters(_predicted_words(quote))}


def _content_coverage(
    statements: list[_Statement], summary: ArticleSummary, text: str | None = None
) -> ContentCoverage:
    """Attributed content by characters, speaker by speaker (see :class:`ContentCoverage`)."""
    gold, covered, claimed, correct = _content_sides(statements, summary, text)
    return ContentCoverage(
        covered=sum(map(len, covered.values())),
        gold=sum(map(len, gold.values())),
        correct=sum(map(len, correct.values())),
        predicted=sum(map(len, claimed.values())),
    )


def _runs(chars: Iterable[int]) -> tuple[Span, ...]:
    """Characters as maximal runs of consecutive offsets."""
    runs: list[Span] = []
    for c in sorted(chars):
        if runs and runs[-1].end == c:
            runs[-1] = Span(start=runs[-1].start, end=c + 1)
        else:
            runs.append(Span(start=c, end=c + 1))
    return tuple(runs)


def content_differences(
    article: GoldArticle, summary: ArticleSummary | None, *, as_annotated: bool = False
) -> list[ContentDifference]:
    """What the gold's statements and the predicted quotes disagree on, item by item.

    Every gold statement whose content is not all covered by a quote of its speaker
    (``missed``), then every predicted quote whose words are not all in a gold statement of
    its speaker (``extra``). A speaker's character is listed once, with the first statement
    (quote) holding it, so the ``chars`` add up to the gaps of :class:`ContentCoverage`.
    Under the reading rules (the default; ``as_annotated=True`` counts every gold character
    and matches speakers by name only) the statements they set aside follow (``optional``,
    with the rule's ``reason``), so that nothing of the gold goes unlisted.
    Empty when the gold line gives no ``attribution``.
    """
    statements = _statements(article.gold)
    if not statements:
        return []
    summary = summary or ArticleSummary(headline="", summary="")
    text = None if as_annotated else article.text
    if text is not None:
        statements = _reading(statements, text, article.url, _claimed(summary))
    gold, covered, claimed, correct = _content_sides(statements, summary, text)
    missing = {g: gold[g] - covered[g] for g in gold}
    extra = {p: claimed[p] - correct[p] for p in claimed}
    found = []
    for statement in statements:
        left = set(statement.content & missing[statement.speaker])
        missing[statement.speaker] -= left
        if left:
            found.append(ContentDifference("missed", statement.speaker, _runs(left), len(left)))
    for quote in summary.quotes:
        left = _characters(_predicted_words(quote)) & extra[quote.speaker]
        extra[quote.speaker] -= left
        if left:
            found.append(ContentDifference("extra", quote.speaker, _runs(left), len(left)))
    for statement in statements:
        if statement.optional and statement.content:
            runs, chars = _runs(statement.content), len(statement.content)
            side = ContentDifference("optional", statement.speaker, runs, chars, statement.optional)
            found.append(side)
    return found


def _statement_accuracy(
    statements: list[_Statement], summary: ArticleSummary
) -> dict[str, Accuracy]:
    """Cue and source-mention accuracy of the gold statements a quote of their speaker claims.

    A statement's quote is the one of its speaker claiming most of its content (the first
    on ties); a statement no quote of its speaker touches is not counted (content coverage
    counts it missed).
    """
    cue, source = Accuracy(), Accuracy()
    quotes = list(zip(summary.quotes, _quote_forms(summary), strict=True))
    for statement in statements:
        best, most = None, 0
        for quote, forms in quotes:
            shared = len(statement.content & _characters(_predicted_words(quote)))
            if shared > most and same_person(statement.forms, forms):
                best, most = quote, shared
        if best is None:
            continue
        for gold_spans, span, acc in (
            (statement.cue, best.cue_span, cue),
            (statement.source, best.source_span, source),
        ):
            if gold_spans:
                acc.total += 1
                acc.correct += span is not None and any(span_iou(g, span) > 0 for g in gold_spans)
    named = (("attribution_cue", cue), ("attribution_source", source))
    return {k: v for k, v in named if v.total}


def _kind_counts(
    gold_speakers: list[Mapping[str, Any]],
    predicted: list[Any],
    pairs: list[tuple[int, int]],
) -> dict[str, Counts]:
    """Speakers per kind: matched speakers of the same kind, predicted only, gold only."""
    counts = {kind: Counts() for kind in SPEAKER_KINDS}
    matched_gold = {g for g, _ in pairs}
    matched_predicted = {p for _, p in pairs}
    for g, p in pairs:
        gold_kind = str(gold_speakers[g].get("kind", "person"))
        if gold_kind == predicted[p].kind:
            counts[gold_kind].tp += 1
        else:
            counts[gold_kind].fn += 1
            counts[predicted[p].kind].fp += 1
    for g, speaker in enumerate(gold_speakers):
        if g not in matched_gold:
            counts[str(speaker.get("kind", "person"))].fn += 1
    for p, speaker in enumerate(predicted):
        if p not in matched_predicted:
            counts[speaker.kind].fp += 1
    return counts


def _meeting_key(names: Sequence[str], gold_people: list[list[str]]) -> MeetingKey:
    """A meeting as meeting identity compares it: its participants as the gold's people.

    The gold gives no resolved days, so days are unknown on the gold's side.
    """
    people = participant_keys(names, [_gold_person(name, gold_people) for name in names])
    return MeetingKey(people)


def _same_meeting(gold: Mapping[str, Any], predicted: Any, people: list[list[str]]) -> bool:
    return same_meeting(
        _meeting_key([str(p) for p in gold["participants"]], people),
        _meeting_key(predicted.participants, people),
        unknown_agrees=True,
    )


def _grounding(summary: ArticleSummary, text: str) -> Accuracy:
    """Located / all verbatim strings of the summary (every field the schema marks verbatim)."""
    strings = [
        string
        for visit in walk(summary)
        if isinstance(visit.role, Verbatim) and visit.role.applies(visit.owner)
        for string in visit.texts
    ]
    found = sum(1 for s in strings if s and locate_quote(s, text) is not None)
    return Accuracy(found, len(strings))


def _match_and_judge(
    gold_items: list[Mapping[str, Any]],
    predicted: Sequence[Any],
    matches: Callable[[Mapping[str, Any], Any], bool],
    correct: Callable[[Mapping[str, Any], Any], bool],
) -> tuple[Counts, Accuracy]:
    """One-to-one matching, then the accuracy of an attribute on the matched pairs.

    Two greedy passes: pairs that match and agree on the attribute first, then the rest, so
    two meetings of the same people (talks held, the next round scheduled) are paired with
    the predictions that describe them, whatever order either list is in.
    """
    counts, accuracy = Counts(), Accuracy()
    pairs: dict[int, int] = {}
    for judged in (True, False):
        for g, item in enumerate(gold_items):
            if g in pairs:
                continue
            match = next(
                (
                    i
                    for i, p in enumerate(predicted)
                    if i not in pairs.values()
                    and matches(item, p)
                    and (correct(item, p) or not judged)
                ),
                None,
            )
            if match is not None:
                pairs[g] = match
    counts.tp = len(pairs)
    counts.fn = len(gold_items) - len(pairs)
    counts.fp = len(predicted) - len(pairs)
    accuracy.total = len(pairs)
    accuracy.correct = sum(correct(gold_items[g], predicted[p]) for g, p in pairs.items())
    return counts, accuracy


def score_article(article: GoldArticle, summary: ArticleSummary | None) -> ArticleScore:
    """Score one prediction (None when the run failed: everything gold is missed)."""
    score = ArticleScore(id=article.id, failed=summary is None)
    summary = summary or ArticleSummary(headline="", summary="")
    gold = article.gold
    gold_people = [_forms(p) for p in gold.get("speakers") or []]
    known_people = gold_people or [s.forms() for s in summary.speakers]
    if "speakers" in gold:
        predicted_people = [s.forms() for s in summary.speakers]
        pairs = _match_people(gold_people, predicted_people)
        score.counts["speakers"] = Counts(
            tp=len(pairs), fp=len(predicted_people) - len(pairs), fn=len(gold_people) - len(pairs)
        )
        score.kinds = _kind_counts(list(gold["speakers"]), summary.speakers, pairs)
    if "quotes" in gold:
        gold_quotes = list(gold["quotes"])
        counts, pairs = _score_quotes(gold_quotes, summary, article.text, known_people)
        score.counts.update(counts)
        score.accuracy.update(_attribution_accuracy(gold_quotes, summary, article.text, pairs))
        score.coverage = _coverage(gold_quotes, summary, article.text, known_people)
    if statements := _statements(gold):
        read = _reading(statements, article.text, article.url, _claimed(summary))
        score.content = _content_coverage(read, summary, article.text)
        score.content_as_annotated = _content_coverage(statements, summary)
        score.accuracy.update(_statement_accuracy(statements, summary))
    if "proposed_meetings" in gold:
        score.counts["meetings"], score.accuracy["meeting_status"] = _match_and_judge(
            list(gold["proposed_meetings"]),
            summary.proposed_meetings,
            lambda g, p: _same_meeting(g, p, known_people),
            lambda g, p: p.status == g["status"],
        )
    if "stances" in gold:
        score.counts["stances"], score.accuracy["stance_polarity"] = _match_and_judge(
            list(gold["stances"]),
            summary.stances,
            lambda g, p: (
                same_person([str(g["holder"])], [p.holder])
                and targets_match(str(g["target"]), p.target, known_people)
            ),
            lambda g, p: p.polarity == g["polarity"],
        )
    score.grounding = _grounding(summary, article.text)
    return score


@dataclass
class EvalReport:
    """Scores of a set: per article, and micro/macro averages per field."""

    articles: list[ArticleScore]

    def micro(self, name: str) -> Counts | None:
        """Counts summed over the articles that annotate ``name``."""
        parts = [a.counts[name] for a in self.articles if name in a.counts]
        return sum(parts, Counts()) if parts else None

    def macro_f1(self, name: str) -> float | None:
        """Mean of the per-article F1 of ``name``."""
        values = [a.counts[name].f1 for a in self.articles if name in a.counts]
        present = [v for v in values if v is not None]
        return sum(present) / len(present) if present else None

    def accuracy(self, name: str) -> Accuracy | None:
        """Accuracy summed over the articles (see :data:`ACCURACIES`)."""
        parts = [a.accuracy[name] for a in self.articles if name in a.accuracy]
        return sum(parts, Accuracy()) if parts else None

    @property
    def grounding(self) -> Accuracy:
        """Share of predicted verbatim strings found in their article."""
        return sum((a.grounding for a in self.articles), Accuracy())

    @property
    def coverage(self) -> Coverage | None:
        """Quote coverage by characters, summed over the articles that annotate quotes."""
        parts = [a.coverage for a in self.articles if a.coverage is not None]
        return sum(parts, Coverage()) if parts else None

    @property
    def content(self) -> ContentCoverage | None:
        """Attributed content by characters (reading rules), summed over the articles."""
        parts = [a.content for a in self.articles if a.content is not None]
        return sum(parts, ContentCoverage()) if parts else None

    @property
    def content_as_annotated(self) -> ContentCoverage | None:
        """Attributed content, every gold character counted, summed over the articles."""
        parts = [a.content_as_annotated for a in self.articles if a.content_as_annotated]
        return sum(parts, ContentCoverage()) if parts else None

    def kinds(self) -> dict[str, Counts]:
        """Speakers per kind, summed (see :attr:`ArticleScore.kinds`)."""
        total = {kind: Counts() for kind in SPEAKER_KINDS}
        for article in self.articles:
            for kind, counts in article.kinds.items():
                total[kind] = total[kind] + counts
        return total

    @property
    def failed(self) -> int:
        """Articles whose run produced no summary."""
        return sum(a.failed for a in self.articles)

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data (``precision``, ``recall``, ``f1`` and counts)."""
        result: dict[str, Any] = {"articles": len(self.articles), "failed": self.failed}
        for name in FIELDS:
            if (micro := self.micro(name)) is not None:
                result[name] = {**micro.as_dict(), "macro_f1": self.macro_f1(name)}
        for name in ACCURACIES:
            if (acc := self.accuracy(name)) is not None:
                result[name] = acc.as_dict()
        result["grounding"] = self.grounding.as_dict()
        if (coverage := self.coverage) is not None:
            result["quote_coverage"] = coverage.as_dict()
        if (content := self.content) is not None:
            result["content_coverage"] = content.as_dict()
        if (annotated := self.content_as_annotated) is not None:
            result["content_coverage_as_annotated"] = annotated.as_dict()
        if any(a.kinds for a in self.articles):
            result["speaker_kinds"] = {
                kind: {**c.as_dict(), "predicted": c.tp + c.fp, "gold": c.tp + c.fn}
                for kind, c in self.kinds().items()
            }
        result["per_article"] = [
            {
                "id": a.id,
                "failed": a.failed,
                **{k: v.as_dict() for k, v in a.counts.items()},
                **{k: v.as_dict() for k, v in a.accuracy.items()},
                **({"content_coverage": a.content.as_dict()} if a.content else {}),
                **(
                    {"content_coverage_as_annotated": a.content_as_annotated.as_dict()}
                    if a.content_as_annotated
                    else {}
                ),
            }
            for a in self.articles
        ]
        return result


def score_set(
    gold: Sequence[GoldArticle], predictions: Mapping[str, ArticleSummary | None]
) -> EvalReport:
    """Score predictions (by article id; a missing id counts as a failed run)."""
    return EvalReport([score_article(a, predictions.get(a.id)) for a in gold])


def load_gold(path: str | Path) -> list[GoldArticle]:
    """Read a gold JSONL file.

    Raises:
        InputError: A line is not valid JSON or lacks ``id``, ``text`` or ``gold``.
    """
    articles = []
    lines = Path(path).read_text(encoding="utf-8").split("\n")  # not splitlines: see _results
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            articles.append(
                GoldArticle(
                    id=str(record["id"]),
                    text=str(record["text"]),
                    published=record.get("published"),
                    gold=dict(record["gold"]),
                    url=str(record["url"]) if record.get("url") else None,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path} line {number}: not a gold record ({exc})") from exc
        except RecursionError as exc:  # ``[`` x 200,000
            raise InputError(f"{path} line {number}: JSON nested too deeply to read") from exc
    return articles


def load_predictions(path: str | Path) -> dict[str, ArticleSummary | None]:
    """Read a results JSONL (``summarizer batch`` output): id → summary, or None if failed.

    Raises:
        InputError: A line is not a result record (the message names the line), or the
            file cannot be read. A last line torn by a crash is left out.
    """
    return {record.id: record.summary for record in read_results(path).records}


def gold_record(
    article_id: str, text: str, published: str | None, annotation: Mapping[str, Any]
) -> dict[str, Any]:
    """A gold line from an annotation in the summary schema (as in ``seeds/*.gold.json``)."""
    quotes = [
        {
            "speaker": q["speaker"],
            "text": q["text"] if is_direct(q["kind"]) else q["evidence"],
            "kind": q["kind"],
            **{k: q[k] for k in ("content", "cue") if q.get(k)},
        }
        for q in annotation.get("quotes", [])
    ]
    meetings = [
        {
            "participants": m["participants"],
            "status": m["status"],
            "proposed_by": m.get("proposed_by"),
            "timeframe": m.get("timeframe"),
        }
        for m in annotation.get("proposed_meetings", [])
    ]
    return {
        "id": article_id,
        "text": text,
        "published": published,
        "gold": {
            "speakers": [
                {"name": s["name"], "aliases": s.get("aliases", [])}
                for s in annotation.get("speakers", [])
            ],
            "quotes": quotes,
            "proposed_meetings": meetings,
            "stances": [
                {"holder": s["holder"], "target": s["target"], "polarity": s["polarity"]}
                for s in annotation.get("stances", [])
            ],
        },
    }
