"""What a corpus holds, built once from its articles: people, threads and statements.

People come from ``_people``, meeting and stance threads from ``_meeting_threads`` and
``_stance_threads``, the statements several articles quote from ``_statements``.

:class:`CorpusData` is the plain data; :class:`summarizer.corpus.Corpus` adds the ways to
read it in (results files) and out (JSON, tables, HTML). The views (``_tables``,
``_corpus_report``) read this class, so they never depend on the facade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from summarizer.corpus._corpus_article import CorpusArticle, in_order
from summarizer.corpus._meeting_threads import MeetingThread, thread_meetings
from summarizer.corpus._people import People, build_people
from summarizer.corpus._stance_threads import StanceThread, thread_stances
from summarizer.corpus._statements import Statement, find_statements

__all__ = ["CorpusData", "Skipped"]


@dataclass(frozen=True)
class Skipped:
    """A result that is not in the corpus: a failed article, with its error."""

    id: str
    error: str


@dataclass(frozen=True)
class CorpusData:
    """Articles in publication order, their people, threads, and shared statements."""

    articles: list[CorpusArticle]
    people: People
    meetings: list[MeetingThread]
    stances: list[StanceThread]
    skipped: list[Skipped] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)

    @classmethod
    def build(cls, articles: list[CorpusArticle], skipped: list[Skipped] | None = None) -> Self:
        """The corpus of these articles (any order; an id seen again is skipped)."""
        kept: dict[str, CorpusArticle] = {}
        skipped = list(skipped or [])
        for article in articles:
            if article.id in kept:
                skipped.append(Skipped(article.id, "the same id again: the first is kept"))
            else:
                kept[article.id] = article
        ordered = in_order(list(kept.values()))
        people = build_people(ordered)
        return cls(
            articles=ordered,
            people=people,
            meetings=thread_meetings(ordered, people),
            stances=thread_stances(ordered, people),
            skipped=skipped,
            statements=find_statements(ordered, people),
        )

    def article(self, article_id: str) -> CorpusArticle | None:
        """The article with this id."""
        return next((a for a in self.articles if a.id == article_id), None)
