"""Prompt v3's answer: v2's lean shape, with attribution as source, cue and content.

What changes from v2 (:mod:`summarizer._lean`):

- a quote gives its cue as written (``"said"``, ``"according to"``), and reported speech its
  content: the reported clause without the source, the cue and a linking "that", verbatim
  or by its first and last words. The library locates the content, finds the cue and the
  source's mention near it, and keeps the attribution's sentences as the evidence
  (:mod:`summarizer._attribution`, run by the summary's grounding);
- a speaker's role, affiliation and country are separate fields again;
- no gist: the content is the article's own words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from summarizer._lean import _PASSAGE, LeanSummary, _Lean, _LeanJsonSchema, _Passages
from summarizer._summary import REPORTED_CONTENT, QuoteKind, SpeakerKind, is_direct

__all__ = ["LeanSummaryV3", "lean_v3_json_schema"]


def lean_v3_json_schema() -> dict[str, Any]:
    """The JSON schema of the v3 answer, as prompt v3 was released with it."""
    return LeanSummaryV3.model_json_schema(schema_generator=_LeanJsonSchema)


class Source(_Lean):
    """A source: a person, organisation, group or anonymous source."""

    name: str = Field(
        description="Full name as in the article; anonymous: the article's own description"
    )
    kind: SpeakerKind = Field("person", description="Leave out for a person")
    aliases: list[str] = Field(default_factory=list, description="Other forms used in the article")
    role: str | SkipJsonSchema[None] = Field(None, description="Role or title, in a few words")
    affiliation: str | SkipJsonSchema[None] = Field(
        None, description="Party, government, company or body the article ties it to"
    )
    country: str | SkipJsonSchema[None] = Field(None, description="Country the article ties it to")


class Quote(_Lean):
    """A statement attributed to a speaker: source (by), cue and content (text)."""

    by: str = Field(description="A speakers[].name")
    kind: QuoteKind = Field(
        "direct",
        description="direct: words in quotation marks; indirect: reported speech; "
        "mixed: reported speech quoting a fragment",
    )
    text: str = Field(
        min_length=2,
        description="direct: the quoted words verbatim, pieces split by the attribution "
        "joined with ' ... '; indirect/mixed: the content, the reported clause without the "
        f"source, the cue and a linking 'that', {_PASSAGE}",
    )
    cue: str | SkipJsonSchema[None] = Field(
        None, description="The attribution's words as written: 'said', 'according to'"
    )
    said_on: dt.date | SkipJsonSchema[None] = None


class LeanSummaryV3(LeanSummary):
    """A structured, grounded summary of one news article."""

    model_config = ConfigDict(title="ArticleSummary")

    speakers: list[Source] = Field(default_factory=list)  # type: ignore[assignment]
    quotes: list[Quote] = Field(default_factory=list)  # type: ignore[assignment]

    def _context(self, context: dict[str, Any]) -> dict[str, Any]:
        """Reported speech is given by its content: the library derives the attribution."""
        return {**context, REPORTED_CONTENT: True}

    def _quote(self, quote: Any, passages: _Passages, path: str) -> dict[str, Any]:
        """A quote in the summary's shape: reported speech's text is its content, expanded."""
        data: dict[str, Any] = quote.model_dump(exclude_none=True, exclude={"by"})
        data["speaker"] = quote.by
        if not is_direct(quote.kind):
            data["text"] = passages(quote.text, f"{path}.text")
        return data
