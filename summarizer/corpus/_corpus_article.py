"""One article of a corpus: its id, its summary, where it came from.

The corpus orders its articles by publication date, then id, whatever order the results
file holds them in (a batch writes results as they complete), so everything derived from
the order (thread order, which form of a name comes first, id clashes) is the same on
every run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from summarizer._grounding import Span
from summarizer.schema import ArticleSummary

__all__ = ["CorpusArticle", "in_order"]


@dataclass(frozen=True)
class CorpusArticle:
    """An article of the corpus and its summary."""

    id: str
    summary: ArticleSummary
    source: str | None = None
    url: str | None = None
    title: str | None = None
    """The page's title, for an article read from a saved page."""
    site: str | None = None
    """The outlet's name as the page gives it (else the URL's host)."""
    published_from: str | None = None
    """Where the date came from (``"none"``: the page declares none; see ``_pages``)."""

    @property
    def outlet(self) -> str | None:
        """Who published it: the page's site, else the URL's host, else None."""
        if self.site:
            return self.site
        host = urlsplit(self.url).hostname if self.url else None
        return host.removeprefix("www.") if host else None

    @property
    def published(self) -> dt.date | None:
        """The publication date the summary was made with."""
        return self.summary.published

    @property
    def text(self) -> str:
        """The article as summarised (every span indexes it); empty when not stored."""
        return self.summary.article_text or ""

    def offsets(self, span: Span | None) -> tuple[int | None, int | None]:
        """``(start, end)`` of a span of this article, else ``(None, None)``.

        None when the span is missing or does not fit the stored text (a record edited by hand).
        """
        located = span.within(self.text) if span else None
        return (located.start, located.end) if located else (None, None)

    @property
    def order(self) -> tuple[dt.date, str]:
        """Publication order: undated articles last, ties broken by id."""
        return (self.published or dt.date.max, self.id)


def in_order(articles: list[CorpusArticle]) -> list[CorpusArticle]:
    """The articles in publication order (see :attr:`CorpusArticle.order`)."""
    return sorted(articles, key=lambda a: a.order)
