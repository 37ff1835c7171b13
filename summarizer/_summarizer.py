"""The Summarizer: a facade over the extraction pipeline, holding settings and the client."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Self, Unpack

import openai

from summarizer._cache import ResultCache
from summarizer._client import ResolvedClient, base_url_of, resolve_client
from summarizer._limits import RequestLimits
from summarizer._pipeline import Pipeline, aextract_parts, check_schema, extract_parts
from summarizer._prompts import PromptSource
from summarizer._settings import (
    SETTING_NAMES,
    Settings,
    SettingsOptions,
    check_option_names,
)
from summarizer._transport import RetryPolicy, Transport
from summarizer.errors import ConfigurationError
from summarizer.schema import ArticleSummary

__all__ = ["OPTION_NAMES", "RUN_OPTIONS", "Summarizer", "SummarizerOptions"]


class SummarizerOptions(SettingsOptions, total=False):
    """The keyword options of :class:`Summarizer`, the one-call and the batch functions.

    The :class:`~summarizer.Settings` fields (``api_key``, ``base_url``, ``model``, ...),
    and what a run adds: ``client``, ``cache``, a ready ``settings``, a result ``schema``
    and a ``prompt`` of your own.
    """

    client: Any
    cache: ResultCache | None
    settings: Settings | None
    schema: type[ArticleSummary] | None
    prompt: PromptSource | None


RUN_OPTIONS: frozenset[str] = frozenset({"client", "cache", "settings", "schema", "prompt"})
"""What an entry point takes besides the settings (the batch functions add their limits)."""

OPTION_NAMES: frozenset[str] = SETTING_NAMES | RUN_OPTIONS
"""Every option name a :class:`Summarizer` accepts: one list for every entry point."""

_ENDPOINT = ("api_key", "base_url")
"""The settings a client is built from, beside the timeout: refused with a client given."""


class _Keep:
    """The default of :meth:`Summarizer.with_options` arguments: keep what this one has."""


_KEEP: Any = _Keep()

_CLOSING: set[asyncio.Task[None]] = set()
"""Closes scheduled by :meth:`Summarizer.close` on a running loop (kept until they finish)."""


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _close_async(client: openai.AsyncOpenAI, loop: asyncio.AbstractEventLoop | None) -> None:
    """Close an asynchronous client from synchronous code, on the loop it was used in.

    On this thread's running loop the close is scheduled (it runs at the loop's next turn);
    a loop still open elsewhere runs it; else a new loop does. Connections opened by a loop
    that has since ended cannot be closed through it: :meth:`Summarizer.aclose` (``async
    with``) inside that loop is the way to close those.
    """
    running = _running_loop()
    if running is not None:
        task = running.create_task(client.close())
        _CLOSING.add(task)
        task.add_done_callback(_CLOSING.discard)
    elif loop is not None and not loop.is_closed() and loop.is_running():
        asyncio.run_coroutine_threadsafe(client.close(), loop)
    elif loop is not None and not loop.is_closed():
        loop.run_until_complete(client.close())
    else:
        with contextlib.suppress(RuntimeError):  # its connections' loop has ended
            asyncio.run(client.close())


class _Clients:
    """The clients a summarizer sends through, built lazily, once, under a lock.

    Shared by the summarizers :meth:`Summarizer.with_options` derives while the endpoint,
    key and timeout stay the same, so they reuse one connection pool. ``owned`` when built
    from the settings (then :meth:`Summarizer.close` closes them).
    """

    def __init__(self, client: Any, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.owned = client is None
        self._lock = threading.Lock()
        self._resolved: dict[bool, ResolvedClient] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self, want_async: bool) -> ResolvedClient:
        with self._lock:
            if want_async not in self._resolved:
                resolved = resolve_client(self.client, self.settings, want_async=want_async)
                # openai imports its resource modules on first use (most of a second, cold):
                # here, so that a call's total_timeout measures the call, not that import.
                _ = resolved.client.chat.completions
                self._resolved[want_async] = resolved
                if resolved.is_async:
                    self._loop = _running_loop()
            return self._resolved[want_async]

    def release(self) -> tuple[list[ResolvedClient], asyncio.AbstractEventLoop | None]:
        """Forget the built clients; those this object owns are returned for closing.

        Also the event loop the asynchronous one was built in, if any.
        """
        with self._lock:
            built = list(self._resolved.values())
            self._resolved.clear()
            loop, self._loop = self._loop, None
        return (built if self.owned else []), loop

    def derive(self, client: Any, settings: Settings, endpoint_named: set[str]) -> _Clients:
        """The clients of a summarizer derived with ``settings`` (and ``client``, if given).

        These same ones while the client and what it is built from stay the same; else new
        ones, so requests go where the settings (and the cache key) say.

        Raises:
            ConfigurationError: ``api_key``/``base_url`` named for a client the caller passed.
        """
        if client is _KEEP:
            client = self.client
            if client is not None and endpoint_named:
                raise ConfigurationError(
                    "this summarizer sends through the client you passed, which has its own "
                    "key and endpoint: pass client= for another one"
                )
        elif client is not None and endpoint_named:
            raise ConfigurationError(
                "pass either client= or api_key=/base_url=, not both: a client has its own"
            )
        watched = ("timeout", *_ENDPOINT) if client is None else ("timeout",)
        if client is self.client and all(
            getattr(settings, name) == getattr(self.settings, name) for name in watched
        ):
            return self
        return _Clients(client, settings)

    def close(self) -> None:
        built, loop = self.release()
        for resolved in built:
            if isinstance(resolved.client, openai.AsyncOpenAI):
                _close_async(resolved.client, loop)
            else:
                resolved.client.close()

    async def aclose(self) -> None:
        built, _ = self.release()
        for resolved in built:
            if isinstance(resolved.client, openai.AsyncOpenAI):
                await resolved.client.close()
            else:
                resolved.client.close()


_Answer = tuple[type[ArticleSummary], PromptSource | None]
"""A summarizer's result schema and the prompt of your own it was given."""


def _answer(schema: object, prompt: PromptSource | None) -> _Answer:
    """The result schema (checked; None: the package's) and the prompt given."""
    return (ArticleSummary if schema is None else check_schema(schema), prompt)


class _Closing:
    """``with`` and ``async with`` close what :meth:`close` / :meth:`aclose` close."""

    def close(self) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class Summarizer(_Closing):
    """Summarises articles with one fixed configuration.

    Safe to share across threads and tasks: the settings are a frozen value, each call keeps
    its own state, and the default client is built once, lazily, under a lock.

    Every entry point (the one-call and batch functions, Ray, the command line) takes these
    options, checked at the call: a bad value or an unknown name is a
    :class:`~summarizer.ConfigurationError`. None means "not given".

    Args:
        client: An ``openai.OpenAI`` / ``openai.AsyncOpenAI`` (any OpenAI-compatible
            server) or an instructor client. Default: built on first use from ``api_key``
            and ``base_url``. Not together with those: a client has its own.
        api_key: The key of the default client. Default: ``OPENAI_API_KEY``.
        base_url: The endpoint of the default client (any OpenAI-compatible server).
            Default: ``OPENAI_BASE_URL``, else OpenAI's.
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
        temperature: From 0 to 2; sent only when set (some models accept only their
            default).
        chunk_concurrency: Chunks of one long article extracted at the same time.
        cache: A :class:`ResultCache`: a summary already made under the same configuration
            is returned without any request.
        schema: Your own subclass of :class:`ArticleSummary`, its fields marked as in
            :mod:`summarizer.fields`. The default prompt then answers in its own fields
            (v1's shape: the ``lean`` answer of v2 reads the package's schema only).
        prompt: A prompt file or prompts folder of your own (``prompt_version`` picks
            the version), or a loaded prompt: the package's spec, checks and lock.
        settings: A ready :class:`~summarizer.Settings` (the keyword arguments above, when
            given, override it); default: :meth:`Settings.from_env`.

    Raises:
        ConfigurationError: A value is invalid, a name is not an option, ``client`` is
            given with ``api_key``/``base_url``, a bad ``schema`` or ``prompt``.

    Attributes:
        settings: The frozen :class:`~summarizer.Settings` in use.
        model: The model asked. ``mode``: the structured-output mode.
        prompt: The :class:`~summarizer._prompts.Prompt` sent; ``prompt_version`` its version;
            ``schema`` the result schema (:class:`ArticleSummary`, or yours).
        max_input_tokens: The input budget per request (the setting, else the model's
            context window less a reserve; None for unknown models).
        chunk_budget: The most article tokens sent in one request (see above), or None.
        cache: The result cache, if any. ``limits``: the run's :class:`RequestLimits`, if any.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        cache: ResultCache | None = None,
        settings: Settings | None = None,
        schema: type[ArticleSummary] | None = None,
        prompt: PromptSource | None = None,
        **options: Unpack[SettingsOptions],
    ) -> None:
        check_option_names(options, SETTING_NAMES)
        given: dict[str, Any] = {
            name: value for name, value in options.items() if value is not None
        }
        if client is not None and given.keys() & set(_ENDPOINT):
            raise ConfigurationError(
                "pass either client= or api_key=/base_url=, not both: a client has its own"
            )
        if settings is None:
            client_mode = getattr(client, "mode", None) if client is not None else None
            settings = Settings.from_env(defaults={"mode": client_mode}, **given)
        else:
            settings = settings.replace(**given)
        self._setup(settings, _Clients(client, settings), cache, None, _answer(schema, prompt))

    def _setup(
        self,
        settings: Settings,
        clients: _Clients,
        cache: ResultCache | None,
        limits: RequestLimits | None,
        answer: _Answer,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.settings = settings
        self._answer, (self.schema, source) = answer, answer
        endpoint = base_url_of(clients.client, settings)
        self.pipeline = pipeline or Pipeline.build(settings, endpoint, self.schema, source)
        self.cache = cache
        self.limits = limits
        # Read-only views of the settings, for callers and reprs.
        self.model, self.mode = settings.model, settings.mode
        self.prompt = self.pipeline.prompt
        self.prompt_version = self.prompt.version
        self.max_input_tokens = self.pipeline.input_budget
        self.chunk_budget = self.pipeline.chunk_budget
        self._clients = clients
        # Injection points for tests: how the transport waits between retries.
        self._sleep: Callable[[float], None] = time.sleep
        self._async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def with_options(
        self,
        *,
        client: Any = _KEEP,
        cache: ResultCache | None = _KEEP,
        limits: RequestLimits | None = _KEEP,
        schema: type[ArticleSummary] | None = _KEEP,
        prompt: PromptSource | None = _KEEP,
        **settings: Any,
    ) -> Summarizer:
        """A summarizer like this one with some options changed; this one is not modified.

        It shares this one's client (and connection pool) while the client's settings
        (``api_key``, ``base_url``, ``timeout``) stay the same; otherwise it builds its own,
        so requests and the cache key follow the new endpoint.

        Args:
            client: Another client (None: one built from the settings).
            cache: Another result cache (None: no cache).
            limits: A run's :class:`RequestLimits`, shared by every summarizer given it
                (requests in flight, rpm/tpm, one 429 gate); None: no limits.
            schema: Another result schema (None: the package's).
            prompt: Another prompt of your own (None: the package's).
            **settings: Any :class:`Settings` field, e.g. ``model=`` or ``max_reasks=``;
                None sets an optional one back to None (``temperature=None``).

        Raises:
            ConfigurationError: A changed setting is invalid or unknown, or ``api_key`` /
                ``base_url`` are given for a summarizer that sends through a client you
                passed (pass ``client=`` instead).
        """
        new_settings = self.settings.replace(**settings)
        clients = self._clients.derive(client, new_settings, settings.keys() & set(_ENDPOINT))
        kept = (self.schema if schema is _KEEP else schema, self._answer[1])
        answer = _answer(*kept) if prompt is _KEEP else _answer(kept[0], prompt)
        same = (new_settings, clients, answer) == (self.settings, self._clients, self._answer)
        derived = object.__new__(Summarizer)
        derived._setup(
            new_settings,
            clients,
            self.cache if cache is _KEEP else cache,
            self.limits if limits is _KEEP else limits,
            answer,
            self.pipeline if same else None,
        )
        derived._sleep, derived._async_sleep = self._sleep, self._async_sleep
        return derived

    def close(self) -> None:
        """Close the clients this summarizer built itself, synchronous and asynchronous.

        The asynchronous one closes on the loop it was used in (see :func:`_close_async`);
        prefer :meth:`aclose` in asynchronous code. A client you passed stays yours.
        ``with Summarizer() as s:`` calls this on exit.
        """
        self._clients.close()

    async def aclose(self) -> None:
        """Like :meth:`close`, awaiting the asynchronous client's close (``async with``)."""
        await self._clients.aclose()

    def __repr__(self) -> str:
        return (
            f"Summarizer(model={self.model!r}, mode={self.mode!r}, "
            f"prompt={self.prompt.id}/{self.prompt.version})"
        )

    def client(self, *, want_async: bool = False) -> ResolvedClient:
        """The client requests go through (built on first use).

        Raises:
            ConfigurationError: No client was given and no key is set.
        """
        return self._clients.get(want_async)

    def cached(self, text: str, published: dt.date | str | None = None) -> ArticleSummary | None:
        """The cached summary of ``text`` under this configuration, if the cache has one."""
        if self.cache is None:
            return None
        article = self.pipeline.prepare(text, published)
        return self.pipeline.cached(
            self.cache, self.pipeline.cache_key(self.cache, article), time.perf_counter()
        )

    def store(self, summary: ArticleSummary) -> None:
        """Put a summary made under this configuration into the cache (if there is one)."""
        if self.cache is not None and summary.article_text is not None:
            article = self.pipeline.prepare(summary.article_text, summary.published)
            self.cache.put(self.pipeline.cache_key(self.cache, article), summary)

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
        call = self.pipeline.start(text, published, self.cache)
        if (hit := call.lookup(self.cache)) is not None:
            return hit
        resolved = self.client(want_async=False)
        if not isinstance(resolved.client, openai.OpenAI):
            raise ConfigurationError(
                "an AsyncOpenAI client needs asummarize(); pass openai.OpenAI for summarize()"
            )
        exchanges = call.exchanges(resolved.api_key)
        outcomes = extract_parts(
            self.pipeline, _transport(self, resolved), resolved.client, exchanges
        )
        summary = call.finish(outcomes)
        if call.key is not None and self.cache is not None:
            self.cache.put(call.key, summary)
        return summary

    async def asummarize(self, text: str, published: dt.date | str | None = None) -> ArticleSummary:
        """Summarise one article without blocking the event loop.

        With a synchronous client the call runs in a worker thread. Raises the same errors
        as :meth:`summarize`.
        """
        call = self.pipeline.start(text, published, self.cache)
        if call.key is not None and (hit := await asyncio.to_thread(call.lookup, self.cache)):
            return hit
        resolved = self.client(want_async=True)
        if not isinstance(resolved.client, openai.AsyncOpenAI):
            return await asyncio.to_thread(self.summarize, text, published)
        exchanges = call.exchanges(resolved.api_key)
        transport = _transport(self, resolved)
        outcomes = await aextract_parts(self.pipeline, transport, resolved.client, exchanges)
        summary = call.finish(outcomes)
        if call.key is not None and self.cache is not None:
            await asyncio.to_thread(self.cache.put, call.key, summary)
        return summary

    def request_body(self, text: str, published: dt.date | str | None = None) -> dict[str, Any]:
        """The exact chat-completions request body this summarizer would send, unsent.

        Used to build Batch API files (the same prompt, schema and parameters as an
        in-process call) and to inspect what the library sends.
        """
        return self.pipeline.template.body(self.pipeline.prepare(text, published))

    def request_bodies(
        self, text: str, published: dt.date | str | None = None
    ) -> list[dict[str, Any]]:
        """The request bodies of an in-process call, unsent: one per chunk of the article.

        A short article gives one body (the same as :meth:`request_body`); a long one, one
        body per chunk, in article order, as :meth:`summarize` would send them.
        """
        return [e.body for e in self.pipeline.start(text, published).exchanges(None)]

    def validate_completion(
        self, text: str, completion: Any, published: dt.date | str | None = None
    ) -> ArticleSummary:
        """Validate a chat completion obtained elsewhere (e.g. the Batch API) for ``text``.

        The same checks as an in-process call: refusal, truncation, the JSON repair, the
        schema and grounding. No reask is possible here.

        Raises:
            ExtractionError: The answer is unusable or invalid.
        """
        return self.validate_completions(text, [completion], published)

    def validate_completions(
        self, text: str, completions: list[Any], published: dt.date | str | None = None
    ) -> ArticleSummary:
        """Validate the answers to :meth:`request_bodies` (one per chunk) and merge them.

        Raises:
            ExtractionError: An answer is unusable or invalid, or the count does not match
                the article's chunks.
        """
        return self.pipeline.start(text, published).validate(completions)


def _transport(summarizer: Summarizer, resolved: ResolvedClient) -> Transport:
    """The transport of one call: the settings' retries and deadline, the run's limits."""
    s = summarizer.settings
    return Transport(
        policy=RetryPolicy(max_retries=s.max_retries, max_wait=float(s.max_retry_wait)),
        secret=resolved.api_key,
        mode=s.mode,
        log_context=summarizer.pipeline.log_context,
        request_timeout=float(s.timeout),
        deadline=time.monotonic() + s.total_timeout,
        total_timeout=float(s.total_timeout),
        sleep=summarizer._sleep,
        async_sleep=summarizer._async_sleep,
        limits=summarizer.limits,
    )
