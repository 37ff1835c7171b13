"""Many articles at once: bounded concurrency, shared limits, one result per article.

``summarize_articles`` (threads) and ``asummarize_articles`` (asyncio) stream: they pull the
input lazily, keep a bounded number of articles in progress (twice ``concurrency``, so that
the request slots stay busy while finished answers are validated) and yield each result as
it completes, so memory stays flat for an unbounded input. A failure is a result too (its
``error`` is the typed exception), never an exception out of the iterator.

Every HTTP request of a batch, chunk requests and retries included, passes the batch's
:class:`~summarizer._limits.RequestLimits`: at most ``concurrency`` requests in flight,
``rpm``/``tpm`` pacing when set, and a 429 on any request holds back every request of the
batch for the wait the server asked for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Unpack

from summarizer._escape import paired_surrogates
from summarizer._limits import RequestLimits
from summarizer._summarizer import Summarizer, SummarizerOptions
from summarizer.errors import ConfigurationError, InputError, SummarizerError
from summarizer.schema import ArticleSummary

__all__ = [
    "Article",
    "BatchResult",
    "as_article",
    "asummarize_articles",
    "check_limits",
    "summarize_articles",
]


@dataclass(frozen=True)
class Article:
    """One article of a batch: an id that names it in the results, and its text.

    An article read from a saved page also has the page's ``title`` and ``site``, and
    ``published_from`` says where its date came from (``"none"``: the page declares no
    date; see :mod:`summarizer._runs._pages`).
    """

    id: str
    text: str
    published: dt.date | str | None = None
    source: str | None = None
    url: str | None = None
    title: str | None = None
    site: str | None = None
    published_from: str | None = None

    def __post_init__(self) -> None:
        # The id as every JSON reader will read it back (a surrogate pair is one character).
        if isinstance(self.id, str):
            object.__setattr__(self, "id", paired_surrogates(self.id))


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one article: a summary or the typed error, and how long it took."""

    id: str
    summary: ArticleSummary | None = None
    error: SummarizerError | None = None
    seconds: float = 0.0
    source: str | None = None
    url: str | None = None
    title: str | None = None
    site: str | None = None
    published_from: str | None = None

    @property
    def ok(self) -> bool:
        """True when there is a summary."""
        return self.summary is not None

    @classmethod
    def of(
        cls,
        article: Article,
        *,
        summary: ArticleSummary | None = None,
        error: SummarizerError | None = None,
        seconds: float = 0.0,
    ) -> BatchResult:
        """The result for ``article``, carrying where it came from (source, url, page)."""
        return cls(
            id=article.id,
            summary=summary,
            error=error,
            seconds=seconds,
            source=article.source,
            url=article.url,
            title=article.title,
            site=article.site,
            published_from=article.published_from,
        )


_GIVEN = ("published", "source", "url", "title", "site")
"""What a caller's record may give besides its id and text."""


def text_id(text: str) -> str:
    """A stable id for a bare text: the start of its sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def as_article(item: Any, index: int = 0) -> Article:
    """Accept a text, an :class:`Article`, a mapping or any object with ``id`` and ``text``.

    Raises:
        InputError: The item has no usable text or id.
    """
    if isinstance(item, Article):
        return item
    if isinstance(item, str):
        return Article(id=text_id(item), text=item)
    if isinstance(item, Mapping):
        fields = dict(item)
    elif hasattr(item, "text"):
        fields = {k: getattr(item, k, None) for k in ("id", "text", *_GIVEN)}
    else:
        raise InputError(f"item {index}: expected a text or a record with id and text")
    text = fields.get("text")
    if not isinstance(text, str):
        raise InputError(f"item {index}: the record has no text")
    raw_id = fields.get("id")
    return Article(
        id=str(raw_id) if raw_id not in (None, "") else text_id(text),
        text=text,
        **{k: fields.get(k) for k in _GIVEN},
    )


def _item_id(item: Any, index: int) -> str:
    if isinstance(item, Mapping) and item.get("id") not in (None, ""):
        return str(item["id"])
    return str(getattr(item, "id", None) or f"item-{index}")


def check_limits(concurrency: int | None, rpm: int | None, tpm: int | None) -> RequestLimits:
    """The limits of a run from ``concurrency`` (required here), ``rpm`` and ``tpm``.

    One check for the batch functions, the Ray engine and the command line, so the same
    mistake reads the same everywhere.

    Raises:
        ConfigurationError: A value is not a whole number >= 1.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError("concurrency must be a whole number >= 1")
    return RequestLimits(concurrency, rpm=rpm, tpm=tpm)


def _batch_engine(
    summarizer: Summarizer | None,
    options: dict[str, Any],
    concurrency: int,
    limits: RequestLimits | None,
    rpm: int | None,
    tpm: int | None,
) -> tuple[Summarizer, bool, int]:
    """A summarizer for this batch, with the batch's limits (the caller's is not touched).

    Also the number of articles to keep in progress: twice the request slots when requests
    are bounded, so that while some articles are being validated (CPU, no request
    outstanding) the others keep every slot busy; else ``concurrency``.

    Raises:
        ConfigurationError: A bad option, or options that do not go together.
    """
    own_limits = check_limits(concurrency, rpm, tpm)
    if summarizer is not None and options:
        raise ConfigurationError("pass either summarizer= or Summarizer options, not both")
    if limits is not None and (rpm or tpm):
        raise ConfigurationError("pass either limits= or rpm=/tpm=, not both")
    limits = own_limits if limits is None else limits
    owned = summarizer is None
    base = summarizer if summarizer is not None else Summarizer(**options)
    articles = 2 * limits.slots.size if limits.slots is not None else concurrency
    return base.with_options(limits=limits), owned, articles


class _Attempt:
    """One input item's run: its article, then its summary or the typed error, timed.

    Used as ``with _Attempt(item, i) as attempt:``; a library error inside the block is the
    item's result, never an exception out of the batch.
    """

    def __init__(self, item: Any, index: int) -> None:
        self.item, self.index = item, index
        self._article: Article | None = None
        self.summary: ArticleSummary | None = None
        self.error: SummarizerError | None = None
        self.started = time.perf_counter()

    def article(self) -> Article:
        self._article = as_article(self.item, self.index)
        self.started = time.perf_counter()
        return self._article

    def __enter__(self) -> _Attempt:
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> bool:
        if isinstance(error, SummarizerError):
            self.error = error
            return True
        return False

    def result(self) -> BatchResult:
        article = self._article
        if article is None:
            return BatchResult(id=_item_id(self.item, self.index), error=self.error)
        seconds = round(time.perf_counter() - self.started, 3)
        return BatchResult.of(article, summary=self.summary, error=self.error, seconds=seconds)


def _run_one(engine: Summarizer, item: Any, index: int) -> BatchResult:
    with _Attempt(item, index) as attempt:
        article = attempt.article()
        attempt.summary = engine.summarize(article.text, published=article.published)
    return attempt.result()


async def _arun_one(engine: Summarizer, item: Any, index: int) -> BatchResult:
    with _Attempt(item, index) as attempt:
        article = attempt.article()
        attempt.summary = await engine.asummarize(article.text, published=article.published)
    return attempt.result()


def summarize_articles(
    articles: Iterable[Any],
    *,
    concurrency: int = 8,
    rpm: int | None = None,
    tpm: int | None = None,
    limits: RequestLimits | None = None,
    summarizer: Summarizer | None = None,
    **options: Unpack[SummarizerOptions],
) -> Iterator[BatchResult]:
    """Summarise many articles in worker threads, yielding results as they complete.

    The options are checked at the call, before the first result is asked for.

    Args:
        articles: Texts, :class:`Article` records, mappings or objects with ``id`` and
            ``text`` (optional ``published``, ``source``, ``url``). Read lazily.
        concurrency: HTTP requests in flight at once across the batch (chunk requests,
            retries and reasks included); twice as many articles are in progress.
        rpm: Requests per minute, evenly spaced; None for no limit.
        tpm: Estimated tokens per minute (input and the expected answer); None for no limit.
        limits: A :class:`RequestLimits` to share with other runs, instead of
            ``rpm``/``tpm`` and the request bound of ``concurrency``. The batch's limits
            replace any the summarizer was given.
        summarizer: A configured :class:`Summarizer` (not modified).
        **options: Or, instead, the options of a new one (those of :class:`Summarizer`:
            ``client=``, ``api_key=``, ``base_url=``, ``model=``, ``cache=``...).

    Returns:
        An iterator of one :class:`BatchResult` per input item, in completion order.

    Raises:
        ConfigurationError: A bad option, or options that do not go together.
    """
    engine, owned, in_progress = _batch_engine(
        summarizer, dict(options), concurrency, limits, rpm, tpm
    )
    return _results(engine, owned, in_progress, articles)


def _results(
    engine: Summarizer, owned: bool, in_progress: int, articles: Iterable[Any]
) -> Iterator[BatchResult]:
    items = enumerate(articles)
    pending: set[concurrent.futures.Future[BatchResult]] = set()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=in_progress)

    def launch() -> bool:
        try:
            index, item = next(items)
        except StopIteration:
            return False
        pending.add(pool.submit(_run_one, engine, item, index))
        return True

    try:
        for _ in range(in_progress):
            if not launch():
                break
        while pending:
            done, _ = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                pending.discard(future)
                yield future.result()
                launch()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        if owned:
            engine.close()


def asummarize_articles(
    articles: Iterable[Any] | AsyncIterable[Any],
    *,
    concurrency: int = 8,
    rpm: int | None = None,
    tpm: int | None = None,
    limits: RequestLimits | None = None,
    summarizer: Summarizer | None = None,
    **options: Unpack[SummarizerOptions],
) -> AsyncIterator[BatchResult]:
    """The asyncio twin of :func:`summarize_articles` (accepts async iterables too).

    Use it as ``async for result in asummarize_articles(...)``; the options are checked at
    the call. Cancelling the consumer (e.g. Ctrl-C) cancels the requests in flight.

    Raises:
        ConfigurationError: A bad option, or options that do not go together.
    """
    engine, owned, in_progress = _batch_engine(
        summarizer, dict(options), concurrency, limits, rpm, tpm
    )
    return _aresults(engine, owned, in_progress, articles)


async def _aresults(
    engine: Summarizer,
    owned: bool,
    in_progress: int,
    articles: Iterable[Any] | AsyncIterable[Any],
) -> AsyncIterator[BatchResult]:
    source = _aenumerate(articles)
    pending: set[asyncio.Task[BatchResult]] = set()

    async def launch() -> bool:
        try:
            index, item = await anext(source)
        except StopAsyncIteration:
            return False
        pending.add(asyncio.create_task(_arun_one(engine, item, index)))
        return True

    try:
        for _ in range(in_progress):
            if not await launch():
                break
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                pending.discard(task)
                yield task.result()
                await launch()
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if owned:
            await engine.aclose()


async def _aenumerate(
    articles: Iterable[Any] | AsyncIterable[Any],
) -> AsyncIterator[tuple[int, Any]]:
    index = 0
    if isinstance(articles, AsyncIterable):
        async for item in articles:
            yield index, item
            index += 1
    else:
        for item in articles:
            yield index, item
            index += 1
