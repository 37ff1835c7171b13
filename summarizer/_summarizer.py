"""The Summarizer: configuration held once, one grounded extraction per call."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

import instructor
import openai
import pydantic
import tenacity
from instructor.core.exceptions import (
    IncompleteOutputException,
    InstructorError,
    InstructorRetryException,
)

from summarizer import __version__
from summarizer._article import PreparedArticle, prepare_article
from summarizer._cache import ResultCache
from summarizer._chunking import OUTPUT_PER_INPUT_TOKEN, merge_chunks, shift_spans, split_article
from summarizer._client import ResolvedClient, redact, resolve_client
from summarizer._grounding import Span
from summarizer._models import estimate_tokens, model_info
from summarizer._prompts import Prompt, load_prompt
from summarizer._transport import (
    CallRecorder,
    RateGate,
    RetryPolicy,
    Transport,
    check_response,
    raw_output,
    repair_control_characters,
)
from summarizer.errors import ConfigurationError, ExtractionError, InputError, SummarizerError
from summarizer.schema import ArticleSummary, SummaryMeta, Usage

__all__ = ["DEFAULT_MODEL", "MODES", "Summarizer"]

logger = logging.getLogger("summarizer")

DEFAULT_MODEL = "gpt-4.1-mini"
MODEL_ENV = "SUMMARIZER_MODEL"
MODE_ENV = "SUMMARIZER_MODE"
MAX_INPUT_TOKENS_ENV = "SUMMARIZER_MAX_INPUT_TOKENS"
CHUNK_WORKERS = 4
"""Chunks of one long article extracted at the same time (threads, or tasks when async)."""

MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
"""Supported modes. ``tools`` (the default) is what OpenAI and local servers (llama.cpp,
vLLM, Ollama) all accept; ``json_schema`` sends ``response_format`` of type json_schema."""


def _mode_name(mode: str | instructor.Mode) -> str:
    if isinstance(mode, instructor.Mode):
        for name, value in MODES.items():
            if value == mode:
                return name
        raise ConfigurationError(f"unsupported instructor mode {mode!r}; use one of {list(MODES)}")
    if mode not in MODES:
        raise ConfigurationError(f"unknown mode {mode!r}; use one of {list(MODES)}")
    return mode


def _validation_errors(exc: pydantic.ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def _first_messages(errors: list[dict[str, Any]], limit: int = 400) -> str:
    """The first validation messages on one line, for an error message."""
    text = "; ".join(" ".join(str(e["msg"]).split()) for e in errors[:3])
    return text if len(text) <= limit else text[: limit - 1] + "…"


# instructor wraps a response model in a new subclass on every call unless it is wrapped
# already, and then regenerates its JSON schema each time (about 20 ms of CPU a call).
# Wrapping once keeps instructor's schema cache warm; results are turned back into plain
# ArticleSummary objects in _finish.
_RESPONSE_MODEL = instructor.openai_schema(ArticleSummary)

_CAPTURE_MARK = "summarizer: request captured, not sent"


class _HideCaptures(logging.Filter):
    """instructor logs every failed call at ERROR; a captured request is not a failure."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _CAPTURE_MARK not in record.getMessage()


logging.getLogger("instructor.v2.retry").addFilter(_HideCaptures())


class Summarizer:
    """Summarises articles with one fixed configuration.

    Safe to share across threads and tasks: the configuration is read-only, each call keeps
    its own state, and the default client is built once, lazily, under a lock.

    Args:
        client: An ``openai.OpenAI`` / ``openai.AsyncOpenAI`` (any OpenAI-compatible
            server) or an instructor client. Default: built on first use from
            ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``.
        model: Model name. Default: ``SUMMARIZER_MODEL``, else ``gpt-4.1-mini``.
        prompt_version: Prompt version such as ``"v1"``. Default: the latest released.
        mode: ``"tools"``, ``"json_schema"``, ``"json"`` or ``"md_json"`` (or an
            ``instructor.Mode``). Default: ``SUMMARIZER_MODE``, the instructor client's
            mode, else ``"tools"``.
        max_retries: Transport retries per request (429, 5xx, timeouts, connection errors).
        max_reasks: Times the model is asked again when its answer fails validation.
        timeout: Seconds allowed for one HTTP request.
        total_timeout: Seconds allowed for the whole call, retries and reasks included.
        max_retry_wait: The longest wait between two attempts, ``Retry-After`` included.
        max_input_tokens: Input budget per request (conservative local estimate): a longer
            article is split into chunks that fit, extracted concurrently and merged.
            Default: ``SUMMARIZER_MAX_INPUT_TOKENS``, else the model's context window less a
            reserve, for known models. For known models an article is also chunked when its
            expected answer would not fit the output limit (see ``chunk_budget``).
        temperature: Sent only when set; some models accept only their default.
        cache: A :class:`ResultCache`: a summary already made under the same configuration
            is returned without any request.
    """

    def __init__(
        self,
        client: Any = None,
        model: str | None = None,
        prompt_version: str | None = None,
        mode: str | instructor.Mode | None = None,
        max_retries: int = 3,
        max_reasks: int = 2,
        timeout: float = 120.0,
        total_timeout: float = 600.0,
        max_retry_wait: float = 30.0,
        max_input_tokens: int | None = None,
        temperature: float | None = None,
        cache: ResultCache | None = None,
    ) -> None:
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError("max_retries must be an integer >= 0")
        if not isinstance(max_reasks, int) or max_reasks < 0:
            raise ConfigurationError("max_reasks must be an integer >= 0")
        for name, value in (
            ("timeout", timeout),
            ("total_timeout", total_timeout),
            ("max_retry_wait", max_retry_wait),
        ):
            if not isinstance(value, int | float) or value <= 0:
                raise ConfigurationError(f"{name} must be a positive number of seconds")
        if max_input_tokens is None and os.environ.get(MAX_INPUT_TOKENS_ENV):
            try:
                max_input_tokens = int(os.environ[MAX_INPUT_TOKENS_ENV])
            except ValueError:
                max_input_tokens = -1
        if max_input_tokens is not None and (
            not isinstance(max_input_tokens, int) or max_input_tokens <= 0
        ):
            raise ConfigurationError(
                f"max_input_tokens (or {MAX_INPUT_TOKENS_ENV}) must be a positive integer"
            )
        self._client_arg = client
        self.model = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
        self.prompt: Prompt = load_prompt(prompt_version)
        client_mode = getattr(client, "mode", None) if client is not None else None
        chosen = mode or os.environ.get(MODE_ENV) or client_mode or "tools"
        self.mode = _mode_name(chosen)
        self.max_reasks = max_reasks
        self.timeout = float(timeout)
        self.total_timeout = float(total_timeout)
        self.temperature = temperature
        info = model_info(self.model)
        self.max_input_tokens = max_input_tokens or (info.article_budget if info else None)
        self.max_output_tokens = info.max_output_tokens if info else None
        self._chunk_workers = CHUNK_WORKERS
        self.retry_policy = RetryPolicy(max_retries=max_retries, max_wait=float(max_retry_wait))
        self.cache = cache
        self._gate: RateGate | None = None  # set by the batch runner: shared 429 backoff
        # Injection points for tests: how the transport waits between retries.
        self._sleep: Callable[[float], None] = time.sleep
        self._async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self._lock = threading.Lock()
        self._resolved: dict[bool, ResolvedClient] = {}

    def close(self) -> None:
        """Close the HTTP connections of a client this summarizer built itself.

        A client you passed in stays yours to close. Using the summarizer as a context
        manager (``with Summarizer() as s:``) calls this on exit.
        """
        with self._lock:
            owned = [] if self._client_arg is not None else list(self._resolved.values())
            self._resolved.clear()
        for resolved in owned:
            if isinstance(resolved.client, openai.OpenAI):
                resolved.client.close()

    async def aclose(self) -> None:
        """Like :meth:`close`, for asynchronous clients too (``async with``)."""
        with self._lock:
            owned = [] if self._client_arg is not None else list(self._resolved.values())
            self._resolved.clear()
        for resolved in owned:
            if isinstance(resolved.client, openai.AsyncOpenAI):
                await resolved.client.close()
            else:
                resolved.client.close()

    def __enter__(self) -> Summarizer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Summarizer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"Summarizer(model={self.model!r}, mode={self.mode!r}, "
            f"prompt={self.prompt.id}/{self.prompt.version})"
        )

    @property
    def prompt_version(self) -> str:
        """The prompt version this summarizer sends."""
        return self.prompt.version

    def _client(self, want_async: bool) -> ResolvedClient:
        with self._lock:
            if want_async not in self._resolved:
                self._resolved[want_async] = resolve_client(
                    self._client_arg, want_async=want_async, timeout=self.timeout
                )
            return self._resolved[want_async]

    @property
    def chunk_budget(self) -> int | None:
        """The most article tokens sent in one request, or None for no limit.

        The smaller of the input budget and what the output limit allows: an answer is
        estimated at ``OUTPUT_PER_INPUT_TOKEN`` (6) tokens per article token.
        """
        budgets = [self.max_input_tokens] if self.max_input_tokens else []
        if self.max_output_tokens:
            budgets.append(max(int(self.max_output_tokens / OUTPUT_PER_INPUT_TOKEN), 1))
        return min(budgets) if budgets else None

    def _plan(self, article: PreparedArticle) -> list[Span]:
        """The chunks to extract: the whole article when it fits the budget."""
        budget = self.chunk_budget
        if budget is None or estimate_tokens(article.text) <= budget:
            return [Span(start=0, end=len(article.text))]
        try:
            chunks = split_article(article.text, budget)
        except InputError as exc:
            exc.model, exc.prompt_version = self.model, self.prompt.version
            raise
        logger.info(
            "article of about %d tokens over the budget of %d: %d chunks (model=%s prompt=%s)",
            estimate_tokens(article.text),
            budget,
            len(chunks),
            self.model,
            self.prompt.version,
        )
        return chunks

    @staticmethod
    def _parts(article: PreparedArticle, chunks: list[Span]) -> list[PreparedArticle]:
        # The publication date is passed explicitly: a date header is only in the first.
        return [PreparedArticle(c.slice(article.text), article.published) for c in chunks]

    def _transport(self, resolved: ResolvedClient, deadline: float | None = None) -> Transport:
        return Transport(
            policy=self.retry_policy,
            secret=resolved.api_key,
            mode=self.mode,
            log_context=f"model={self.model} prompt={self.prompt.version}",
            request_timeout=self.timeout,
            deadline=deadline or time.monotonic() + self.total_timeout,
            total_timeout=self.total_timeout,
            sleep=self._sleep,
            async_sleep=self._async_sleep,
            gate=self._gate,
        )

    def _cache_key(self, article: PreparedArticle) -> str | None:
        if self.cache is None:
            return None
        return self.cache.key(
            model=self.model,
            mode=self.mode,
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            prompt_sha256=self.prompt.sha256,
            article=article.text,
            published=article.published,
            temperature=self.temperature,
        )

    def _cached(self, key: str | None, started: float) -> ArticleSummary | None:
        if key is None or self.cache is None:
            return None
        hit = self.cache.get(key)
        if hit is None or hit.meta is None:
            return None
        logger.info("cache hit (model=%s prompt=%s)", self.model, self.prompt.version)
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

    def _request(self, article: PreparedArticle) -> dict[str, Any]:
        published = article.published.isoformat() if article.published else "unknown"
        request: dict[str, Any] = {
            "model": self.model,
            "messages": self.prompt.messages(),
            "response_model": _RESPONSE_MODEL,
            "context": {"article": article.text, "published": published},
            "max_retries": self.max_reasks,
            "strict": False,
        }
        if self.temperature is not None:
            request["temperature"] = self.temperature
        return request

    def request_body(self, text: str, published: dt.date | str | None = None) -> dict[str, Any]:
        """The exact chat-completions request body this summarizer would send, unsent.

        Used to build Batch API files (the same prompt, schema and parameters as an
        in-process call) and to inspect what the library sends.
        """
        article = prepare_article(text, published)
        captured: dict[str, Any] = {}

        def capture(**kwargs: Any) -> Any:
            captured.update(kwargs)
            raise RuntimeError(_CAPTURE_MARK)

        create = instructor.patch(create=capture, mode=MODES[self.mode])
        try:
            create(**self._request(article))
        except Exception as exc:
            if not captured:
                raise ExtractionError(f"could not build the request: {exc}") from exc
        return captured

    def request_bodies(
        self, text: str, published: dt.date | str | None = None
    ) -> list[dict[str, Any]]:
        """The request bodies of an in-process call, unsent: one per chunk of the article.

        A short article gives one body (the same as :meth:`request_body`); a long one, one
        body per chunk, in article order, as :meth:`summarize` would send them.
        """
        article = prepare_article(text, published)
        return [
            self.request_body(part.text, part.published)
            for part in self._parts(article, self._plan(article))
        ]

    def _validate_one(self, article: PreparedArticle, completion: Any) -> tuple[Any, CallRecorder]:
        recorder = CallRecorder()
        recorder.attempts = 1
        recorder.record(completion)
        check_response(completion, recorder)
        repair_control_characters(completion)
        raw = raw_output(completion)
        published_text = article.published.isoformat() if article.published else "unknown"
        try:
            result = ArticleSummary.model_validate_json(
                raw or "",
                context={"article": article.text, "published": published_text},
            )
        except pydantic.ValidationError as exc:
            errors = _validation_errors(exc)
            raise ExtractionError(
                f"the answer is invalid: {_first_messages(errors)}",
                kind="invalid",
                last_raw_output=recorder.last_raw_output,
                validation_errors=errors,
                attempts=1,
                usage=recorder.usage,
                model=self.model,
                prompt_version=self.prompt.version,
            ) from exc
        return result, recorder

    def validate_completion(
        self, text: str, completion: Any, published: dt.date | str | None = None
    ) -> ArticleSummary:
        """Validate a chat completion obtained elsewhere (e.g. the Batch API) for ``text``.

        The same checks as an in-process call: refusal, truncation, the JSON repair, the
        schema and grounding. No reask is possible here.

        Raises:
            ExtractionError: The answer is unusable or invalid.
        """
        started = time.perf_counter()
        article = prepare_article(text, published)
        result, recorder = self._validate_one(article, completion)
        return self._finish(result, article, recorder, started)

    def validate_completions(
        self, text: str, completions: list[Any], published: dt.date | str | None = None
    ) -> ArticleSummary:
        """Validate the answers to :meth:`request_bodies` (one per chunk) and merge them.

        Raises:
            ExtractionError: An answer is unusable or invalid, or the count does not match
                the article's chunks.
        """
        started = time.perf_counter()
        article = prepare_article(text, published)
        chunks = self._plan(article)
        if len(completions) != len(chunks):
            raise ExtractionError(
                f"expected {len(chunks)} answer(s), one per chunk, got {len(completions)}",
                model=self.model,
                prompt_version=self.prompt.version,
            )
        if len(chunks) == 1:
            return self.validate_completion(text, completions[0], published)
        outcomes = [
            self._validate_one(part, completion)
            for part, completion in zip(self._parts(article, chunks), completions, strict=True)
        ]
        return self._finish_chunks(outcomes, chunks, article, started)

    def summarize(self, text: str, published: dt.date | str | None = None) -> ArticleSummary:
        """Summarise one article.

        Args:
            text: The article. Spans in the result index this exact string.
            published: Publication date; default: a leading ``date YYYY-MM-DD`` header.

        Raises:
            InputError: The text is empty or not a string; nothing was sent.
            ConfigurationError: No key, a rejected key, an unknown model or prompt version.
            ProviderError: The endpoint kept failing after the transport retries.
            ExtractionError: The model's answer stayed invalid or ungrounded after reasks.
        """
        started = time.perf_counter()
        article = prepare_article(text, published)
        chunks = self._plan(article)
        key = self._cache_key(article)
        if (hit := self._cached(key, started)) is not None:
            return hit
        resolved = self._client(want_async=False)
        if resolved.is_async:
            raise ConfigurationError(
                "an AsyncOpenAI client needs asummarize(); pass openai.OpenAI for summarize()"
            )
        deadline = time.monotonic() + self.total_timeout
        if len(chunks) == 1:
            result, recorder = self._extract(resolved, article, deadline)
            summary = self._finish(result, article, recorder, started)
        else:
            parts = self._parts(article, chunks)
            workers = max(1, min(len(parts), self._chunk_workers))
            with ThreadPoolExecutor(workers, thread_name_prefix="summarizer-chunk") as pool:
                try:
                    outcomes = list(pool.map(lambda p: self._extract(resolved, p, deadline), parts))
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)  # don't start more chunks
                    raise
            summary = self._finish_chunks(outcomes, chunks, article, started)
        if key is not None and self.cache is not None:
            self.cache.put(key, summary)
        return summary

    def _extract(
        self, resolved: ResolvedClient, article: PreparedArticle, deadline: float
    ) -> tuple[Any, CallRecorder]:
        """One extraction (one request and its reasks) of ``article``, synchronously."""
        client = resolved.client
        assert isinstance(client, openai.OpenAI)
        recorder = CallRecorder()
        transport = self._transport(resolved, deadline)
        create = instructor.patch(
            create=transport.wrap(client.chat.completions.create, recorder),
            mode=MODES[self.mode],
        )
        try:
            result = create(**self._request(article))
        except Exception as exc:
            self._raise_failure(exc, recorder, resolved)
        return result, recorder

    async def _aextract(
        self,
        resolved: ResolvedClient,
        article: PreparedArticle,
        deadline: float,
        limit: asyncio.Semaphore | None = None,
    ) -> tuple[Any, CallRecorder]:
        """One extraction of ``article`` with an asynchronous client."""
        if limit is not None:
            async with limit:
                return await self._aextract(resolved, article, deadline)
        client = resolved.client
        assert isinstance(client, openai.AsyncOpenAI)
        recorder = CallRecorder()
        transport = self._transport(resolved, deadline)
        create = instructor.patch(
            create=transport.wrap_async(client.chat.completions.create, recorder),
            mode=MODES[self.mode],
        )
        try:
            result = await create(**self._request(article))
        except Exception as exc:
            self._raise_failure(exc, recorder, resolved)
        return result, recorder

    async def asummarize(self, text: str, published: dt.date | str | None = None) -> ArticleSummary:
        """Summarise one article without blocking the event loop.

        With a synchronous client the call runs in a worker thread. Raises the same errors
        as :meth:`summarize`.
        """
        started = time.perf_counter()
        article = prepare_article(text, published)
        chunks = self._plan(article)
        key = self._cache_key(article)
        if key is not None and (hit := await asyncio.to_thread(self._cached, key, started)):
            return hit
        resolved = self._client(want_async=True)
        if not resolved.is_async:
            return await asyncio.to_thread(self.summarize, text, published)
        deadline = time.monotonic() + self.total_timeout
        if len(chunks) == 1:
            result, recorder = await self._aextract(resolved, article, deadline)
            summary = self._finish(result, article, recorder, started)
        else:
            limit = asyncio.Semaphore(max(1, self._chunk_workers))
            tasks = [
                asyncio.create_task(self._aextract(resolved, p, deadline, limit))
                for p in self._parts(article, chunks)
            ]
            try:
                outcomes = await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:  # one chunk failed: stop the others' requests
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
            summary = self._finish_chunks(list(outcomes), chunks, article, started)
        if key is not None and self.cache is not None:
            await asyncio.to_thread(self.cache.put, key, summary)
        return summary

    @staticmethod
    def _unwrap(result: Any) -> ArticleSummary:
        if not isinstance(result, ArticleSummary):  # pragma: no cover - instructor contract
            raise ExtractionError("the model's answer did not parse as an ArticleSummary")
        if type(result) is not ArticleSummary:  # instructor's wrapper subclass: unwrap
            result = ArticleSummary.model_construct(
                _fields_set=result.model_fields_set,
                **{name: getattr(result, name) for name in ArticleSummary.model_fields},
            )
        summary: ArticleSummary = result
        return summary

    def _finish(
        self,
        result: Any,
        article: PreparedArticle,
        recorder: CallRecorder,
        started: float,
        *,
        more: list[CallRecorder] | None = None,
        chunks: list[Span] | None = None,
    ) -> ArticleSummary:
        result = self._unwrap(result)
        recorders = [recorder, *(more or [])]
        usage = Usage(
            input_tokens=sum(r.usage.input_tokens for r in recorders),
            output_tokens=sum(r.usage.output_tokens for r in recorders),
            cached_input_tokens=sum(r.usage.cached_input_tokens for r in recorders),
        )
        meta = SummaryMeta(
            model=self.model,
            mode=self.mode,
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            prompt_sha256=self.prompt.sha256,
            attempts=sum(r.attempts for r in recorders),
            reasks=sum(max(r.responses - 1, 0) for r in recorders),
            usage=usage,
            latency_s=round(time.perf_counter() - started, 3),
            created_at=dt.datetime.now(dt.UTC),
            library_version=__version__,
            chunks=chunks or [],
        )
        logger.info(
            "summarised in %.2fs: %d request(s), %d reask(s), %d tokens (model=%s prompt=%s)",
            meta.latency_s,
            meta.attempts,
            meta.reasks,
            meta.usage.total_tokens,
            self.model,
            self.prompt.version,
        )
        summary: ArticleSummary = result.model_copy(
            update={"published": article.published, "article_text": article.text, "meta": meta}
        )
        return summary

    def _finish_chunks(
        self,
        outcomes: list[tuple[Any, CallRecorder]],
        chunks: list[Span],
        article: PreparedArticle,
        started: float,
    ) -> ArticleSummary:
        """Shift each chunk's spans onto the whole article, merge, and sum the usage."""
        parts = []
        for (result, _), chunk in zip(outcomes, chunks, strict=True):
            part = self._unwrap(result)
            shift_spans(part, chunk, article.text)
            parts.append(part)
        merged = merge_chunks(parts, article.text)
        recorders = [recorder for _, recorder in outcomes]
        return self._finish(
            merged, article, recorders[0], started, more=recorders[1:], chunks=chunks
        )

    def _raise_failure(
        self, exc: Exception, recorder: CallRecorder, resolved: ResolvedClient
    ) -> NoReturn:
        """Re-raise whatever the stack raised as this library's error, keeping the cause."""
        error = self._failure(exc, recorder, resolved)
        if error is exc:
            raise exc
        if error.__cause__ is None:
            raise error from exc
        raise error  # raised by our transport layer: already carries the original cause

    def _failure(
        self, exc: Exception, recorder: CallRecorder, resolved: ResolvedClient
    ) -> Exception:
        """Map whatever the stack raised to this library's errors."""
        error: Exception
        if isinstance(exc, SummarizerError):
            error = exc
        elif isinstance(exc.__cause__, SummarizerError):
            error = exc.__cause__
        elif isinstance(exc, IncompleteOutputException):
            error = ExtractionError(
                "the model's output was cut off at the token limit",
                kind="truncated",
                last_raw_output=recorder.last_raw_output,
                attempts=recorder.attempts,
                usage=recorder.usage,
            )
        elif isinstance(exc, InstructorRetryException):
            error = self._invalid_output(exc, recorder, resolved)
        elif isinstance(
            exc,
            InstructorError | openai.OpenAIError | pydantic.ValidationError | tenacity.RetryError,
        ):
            error = ExtractionError(
                redact(f"extraction failed: {exc}", resolved.api_key),
                last_raw_output=recorder.last_raw_output,
                attempts=recorder.attempts,
                usage=recorder.usage,
            )
        else:
            return exc  # a bug, not a failure mode: let it surface as is
        if isinstance(error, SummarizerError):
            error.model = error.model or self.model
            error.prompt_version = error.prompt_version or self.prompt.version
        return error

    def _invalid_output(
        self, exc: InstructorRetryException, recorder: CallRecorder, resolved: ResolvedClient
    ) -> ExtractionError:
        last = exc.failed_attempts[-1].exception if exc.failed_attempts else exc.__cause__
        errors = _validation_errors(last) if isinstance(last, pydantic.ValidationError) else []
        first = _first_messages(errors) or str(last)
        return ExtractionError(
            redact(
                f"the model's answer was still invalid after {recorder.responses} answer(s) "
                f"and {recorder.attempts} request(s): {first}",
                resolved.api_key,
            ),
            kind="invalid",
            last_raw_output=recorder.last_raw_output,
            validation_errors=errors,
            attempts=recorder.attempts,
            usage=recorder.usage,
        )
