"""One-call convenience functions: each builds a :class:`Summarizer` for a single call."""

from __future__ import annotations

import datetime as dt
from typing import Unpack

from summarizer._summarizer import Summarizer, SummarizerOptions
from summarizer.schema import ArticleSummary

__all__ = ["asummarize_article", "summarize_article"]


def summarize_article(
    text: str, *, published: dt.date | str | None = None, **options: Unpack[SummarizerOptions]
) -> ArticleSummary:
    """Summarise one news article into a grounded :class:`ArticleSummary`.

    A thin wrapper around ``Summarizer(**options).summarize(text, published)``; reuse a
    :class:`Summarizer` when summarising many articles. See :class:`Summarizer` for the
    options (``client=``, ``model=``, ``prompt_version=``, ``mode=``, ...) and the errors.
    """
    with Summarizer(**options) as summarizer:
        return summarizer.summarize(text, published=published)


async def asummarize_article(
    text: str, *, published: dt.date | str | None = None, **options: Unpack[SummarizerOptions]
) -> ArticleSummary:
    """The asynchronous twin of :func:`summarize_article`."""
    async with Summarizer(**options) as summarizer:
        return await summarizer.asummarize(text, published=published)
