"""The transport layer: one HTTP request, retried when the world is at fault.

There are two retry layers, each bounded on its own:

- here, tenacity retries the *same* request on 408/409/429/5xx, timeouts and connection
  errors, with exponential backoff and jitter, honouring ``Retry-After``, bounded by
  attempts and by total time;
- above, the extraction (:class:`summarizer._request.Exchange`) reasks the model when its
  answer fails validation.

:meth:`Transport.send` is where every request goes, so it is also where each raw response is
recorded (attempts, usage, last output) and where answers that cannot be parsed at all (no
choices, a refusal, a truncated output) stop the call with a typed error instead of a reask
that cannot succeed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from summarizer._client import redact
from summarizer._limits import RequestLimits
from summarizer._meta import Usage
from summarizer.errors import (
    ConfigurationError,
    ExtractionError,
    InputError,
    ProviderError,
    SummarizerError,
)

__all__ = ["CallRecorder", "QueueClock", "RetryPolicy", "Transport", "receive"]

logger = logging.getLogger("summarizer")

_RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the transport tries before it gives up on one request.

    Attributes:
        max_retries: Retries after the first attempt (so ``max_retries + 1`` requests).
        max_wait: The longest single wait, ``Retry-After`` included, in seconds.
        initial_wait: Scale of the exponential backoff, in seconds.
    """

    max_retries: int = 3
    max_wait: float = 30.0
    initial_wait: float = 0.5


@dataclass
class CallRecorder:
    """What happened during one summarise call, across retries and reasks."""

    attempts: int = 0
    responses: int = 0
    usage: Usage = field(default_factory=Usage)
    last_raw_output: str | None = None
    extractions: int = 1
    """Extractions recorded here (a second pass is one more): each one's first answer is no
    reask."""

    @property
    def reasks(self) -> int:
        """Answers beyond each extraction's first."""
        return max(self.responses - self.extractions, 0)

    def __add__(self, other: CallRecorder) -> CallRecorder:
        return CallRecorder(
            attempts=self.attempts + other.attempts,
            responses=self.responses + other.responses,
            usage=self.usage + other.usage,
            last_raw_output=other.last_raw_output,
            extractions=self.extractions + other.extractions,
        )

    def record(self, response: Any) -> None:
        self.responses += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            details = getattr(usage, "prompt_tokens_details", None)
            self.usage = Usage(
                input_tokens=self.usage.input_tokens + (usage.prompt_tokens or 0),
                output_tokens=self.usage.output_tokens + (usage.completion_tokens or 0),
                cached_input_tokens=self.usage.cached_input_tokens
                + (getattr(details, "cached_tokens", 0) or 0),
            )
        self.last_raw_output = raw_output(response)


def raw_output(response: Any) -> str | None:
    """The model's answer as text: the first tool call's arguments, else the content."""
    choices = getattr(response, "choices", None)
    if not choices:
        return None
    message = choices[0].message
    for call in getattr(message, "tool_calls", None) or []:
        arguments = getattr(getattr(call, "function", None), "arguments", None)
        if isinstance(arguments, str):
            return arguments
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else None


def _lenient_json(text: str) -> str | None:
    """Re-serialise JSON that is invalid only for raw control characters inside strings.

    Local servers' grammars (llama.cpp's among them) let a literal newline into a JSON
    string; strict parsers reject the whole answer for it, and a reask rarely helps. The
    repair is exact: ``json.loads(strict=False)`` accepts those characters and nothing else.
    Returns None when the text is valid already or invalid for another reason (nested too
    deeply to parse included: the validator then reports it as invalid JSON and reasks).
    """
    try:
        json.loads(text)
        return None
    except RecursionError:
        return None
    except ValueError:
        pass
    try:
        return json.dumps(json.loads(text, strict=False), ensure_ascii=False)
    except (ValueError, RecursionError):
        return None


def repair_control_characters(response: Any) -> None:
    """Apply :func:`_lenient_json` to the tool arguments or content of the first choice."""
    choices = getattr(response, "choices", None)
    if not choices:
        return
    message = choices[0].message
    for call in getattr(message, "tool_calls", None) or []:
        function: Any = getattr(call, "function", None)
        arguments = getattr(function, "arguments", None)
        if isinstance(arguments, str) and (repaired := _lenient_json(arguments)) is not None:
            function.arguments = repaired
            logger.debug("repaired raw control characters in the tool arguments")
    content = getattr(message, "content", None)
    if isinstance(content, str) and (repaired := _lenient_json(content)) is not None:
        message.content = repaired
        logger.debug("repaired raw control characters in the content")


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return retryable_status(exc.status_code, _error_code(exc))
    return False


def retryable_status(status: int, code: str | None = None) -> bool:
    """Whether an HTTP status (with the provider's error code) is worth the same request again."""
    if status == 429 and code == "insufficient_quota":
        return False  # out of credit: waiting will not help
    return status in _RETRYABLE_STATUS or status >= 500


def _error_code(exc: openai.APIStatusError) -> str | None:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else None


def _seconds(value: str, scale: float = 1.0) -> float | None:
    """A finite, non-negative number of seconds, or None for anything else (``nan``, ``soon``)."""
    try:
        seconds = float(value) * scale
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _http_date_seconds(value: str) -> float | None:
    """Seconds until an HTTP date (``Wed, 21 Oct 2015 07:28:00 GMT``), or None if it is not one."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC with no source time zone
        when = when.replace(tzinfo=dt.UTC)
    return max(when.timestamp() - time.time(), 0.0)


def retry_after_seconds(exc: BaseException) -> float | None:
    """The wait the server asked for, from ``retry-after-ms`` or ``Retry-After``.

    None when the server asked for none, or sent a value that is not a number of seconds or
    an HTTP date (``nan``, ``soon``): the caller then falls back to its own backoff.
    """
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None and (
        seconds := _seconds(ms, 1 / 1000)
    ) is not None:
        return seconds
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    seconds = _seconds(value)
    return seconds if seconds is not None else _http_date_seconds(value)


def provider_message(exc: BaseException, secret: str | None) -> str:
    """The provider's own words about the failure, with any key removed."""
    body = getattr(exc, "body", None)
    message: Any = None
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
    if not isinstance(message, str) or not message:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return redact(str(message), secret)


def _redact_value(value: Any, secret: str | None) -> Any:
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, dict):
        return {k: _redact_value(v, secret) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v, secret) for v in value)
    return value


def scrub_exception(exc: BaseException, secret: str | None) -> None:
    """Remove the key from an exception we keep as ``__cause__``.

    A careless server may echo the key in its error body; the openai exception would then
    carry it into tracebacks. Its message, args and body are redacted in place.
    """
    exc.args = tuple(_redact_value(arg, secret) for arg in exc.args)
    for attribute in ("message", "body"):
        if hasattr(exc, attribute):
            setattr(exc, attribute, _redact_value(getattr(exc, attribute), secret))


def translate_failure(
    exc: openai.OpenAIError,
    *,
    attempts: int,
    secret: str | None,
    mode: str,
    doing: str | None = None,
) -> SummarizerError:
    """Turn the last openai exception into this library's error for it.

    ``doing`` names the operation in the message (the Batch API's steps), if not a call.
    """
    scrub_exception(exc, secret)
    said = provider_message(exc, secret)
    if isinstance(exc, openai.APIStatusError):
        return status_failure(
            exc.status_code, said, _error_code(exc), attempts=attempts, mode=mode, doing=doing
        )
    kind = "timed out" if isinstance(exc, openai.APITimeoutError) else "could not connect"
    return ProviderError(
        f"{_doing(doing)}the request {kind} ({attempts} request(s) made): {said}",
        attempts=attempts,
        provider_message=said,
        retryable=_is_retryable(exc),
    )


def _doing(doing: str | None) -> str:
    return f"{doing} failed: " if doing else ""


def status_failure(
    status: int,
    said: str,
    code: str | None = None,
    *,
    attempts: int,
    mode: str,
    doing: str | None = None,
) -> SummarizerError:
    """The library's error for an HTTP error status: the one mapping of every path.

    In-process calls and the Batch API (its own calls and each request's result) alike:
    401/403/404 are the caller's configuration, a context overflow the input, the rest the
    provider's failure (retryable for 408/409/429/5xx). ``said`` is already redacted.
    """
    prefix = _doing(doing)
    if status == 401:
        return ConfigurationError(
            f"{prefix}the provider rejected the API key (HTTP 401): {said}. "
            "Check OPENAI_API_KEY or the key of the client you passed."
        )
    if status in (403, 404):
        return ConfigurationError(
            f"{prefix}HTTP {status} from the provider (check the model name and base URL): {said}"
        )
    if status == 400 and code == "context_length_exceeded":
        return InputError(f"{prefix}the article does not fit the model's context: {said}")
    hint = ""
    if status >= 500 and any(
        word in said.lower() for word in ("response_format", "json_schema", "tool")
    ):
        hint = f" -- The server may not support mode {mode!r}; try another mode (e.g. 'tools')."
    return ProviderError(
        f"{prefix}HTTP {status} from the provider ({attempts} request(s) made): "
        f"{said.rstrip()}{hint}",
        status_code=status,
        attempts=attempts,
        provider_message=said,
        retryable=retryable_status(status, code),
    )


def check_response(response: Any, recorder: CallRecorder) -> None:
    """Stop on answers no reask can fix: nothing returned, a refusal, a cut-off output."""
    choices = getattr(response, "choices", None)
    if not choices:
        raise ExtractionError(
            "the provider returned no choices",
            kind="empty",
            attempts=recorder.attempts,
            usage=recorder.usage,
        )
    choice = choices[0]
    refusal = getattr(choice.message, "refusal", None)
    if refusal or choice.finish_reason == "content_filter":
        text = refusal or "the provider's content filter stopped the answer"
        raise ExtractionError(
            f"the model refused: {text}",
            kind="refusal",
            refusal=text,
            last_raw_output=recorder.last_raw_output,
            attempts=recorder.attempts,
            usage=recorder.usage,
        )
    if choice.finish_reason == "length":
        raise ExtractionError(
            "the model's output was cut off at the token limit; no partial result is returned",
            kind="truncated",
            last_raw_output=recorder.last_raw_output,
            attempts=recorder.attempts,
            usage=recorder.usage,
        )


def receive(response: Any, recorder: CallRecorder) -> Any:
    """Record an answer, stop on one no reask can fix, and repair raw control characters.

    What happens to every answer, whether it came over HTTP or from a Batch API file.
    """
    recorder.record(response)
    check_response(response, recorder)
    repair_control_characters(response)
    return response


class QueueClock:
    """Seconds one call spent queued behind its run's own limits (a slot, the pacing).

    Shared by the chunks of a call, which run at the same time; that time is the run's
    queue, not the provider's, so it moves the call's deadline back.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds = 0.0

    def add(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds


@dataclass(frozen=True)
class Transport:
    """Retrying, recording wrappers around the client's ``chat.completions.create``.

    One transport serves one summarise call: ``deadline`` (a ``time.monotonic()`` value)
    bounds the whole call, reasks included. No request starts after it, no retry is
    scheduled to end past it, and each request's timeout is cut to the time left. Time
    queued behind the run's :class:`~summarizer._limits.RequestLimits` (a free slot, the
    rpm/tpm pacing) moves the deadline back by as much; a 429's wait does not.
    """

    policy: RetryPolicy
    secret: str | None
    mode: str
    log_context: str
    request_timeout: float
    deadline: float
    total_timeout: float
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    limits: RequestLimits | None = None
    queued: QueueClock = field(default_factory=QueueClock)

    @property
    def counts_tokens(self) -> bool:
        """True when each request must bring its token estimate (a ``tpm`` limit is set)."""
        return self.limits is not None and self.limits.counts_tokens

    def _remaining(self, recorder: CallRecorder) -> float:
        remaining = self.deadline + self.queued.seconds - time.monotonic()
        if remaining <= 0:
            raise ProviderError(
                f"the call ran past its total_timeout of {self.total_timeout:g}s "
                f"({recorder.attempts} request(s) made)",
                attempts=recorder.attempts,
                retryable=True,
            )
        return remaining

    def _starting(self, recorder: CallRecorder) -> float:
        """Log a reask, check the deadline; return the time left for this request."""
        if recorder.responses:
            logger.info(
                "reasking: answer %d failed validation (%s)", recorder.responses, self.log_context
            )
        return self._remaining(recorder)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after_seconds(exc) if exc is not None else None
        if asked is not None:
            wait = min(asked, self.policy.max_wait)
        else:
            backoff = wait_random_exponential(
                multiplier=self.policy.initial_wait, max=self.policy.max_wait
            )
            wait = float(backoff(state))
        if self.limits is not None and isinstance(exc, openai.RateLimitError):
            self.limits.hold(wait)
        return wait

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.info(
            "retrying in %.2fs after %s (attempt %d of %d; %s)",
            wait,
            redact(type(exc).__name__ if exc else "failure", self.secret),
            state.attempt_number,
            self.policy.max_retries + 1,
            self.log_context,
        )

    def _retry_args(self, remaining: float) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(self.policy.max_retries + 1) | stop_before_delay(remaining),
            "wait": self._wait,
            "retry": retry_if_exception(_is_retryable),
            "reraise": True,
            "before_sleep": self._before_sleep,
        }

    def _fail(self, exc: openai.OpenAIError, recorder: CallRecorder) -> SummarizerError:
        return translate_failure(
            exc, attempts=recorder.attempts, secret=self.secret, mode=self.mode
        )

    def _attempt(self, recorder: CallRecorder, queued: float = 0.0) -> float:
        """Count one request and return its timeout (cut to the time left)."""
        self.queued.add(queued)
        timeout = min(self.request_timeout, self._remaining(recorder))
        recorder.attempts += 1
        logger.debug("request attempt %d (%s)", recorder.attempts, self.log_context)
        return timeout

    def _gate_wait(self, held: float, recorder: CallRecorder) -> float:
        """A 429 gate's wait, cut to the time left."""
        return min(held, self._remaining(recorder)) if held > 0 else 0.0

    def _once(
        self, create: Callable[..., Any], body: dict[str, Any], recorder: CallRecorder, tokens: int
    ) -> Any:
        if self.limits is None:
            return create(**body, timeout=self._attempt(recorder))
        gate = lambda held: self.sleep(self._gate_wait(held, recorder))  # noqa: E731
        with self.limits.admit(tokens, gate) as queued:
            return create(**body, timeout=self._attempt(recorder, queued))

    def send(
        self,
        create: Callable[..., Any],
        body: dict[str, Any],
        recorder: CallRecorder,
        tokens: int = 0,
    ) -> Any:
        """Send ``body`` through ``create`` (the client's ``chat.completions.create``).

        Retries what the world got wrong, records the answer and stops on answers no reask
        can fix (no choices, a refusal, a cut-off output). ``tokens`` is the request's
        estimate, for a ``tpm`` limit.

        Raises:
            SummarizerError: The typed failure (see :func:`translate_failure`).
        """
        retrying = Retrying(sleep=self.sleep, **self._retry_args(self._starting(recorder)))
        try:
            response = retrying(self._once, create, body, recorder, tokens)
        except openai.OpenAIError as exc:
            raise self._fail(exc, recorder) from exc
        return receive(response, recorder)

    async def _aonce(
        self,
        create: Callable[..., Awaitable[Any]],
        body: dict[str, Any],
        recorder: CallRecorder,
        tokens: int,
    ) -> Any:
        if self.limits is None:
            return await create(**body, timeout=self._attempt(recorder))
        gate = lambda held: self.async_sleep(self._gate_wait(held, recorder))  # noqa: E731
        async with self.limits.aadmit(tokens, gate) as queued:
            return await create(**body, timeout=self._attempt(recorder, queued))

    async def asend(
        self,
        create: Callable[..., Awaitable[Any]],
        body: dict[str, Any],
        recorder: CallRecorder,
        tokens: int = 0,
    ) -> Any:
        """The asynchronous twin of :meth:`send`."""
        retrying = AsyncRetrying(
            sleep=self.async_sleep, **self._retry_args(self._starting(recorder))
        )
        try:
            response: Any = await retrying(self._aonce, create, body, recorder, tokens)
        except openai.OpenAIError as exc:
            raise self._fail(exc, recorder) from exc
        return receive(response, recorder)
