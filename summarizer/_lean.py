"""Prompt v2's answer: the same findings in about half the characters, turned into a summary.

What the model writes is mostly pointers into the article, never the article again:

- evidence is a passage given by its first and last words (``"According to two ... the
  talks"``): the library finds it and stores the article's own words;
- a stance names the quote that shows it (``"quote": 3``) instead of copying the same
  passage again, and carries the position it expresses (one list serves both: a stance with
  a ``position`` clause is also a position of its holder on its target);
- a speaker's role, affiliation and country are one short ``role``;
- reported speech is given by its passage alone (no paraphrase of an English article);
- keys are short where they repeat (``by``, ``who``), and empty and absent fields are left
  out (the schema has no nulls).

:class:`LeanSummary` validates that shape; with the article in the validation context it
expands the pointers and validates the result as an :class:`~summarizer.ArticleSummary`, so
grounding, ids and every check are exactly the v1 ones. Problems are reported with the paths
the model wrote (``meetings[0].evidence[1]``, not the result's ``proposed_meetings``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.json_schema import (
    JsonSchemaMode,
    JsonSchemaValue,
    SkipJsonSchema,
)

from summarizer._attribution import PASSAGE_MAX_CHARS, PASSAGE_MAX_SENTENCES, passage_problem
from summarizer._grounding import locate_pieces, locate_quote
from summarizer._summary import (
    CompactJsonSchema,
    MeetingStatus,
    Polarity,
    QuoteKind,
    SpeakerKind,
    Tone as ToneKind,
    is_direct,
    problems_error,
)
from summarizer.schema import ArticleSummary

__all__ = ["LeanSummary", "lean_json_schema"]

_PASSAGE = "verbatim, or its first and last words joined by ' ... '"


class _LeanJsonSchema(CompactJsonSchema):
    """No titles, and no ``null`` defaults: an absent field is left out, never null."""

    def generate(self, schema: Any, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        result = super().generate(schema, mode=mode)
        for definition in [result, *result.get("$defs", {}).values()]:
            for prop in definition.get("properties", {}).values():
                if prop.get("default", "") is None:
                    del prop["default"]
        return result


def lean_json_schema() -> dict[str, Any]:
    """The JSON schema of the v2 answer, as prompt v2 was released with it."""
    return LeanSummary.model_json_schema(schema_generator=_LeanJsonSchema)


class _Lean(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)


class Source(_Lean):
    """A source: a person, organisation, group or anonymous source."""

    name: str = Field(
        description="Full name as in the article; anonymous: the article's own description"
    )
    kind: SpeakerKind = Field("person", description="Leave out for a person")
    aliases: list[str] = Field(default_factory=list, description="Other forms used in the article")
    role: str | SkipJsonSchema[None] = Field(
        None, description="Role, title or affiliation as the article gives it, in a few words"
    )


class Quote(_Lean):
    """A statement attributed to a speaker."""

    by: str = Field(description="A speakers[].name")
    kind: QuoteKind = Field(
        "direct",
        description="direct: words in quotation marks; indirect: reported speech; "
        "mixed: reported speech quoting a fragment",
    )
    text: str = Field(
        min_length=2,
        description="direct: the quoted words verbatim, pieces split by the attribution "
        f"joined with ' ... '; indirect/mixed: the reporting passage, {_PASSAGE}",
    )
    gist: str | SkipJsonSchema[None] = Field(
        None, description="Only for an article not in English: a short English paraphrase"
    )
    said_on: dt.date | SkipJsonSchema[None] = None


class Stance(_Lean):
    """A speaker's clear attitude toward a person, party or proposal."""

    holder: str
    target: str
    polarity: Polarity
    position: str | SkipJsonSchema[None] = Field(
        None, description="Only if it says more than the polarity: a short clause"
    )
    quote: int | SkipJsonSchema[None] = Field(None, description="Index in quotes[] showing it")
    evidence: str | SkipJsonSchema[None] = Field(None, description=f"Only if no quote: {_PASSAGE}")


class Meeting(_Lean):
    """A meeting or visit proposed, planned, held or refused."""

    model_config = ConfigDict(populate_by_name=True)

    who: list[str] = Field(min_length=2, description="Participants")
    by: str | SkipJsonSchema[None] = Field(None, description="Who proposed or invited")
    status: MeetingStatus = Field(
        description="proposed: offered or asked for, nothing agreed; under_discussion: both "
        "sides discuss it; agreed: agreed, no date or place yet; scheduled: a date or place is "
        "fixed; held: it took place; postponed, cancelled: moved or called off; declined: "
        "the invited side refused"
    )
    why: str | SkipJsonSchema[None] = Field(None, description="Why this status, if not obvious")
    when: str | SkipJsonSchema[None] = Field(None, description="Timeframe as written")
    date_from: dt.date | SkipJsonSchema[None] = Field(
        None, alias="from", description="Resolved against the publication date if the text allows"
    )
    date_to: dt.date | SkipJsonSchema[None] = Field(None, alias="to")
    where: str | SkipJsonSchema[None] = None
    agenda: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list, description="Preconditions")
    evidence: list[str] = Field(
        min_length=1, description=f"The passage showing the status (rarely more), {_PASSAGE}"
    )


class LoadedTerm(_Lean):
    """A loaded label the outlet itself uses (not a quote)."""

    text: str = Field(description="Verbatim")
    about: str


class Tone(_Lean):
    """The outlet's tone toward an actor."""

    actor: str
    tone: ToneKind


_RENAMED = (
    ("proposed_meetings[", "meetings["),
    ("framing.expressions[", "loaded_terms["),
    ("framing.tone[", "tone["),
    (".status_reason", ".why"),
    (".timeframe", ".when"),
    (".participants", ".who"),
    (".proposed_by", ".by"),
    (".location", ".where"),
    (".preconditions", ".conditions"),
    (".refers_to", ".about"),
    (".speaker", ".by"),
)
_QUOTE_EVIDENCE = re.compile(r"^(quotes\[\d+\])\.evidence")


def _as_written(problem: str) -> str:
    """A problem of the expanded summary, named with the paths of the answer as written."""
    path, space, rest = problem.partition(" ")
    for result_name, written in _RENAMED:
        path = path.replace(result_name, written)
    path = _QUOTE_EVIDENCE.sub(r"\1.text", path)  # a reported quote's passage is its text
    return path + space + rest


def _problems(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["loc"]:
            problems.append(".".join(map(str, error["loc"])) + f": {message}")
        else:  # the grounding check: one line per problem
            problems += [line[2:] for line in message.splitlines() if line.startswith("- ")]
    return [_as_written(p) for p in problems]


class LeanSummary(_Lean):
    """A structured, grounded summary of one news article."""

    model_config = ConfigDict(title="ArticleSummary")

    headline: str = Field(description="Neutral, at most 12 words")
    summary: str = Field(description="1-2 neutral sentences")
    speakers: list[Source] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    stances: list[Stance] = Field(default_factory=list)
    meetings: list[Meeting] = Field(default_factory=list)
    loaded_terms: list[LoadedTerm] = Field(default_factory=list)
    tone: list[Tone] = Field(default_factory=list)

    _summary: ArticleSummary | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _ground(self, info: ValidationInfo) -> LeanSummary:
        context = info.context if isinstance(info.context, dict) else {}
        article = context.get("article")
        if not isinstance(article, str):
            return self
        data, problems = self._expanded(article)
        if not problems:
            try:
                self._summary = ArticleSummary.model_validate(data, context=self._context(context))
            except ValidationError as exc:
                problems = _problems(exc)
        if problems:
            raise problems_error(problems)
        return self

    def to_summary(self) -> ArticleSummary:
        """The answer as a summary: grounded when it was validated with its article."""
        if self._summary is not None:
            return self._summary
        data, _ = self._expanded(None)
        return ArticleSummary.model_validate(data)

    def _context(self, context: dict[str, Any]) -> dict[str, Any]:
        """The summary's validation context (v2: reported speech by its passage)."""
        return context

    def _quote(self, quote: Any, passages: _Passages, path: str) -> dict[str, Any]:
        """A quote in the summary's shape (v2: a reported quote's passage is its evidence)."""
        data: dict[str, Any] = quote.model_dump(exclude_none=True, exclude={"by", "gist"})
        data["speaker"] = quote.by
        if not is_direct(quote.kind):  # the passage is the evidence; the text, its gist or itself
            data["evidence"] = passages(quote.text, f"{path}.text")
            data["text"] = quote.gist or data["evidence"]
        return data

    def _expanded(self, article: str | None) -> tuple[dict[str, Any], list[str]]:
        """The summary's fields, pointers expanded into the article's words; and problems."""
        problems: list[str] = []
        passages = _Passages(article, problems)
        quotes = [self._quote(q, passages, f"quotes[{i}]") for i, q in enumerate(self.quotes)]
        located = [_located(q, article) for q in quotes]

        def evidence(item: Stance, path: str) -> str:
            if item.quote is not None:
                if 0 <= item.quote < len(quotes):
                    return located[item.quote]
                problems.append(f"{path}.quote: there is no quotes[{item.quote}]")
            elif not item.evidence:
                problems.append(f"{path}: give a quote's index or a verbatim passage")
            return passages(item.evidence or "", f"{path}.evidence")

        stances = [
            {
                **s.model_dump(include={"holder", "target", "polarity"}),
                "evidence": evidence(s, f"stances[{i}]"),
            }
            for i, s in enumerate(self.stances)
        ]
        data = {
            "headline": self.headline,
            "summary": self.summary,
            "speakers": [s.model_dump(exclude_none=True) for s in self.speakers],
            "quotes": quotes,
            "stances": stances,
            # A stance with a position clause is also its holder's position on its target.
            "positions": [
                {
                    "actor": s["holder"],
                    "topic": s["target"],
                    "position": item.position,
                    "evidence": s["evidence"],
                }
                for s, item in zip(stances, self.stances, strict=True)
                if item.position
            ],
            "proposed_meetings": [
                _meeting(m, passages, f"meetings[{i}]") for i, m in enumerate(self.meetings)
            ],
            "framing": {
                "expressions": [{"text": t.text, "refers_to": t.about} for t in self.loaded_terms],
                "tone": [t.model_dump() for t in self.tone],
            },
        }
        return data, problems


_ELLIPSIS = re.compile(r"\.\.\.|…|\[\s*\.\.\.\s*\]")


class _Passages:
    """Passages given by their first and last words, expanded into the article's words.

    A passage stays within one paragraph, at most :data:`PASSAGE_MAX_SENTENCES` sentences
    and :data:`PASSAGE_MAX_CHARS` characters; a longer one is a problem the reask names.
    """

    def __init__(self, article: str | None, problems: list[str]) -> None:
        self.article = article
        self.problems = problems

    def __call__(self, anchor: str, path: str) -> str:
        """The article's words ``anchor`` stands for (first ... last words: the passage)."""
        article = self.article
        if article is None or not _ELLIPSIS.search(anchor):
            return anchor
        span = locate_quote(anchor, article)
        if span is None:
            return anchor
        too_long = passage_problem(article, span)
        if too_long is not None:
            self.problems.append(
                f"{path} {_short(anchor)!r} {too_long}: give a passage within one paragraph, "
                f"at most {PASSAGE_MAX_SENTENCES} sentences and {PASSAGE_MAX_CHARS} characters"
            )
        return span.slice(article)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _located(quote: dict[str, Any], article: str | None) -> str:
    """The passage a quote stands on, as evidence for a position or stance that cites it."""
    if not is_direct(quote["kind"]):
        return str(quote.get("evidence") or quote["text"])
    pieces = locate_pieces(quote["text"], article) if article is not None else None
    if not pieces or article is None:
        return str(quote["text"])
    return article[pieces[0].start : pieces[-1].end]


def _meeting(meeting: Meeting, passages: _Passages, path: str) -> dict[str, Any]:
    data = {
        "participants": meeting.who,
        "proposed_by": meeting.by,
        "status": meeting.status,
        "status_reason": meeting.why,
        "timeframe": meeting.when,
        "date_from": meeting.date_from,
        "date_to": meeting.date_to,
        "location": meeting.where,
        "agenda": meeting.agenda,
        "preconditions": meeting.conditions,
        "evidence": [passages(e, f"{path}.evidence[{j}]") for j, e in enumerate(meeting.evidence)],
    }
    return {k: v for k, v in data.items() if v is not None}
