"""The summary's data model, its field roles, and its check against the article.

Field descriptions and model docstrings are sent to the model as part of the JSON schema,
so they are prompt text: short, precise, written for the model and the reader alike.
Fields marked ``SkipJsonSchema`` (spans, ids, ``published``, ``meta``) are never asked of
the model; the library computes them. Each field's role (verbatim text, a person
reference) is declared once, with the markers of :mod:`summarizer._fields`.

Grounding happens in one place, :class:`_Grounder`, which runs when the model's answer is
validated with the article in the validation context. It walks every marked field: it
locates each verbatim string with :func:`locate_quote` and records its span, rewrites each
person reference to the speaker's name, and reports every problem at once, so a reask names
all of them. Validating saved JSON without that context keeps the stored spans and checks
nothing against an article.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic.json_schema import (
    DEFAULT_REF_TEMPLATE,
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
    SkipJsonSchema,
)

from summarizer._attribution import Attribution, attribute, named_by_words, words_passage
from summarizer._fields import Distinct, FreeText, Person, Verbatim, check_roles, walk
from summarizer._grounding import (
    MAX_QUOTE_PIECES,
    Span,
    locate_all,
    locate_pieces,
    locate_quote,
    quoted_fragments,
    too_many_pieces,
)
from summarizer._identity import form_key, resolve, speaker_id, unknown_names
from summarizer._meta import SummaryMeta

__all__ = [
    "KNOWN_SPEAKERS",
    "MEETING_STATUSES",
    "POLARITIES",
    "QUOTE_KINDS",
    "SPEAKER_KINDS",
    "ActorTone",
    "CompactJsonSchema",
    "Framing",
    "FramingExpression",
    "MeetingStatus",
    "MeetingStatusInfo",
    "Polarity",
    "PolarityInfo",
    "Position",
    "ProposedMeeting",
    "Quote",
    "QuoteKind",
    "Speaker",
    "SpeakerKind",
    "Stance",
    "SummaryData",
    "Tone",
    "assign_ids",
    "is_direct",
    "polarity_sign",
    "problems_error",
    "speaker_ids",
]

SpeakerKind = Literal["person", "organisation", "group", "anonymous"]
"""Who a source is: a named person; an organisation (a ministry, a party, a newspaper, a
government speaking as an institution); a group ("opposition lawmakers"); or an anonymous
source, named by the article's own description ("a senior administration official")."""
QuoteKind = Literal["direct", "indirect", "mixed"]
"""direct: the speaker's words in quotation marks; indirect: reported speech; mixed:
reported speech that quotes a fragment (``called the plan "a dead end"``)."""
Polarity = Literal["support", "oppose", "neutral", "mixed"]
Tone = Literal["hostile", "critical", "neutral", "favourable"]
MeetingStatus = Literal[
    "proposed",
    "under_discussion",
    "agreed",
    "scheduled",
    "held",
    "postponed",
    "cancelled",
    "declined",
]
"""Where a meeting stands, as the article reports it (see :data:`MEETING_STATUSES`)."""

SPEAKER_KINDS: tuple[str, ...] = get_args(SpeakerKind)
"""The speaker kinds, in the schema's order (evaluation scores each)."""
QUOTE_KINDS: tuple[str, ...] = get_args(QuoteKind)
"""The quote kinds, in the schema's order (evaluation scores each; see :func:`is_direct`)."""


def is_direct(kind: str) -> bool:
    """Whether a quote of this kind gives the speaker's own words as its text.

    Every other kind is reported speech: its text is a paraphrase (or the passage), and
    its evidence is the article's passage that reports it.
    """
    return kind == "direct"


@dataclass(frozen=True)
class PolarityInfo:
    """What the views show for one stance polarity.

    Attributes:
        sign: The one-character mark the report and the corpus page show.
    """

    sign: str


POLARITIES: dict[str, PolarityInfo] = {
    "support": PolarityInfo("+"),
    "oppose": PolarityInfo("−"),
    "neutral": PolarityInfo("○"),
    "mixed": PolarityInfo("±"),
}
"""The stance-polarity vocabulary, once: the sign every view shows."""


def polarity_sign(polarity: str) -> str:
    """The sign a view shows for a polarity; ``?`` for one the vocabulary does not know."""
    info = POLARITIES.get(polarity)
    return info.sign if info is not None else "?"


@dataclass(frozen=True)
class MeetingStatusInfo:
    """What the library knows about one meeting status.

    Attributes:
        meaning: What the status says, for readers.
        merge_rank: Which status wins when chunks of one article report one meeting: the
            highest (a meeting held in one chunk and scheduled in another was held).
        over: Whether the meeting is over: a later report that is not itself one of it
            being over, on other days, is another meeting (meeting threads).
        group: The report's colour group: ``pending``, ``agreed``, ``held`` or ``off``.
    """

    meaning: str
    merge_rank: int
    over: bool
    group: str


MEETING_STATUSES: dict[str, MeetingStatusInfo] = {
    "proposed": MeetingStatusInfo(
        "one side offered, asked or said it is ready to meet; nothing agreed", 0, False, "pending"
    ),
    "under_discussion": MeetingStatusInfo(
        "both sides are talking about a meeting; nothing agreed", 1, False, "pending"
    ),
    "agreed": MeetingStatusInfo(
        "both sides agreed to meet; no date or place fixed", 2, False, "agreed"
    ),
    "scheduled": MeetingStatusInfo("a date or a place is fixed", 3, False, "agreed"),
    "held": MeetingStatusInfo("it took place", 7, True, "held"),
    "postponed": MeetingStatusInfo("it was scheduled or agreed, then moved", 4, False, "off"),
    "cancelled": MeetingStatusInfo("it was scheduled or agreed, then called off", 6, True, "off"),
    "declined": MeetingStatusInfo("the invited side refused", 5, True, "off"),
}
"""The meeting-status vocabulary, once: meaning, merge rank, whether it ends the meeting,
and report group per status."""
if set(MEETING_STATUSES) != set(get_args(MeetingStatus)):  # pragma: no cover - an invariant
    raise RuntimeError("MEETING_STATUSES and MeetingStatus list different statuses")
if set(POLARITIES) != set(get_args(Polarity)):  # pragma: no cover - an invariant
    raise RuntimeError("POLARITIES and Polarity list different polarities")


def _is_direct(quote: Quote) -> bool:
    return is_direct(quote.kind)


def _is_reported(quote: Quote) -> bool:
    return not is_direct(quote.kind)


def _is_mixed(quote: Quote) -> bool:
    return quote.kind == "mixed"


def _text_is_words(quote: Quote) -> bool:
    """A direct quote's text, or reported speech's located content, is the article's words."""
    return is_direct(quote.kind) or quote.span is not None


def _is_paraphrase(quote: Quote) -> bool:
    return not _text_is_words(quote)


class _Model(BaseModel):
    # Validation errors become reask messages: naming the field and the problem is enough,
    # echoing the model's whole answer back would only cost tokens.
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        check_roles(cls)  # a marker naming a missing field fails here, not at run time


class Speaker(_Model):
    """A source quoted or paraphrased in the article."""

    name: Annotated[str, Verbatim(span="name_span", derived=True)] = Field(
        description="Canonical full name as in the article"
    )
    aliases: list[str] = Field(
        default_factory=list, description="Other forms of the name used in the article"
    )
    role: Annotated[str | None, FreeText()] = Field(
        default=None, description="Role or title, neutrally worded"
    )
    affiliation: Annotated[str | None, FreeText()] = None
    country: str | None = None
    kind: SpeakerKind = "person"
    """What kind of source (prompt v1 asks only for persons)."""
    name_span: SkipJsonSchema[Span | None] = None
    """Where the article names the source: the first form of its name found; for an
    organisation or group named by the article's words ("Iran's leaders"), the passage that
    holds them ("Iran, whose leaders")."""
    id: SkipJsonSchema[str | None] = None
    """Stable id: the slug of the canonical name (``vladimir-putin``); see ``_identity``."""

    def forms(self) -> list[str]:
        """The name and its aliases."""
        return [self.name, *self.aliases]


class Quote(_Model):
    """A statement attributed to a speaker."""

    speaker: Annotated[
        str,
        Person(id="speaker_id", speaker=True),
        Verbatim(span="source_span", derived=True),
    ] = Field(description="A speakers[].name")
    kind: Annotated[QuoteKind, Distinct()] = Field(
        description="direct: verbatim words; indirect: reported speech"
    )
    text: Annotated[
        str,
        Verbatim(
            span="span",
            pieces="pieces",
            label=" (direct quote)",
            when=_text_is_words,
            content=_is_reported,
        ),
        FreeText(when=_is_paraphrase),
    ] = Field(min_length=2, description="direct: verbatim from the article; indirect: a paraphrase")
    evidence: Annotated[
        str | None,
        Verbatim(
            span="evidence_span",
            quoted="pieces",
            quoted_when=_is_mixed,
            missing="{path} is {item.kind}: give verbatim evidence",
            when_missing=_is_reported,
        ),
    ] = Field(
        default=None,
        description="Verbatim article passage reporting the speech; required when indirect",
    )
    cue: Annotated[str | None, Verbatim(span="cue_span", derived=True)] = Field(
        default=None,
        description="Attribution as written: verb, 'according to', or a caption line",
    )
    said_on: dt.date | None = Field(default=None, description="Date of the statement if stated")
    span: SkipJsonSchema[Span | None] = None
    """Where ``text`` is: a direct quote's words; reported speech's content (prompt v3)."""
    evidence_span: SkipJsonSchema[Span | None] = None
    pieces: SkipJsonSchema[list[Span]] = Field(default_factory=list)
    """The verbatim words: a direct quote's pieces (several when its attribution interrupts
    it), or the quoted fragments of a mixed quote's evidence."""
    cue_span: SkipJsonSchema[Span | None] = None
    """Where the cue is: its occurrence nearest the quote, in the quote's sentence or a
    neighbouring one of its paragraph."""
    source_span: SkipJsonSchema[Span | None] = None
    """Where the source is mentioned in this attribution: a form of the speaker's name (or,
    for an organisation or group, the article's words naming it) nearest the cue, else a
    pronoun next to the cue ("he said")."""
    speaker_id: SkipJsonSchema[str | None] = None

    @property
    def location(self) -> Span | None:
        """Where the quote sits: its own words if located (direct; v3 content), else evidence."""
        return self.span or self.evidence_span

    @property
    def words(self) -> list[Span]:
        """The article characters the quote says were said: pieces, content, else evidence."""
        if is_direct(self.kind) and self.pieces:
            return list(self.pieces)
        location = self.location
        return [location] if location is not None else []


class Position(_Model):
    """A position an actor holds on a topic."""

    actor: Annotated[str, Person(id="actor_id")]
    topic: Annotated[str, FreeText()]
    position: Annotated[str, FreeText()] = Field(description="Short clause")
    evidence: Annotated[str, Verbatim(span="evidence_span")] = Field(
        min_length=2, description="Verbatim from the article"
    )
    evidence_span: SkipJsonSchema[Span | None] = None
    actor_id: SkipJsonSchema[str | None] = None


class ProposedMeeting(_Model):
    """A meeting or visit that is proposed, planned, held or refused."""

    participants: Annotated[list[str], Person(id="participant_ids")] = Field(min_length=2)
    proposed_by: Annotated[str | None, Person(id="proposed_by_id")] = Field(
        default=None, description="Who proposed or invited"
    )
    status: MeetingStatus
    status_reason: Annotated[str | None, FreeText()] = Field(
        default=None, description="Why this status, short"
    )
    timeframe: str | None = Field(default=None, description="As written in the article")
    date_from: dt.date | None = Field(
        default=None, description="Resolved against the publication date when the text allows"
    )
    date_to: dt.date | None = None
    location: str | None = None
    agenda: Annotated[list[str], FreeText()] = Field(default_factory=list)
    preconditions: Annotated[list[str], FreeText()] = Field(default_factory=list)
    evidence: Annotated[list[str], Verbatim(span="evidence_spans")] = Field(
        min_length=1, description="Verbatim passages"
    )
    evidence_spans: SkipJsonSchema[list[Span]] = Field(default_factory=list)
    participant_ids: SkipJsonSchema[list[str | None]] = Field(default_factory=list)
    """Aligned with ``participants``: the speaker id, or None when the name is no speaker."""
    proposed_by_id: SkipJsonSchema[str | None] = None

    @property
    def dates(self) -> str:
        """The resolved dates for display: ``2025-03-10``, ``2025-03-10 → 2025-03-12`` or ``""``."""
        if not self.date_from:
            return ""
        if self.date_to and self.date_to != self.date_from:
            return f"{self.date_from.isoformat()} → {self.date_to.isoformat()}"
        return self.date_from.isoformat()

    @property
    def when(self) -> str:
        """The timeframe as written, with the resolved dates: ``next week (2025-03-10)``."""
        if not self.dates:
            return self.timeframe or ""
        return f"{self.timeframe} ({self.dates})" if self.timeframe else self.dates

    @model_validator(mode="after")
    def _dates_ordered(self) -> ProposedMeeting:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        return self


class Stance(_Model):
    """An actor's attitude toward a person, party or proposition."""

    holder: Annotated[str, Person(id="holder_id")]
    target: Annotated[str, Person(id="target_id")]
    polarity: Polarity
    evidence: Annotated[str, Verbatim(span="evidence_span")] = Field(
        min_length=2, description="Verbatim from the article"
    )
    evidence_span: SkipJsonSchema[Span | None] = None
    holder_id: SkipJsonSchema[str | None] = None
    target_id: SkipJsonSchema[str | None] = None


class FramingExpression(_Model):
    """An evaluative or loaded expression the outlet itself uses (not a quote)."""

    text: Annotated[str, Verbatim(span="spans", every=True), Distinct()] = Field(
        description="Verbatim from the article"
    )
    refers_to: Annotated[str, Person(key=False)]
    spans: SkipJsonSchema[list[Span]] = Field(default_factory=list)


class ActorTone(_Model):
    """The outlet's overall tone toward an actor."""

    actor: Annotated[str, Person(id="actor_id")]
    tone: Tone
    actor_id: SkipJsonSchema[str | None] = None


class Framing(_Model):
    """How the outlet itself frames the actors, reported as framing, not fact."""

    expressions: list[FramingExpression] = Field(default_factory=list)
    tone: list[ActorTone] = Field(default_factory=list)


class CompactJsonSchema(GenerateJsonSchema):
    """Pydantic's JSON schema without the titles it derives from names.

    The schema is sent with every request; a title repeating each field name costs tokens
    and tells the model nothing. The top-level title stays: it names the tool.
    """

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def generate(self, schema: Any, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        result = super().generate(schema, mode=mode)
        for definition in result.get("$defs", {}).values():
            definition.pop("title", None)
        return result


class SummaryData(_Model):
    """The fields and checks of a summary (:class:`summarizer.ArticleSummary` adds views)."""

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool | None = True,
        ref_template: str = DEFAULT_REF_TEMPLATE,
        schema_generator: type[GenerateJsonSchema] = CompactJsonSchema,
        mode: JsonSchemaMode = "validation",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The JSON schema sent to the model (compact: no per-field titles)."""
        return super().model_json_schema(
            by_alias=by_alias,
            ref_template=ref_template,
            schema_generator=schema_generator,
            mode=mode,
            **kwargs,
        )

    headline: Annotated[str, FreeText()] = Field(description="Neutral, at most 15 words")
    summary: Annotated[str, FreeText()] = Field(
        description="2-4 neutral sentences; do not adopt the outlet's loaded terms"
    )
    speakers: list[Speaker] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    positions: list[Position] = Field(default_factory=list)
    proposed_meetings: list[ProposedMeeting] = Field(default_factory=list)
    stances: list[Stance] = Field(default_factory=list)
    framing: Framing = Field(default_factory=Framing)
    published: SkipJsonSchema[dt.date | None] = None
    article_text: SkipJsonSchema[str | None] = None
    """The article exactly as summarised: every span indexes this string."""
    meta: SkipJsonSchema[SummaryMeta | None] = None

    def speaker(self, name: str) -> Speaker | None:
        """The speaker known by ``name`` (full name or any alias), if any."""
        return _speaker_index(self).get(form_key(name))

    def quotes_by(self, name: str) -> list[Quote]:
        """Quotes attributed to the speaker known by ``name``."""
        speaker = self.speaker(name)
        return [q for q in self.quotes if speaker is not None and q.speaker == speaker.name]

    @model_validator(mode="after")
    def _ground(self, info: ValidationInfo) -> SummaryData:
        article = _article_from(info.context)
        if article is None:
            return self
        problems = _Grounder(
            self, article, content=_reported_content(info.context), known=_known_from(info.context)
        ).run()
        if problems:
            raise problems_error(problems)
        return self


def problems_error(problems: list[str]) -> ValueError:
    """The one error for an answer that is not grounded: every problem, one per line.

    Its text is what the model reads in the reask, so it names each field and string.
    """
    listed = "\n".join(f"- {p}" for p in problems)
    return ValueError(
        f"{len(problems)} problem(s); verbatim fields must copy the article's "
        f"exact words:\n{listed}"
    )


REPORTED_CONTENT = "reported_content"
"""Validation-context key: reported speech is given by its content (prompt v3), not its
passage; the library locates the content and derives the attribution around it."""


def _reported_content(context: Any) -> bool:
    return isinstance(context, dict) and bool(context.get(REPORTED_CONTENT))


def _article_from(context: Any) -> str | None:
    if isinstance(context, dict):
        article = context.get("article")
        if isinstance(article, str):
            return article
    return None


KNOWN_SPEAKERS = "known_speakers"
"""The validation context's entry for speakers an earlier answer about the same text listed
(a second pass's first answer): a reference to one of them resolves, and it joins the answer."""


def _known_from(context: Any) -> Sequence[Speaker]:
    known = context.get(KNOWN_SPEAKERS) if isinstance(context, dict) else None
    return known if isinstance(known, Sequence) else ()


def _speaker_index(summary: SummaryData) -> dict[str, Speaker]:
    """Each form's key -> the first speaker with that form: one pass, then dict lookups.

    Grounding resolves every person reference of an answer (a few dozen) against every
    speaker's forms; a scan per reference made that quadratic.
    """
    index: dict[str, Speaker] = {}
    for speaker in summary.speakers:
        for form in speaker.forms():
            index.setdefault(form_key(form), speaker)
    return index


def _new_ids(speakers: Sequence[Speaker]) -> list[str]:
    ids: list[str] = []
    for speaker in speakers:
        base = speaker_id(speaker.name)
        sid, n = base, 1
        while sid in ids:  # two speakers the model kept apart stay apart
            n += 1
            sid = f"{base}-{n}"
        ids.append(sid)
    return ids


def speaker_ids(speakers: Sequence[Speaker]) -> list[str]:
    """The speakers' stable ids: the stored ones, or as :func:`assign_ids` gives them.

    A summary validated without its article (a test's, a hand-written one) has no stored
    ids; they are computed the same way, so every reader keys a speaker by one id.
    """
    stored = [s.id for s in speakers if s.id]
    if len(stored) == len(speakers) and len(set(stored)) == len(stored):
        return stored
    return _new_ids(speakers)


def assign_ids(summary: SummaryData) -> None:
    """Give every speaker its stable id and every person reference that resolves its id."""
    for speaker, sid in zip(summary.speakers, _new_ids(summary.speakers), strict=True):
        speaker.id = sid
    people = [s.forms() for s in summary.speakers]
    kinds = [s.kind for s in summary.speakers]
    index = _speaker_index(summary)

    def id_of(name: str | None) -> str | None:
        if not name:
            return None
        speaker = index.get(form_key(name))
        if speaker is None and (i := resolve(name, people, kinds)) is not None:
            speaker = summary.speakers[i]
        return speaker.id if speaker else None

    for visit in walk(summary):
        if isinstance(visit.role, Person) and visit.role.id is not None:
            value = visit.value
            ids = [id_of(v) for v in value] if isinstance(value, list) else id_of(value)
            setattr(visit.owner, visit.role.id, ids)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _not_found(where: str, value: str) -> str:
    """The reask's line for a verbatim string that was not found (or not searched for)."""
    if (count := too_many_pieces(value)) is not None:
        return (
            f"{where} has {count:,} pieces joined by '...'; a quote has at most "
            f"{MAX_QUOTE_PIECES}: copy its words from the article"
        )
    return f"{where} is not in the article: {_short(value)!r}"


class _Grounder:
    """Checks one summary against its article and records the spans it finds."""

    def __init__(
        self,
        summary: SummaryData,
        article: str,
        content: bool = False,
        known: Sequence[Speaker] = (),
    ) -> None:
        self.summary = summary
        self.article = article
        self.content = content
        """Reported speech is given by its content (prompt v3): see :data:`REPORTED_CONTENT`."""
        self.known = known
        self.problems: list[str] = []
        self.index: dict[str, Speaker] = {}
        self.derived: dict[tuple[int, str], Span] = {}
        """Spans the library derived (a v3 quote's evidence), by item and span field."""
        self.unlocated: set[int] = set()
        """Items whose content was not found (its problem is reported once)."""
        self.attributed: set[int] = set()

    def run(self) -> list[str]:
        self.adopt_known_speakers()
        for visit in walk(self.summary):  # nothing the model sent is kept as a location
            if isinstance(visit.role, Verbatim):
                for field in visit.role.span_fields:
                    single = field == visit.role.span and not visit.role.every
                    setattr(
                        visit.owner,
                        field,
                        None if single and isinstance(visit.value, str | None) else [],
                    )
        self.check_speakers()
        self.index = _speaker_index(self.summary)
        for visit in walk(self.summary):
            if isinstance(visit.role, Person):
                self.canonicalise(visit.owner, visit.name, visit.role, visit.path)
            elif isinstance(visit.role, Verbatim):
                self.locate(visit.owner, visit.name, visit.role, visit.path)
            elif isinstance(visit.role, FreeText) and visit.role.applies(visit.owner):
                self.check_names(visit.texts, visit.path)
        for i, quote in enumerate(self.summary.quotes):
            if id(quote) not in self.attributed:
                self.attribute(quote, f"quotes[{i}]")
        self.check_neutral_wording()
        assign_ids(self.summary)
        return self.problems

    def adopt_known_speakers(self) -> None:
        """Add a known speaker (a copy) that this answer names but does not list itself.

        A second pass returns only what the first answer missed; a quote it adds may be by
        a speaker the first answer already gave (checked then against the same text).
        """
        if not self.known:
            return
        own = _speaker_index(self.summary)
        known = {form_key(f): s for s in self.known for f in s.forms()}
        for visit in walk(self.summary):
            if not isinstance(visit.role, Person):
                continue
            for name in visit.texts:
                speaker = known.get(form_key(name))
                if form_key(name) not in own and speaker is not None:
                    adopted = speaker.model_copy(deep=True)
                    self.summary.speakers.append(adopted)
                    own.update({form_key(f): adopted for f in adopted.forms()})

    def canonical(self, name: str) -> str:
        speaker = self.index.get(form_key(name))
        return speaker.name if speaker else name

    def canonicalise(self, owner: BaseModel, name: str, role: Person, path: str) -> None:
        value = getattr(owner, name)
        if isinstance(value, list):
            setattr(owner, name, [self.canonical(v) for v in value])
        elif value:
            if role.speaker and form_key(value) not in self.index:
                self.problems.append(f"{path} {value!r} is not one of speakers[].name")
            setattr(owner, name, self.canonical(value))

    def locate(self, owner: BaseModel, name: str, role: Verbatim, path: str) -> None:
        value = getattr(owner, name)
        if not role.applies(owner):
            if self.content and role.content is not None and role.content(owner):
                self.locate_content(owner, value, role, path)
            return
        if isinstance(value, list):
            found = [self.find(f"{path}[{j}]", text) for j, text in enumerate(value)]
            setattr(owner, role.span, [span for span in found if span is not None])
        elif not value:
            if id(owner) in self.unlocated:
                return  # its content's problem says it all
            if role.missing and (role.when_missing is None or role.when_missing(owner)):
                self.problems.append(role.missing.format(path=path.rsplit(".", 1)[0], item=owner))
        elif role.every:
            spans = locate_all(value, self.article)
            if not spans:
                self.problems.append(f"{path} is not in the article: {_short(value)!r}")
            setattr(owner, role.span, spans)
        else:
            self.locate_one(owner, value, role, f"{path}{role.label}")

    def locate_one(self, owner: BaseModel, value: str, role: Verbatim, where: str) -> None:
        """One string: its span, and its pieces or quoted fragments when the role asks."""
        if role.pieces is None:
            span = self.derived.pop((id(owner), role.span), None) or self.find(where, value)
        else:
            pieces = locate_pieces(value, self.article)
            if pieces is None:
                self.problems.append(_not_found(where, value))
            else:
                setattr(owner, role.pieces, pieces)
            span = Span(start=pieces[0].start, end=pieces[-1].end) if pieces else None
        setattr(owner, role.span, span)
        if (
            span is not None
            and role.quoted
            and (role.quoted_when is None or role.quoted_when(owner))
        ):
            setattr(owner, role.quoted, quoted_fragments(span, self.article))

    def locate_content(self, owner: BaseModel, value: str, role: Verbatim, path: str) -> None:
        """Reported speech given by its content: locate it, derive its attribution."""
        span = self.find(f"{path} (reported content)", value)
        setattr(owner, role.span, span)
        if span is None:
            self.unlocated.add(id(owner))
        elif isinstance(owner, Quote):
            sentences = self.attribute(owner, path.rsplit(".", 1)[0])
            if sentences is not None and not owner.evidence:
                owner.evidence = sentences.slice(self.article)
                self.derived[(id(owner), "evidence_span")] = sentences

    def attribute(self, quote: Quote, path: str) -> Span | None:
        """The quote's cue and source mention, near its words; returns its sentences.

        Under prompt v3 a cue given but not written near the quote is a problem.
        """
        self.attributed.add(id(quote))
        words = quote.words
        if not words:
            return None
        speaker = self.index.get(form_key(quote.speaker))
        forms = speaker.forms() if speaker is not None else [quote.speaker]
        by_words = speaker is not None and speaker.kind in _NAMED_BY_WORDS
        found = attribute(self.article, words, quote.cue, forms, by_words)
        if quote.cue and found.cue is None and is_direct(quote.kind) and len(words) == 1:
            found = self.attribute_elsewhere(quote, words[0], forms, by_words) or found
        quote.cue_span, quote.source_span = found.cue, found.source
        if self.content and quote.cue and found.cue is None:
            self.problems.append(
                f"{path}.cue {_short(quote.cue)!r} is not written next to the quote: give "
                "the attribution's words as the article writes them"
            )
        return found.sentences

    def attribute_elsewhere(
        self, quote: Quote, first: Span, forms: list[str], by_words: bool
    ) -> Attribution | None:
        """The occurrence of a quote printed twice whose attribution holds the cue.

        A pull quote or caption may repeat the quote before the attributed text; the quote
        is then located at the occurrence its cue stands beside.
        """
        for other in locate_all(first.slice(self.article), self.article):
            if other == first:
                continue
            found = attribute(self.article, [other], quote.cue, forms, by_words)
            if found.cue is not None:
                quote.span = other
                quote.pieces = [other] if quote.pieces else []
                return found
        return None

    def find(self, where: str, value: str) -> Span | None:
        span = locate_quote(value, self.article)
        if span is None:
            self.problems.append(_not_found(where, value))
        return span

    def check_names(self, texts: list[str], path: str) -> None:
        """Free text may only name people and places the article or the speakers name."""
        known = [form for speaker in self.summary.speakers for form in speaker.forms()]
        for text in texts:
            for name in unknown_names(text, self.article, known):
                self.problems.append(
                    f"{path} names {name!r}, which is not in the article: use only names "
                    "the article gives"
                )

    def check_speakers(self) -> None:
        """Every source is named by the article, and its first naming is kept.

        A person's name and an anonymous source's description must be verbatim; an
        organisation or group may also be named by the article's words in another order
        ("Iran's leaders" for "Iran, whose leaders"), each of its content words a word of
        the article.
        """
        for i, speaker in enumerate(self.summary.speakers):
            by_words = speaker.kind in _NAMED_BY_WORDS
            found: dict[str, Span | None] = {}
            for form in speaker.forms():
                span = locate_quote(form, self.article)
                if span is not None or (by_words and named_by_words(form, self.article)):
                    found[form] = span or words_passage(form, self.article)
            if not found:
                self.problems.append(
                    f"speakers[{i}] {speaker.name!r}: no form of this name is in the article"
                )
                continue
            speaker.name_span = next((s for s in found.values() if s is not None), None)
            for alias in speaker.aliases:
                if alias not in found:
                    self.problems.append(
                        f"speakers[{i}].aliases: {alias!r} is not a form used in the article"
                    )

    def check_neutral_wording(self) -> None:
        """The headline and summary must not repeat the outlet's loaded terms.

        A term is matched as words (case, typographic variants and spacing aside, a plural
        or possessive ending allowed): framing ``war`` rejects "the war" and "wars", not
        "Warsaw" or "toward".
        """
        neutral_text = form_key(f"{self.summary.headline} {self.summary.summary}")
        for expression in self.summary.framing.expressions:
            if expression.spans and _as_words(form_key(expression.text)).search(neutral_text):
                self.problems.append(
                    f"headline/summary adopt the outlet's loaded term {expression.text!r}: "
                    "describe neutrally"
                )


_NAMED_BY_WORDS = frozenset({"organisation", "group"})
"""Speaker kinds the article may name by its words in another order ("Iran's leaders")."""


@lru_cache(maxsize=1024)
def _as_words(term: str) -> re.Pattern[str]:
    """A pattern for ``term`` as whole words, with an optional plural or possessive ending."""
    return re.compile(rf"(?<!\w){re.escape(term)}(?:'s|s|es)?(?!\w)")
