"""One-call convenience functions: each builds a :class:`Summarizer` for a single call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import instructor

from summarizer._summarizer import Summarizer
from summarizer.schema import ArticleSummary

__all__ = ["asummarize_article", "summarize_article"]


def summarize_article(
    text: str,
    *,
    published: dt.date | str | None = None,
    client: Any = None,
    model: str | None = None,
    prompt_version: str | None = None,
    mode: str | instructor.Mode | None = None,
    max_retries: int = 3,
    max_reasks: int = 2,
    timeout: float = 120.0,
    total_timeout: float = 600.0,
) -> ArticleSummary:
    """Summarise one news article into a grounded :class:`ArticleSummary`.

    A thin wrapper around ``Summarizer(...).summarize(text, published)``; reuse a
    :class:`Summarizer` when summarising many articles. See :class:`Summarizer` for the
    parameters and the errors raised.
    """
    with Summarizer(
        client=client,
        model=model,
        prompt_version=prompt_version,
        mode=mode,
        max_retries=max_retries,
        max_reasks=max_reasks,
        timeout=timeout,
        total_timeout=total_timeout,
    ) as summarizer:
        return summarizer.summarize(text, published=published)


async def asummarize_article(
    text: str,
    *,
    published: dt.date | str | None = None,
    client: Any = None,
    model: str | None = None,
    prompt_version: str | None = None,
    mode: str | instructor.Mode | None = None,
    max_retries: int = 3,
    max_reasks: int = 2,
    timeout: float = 120.0,
    total_timeout: float = 600.0,
) -> ArticleSummary:
    """The asynchronous twin of :func:`summarize_article`."""
    async with Summarizer(
        client=client,
        model=model,
        prompt_version=prompt_version,
        mode=mode,
        max_retries=max_retries,
        max_reasks=max_reasks,
        timeout=timeout,
        total_timeout=total_timeout,
    ) as summarizer:
        return await summarizer.asummarize(text, published=published)
