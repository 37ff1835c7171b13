"""The result schema: what the model fills in, and what the library adds.

Field descriptions and model docstrings are sent to the model as part of the JSON
schema, so they are prompt text: short, precise, written for the model and the reader
alike. Fields marked ``SkipJsonSchema`` (spans, ``published``, ``meta``) are never asked
of the model; the library computes them.

Grounding happens in one place, :meth:`ArticleSummary._ground`, which runs when the model's
answer is validated with the article in the validation context. It checks every verbatim
string with :func:`locate_quote`, records its span, ties quotes to declared speakers, and
reports every problem at once, so a reask names all of them. Validating saved JSON without
that context keeps the stored spans and checks nothing against an article.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic.json_schema import (
    DEFAULT_REF_TEMPLATE,
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
    SkipJsonSchema,
)
from pydantic_core import CoreSchema

from summarizer._grounding import Span, _normalize, locate_all, locate_quote
from summarizer._identity import resolve, speaker_id

__all__ = [
    "ActorTone",
    "ArticleSummary",
    "Framing",
    "FramingExpression",
    "MeetingStatus",
    "Polarity",
    "Position",
    "ProposedMeeting",
    "Quote",
    "QuoteKind",
    "Speaker",
    "Stance",
    "SummaryMeta",
    "Tone",
    "Usage",
]

QuoteKind = Literal["direct", "indirect"]
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
"""Where a meeting stands, as the article reports it.

- ``proposed``: one side offered, asked or said it is ready to meet; nothing agreed.
- ``under_discussion``: both sides are talking about a meeting; nothing agreed.
- ``agreed``: both sides agreed to meet; no date or place fixed yet.
- ``scheduled``: a date or a place is fixed.
- ``held``: it took place.
- ``postponed`` / ``cancelled``: it was scheduled or agreed, then moved or called off.
- ``declined``: the invited side refused.
"""


class _Model(BaseModel):
    # Validation errors become reask messages: naming the field and the problem is enough,
    # echoing the model's whole answer back would only cost tokens.
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)


class Speaker(_Model):
    """A person quoted or paraphrased in the article."""

    name: str = Field(description="Canonical full name as in the article")
    aliases: list[str] = Field(
        default_factory=list, description="Other forms of the name used in the article"
    )
    role: str | None = Field(default=None, description="Role or title, neutrally worded")
    affiliation: str | None = None
    country: str | None = None
    id: SkipJsonSchema[str | None] = None
    """Stable id: the slug of the canonical name (``vladimir-putin``); see ``_identity``."""

    def forms(self) -> list[str]:
        """The name and its aliases."""
        return [self.name, *self.aliases]


class Quote(_Model):
    """A statement attributed to a speaker."""

    speaker: str = Field(description="A speakers[].name")
    kind: QuoteKind = Field(description="direct: verbatim words; indirect: reported speech")
    text: str = Field(
        min_length=2, description="direct: verbatim from the article; indirect: a paraphrase"
    )
    evidence: str | None = Field(
        default=None,
        description="Verbatim article passage reporting the speech; required when indirect",
    )
    cue: str | None = Field(
        default=None,
        description="Attribution as written: verb, 'according to', or a caption line",
    )
    said_on: dt.date | None = Field(default=None, description="Date of the statement if stated")
    span: SkipJsonSchema[Span | None] = None
    evidence_span: SkipJsonSchema[Span | None] = None
    speaker_id: SkipJsonSchema[str | None] = None

    @property
    def location(self) -> Span | None:
        """Where the quote sits: the quote itself if direct, else its evidence."""
        return self.span or self.evidence_span


class Position(_Model):
    """A position an actor holds on a topic."""

    actor: str
    topic: str
    position: str = Field(description="Short clause")
    evidence: str = Field(min_length=2, description="Verbatim from the article")
    evidence_span: SkipJsonSchema[Span | None] = None
    actor_id: SkipJsonSchema[str | None] = None


class ProposedMeeting(_Model):
    """A meeting or visit that is proposed, planned, held or refused."""

    participants: list[str] = Field(min_length=2)
    proposed_by: str | None = Field(default=None, description="Who proposed or invited")
    status: MeetingStatus
    status_reason: str | None = Field(default=None, description="Why this status, short")
    timeframe: str | None = Field(default=None, description="As written in the article")
    date_from: dt.date | None = Field(
        default=None, description="Resolved against the publication date when the text allows"
    )
    date_to: dt.date | None = None
    location: str | None = None
    agenda: list[str] = Field(default_factory=list)
    preconditions: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(min_length=1, description="Verbatim passages")
    evidence_spans: SkipJsonSchema[list[Span]] = Field(default_factory=list)
    participant_ids: SkipJsonSchema[list[str | None]] = Field(default_factory=list)
    """Aligned with ``participants``: the speaker id, or None when the name is no speaker."""
    proposed_by_id: SkipJsonSchema[str | None] = None

    @model_validator(mode="after")
    def _dates_ordered(self) -> ProposedMeeting:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        return self


class Stance(_Model):
    """An actor's attitude toward a person, party or proposition."""

    holder: str
    target: str
    polarity: Polarity
    evidence: str = Field(min_length=2, description="Verbatim from the article")
    evidence_span: SkipJsonSchema[Span | None] = None
    holder_id: SkipJsonSchema[str | None] = None
    target_id: SkipJsonSchema[str | None] = None


class FramingExpression(_Model):
    """An evaluative or loaded expression the outlet itself uses (not a quote)."""

    text: str = Field(description="Verbatim from the article")
    refers_to: str
    spans: SkipJsonSchema[list[Span]] = Field(default_factory=list)


class ActorTone(_Model):
    """The outlet's overall tone toward an actor."""

    actor: str
    tone: Tone
    actor_id: SkipJsonSchema[str | None] = None


class Framing(_Model):
    """How the outlet itself frames the actors, reported as framing, not fact."""

    expressions: list[FramingExpression] = Field(default_factory=list)
    tone: list[ActorTone] = Field(default_factory=list)


class Usage(BaseModel):
    """Tokens billed, summed over every response of one call (reasks included)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


class SummaryMeta(BaseModel):
    """How the summary was produced; filled by the library."""

    model: str
    mode: str
    prompt_id: str
    prompt_version: str
    prompt_sha256: str
    attempts: int = Field(description="HTTP requests made, reasks and retries included")
    reasks: int = 0
    cached: bool = False
    """True when the result came from the cache: no request was made, usage is zero."""
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    created_at: dt.datetime
    library_version: str
    chunks: list[Span] = Field(default_factory=list)
    """The article's chunks when it was extracted in parts (empty: sent whole); usage and
    attempts above are summed over every chunk's requests."""


class _CompactJsonSchema(GenerateJsonSchema):
    """Pydantic's JSON schema without the titles it derives from names.

    The schema is sent with every request; a title repeating each field name costs tokens
    and tells the model nothing. The top-level title stays: it names the tool.
    """

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        result = super().generate(schema, mode=mode)
        for definition in result.get("$defs", {}).values():
            definition.pop("title", None)
        return result


class ArticleSummary(_Model):
    """A structured, grounded summary of one news article."""

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool | None = True,
        ref_template: str = DEFAULT_REF_TEMPLATE,
        schema_generator: type[GenerateJsonSchema] = _CompactJsonSchema,
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

    headline: str = Field(description="Neutral, at most 15 words")
    summary: str = Field(
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
        key = _name_key(name)
        for speaker in self.speakers:
            if any(_name_key(form) == key for form in speaker.forms()):
                return speaker
        return None

    def quotes_by(self, name: str) -> list[Quote]:
        """Quotes attributed to the speaker known by ``name``."""
        speaker = self.speaker(name)
        return [q for q in self.quotes if speaker is not None and q.speaker == speaker.name]

    @model_validator(mode="after")
    def _ground(self, info: ValidationInfo) -> ArticleSummary:
        article = _article_from(info.context)
        if article is None:
            return self
        problems = _Grounder(self, article).run()
        if problems:
            listed = "\n".join(f"- {p}" for p in problems)
            raise ValueError(
                f"{len(problems)} problem(s); verbatim fields must copy the article's "
                f"exact words:\n{listed}"
            )
        return self

    def to_html(self) -> str:
        """One self-contained HTML page: the summary beside the article, quotes highlighted."""
        from summarizer._report import summary_to_html

        return summary_to_html(self)

    def to_markdown(self) -> str:
        """The summary as Markdown, for terminals and docs."""
        from summarizer._report import summary_to_markdown

        return summary_to_markdown(self)

    def _repr_html_(self) -> str:
        from summarizer._report import summary_fragment

        return summary_fragment(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _article_from(context: Any) -> str | None:
    if isinstance(context, dict):
        article = context.get("article")
        if isinstance(article, str):
            return article
    return None


@lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    # Cached: grounding compares every name against every speaker's forms, and names repeat.
    return " ".join(_normalize(name).casefold().split())


def _assign_ids(summary: ArticleSummary) -> None:
    """Give every speaker its stable id and every name that resolves to one its id."""
    taken: set[str] = set()
    for speaker in summary.speakers:
        base = speaker_id(speaker.name)
        sid, n = base, 1
        while sid in taken:  # two speakers the model kept apart stay apart
            n += 1
            sid = f"{base}-{n}"
        taken.add(sid)
        speaker.id = sid
    people = [s.forms() for s in summary.speakers]

    def id_of(name: str | None) -> str | None:
        if not name:
            return None
        speaker = summary.speaker(name)
        if speaker is None and (i := resolve(name, people)) is not None:
            speaker = summary.speakers[i]
        return speaker.id if speaker else None

    for quote in summary.quotes:
        quote.speaker_id = id_of(quote.speaker)
    for position in summary.positions:
        position.actor_id = id_of(position.actor)
    for meeting in summary.proposed_meetings:
        meeting.participant_ids = [id_of(p) for p in meeting.participants]
        meeting.proposed_by_id = id_of(meeting.proposed_by)
    for stance in summary.stances:
        stance.holder_id = id_of(stance.holder)
        stance.target_id = id_of(stance.target)
    for tone in summary.framing.tone:
        tone.actor_id = id_of(tone.actor)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Grounder:
    """Checks one summary against its article and records the spans it finds."""

    def __init__(self, summary: ArticleSummary, article: str) -> None:
        self.summary = summary
        self.article = article
        self.problems: list[str] = []

    def locate(self, where: str, value: str) -> Span | None:
        span = locate_quote(value, self.article)
        if span is None:
            self.problems.append(f"{where} is not in the article: {_short(value)!r}")
        return span

    def run(self) -> list[str]:
        s = self.summary
        self.check_speakers()
        for i, quote in enumerate(s.quotes):
            self.check_quote(i, quote)
        for i, position in enumerate(s.positions):
            position.actor = self.canonical(position.actor)
            position.evidence_span = self.locate(f"positions[{i}].evidence", position.evidence)
        for i, meeting in enumerate(s.proposed_meetings):
            meeting.participants = [self.canonical(p) for p in meeting.participants]
            if meeting.proposed_by:
                meeting.proposed_by = self.canonical(meeting.proposed_by)
            spans = [
                self.locate(f"proposed_meetings[{i}].evidence[{j}]", ev)
                for j, ev in enumerate(meeting.evidence)
            ]
            meeting.evidence_spans = [sp for sp in spans if sp is not None]
        for i, stance in enumerate(s.stances):
            stance.holder = self.canonical(stance.holder)
            stance.target = self.canonical(stance.target)
            stance.evidence_span = self.locate(f"stances[{i}].evidence", stance.evidence)
        self.check_framing()
        return self.problems

    def canonical(self, name: str) -> str:
        speaker = self.summary.speaker(name)
        return speaker.name if speaker else name

    def check_speakers(self) -> None:
        for i, speaker in enumerate(self.summary.speakers):
            found = [form for form in speaker.forms() if locate_quote(form, self.article)]
            if not found:
                self.problems.append(
                    f"speakers[{i}] {speaker.name!r}: no form of this name is in the article"
                )
                continue
            for alias in speaker.aliases:
                if alias not in found:
                    self.problems.append(
                        f"speakers[{i}].aliases: {alias!r} is not a form used in the article"
                    )

    def check_quote(self, i: int, quote: Quote) -> None:
        speaker = self.summary.speaker(quote.speaker)
        if speaker is None:
            self.problems.append(
                f"quotes[{i}].speaker {quote.speaker!r} is not one of speakers[].name"
            )
        else:
            quote.speaker = speaker.name
        quote.span = None
        quote.evidence_span = None
        if quote.kind == "direct":
            quote.span = self.locate(f"quotes[{i}].text (direct quote)", quote.text)
        elif not quote.evidence:
            self.problems.append(f"quotes[{i}] is indirect: give verbatim evidence")
        if quote.evidence:
            quote.evidence_span = self.locate(f"quotes[{i}].evidence", quote.evidence)

    def check_framing(self) -> None:
        framing = self.summary.framing
        neutral_text = _name_key(f"{self.summary.headline} {self.summary.summary}")
        for i, expression in enumerate(framing.expressions):
            expression.refers_to = self.canonical(expression.refers_to)
            expression.spans = locate_all(expression.text, self.article)
            if not expression.spans:
                self.problems.append(
                    f"framing.expressions[{i}].text is not in the article: "
                    f"{_short(expression.text)!r}"
                )
            elif _name_key(expression.text) in neutral_text:
                self.problems.append(
                    f"headline/summary adopt the outlet's loaded term {expression.text!r}: "
                    "describe neutrally"
                )
        for tone in framing.tone:
            tone.actor = self.canonical(tone.actor)
        _assign_ids(self.summary)
