"""Measure extraction quality against gold annotations.

Gold sets are JSONL, one article a line::

    {"id": "...", "text": "...", "published": "2024-12-23",
     "gold": {"speakers": [{"name": "Vladimir Putin", "aliases": ["Putin"]}],
              "quotes": [{"speaker": "Vladimir Putin", "text": "verbatim words", "kind": "direct"}],
              "proposed_meetings": [{"participants": ["A", "B"], "status": "proposed",
                                     "proposed_by": "A", "timeframe": "next week"}],
              "stances": [{"holder": "A", "target": "the war", "polarity": "oppose"}]}}

A field absent from ``gold`` is not scored for that article. Gold quote ``text`` is verbatim
article text (for reported speech: the reporting passage), so it can be located.

Matching rules (all pure functions below, table-tested):

- People: the identity rules of ``summarizer._identity`` (table-tested there), pairwise: two
  names are the same person when any of their forms (name, aliases) match after
  normalisation (case, diacritics, typographic quotes, possessive ``'s``, titles such as
  "President" or "Chancellor" dropped, transliteration variants such as Zelensky /
  Zelenskyy folded), or when one is a surname and the other a full name with it.
- Quotes: same person, same kind (when the gold gives one), and located spans whose
  intersection over union is at least ``SPAN_IOU`` (0.5): a prediction covering half a long
  quote still counts, one touching it at the edge does not. Direct and indirect are scored
  apart. The grounding rate is the share of predicted verbatim strings ``locate_quote`` finds.
- Meetings: the same set of participants (as people); then status accuracy on the matches.
- Stances: the same holder (as a person) and a target that is the same person or shares at
  least half of its content words; then polarity accuracy on the matches.

Each article gets counts (true/false positives, false negatives) per field; the report gives
per-article figures, micro averages (summed counts) and macro averages (mean of per-article
F1), with the counts, so that small sets are not over-read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer import _identity
from summarizer._fields import Verbatim, walk
from summarizer._grounding import Span, locate_quote
from summarizer._results import read_results
from summarizer.errors import InputError
from summarizer.schema import ArticleSummary

__all__ = [
    "FIELDS",
    "SPAN_IOU",
    "ArticleScore",
    "Counts",
    "EvalReport",
    "GoldArticle",
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
FIELDS = ("speakers", "quotes_direct", "quotes_indirect", "quotes", "meetings", "stances")
_STOPWORDS = {"a", "an", "the", "of", "with", "to", "for", "on", "in", "and", "against", "s"}


def same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two people, each given as their forms (name first, then aliases), match."""
    return _identity.same_person(a, b)


def _content_words(text: str) -> set[str]:
    return {t for t in _identity.plain_words(text) if t not in _STOPWORDS}


def targets_match(a: str, b: str, people: Sequence[Sequence[str]] = ()) -> bool:
    """Stance targets match: the same person, or at least half their content words shared."""
    for forms in people:
        if same_person([a], forms) and same_person([b], forms):
            return True
    words_a, words_b = _content_words(a), _content_words(b)
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) >= 0.5


def span_iou(a: Span, b: Span) -> float:
    """Intersection over union of two character spans."""
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union else 0.0


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
        """Harmonic mean of precision and recall, or None when either is undefined."""
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


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


@dataclass(frozen=True)
class GoldArticle:
    """One line of a gold set."""

    id: str
    text: str
    published: str | None
    gold: Mapping[str, Any]


@dataclass
class ArticleScore:
    """The scores of one article; a field is absent when the gold does not annotate it."""

    id: str
    counts: dict[str, Counts] = field(default_factory=dict)
    accuracy: dict[str, Accuracy] = field(default_factory=dict)
    grounding: Accuracy = field(default_factory=Accuracy)
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


def _gold_person(name: str, gold_people: list[list[str]]) -> int | None:
    for index, forms in enumerate(gold_people):
        if same_person([name], forms):
            return index
    return None


def _quote_location(quote: Any, text: str) -> Span | None:
    if quote.location is not None:
        return Span(start=quote.location.start, end=quote.location.end)
    verbatim = quote.text if quote.kind == "direct" else (quote.evidence or quote.text)
    return locate_quote(verbatim, text)


def _score_quotes(
    gold_quotes: list[Mapping[str, Any]],
    summary: ArticleSummary,
    text: str,
    gold_people: list[list[str]],
) -> dict[str, Counts]:
    results = {"quotes": Counts(), "quotes_direct": Counts(), "quotes_indirect": Counts()}
    predicted = [
        (q, _quote_location(q, text), _gold_person(q.speaker, gold_people)) for q in summary.quotes
    ]
    used: set[int] = set()
    for gold_quote in gold_quotes:
        span = locate_quote(str(gold_quote["text"]), text)
        kind = gold_quote.get("kind")
        who = _gold_person(str(gold_quote["speaker"]), gold_people)
        found = None
        for index, (quote, location, person) in enumerate(predicted):
            if index in used or location is None or span is None:
                continue
            if kind and quote.kind != kind:
                continue
            if person != who or span_iou(span, location) < SPAN_IOU:
                continue
            found = index
            break
        bucket = f"quotes_{kind}" if kind in ("direct", "indirect") else None
        if found is None:
            results["quotes"].fn += 1
            if bucket:
                results[bucket].fn += 1
        else:
            used.add(found)
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
    return results


def _people_key(names: Iterable[str], gold_people: list[list[str]]) -> frozenset[str]:
    keys = set()
    for name in names:
        person = _gold_person(name, gold_people)
        keys.add(f"#{person}" if person is not None else " ".join(_identity.name_tokens(name)))
    return frozenset(keys)


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
    """Greedy one-to-one matching, then the accuracy of an attribute on the matched pairs."""
    counts, accuracy = Counts(), Accuracy()
    used: set[int] = set()
    for item in gold_items:
        match = next(
            (i for i, p in enumerate(predicted) if i not in used and matches(item, p)), None
        )
        if match is None:
            counts.fn += 1
            continue
        used.add(match)
        counts.tp += 1
        accuracy.total += 1
        accuracy.correct += int(correct(item, predicted[match]))
    counts.fp += len(predicted) - len(used)
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
    if "quotes" in gold:
        score.counts.update(
            _score_quotes(list(gold["quotes"]), summary, article.text, known_people)
        )
    if "proposed_meetings" in gold:
        score.counts["meetings"], score.accuracy["meeting_status"] = _match_and_judge(
            list(gold["proposed_meetings"]),
            summary.proposed_meetings,
            lambda g, p: (
                _people_key(p.participants, known_people)
                == _people_key(g["participants"], known_people)
            ),
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
        """Accuracy summed over the articles (``meeting_status``, ``stance_polarity``)."""
        parts = [a.accuracy[name] for a in self.articles if name in a.accuracy]
        return sum(parts, Accuracy()) if parts else None

    @property
    def grounding(self) -> Accuracy:
        """Share of predicted verbatim strings found in their article."""
        return sum((a.grounding for a in self.articles), Accuracy())

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
        for name in ("meeting_status", "stance_polarity"):
            if (acc := self.accuracy(name)) is not None:
                result[name] = acc.as_dict()
        result["grounding"] = self.grounding.as_dict()
        result["per_article"] = [
            {
                "id": a.id,
                "failed": a.failed,
                **{k: v.as_dict() for k, v in a.counts.items()},
                **{k: v.as_dict() for k, v in a.accuracy.items()},
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
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
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
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path} line {number}: not a gold record ({exc})") from exc
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
            "text": q["text"] if q["kind"] == "direct" else q["evidence"],
            "kind": q["kind"],
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
