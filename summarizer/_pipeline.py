"""The extraction as steps that every path shares: in-process sync, async, the Batch API.

    prepare -> plan chunks -> cache key -> request bodies -> (send) -> validate and ground
    -> finish (shift and merge chunks, meta)

:class:`Pipeline` holds the steps; none does I/O. The drivers below send the bodies: the
synchronous and asynchronous ones differ only in how they wait (threads or tasks), and the
Batch API sends the same bodies through a file and validates the answers with the same
:class:`~summarizer._request.Exchange`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
from pydantic import BaseModel

from summarizer._article import PreparedArticle, prepare_article
from summarizer._cache import ResultCache, schema_sha256
from summarizer._chunking import OUTPUT_PER_INPUT_TOKEN, merge_chunks, shift_spans, split_article
from summarizer._fields import check_tree
from summarizer._grounding import Span
from summarizer._meta import SummaryMeta, Usage
from summarizer._models import estimate_tokens, model_info
from summarizer._passes import merge_passes, refuse_batch_api, second_pass
from summarizer._prompts import FollowUp, Prompt, PromptSource, load_second_pass, resolve_prompt
from summarizer._request import Exchange, RequestTemplate
from summarizer._settings import Settings, over_limit
from summarizer._transport import CallRecorder, Transport, receive
from summarizer._version import __version__
from summarizer.errors import ConfigurationError, ExtractionError, InputError, SummarizerError
from summarizer.schema import ArticleSummary

__all__ = ["Call", "Outcome", "Pipeline", "aextract_parts", "check_schema", "extract_parts"]

logger = logging.getLogger("summarizer")

E = TypeVar("E", bound=SummarizerError)

Outcome = tuple[ArticleSummary, CallRecorder]
"""One part's summary and what it took."""


def check_schema(schema: object) -> type[ArticleSummary]:
    """A result schema of the caller's own, checked before anything is sent.

    Raises:
        ConfigurationError: ``schema`` is not a pydantic model class that subclasses
            :class:`ArticleSummary`, or a field marker of it (or of a model it holds)
            disagrees with its field (see :mod:`summarizer.fields`).
    """
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise ConfigurationError(
            f"schema must be a pydantic model class that subclasses ArticleSummary, not {schema!r}"
        )
    if not issubclass(schema, ArticleSummary):
        raise ConfigurationError(
            f"schema {schema.__name__} must subclass ArticleSummary (add your fields to it)"
        )
    try:
        check_tree(schema)
    except TypeError as exc:
        raise ConfigurationError(f"schema {schema.__name__}: {exc}") from exc
    return schema


@dataclass(frozen=True)
class Pipeline:
    """The pure steps of an extraction under one :class:`Settings`.

    ``endpoint`` is the base URL requests go to: part of the cache key, never sent.
    ``schema`` is the result schema (:class:`ArticleSummary`, or a subclass of yours).
    """

    settings: Settings
    prompt: Prompt
    template: RequestTemplate
    endpoint: str | None = None
    schema: type[ArticleSummary] = ArticleSummary

    @classmethod
    def build(
        cls,
        settings: Settings,
        endpoint: str | None = None,
        schema: type[ArticleSummary] = ArticleSummary,
        prompt: PromptSource | None = None,
    ) -> Pipeline:
        """Load the prompt and prepare the fixed part of the request, once.

        Raises:
            ConfigurationError: The prompt cannot load, or its answer shape cannot read
                ``schema`` (see :func:`~summarizer._prompts.resolve_prompt`).
        """
        own_schema = schema is not ArticleSummary
        loaded = resolve_prompt(prompt, settings.prompt_version, own_schema=own_schema)
        template = RequestTemplate(
            loaded, settings.mode, settings.model, settings.temperature, schema
        )
        return cls(settings, loaded, template, endpoint, schema)

    @property
    def log_context(self) -> str:
        """What every log line of a call names."""
        return f"model={self.settings.model} prompt={self.prompt.version}"

    @property
    def follow_up(self) -> FollowUp | None:
        """The second pass's prompt, when ``passes`` asks for one."""
        return load_second_pass() if self.settings.passes > 1 else None

    @property
    def input_budget(self) -> int | None:
        """Article tokens one request may carry: the setting, else the model's known budget."""
        info = model_info(self.settings.model)
        return self.settings.max_input_tokens or (info.article_budget if info else None)

    @property
    def chunk_budget(self) -> int | None:
        """The most article tokens sent in one request, or None for no limit.

        The smaller of the input budget and what the output limit allows: an answer is
        estimated at ``OUTPUT_PER_INPUT_TOKEN`` (6) tokens per article token.
        """
        info = model_info(self.settings.model)
        budgets = [self.input_budget] if self.input_budget else []
        if info is not None and info.max_output_tokens:
            budgets.append(max(int(info.max_output_tokens / OUTPUT_PER_INPUT_TOKEN), 1))
        return min(budgets) if budgets else None

    def start(self, text: object, published: Any = None, cache: ResultCache | None = None) -> Call:
        """Check the input and plan the call (chunks, cache key); nothing is sent."""
        started = time.perf_counter()
        article = self.prepare(text, published)
        chunks = self.plan(article)
        key = self.cache_key(cache, article) if cache is not None else None
        return Call(self, article, chunks, key, started)

    def resume(self, text: object, published: Any, chunks: Sequence[Span] | None) -> Call:
        """A call planned before: the chunks its requests were built from, not planned now.

        The Batch API keeps each request's chunk with the batch, so its answers are merged
        as they were asked, whatever the budget is when they are collected. ``None`` is one
        request for the whole article.

        Raises:
            InputError: The chunks do not cover this article in order (it is not the text
                the requests were built from).
        """
        started = time.perf_counter()
        article = self.prepare(text, published)
        length = len(article.text)
        planned = [Span(start=0, end=length)] if chunks is None else list(chunks)
        ordered = all(
            before.start < after.start <= before.end
            for before, after in itertools.pairwise(planned)
        )
        if not (planned and planned[0].start == 0 and planned[-1].end == length and ordered):
            raise self.tag(
                InputError(
                    f"the article's {len(planned)} chunk(s) as submitted "
                    f"({', '.join(s.offsets for s in planned)}) do not cover its "
                    f"{length} characters: it is not the text the requests were built from"
                )
            )
        return Call(self, article, planned, None, started)

    def tag(self, error: E) -> E:
        """Name this configuration's model and prompt version on ``error``."""
        error.model = error.model or self.settings.model
        error.prompt_version = error.prompt_version or self.prompt.version
        return error

    def prepare(self, text: object, published: Any = None) -> PreparedArticle:
        """Check the input before anything is sent (see :func:`prepare_article`)."""
        try:
            return prepare_article(text, published, max_chars=self.settings.max_article_chars)
        except SummarizerError as exc:
            self.tag(exc)
            raise

    def plan(self, article: PreparedArticle) -> list[Span]:
        """The chunks to extract: the whole article when it fits the budget.

        Raises:
            InputError: One sentence is over the budget, or the article needs more than
                ``max_chunks`` chunks.
        """
        budget = self.chunk_budget
        if budget is None or estimate_tokens(article.text) <= budget:
            return [Span(start=0, end=len(article.text))]
        try:
            chunks = split_article(article.text, budget)
        except SummarizerError as exc:
            self.tag(exc)
            raise
        if len(chunks) > self.settings.max_chunks:
            found = (
                f"the article needs {len(chunks):,} chunks (requests) of at most {budget:,} "
                f"tokens ({len(article.text):,} characters)"
            )
            raise self.tag(InputError(over_limit(found, self.settings.max_chunks, "max_chunks")))
        logger.info(
            "article of about %d tokens over the budget of %d: %d chunks (%s)",
            estimate_tokens(article.text),
            budget,
            len(chunks),
            self.log_context,
        )
        return chunks

    @staticmethod
    def parts(article: PreparedArticle, chunks: Sequence[Span]) -> list[PreparedArticle]:
        """The text sent for each chunk (the publication date travels with every one)."""
        return [PreparedArticle(c.slice(article.text), article.published) for c in chunks]

    def cache_key(self, cache: ResultCache, article: PreparedArticle) -> str:
        """The cache key of ``article`` under this configuration."""
        s = self.settings
        return cache.key(
            endpoint=self.endpoint,
            chunk_budget=self.chunk_budget,
            model=s.model,
            mode=s.mode,
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            prompt_sha256=self.prompt.sha256,
            article=article.text,
            published=article.published,
            temperature=s.temperature,
            schema=self.schema,
            passes=s.passes,
            second_pass=self.follow_up.sha256 if self.follow_up else None,
        )

    def cached(self, cache: ResultCache, key: str, started: float) -> ArticleSummary | None:
        """A stored summary for ``key``, marked as cached (no request, no usage)."""
        hit = cache.get(key, self.schema)
        if hit is None or hit.meta is None:
            return None
        logger.info("cache hit (%s)", self.log_context)
        meta = hit.meta.model_copy(
            update={
                "cached": True,
                "attempts": 0,
                "reasks": 0,
                "usage": Usage(),
                "latency_s": round(time.perf_counter() - started, 3),
            }
        )
        return hit.model_copy(update={"meta": meta})

    def estimated_tokens(self, exchange: Exchange) -> int:
        """What a ``tpm`` limit counts for the exchange's next request.

        The request as sent (instructions, schema, article, and on a reask the conversation
        so far), estimated like an article (UTF-8 bytes / 3 of its JSON), plus the expected
        answer: ``OUTPUT_PER_INPUT_TOKEN`` (6) tokens per article token, at most the
        model's output limit when known. Providers reserve the answer's tokens when a
        request arrives, so counting only the input would overrun their limit.
        """
        return exchange.input_tokens() + self.answer_tokens(exchange.article)

    def answer_tokens(self, part: PreparedArticle) -> int:
        """The expected answer to ``part``: 6 tokens per article token, at most the output limit."""
        answer = int(estimate_tokens(part.text) * OUTPUT_PER_INPUT_TOKEN)
        info = model_info(self.settings.model)
        if info is not None and info.max_output_tokens:
            answer = min(answer, info.max_output_tokens)
        return answer

    def planned_usage(self, article: PreparedArticle, chunks: Sequence[Span]) -> Usage:
        """Estimated tokens of a call's first requests, one per chunk.

        Counted as :meth:`estimated_tokens` counts them for ``tpm`` (conservative: bytes / 3
        and 6 answer tokens per article token); reasks and retries are not included. A
        second pass sends the first request again with its answer, and is answered as long.
        """
        usage = Usage()
        for part in self.parts(article, chunks):
            exchange = self.exchange(part, None)
            sent, answer = exchange.input_tokens(), self.answer_tokens(part)
            usage += Usage(input_tokens=sent, output_tokens=answer)
            if self.follow_up is not None:
                asked = estimate_tokens(self.follow_up.spec.message)
                usage += Usage(input_tokens=sent + answer + asked, output_tokens=answer)
        return usage

    def exchange(
        self, part: PreparedArticle, secret: str | None, *, reasks: int | None = None
    ) -> Exchange:
        """A new extraction of ``part``: its first request body and its reask budget."""
        budget = self.settings.max_reasks if reasks is None else reasks
        return Exchange(self.template, part, budget, secret)

    def finish(
        self,
        outcomes: Sequence[Outcome],
        article: PreparedArticle,
        chunks: Sequence[Span],
        started: float,
    ) -> ArticleSummary:
        """One summary of the whole article: chunks shifted and merged, ``meta`` filled."""
        if len(outcomes) == 1:
            summary = outcomes[0][0]
        else:
            parts = []
            for (part, _), chunk in zip(outcomes, chunks, strict=True):
                shift_spans(part, chunk, article.text)
                parts.append(part)
            summary = merge_chunks(parts, article.text)
        recorders = [recorder for _, recorder in outcomes]
        meta = SummaryMeta(
            model=self.settings.model,
            mode=self.settings.mode,
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            prompt_sha256=self.prompt.sha256,
            schema_name=f"{self.schema.__module__}.{self.schema.__qualname__}",
            schema_sha256=schema_sha256(self.schema),
            attempts=sum(r.attempts for r in recorders),
            reasks=sum(r.reasks for r in recorders),
            usage=sum((r.usage for r in recorders), Usage()),
            latency_s=round(time.perf_counter() - started, 3),
            created_at=dt.datetime.now(dt.UTC),
            library_version=__version__,
            chunks=list(chunks) if len(outcomes) > 1 else [],
            passes=self.settings.passes,
            second_pass_version=self.follow_up.version if self.follow_up else None,
            second_pass_sha256=self.follow_up.sha256 if self.follow_up else None,
        )
        logger.info(
            "summarised in %.2fs: %d request(s), %d reask(s), %d tokens (%s)",
            meta.latency_s,
            meta.attempts,
            meta.reasks,
            meta.usage.total_tokens,
            self.log_context,
        )
        return summary.model_copy(
            update={"published": article.published, "article_text": article.text, "meta": meta}
        )


@dataclass(frozen=True)
class Call:
    """One article as planned under a pipeline: nothing sent yet.

    Attributes:
        pipeline: The steps and their settings.
        article: The checked article.
        chunks: Its chunks (one span over the whole text when it fits).
        key: Its cache key, when a cache is in use.
        started: When the call began (``time.perf_counter``), for ``meta.latency_s``.
    """

    pipeline: Pipeline
    article: PreparedArticle
    chunks: list[Span]
    key: str | None
    started: float

    def lookup(self, cache: ResultCache | None) -> ArticleSummary | None:
        """The cached summary, if the cache has one (I/O: the caller picks the thread)."""
        if cache is None or self.key is None:
            return None
        return self.pipeline.cached(cache, self.key, self.started)

    def exchanges(self, secret: str | None, *, reasks: int | None = None) -> list[Exchange]:
        """One extraction per chunk, each with its first request body."""
        parts = self.pipeline.parts(self.article, self.chunks)
        return [self.pipeline.exchange(part, secret, reasks=reasks) for part in parts]

    def finish(self, outcomes: Sequence[Outcome]) -> ArticleSummary:
        """The summary of the whole article from its chunks' outcomes."""
        return self.pipeline.finish(outcomes, self.article, self.chunks, self.started)

    def validate(self, completions: Sequence[Any]) -> ArticleSummary:
        """Answers obtained elsewhere (the Batch API), one per chunk: checked, no reask.

        Raises:
            ExtractionError: An answer is unusable or invalid, or the count is not the
                number of chunks.
            ConfigurationError: ``passes`` is 2: a second request needs the first answer.
        """
        refuse_batch_api(self.pipeline.settings.passes)
        if len(completions) != len(self.chunks):
            raise self.pipeline.tag(
                ExtractionError(
                    f"expected {len(self.chunks)} answer(s), one per chunk, got {len(completions)}"
                )
            )
        outcomes = []
        for exchange, completion in zip(self.exchanges(None, reasks=0), completions, strict=True):
            exchange.recorder.attempts = 1
            try:
                summary = exchange.accept(receive(completion, exchange.recorder))
            except SummarizerError as exc:
                self.pipeline.tag(exc)
                raise
            assert summary is not None  # no reask left: accept() raised otherwise
            outcomes.append((summary, exchange.recorder))
        return self.finish(outcomes)


def extract(
    pipeline: Pipeline, transport: Transport, client: openai.OpenAI, exchange: Exchange
) -> Outcome:
    """An exchange's summary, every pass of it, synchronously."""
    outcome = extract_pass(pipeline, transport, client, exchange)
    if pipeline.follow_up is None:
        return outcome
    again = second_pass(exchange, outcome[0], pipeline.follow_up)
    last = extract_pass(pipeline, transport, client, again)
    return merge_passes(outcome, last, again.article.text)


def extract_pass(
    pipeline: Pipeline, transport: Transport, client: openai.OpenAI, exchange: Exchange
) -> Outcome:
    """Send an exchange's requests until it yields a summary (or fails), synchronously."""
    create = client.chat.completions.create
    while True:
        tokens = pipeline.estimated_tokens(exchange) if transport.counts_tokens else 0
        completion = transport.send(create, exchange.body, exchange.recorder, tokens)
        if (summary := exchange.accept(completion)) is not None:
            return summary, exchange.recorder


async def aextract(
    pipeline: Pipeline, transport: Transport, client: openai.AsyncOpenAI, exchange: Exchange
) -> Outcome:
    """The asynchronous twin of :func:`extract`."""
    outcome = await aextract_pass(pipeline, transport, client, exchange)
    if pipeline.follow_up is None:
        return outcome
    again = second_pass(exchange, outcome[0], pipeline.follow_up)
    last = await aextract_pass(pipeline, transport, client, again)
    return await asyncio.to_thread(merge_passes, outcome, last, again.article.text)


async def aextract_pass(
    pipeline: Pipeline, transport: Transport, client: openai.AsyncOpenAI, exchange: Exchange
) -> Outcome:
    """The asynchronous twin of :func:`extract_pass`.

    Validating and grounding an answer is the CPU-heavy step (milliseconds, more for a long
    answer); it runs in a worker thread so the event loop stays free to send and receive
    other requests meanwhile.
    """
    create = client.chat.completions.create
    while True:
        tokens = pipeline.estimated_tokens(exchange) if transport.counts_tokens else 0
        completion = await transport.asend(create, exchange.body, exchange.recorder, tokens)
        if (summary := await asyncio.to_thread(exchange.accept, completion)) is not None:
            return summary, exchange.recorder


def extract_parts(
    pipeline: Pipeline, transport: Transport, client: openai.OpenAI, exchanges: Sequence[Exchange]
) -> list[Outcome]:
    """Every part's outcome, in order; chunks run in threads. The first failure stops the rest.

    Raises:
        SummarizerError: The first failure, naming the model and prompt version.
    """
    try:
        if len(exchanges) == 1:
            return [extract(pipeline, transport, client, exchanges[0])]
        workers = min(pipeline.settings.chunk_concurrency, len(exchanges))
        with ThreadPoolExecutor(workers, "summarizer-chunk") as pool:
            try:
                return list(pool.map(lambda e: extract(pipeline, transport, client, e), exchanges))
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # don't start more chunks
                raise
    except SummarizerError as exc:
        pipeline.tag(exc)
        raise


async def aextract_parts(
    pipeline: Pipeline,
    transport: Transport,
    client: openai.AsyncOpenAI,
    exchanges: Sequence[Exchange],
) -> list[Outcome]:
    """The asynchronous twin of :func:`extract_parts`: chunks run as tasks."""
    limit = asyncio.Semaphore(pipeline.settings.chunk_concurrency)

    async def one(exchange: Exchange) -> Outcome:
        async with limit:
            return await aextract(pipeline, transport, client, exchange)

    tasks = [asyncio.create_task(one(e)) for e in exchanges]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException as exc:
        for task in tasks:  # one chunk failed: stop the others' requests
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if isinstance(exc, SummarizerError):
            pipeline.tag(exc)
        raise
