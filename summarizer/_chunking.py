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
- every other list (quotes, positions, stances, framing, tone), by the schema's field roles:
  two items are one when the people they name (:class:`~summarizer._fields.Person` fields)
  and their :class:`~summarizer._fields.Distinct` fields agree and their first located spans
  overlap (the overlap region is read twice); the one with the longer location is kept, and
  the list is put in article order. A quote's kind is distinct; a tone has nothing to
  locate, so the first chunk's tone toward an actor wins;
- meetings from different chunks are one meeting by the rule of
  :func:`summarizer._meeting_identity.same_meeting` within one article: the same set of
  participants and either overlapping evidence, the same timeframe (case-insensitive) or
  overlapping dates; unknown dates do not make two mentions one. Their evidence is united
  (in article order); the status is the most advanced (the ``merge_rank`` of
  :data:`summarizer._summary.MEETING_STATUSES`, with its reason); the other fields are the
  first given in chunk order; agenda and preconditions are united. Meetings from the same
  chunk never merge;
- spans of every occurrence (framing expressions) are recomputed on the whole article, so an
  expression is one item however many chunks saw it;
- headline and summary: the first chunk's (no extra model call). For a very long article
  they describe its opening, which for news is the lede.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from summarizer._fields import Distinct, Person, Verbatim, located_spans, walk, walk_spans
from summarizer._grounding import Span, locate_all
from summarizer._identity import cluster, form_key, name_tokens
from summarizer._meeting_identity import MeetingKey, participant_keys, same_meeting
from summarizer._models import estimate_tokens
from summarizer._summary import (
    MEETING_STATUSES,
    Framing,
    ProposedMeeting,
    Speaker,
    SummaryData,
    assign_ids,
)
from summarizer._timeframes import Interval
from summarizer.errors import InputError

S = TypeVar("S", bound=SummaryData)

__all__ = [
    "OUTPUT_PER_INPUT_TOKEN",
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


def _shift(span: Span, offset: int, chunk: str, article: str) -> Span:
    moved = Span(start=span.start + offset, end=span.end + offset)
    if moved.slice(article) != span.slice(chunk):  # pragma: no cover - an invariant
        raise AssertionError(f"chunk span {span} does not map onto the article at {offset}")
    return moved


def shift_spans(summary: SummaryData, chunk: Span, article: str) -> None:
    """Make every span of a chunk's summary index the whole article (checked).

    Every field the walker knows to hold offsets is shifted once: a location, a direct
    quote's pieces, a mixed quote's quoted fragments.
    """
    text = chunk.slice(article)
    for visit in walk_spans(summary):
        visit.update(lambda span: _shift(span, chunk.start, text, article))


def _merge_speakers(parts: Sequence[SummaryData]) -> list[Speaker]:
    """The merged speakers; each chunk's names are rewritten to the merged canonical names.

    Renaming is per chunk (a name means what its own chunk's speakers say it means), so a
    surname two chunks use for two different people is never crossed over.
    """
    everyone = [s for part in parts for s in part.speakers]
    owner = [i for i, part in enumerate(parts) for _ in part.speakers]
    groups = cluster([s.forms() for s in everyone], [s.kind for s in everyone])
    merged: list[Speaker] = []
    canonical: list[dict[str, str]] = [{} for _ in parts]
    by_group: dict[int, list[int]] = {}  # one pass, not one per group
    for index, root in enumerate(groups):
        by_group.setdefault(root, []).append(index)
    for indexes in by_group.values():
        members = [everyone[j] for j in indexes]
        name = max(members, key=lambda s: len(name_tokens(s.name))).name  # first on a tie
        forms = list(dict.fromkeys(f for s in members for f in s.forms()))
        aliases = [f for f in forms if f != name]
        first = {
            field: next((getattr(s, field) for s in members if getattr(s, field)), None)
            for field in ("role", "affiliation", "country")
        }
        speaker = Speaker(name=name, aliases=aliases, kind=members[0].kind, **first)
        speaker.name_span = _first_name_span(members, name)
        merged.append(speaker)
        for j in indexes:
            for form in everyone[j].forms():
                canonical[owner[j]].setdefault(form_key(form), name)
    for part, names in zip(parts, canonical, strict=True):
        _rename(part, names)
    return merged


def _first_name_span(members: Sequence[Speaker], name: str) -> Span | None:
    """Where the merged name first stands (as grounding the whole article finds it).

    The members' spans are already on the whole article; a member named otherwise lends
    its span only when no member carries the merged name.
    """
    named = [s.name_span for s in members if s.name == name and s.name_span is not None]
    spans = named or [s.name_span for s in members if s.name_span is not None]
    return min(spans, key=lambda span: span.start) if spans else None


def _rename(part: SummaryData, names: dict[str, str]) -> None:
    """Rewrite every person reference of ``part`` (the walker's) to the merged names."""
    for visit in walk(part):
        if isinstance(visit.role, Person):
            value = visit.value
            if isinstance(value, list):
                setattr(visit.owner, visit.name, [names.get(form_key(v), v) for v in value])
            elif value:
                setattr(visit.owner, visit.name, names.get(form_key(value), value))


def _item_key(item: BaseModel) -> tuple[object, ...]:
    """What two items must share to be one: the people they name and their distinct fields."""
    key: list[object] = []
    for visit in walk(item):
        value = visit.value
        if (isinstance(visit.role, Person) and visit.role.key) or isinstance(visit.role, Distinct):
            texts = value if isinstance(value, list) else [value]
            key.append(tuple(form_key(v) if isinstance(v, str) else v for v in texts))
    return tuple(key)


def _is_verbatim_model(item: BaseModel) -> bool:
    return any(isinstance(v.role, Verbatim) for v in walk(item))


class _Kept:
    """The items kept so far, indexed so that finding an item's match is not a scan.

    Two items of one list are one when their keys agree (:func:`_item_key`) and, if they are
    located, their first located spans overlap. Comparing an item with every kept item costs
    the square of the list's length (a long transcript on a small context window: thousands
    of quotes). Here each item's key and location are computed once; the kept items of one
    key are found in a table, and their first located spans in a list sorted by start, where
    only those starting less than the longest one's length before an item can overlap it.
    The answer is the scan's: the first kept item (in kept order) that is the same. A key
    that cannot be hashed (a distinct field holding a list of dicts) is compared by the scan.
    """

    def __init__(self) -> None:
        self.items: list[BaseModel] = []
        self.keys: list[tuple[object, ...]] = []
        self.spans: list[Span | None] = []  # each kept item's first located span
        self.first: dict[tuple[object, ...], int] = {}  # key -> its first kept item
        # key -> (start, end, kept index) of its located kept items, sorted; the longest
        self.located: dict[tuple[object, ...], list[tuple[int, int, int]]] = {}
        self.longest: dict[tuple[object, ...], int] = {}

    def match(self, key: tuple[object, ...], verbatim: bool, span: Span | None) -> int | None:
        """The first kept item that is the same as an item with this key and location."""
        if not _hashable(key):
            return next(
                (
                    k
                    for k, other in enumerate(self.keys)
                    if other == key and (not verbatim or _overlaps(span, self.spans[k]))
                ),
                None,
            )
        if not verbatim:
            return self.first.get(key)
        located = self.located.get(key)
        if span is None or not located:
            return None
        lo = bisect_left(located, (span.start - self.longest[key], -1, -1))
        hi = bisect_left(located, (span.end, -1, -1))
        hits = [k for start, end, k in located[lo:hi] if span.start < end and start < span.end]
        return min(hits, default=None)

    def add(self, item: BaseModel) -> None:
        """Keep ``item``, or let it replace the same kept item when its location is longer."""
        key = _item_key(item)
        spans = located_spans(item)
        span = spans[0] if spans else None
        k = self.match(key, _is_verbatim_model(item), span)
        if k is None:
            k = len(self.items)
            self.items.append(item)
            self.keys.append(key)
            self.spans.append(span)
            if _hashable(key):
                self.first.setdefault(key, k)
        elif _length(span) > _length(self.spans[k]):
            old = self.spans[k]
            if old is not None and _hashable(key):
                self.located[key].remove((old.start, old.end, k))
            self.items[k] = item
            self.spans[k] = span
        else:
            return
        if span is not None and _hashable(key):
            insort(self.located.setdefault(key, []), (span.start, span.end, k))
            self.longest[key] = max(self.longest.get(key, 0), _length(span))


def _hashable(key: tuple[object, ...]) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _dedupe(items: list[BaseModel]) -> list[BaseModel]:
    """Keep one of each group of items that are the same: the larger, the first on a tie."""
    kept = _Kept()
    for item in items:
        kept.add(item)
    return kept.items


def _relocate_every(items: list[BaseModel], article: str) -> list[BaseModel]:
    """Copies of ``items`` whose every-occurrence spans are recomputed on the whole article."""
    copies = [item.model_copy(deep=True) for item in items]
    for item in copies:
        for visit in walk(item):
            if isinstance(visit.role, Verbatim) and visit.role.every:
                setattr(visit.owner, visit.role.span, locate_all(visit.value, article))
    return copies


def _verbatim_lists(cls: type[BaseModel]) -> dict[str, str]:
    """The fields of ``cls`` that may hold a list of verbatim strings, and their span fields."""
    return {
        name: role.span
        for name, info in cls.model_fields.items()
        for role in info.metadata
        if isinstance(role, Verbatim) and not role.every and role.pieces is None
    }


def _united_texts(models: Sequence[BaseModel], name: str, spans: str) -> tuple[list[Any], ...]:
    """A list of verbatim strings united over the chunks: once per place, in article order."""
    located: dict[tuple[int, int], tuple[str, Span]] = {}
    for model in models:
        for text, span in zip(getattr(model, name), getattr(model, spans), strict=False):
            located.setdefault((span.start, span.end), (text, span))
    ordered = [located[k] for k in sorted(located)]
    return [text for text, _ in ordered], [span for _, span in ordered]


def _merge_models(models: Sequence[BaseModel], article: str) -> dict[str, Any]:
    """Field values of one model merged from several, given in chunk order.

    Lists are united and deduplicated (in article order where located; a list of verbatim
    strings by place), nested models are merged, and any other field is the first model's.
    """
    fields: dict[str, Any] = {}
    texts = _verbatim_lists(type(models[0]))
    for name in type(models[0]).model_fields:
        values = [getattr(m, name) for m in models]
        if name in texts and isinstance(values[0], list):
            fields[name], fields[texts[name]] = _united_texts(models, name, texts[name])
            continue
        if name in texts.values() and name in fields:
            continue  # filled with the strings it locates
        first = values[0]
        if isinstance(first, BaseModel):
            nested = _merge_models(values, article)
            fields[name] = type(first).model_construct(**nested)
        elif isinstance(first, list) and any(isinstance(x, BaseModel) for v in values for x in v):
            items = _dedupe(_relocate_every([x for v in values for x in v], article))
            end = len(article)
            items.sort(key=lambda x: spans[0].start if (spans := located_spans(x)) else end)
            fields[name] = items
        else:
            fields[name] = first
    return fields


def _meeting_key(meeting: ProposedMeeting) -> MeetingKey:
    """A chunk's meeting as meeting identity compares it (names: the merged speakers')."""
    days = None
    if meeting.date_from is not None:
        days = Interval(meeting.date_from, meeting.date_to or meeting.date_from)
    return MeetingKey(
        people=participant_keys(meeting.participants),
        days=days,
        timeframe=meeting.timeframe or "",
        evidence=tuple(meeting.evidence_spans),
    )


def _merge_meetings(parts: Sequence[SummaryData]) -> list[ProposedMeeting]:
    groups: list[list[tuple[int, ProposedMeeting, MeetingKey]]] = []
    # Meetings with other participants are never one: each looks only at the groups of its
    # participants (in the order they were made), not at every group.
    by_people: dict[frozenset[str], list[int]] = {}
    for index, part in enumerate(parts):
        for meeting in part.proposed_meetings:
            key = _meeting_key(meeting)
            candidates = by_people.setdefault(key.people, [])
            for g in candidates:
                group = groups[g]
                if any(i == index for i, _, _ in group):
                    continue  # one chunk's meetings are its own: never merged
                if any(same_meeting(key, k, unknown_agrees=False) for _, _, k in group):
                    group.append((index, meeting, key))
                    break
            else:
                candidates.append(len(groups))
                groups.append([(index, meeting, key)])
    return [_combine_meetings([m for _, m, _ in group]) for group in groups]


def _combine_meetings(group: list[ProposedMeeting]) -> ProposedMeeting:
    first = group[0]
    status_of = max(group, key=lambda m: MEETING_STATUSES[m.status].merge_rank)
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

    return ProposedMeeting.model_construct(
        participants=list(first.participants),
        proposed_by=first_of("proposed_by"),
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


def merge_chunks(parts: Sequence[S], article: str) -> S:
    """One summary of the whole article from its chunks' summaries (spans already shifted).

    The parts' person references are rewritten in place to the merged speakers' names.
    """
    speakers = _merge_speakers(parts)
    meetings = _merge_meetings(parts)
    fields = _merge_models(parts, article)
    fields.update(speakers=speakers, proposed_meetings=meetings, article_text=article, meta=None)
    fields["framing"] = fields.get("framing") or Framing()
    merged = type(parts[0]).model_construct(**fields)
    assign_ids(merged)
    return merged
