"""The result schema: what the model fills in, what the library adds, and how it is shown.

:class:`ArticleSummary` is the summary of one article. Its fields, their roles and the
grounding check live in :mod:`summarizer._summary`; this module adds the views (HTML page,
Markdown, notebook display) and is the public home of every schema name.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from summarizer._meta import SummaryMeta as SummaryMeta, Usage as Usage
from summarizer._summary import (
    MEETING_STATUSES as MEETING_STATUSES,
    POLARITIES as POLARITIES,
    QUOTE_KINDS as QUOTE_KINDS,
    SPEAKER_KINDS as SPEAKER_KINDS,
    ActorTone as ActorTone,
    Framing as Framing,
    FramingExpression as FramingExpression,
    MeetingStatus as MeetingStatus,
    MeetingStatusInfo as MeetingStatusInfo,
    Polarity as Polarity,
    PolarityInfo as PolarityInfo,
    Position as Position,
    ProposedMeeting as ProposedMeeting,
    Quote as Quote,
    QuoteKind as QuoteKind,
    Speaker as Speaker,
    SpeakerKind as SpeakerKind,
    Stance as Stance,
    SummaryData as SummaryData,
    Tone as Tone,
)
from summarizer._views._markdown import summary_to_markdown
from summarizer._views._report import summary_fragment, summary_to_html

__all__ = [  # every schema name of _summary (tests/test_exports.py checks), and the views
    "MEETING_STATUSES",
    "POLARITIES",
    "QUOTE_KINDS",
    "SPEAKER_KINDS",
    "ActorTone",
    "Answer",
    "ArticleSummary",
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
    "SummaryMeta",
    "Tone",
    "Usage",
]


@runtime_checkable
class Answer(Protocol):
    """A model's answer as a prompt version shapes it, turned into the result."""

    def to_summary(self) -> ArticleSummary:
        """The answer as an :class:`ArticleSummary` (grounded when validated with an article)."""
        ...


class ArticleSummary(SummaryData):
    """A structured, grounded summary of one news article."""

    def to_summary(self) -> ArticleSummary:
        """This summary: prompt v1's answers have the summary's own shape."""
        return self

    def to_html(self) -> str:
        """One self-contained HTML page: the summary beside the article, quotes highlighted."""
        return summary_to_html(self)

    def to_markdown(self) -> str:
        """The summary as Markdown, for terminals and docs."""
        return summary_to_markdown(self)

    def _repr_html_(self) -> str:
        return summary_fragment(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()
