"""Long articles: split into chunks that fit, and merge the chunks' summaries into one.

Splitting (:func:`split_article`): paragraphs (blank-line separated) are packed greedily
into chunks whose conservative token estimate fits the budget; a paragraph too long for a
chunk of its own is split into sentences; a sentence longer than the budget cannot be sent
and raises :class:`InputError`. Every chunk but the first starts with the last sentence of
the previous chunk (when that leaves room), so a quote or a reference ("the latter") on a
boundary is seen whole by one chunk. A chunk is a substring of the article: it is given by
its span, and its results are shifted by the span's start to index the original.

Merging (:func:`merge_chunks`), deterministic (chunk order, then article order):

- speakers: grouped by identity (:func:`summarizer._identity.cluster`); the canonical name
  is the group's longest name (in words; the earliest on a tie), the other names and all
  aliases become aliases; role, affiliation and country are the first one given;
- quotes: same speaker, same kind and overlapping locations are one quote (the overlap
  region is read twice); the one with the longer location is kept;
- positions: same actor and overlapping evidence; stances: same holder, same target and
  overlapping evidence; the longer evidence is kept;
- meetings from different chunks: the same set of participants and either overlapping
  evidence, the same start date or the same timeframe (case-insensitive) are one meeting:
  evidence is united (in article order); the status is the most advanced (see
  :data:`STATUS_ORDER`, with its reason); the other fields are the first given in chunk
  order; agenda and preconditions are united. Meetings from the same chunk never merge;
- framing expressions: by text (case-insensitive), spans recomputed on the whole article;
  tone: the first chunk's tone toward an actor wins;
- headline and summary: the first chunk's (no extra model call). For a very long article
  they describe its opening, which for news is the lede.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from summarizer._grounding import Span, locate_all
from summarizer._identity import cluster, name_tokens
from summarizer._models import estimate_tokens
from summarizer.errors import InputError
from summarizer.schema import (
    ActorTone,
    ArticleSummary,
    Framing,
    FramingExpression,
    ProposedMeeting,
    Speaker,
    _assign_ids,
    _name_key,
)

__all__ = [
    "OUTPUT_PER_INPUT_TOKEN",
    "STATUS_ORDER",
    "merge_chunks",
    "shift_spans",
    "split_article",
]

OUTPUT_PER_INPUT_TOKEN = 6.0
"""Conservative output estimate: answer tokens per article token.

Measured on the curated gold answers in ``seeds/`` (JSON bytes / article bytes): 3.6 for the
seed, 4.4 for the scheduled visit, 5.9 for the short German article (dense articles give
more structure per word). An article whose estimate times this exceeds the model's output
limit is chunked even when it fits the input budget.
"""

STATUS_ORDER = (
    "proposed",
    "under_discussion",
    "agreed",
    "scheduled",
    "postponed",
    "declined",
    "cancelled",
    "held",
)
"""Meeting statuses from least to most advanced; merging keeps the most advanced."""

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+")


def _units(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Pieces of ``text[start:end]`` cut after each match of ``pattern`` (separator kept)."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in pattern.finditer(text, start, end):
        if match.end() > cursor and match.end() < end:
            pieces.append((cursor, match.end()))
            cursor = match.end()
    pieces.append((cursor, end))
    return [(a, b) for a, b in pieces if text[a:b].strip()] or [(start, end)]


def split_article(text: str, budget: int) -> list[Span]:
    """Chunks of ``text`` whose token estimate fits ``budget``, with one-sentence overlap.

    Raises:
        InputError: One sentence alone is over the budget.
    """
    fits: Callable[[int, int], bool] = lambda a, b: estimate_tokens(text[a:b]) <= budget  # noqa: E731
    if fits(0, len(text)):
        return [Span(start=0, end=len(text))]
    sentences: list[tuple[int, int]] = []  # paragraphs that fit stay whole
    for a, b in _units(text, 0, len(text), _PARAGRAPH_BREAK):
        if fits(a, b):
            sentences.append((a, b))
            continue
        for s, e in _units(text, a, b, _SENTENCE_END):
            if not fits(s, e):
                raise InputError(
                    f"one sentence of the article is about {estimate_tokens(text[s:e])} tokens "
                    f"({e - s} characters from offset {s}), over the chunk budget of {budget} "
                    "tokens: it cannot be split on a sentence boundary"
                )
            sentences.append((s, e))
    chunks: list[Span] = []
    i = 0
    start = sentences[0][0]
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and fits(start, sentences[j + 1][1]):
            j += 1
        end = len(text) if j == len(sentences) - 1 else sentences[j][1]
        chunks.append(Span(start=start, end=end))
        if j == len(sentences) - 1:
            break
        # Overlap: the next chunk repeats this chunk's last sentence when that leaves room
        # for at least one new unit; otherwise it starts at the next unit.
        last = _units(text, sentences[j][0], sentences[j][1], _SENTENCE_END)[-1]
        start = last[0] if j > i and fits(last[0], sentences[j + 1][1]) else sentences[j + 1][0]
        if start <= chunks[-1].start:
            start = sentences[j + 1][0]
        i = j + 1
    return chunks


def _overlaps(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and a.start < b.end and b.start < a.end


def _length(span: Span | None) -> int:
    return 0 if span is None else span.end - span.start


def _shift(span: Span | None, offset: int, chunk: str, article: str) -> Span | None:
    if span is None:
        return None
    moved = Span(start=span.start + offset, end=span.end + offset)
    if moved.slice(article) != span.slice(chunk):  # pragma: no cover - an invariant
        raise AssertionError(f"chunk span {span} does not map onto the article at {offset}")
    return moved


def shift_spans(summary: ArticleSummary, chunk: Span, article: str) -> None:
    """Make every span of a chunk's summary index the whole article (checked)."""
    text = chunk.slice(article)
    offset = chunk.start
    for quote in summary.quotes:
        quote.span = _shift(quote.span, offset, text, article)
        quote.evidence_span = _shift(quote.evidence_span, offset, text, article)
    for position in summary.positions:
        position.evidence_span = _shift(position.evidence_span, offset, text, article)
    for meeting in summary.proposed_meetings:
        meeting.evidence_spans = [
            s for sp in meeting.evidence_spans if (s := _shift(sp, offset, text, article))
        ]
    for stance in summary.stances:
        stance.evidence_span = _shift(stance.evidence_span, offset, text, article)
    for expression in summary.framing.expressions:
        expression.spans = [
            s for sp in expression.spans if (s := _shift(sp, offset, text, article))
        ]


T = TypeVar("T")


def _dedupe(items: list[T], same: Callable[[T, T], bool], size: Callable[[T], int]) -> list[T]:
    """Keep one of each group of items that are ``same``: the largest, the first on a tie."""
    kept: list[T] = []
    for item in items:
        for k, other in enumerate(kept):
            if same(item, other):
                if size(item) > size(other):
                    kept[k] = item
                break
        else:
            kept.append(item)
    return kept


def _merge_speakers(parts: Sequence[ArticleSummary]) -> list[Speaker]:
    """The merged speakers; each chunk's names are rewritten to the merged canonical names.

    Renaming is per chunk (a name means what its own chunk's speakers say it means), so a
    surname two chunks use for two different people is never crossed over.
    """
    everyone = [s for part in parts for s in part.speakers]
    owner = [i for i, part in enumerate(parts) for _ in part.speakers]
    groups = cluster([s.forms() for s in everyone])
    merged: list[Speaker] = []
    canonical: list[dict[str, str]] = [{} for _ in parts]
    for root in dict.fromkeys(groups):
        members = [s for s, g in zip(everyone, groups, strict=True) if g == root]
        name = max(members, key=lambda s: len(name_tokens(s.name))).name  # first on a tie
        forms = list(dict.fromkeys(f for s in members for f in s.forms()))
        aliases = [f for f in forms if f != name]
        first = {
            field: next((getattr(s, field) for s in members if getattr(s, field)), None)
            for field in ("role", "affiliation", "country")
        }
        merged.append(Speaker(name=name, aliases=aliases, **first))
        for s, g, i in zip(everyone, groups, owner, strict=True):
            if g == root:
                for form in s.forms():
                    canonical[i].setdefault(_name_key(form), name)
    for part, names in zip(parts, canonical, strict=True):
        _rename(part, names)
    return merged


def _rename(part: ArticleSummary, names: dict[str, str]) -> None:
    def name(value: str) -> str:
        return names.get(_name_key(value), value)

    for quote in part.quotes:
        quote.speaker = name(quote.speaker)
    for position in part.positions:
        position.actor = name(position.actor)
    for meeting in part.proposed_meetings:
        meeting.participants = [name(p) for p in meeting.participants]
        meeting.proposed_by = name(meeting.proposed_by) if meeting.proposed_by else None
    for stance in part.stances:
        stance.holder, stance.target = name(stance.holder), name(stance.target)
    for expression in part.framing.expressions:
        expression.refers_to = name(expression.refers_to)
    for tone in part.framing.tone:
        tone.actor = name(tone.actor)


def _merge_meetings(
    parts: Sequence[ArticleSummary], name: Callable[[str], str]
) -> list[ProposedMeeting]:
    groups: list[list[tuple[int, ProposedMeeting]]] = []
    for index, part in enumerate(parts):
        for meeting in part.proposed_meetings:
            people = {_name_key(name(p)) for p in meeting.participants}
            for group in groups:
                if any(i == index for i, _ in group):
                    continue
                head = group[0][1]
                if {_name_key(name(p)) for p in head.participants} != people:
                    continue
                if _same_meeting(meeting, [m for _, m in group]):
                    group.append((index, meeting))
                    break
            else:
                groups.append([(index, meeting)])
    return [_combine_meetings([m for _, m in group], name) for group in groups]


def _same_meeting(meeting: ProposedMeeting, group: list[ProposedMeeting]) -> bool:
    for other in group:
        if any(_overlaps(a, b) for a in meeting.evidence_spans for b in other.evidence_spans):
            return True
        if meeting.date_from and meeting.date_from == other.date_from:
            return True
        if (
            meeting.timeframe
            and other.timeframe
            and _name_key(meeting.timeframe) == _name_key(other.timeframe)
        ):
            return True
    return False


def _combine_meetings(group: list[ProposedMeeting], name: Callable[[str], str]) -> ProposedMeeting:
    first = group[0]
    status_of = max(group, key=lambda m: STATUS_ORDER.index(m.status))
    evidence: dict[tuple[int, int], tuple[str, Span]] = {}
    for m in group:
        for text, span in zip(m.evidence, m.evidence_spans, strict=False):
            evidence.setdefault((span.start, span.end), (text, span))
    ordered = [evidence[k] for k in sorted(evidence)]
    dated = next((m for m in group if m.date_from), first)

    def first_of(field: str) -> object:
        return next((getattr(m, field) for m in group if getattr(m, field)), None)

    def united(field: str) -> list[str]:
        return list(dict.fromkeys(x for m in group for x in getattr(m, field)))

    proposed_by = first_of("proposed_by")
    return ProposedMeeting.model_construct(
        participants=[name(p) for p in first.participants],
        proposed_by=name(proposed_by) if isinstance(proposed_by, str) else None,
        status=status_of.status,
        status_reason=status_of.status_reason,
        timeframe=first_of("timeframe"),
        date_from=dated.date_from,
        date_to=dated.date_to,
        location=first_of("location"),
        agenda=united("agenda"),
        preconditions=united("preconditions"),
        evidence=[text for text, _ in ordered] or list(first.evidence),
        evidence_spans=[span for _, span in ordered],
        participant_ids=[],
        proposed_by_id=None,
    )


def merge_chunks(parts: Sequence[ArticleSummary], article: str) -> ArticleSummary:
    """One summary of the whole article from its chunks' summaries (spans already shifted).

    The parts' name fields are rewritten in place to the merged speakers' names.
    """
    speakers = _merge_speakers(parts)

    def name(value: str) -> str:  # names are already the merged ones
        return value

    quotes = [
        q.model_copy(update={"speaker": name(q.speaker)}) for part in parts for q in part.quotes
    ]
    quotes = _dedupe(
        quotes,
        lambda a, b: (
            a.speaker == b.speaker and a.kind == b.kind and _overlaps(a.location, b.location)
        ),
        lambda q: _length(q.location),
    )
    quotes.sort(key=lambda q: q.location.start if q.location else len(article))
    positions = [
        p.model_copy(update={"actor": name(p.actor)}) for part in parts for p in part.positions
    ]
    positions = _dedupe(
        positions,
        lambda a, b: (
            _name_key(a.actor) == _name_key(b.actor) and _overlaps(a.evidence_span, b.evidence_span)
        ),
        lambda p: _length(p.evidence_span),
    )
    stances = [
        s.model_copy(update={"holder": name(s.holder), "target": name(s.target)})
        for part in parts
        for s in part.stances
    ]
    stances = _dedupe(
        stances,
        lambda a, b: (
            _name_key(a.holder) == _name_key(b.holder)
            and _name_key(a.target) == _name_key(b.target)
            and _overlaps(a.evidence_span, b.evidence_span)
        ),
        lambda s: _length(s.evidence_span),
    )
    expressions: dict[str, FramingExpression] = {}
    for part in parts:
        for e in part.framing.expressions:
            expressions.setdefault(
                _name_key(e.text),
                e.model_copy(
                    update={"refers_to": name(e.refers_to), "spans": locate_all(e.text, article)}
                ),
            )
    tones: dict[str, ActorTone] = {}
    for part in parts:
        for t in part.framing.tone:
            tones.setdefault(
                _name_key(name(t.actor)), t.model_copy(update={"actor": name(t.actor)})
            )
    first = parts[0]
    merged = ArticleSummary.model_construct(
        headline=first.headline,
        summary=first.summary,
        speakers=speakers,
        quotes=quotes,
        positions=positions,
        proposed_meetings=_merge_meetings(parts, name),
        stances=stances,
        framing=Framing(expressions=list(expressions.values()), tone=list(tones.values())),
        published=first.published,
        article_text=article,
        meta=None,
    )
    _assign_ids(merged)
    return merged
