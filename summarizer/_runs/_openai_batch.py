"""Large jobs through the provider's Batch API: half the price, results within 24 hours.

The requests are exactly those of an in-process call (:meth:`Summarizer.request_bodies`: one
per chunk of a long article), written as JSONL, uploaded, and run as one batch. Results come
back as chat completions and go through the same validation, grounding and chunk merging
(the pipeline behind :meth:`Summarizer.validate_completions`); no reask is possible inside a
batch, so answers that fail validation come out as error results, ready for an in-process
``--retry-failed``.

A chunk's request id carries its chunk (``id#i/n:start-end``, see :func:`chunk_ids`), so the
plan travels with the batch: collecting merges the chunks that were submitted, whatever
budget (``max_input_tokens``, model) the collecting summarizer has. A short article's
request id is the article id.

One article never stops the others: an article whose request cannot be built (a bad
``published``, text that is not valid Unicode) is an error result and the rest are
submitted (:func:`batch_requests`); an answer that cannot be read is an error result for its
article. Every message and exception that leaves this module has the client's API key
removed, whatever its shape (the same redaction as the in-process path).
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import openai
import pydantic
from openai.types.chat import ChatCompletion

from summarizer._client import redact
from summarizer._grounding import Span
from summarizer._passes import refuse_batch_api
from summarizer._runs._batch import Article, BatchResult
from summarizer._runs._results import json_line
from summarizer._summarizer import Summarizer
from summarizer._transport import scrub_exception, status_failure, translate_failure
from summarizer.errors import (
    ConfigurationError,
    ExtractionError,
    InputError,
    ProviderError,
    SummarizerError,
)

__all__ = [
    "BatchJob",
    "BatchRequests",
    "batch_requests",
    "batch_status",
    "collect_batch",
    "submit_batch",
    "submit_requests",
    "wait_for_batch",
]

logger = logging.getLogger("summarizer")

ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
TERMINAL = {"completed", "failed", "expired", "cancelled"}


@dataclass(frozen=True)
class BatchJob:
    """A submitted batch: its id and how many requests it holds."""

    id: str
    input_file_id: str
    requests: int
    refused: tuple[BatchResult, ...] = ()
    """An error result for each article whose request could not be built (not submitted)."""


@dataclass
class BatchRequests:
    """The request lines of a batch, and the articles that could not become requests."""

    lines: list[str] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    """The articles the lines are for."""
    refused: list[BatchResult] = field(default_factory=list)
    """An error result (the typed error, e.g. :class:`InputError`) per article left out."""


def _client(summarizer: Summarizer) -> openai.OpenAI:
    client = summarizer.client(want_async=False).client
    if not isinstance(client, openai.OpenAI):
        raise ConfigurationError(
            "an AsyncOpenAI client cannot drive the Batch API; pass openai.OpenAI"
        )
    return client.with_options(max_retries=3)  # uploads and polls may retry in the SDK


def _secret(summarizer: Summarizer) -> str | None:
    return summarizer.client(want_async=False).api_key


def _attempts(exc: openai.OpenAIError) -> int:
    """Requests the SDK made for a failed call (it retries uploads and polls itself)."""
    request = getattr(exc, "request", None)
    headers = getattr(request, "headers", None)
    count = headers.get("x-stainless-retry-count") if headers is not None else None
    return int(count) + 1 if isinstance(count, str) and count.isdigit() else 1


def _wrap(exc: openai.OpenAIError, what: str, summarizer: Summarizer) -> SummarizerError:
    """The library's error for a failed Batch API call, with the key removed everywhere.

    The same mapping as an in-process call (:func:`summarizer._transport.status_failure`:
    a rejected key is a :class:`ConfigurationError`, a 429 or 5xx a retryable
    :class:`ProviderError`). The openai exception (kept as ``__cause__``) and the
    exceptions it was raised from are scrubbed in place: a server may echo the key in its
    error body.
    """
    secret = _secret(summarizer)
    link: BaseException | None = exc
    seen: set[int] = set()
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        scrub_exception(link, secret)
        link = link.__cause__ or link.__context__
    return translate_failure(
        exc, attempts=_attempts(exc), secret=secret, mode=summarizer.mode, doing=what
    )


_CHUNK_ID = re.compile(
    r"(?P<article>.*)#(?P<index>\d+)/(?P<count>\d+):(?P<start>\d+)-(?P<end>\d+)", re.S
)


def chunk_ids(article_id: str, chunks: Sequence[Span]) -> list[str]:
    """Request ids of an article's chunks, each naming its chunk: ``id#i/n:start-end``.

    The article id itself when there is one chunk (the whole article).
    """
    if len(chunks) == 1:
        return [article_id]
    count = len(chunks)
    return [
        f"{article_id}#{index}/{count}:{chunk.start}-{chunk.end}"
        for index, chunk in enumerate(chunks, start=1)
    ]


def _article_lines(summarizer: Summarizer, article: Article) -> list[str]:
    call = summarizer.pipeline.start(article.text, article.published)
    bodies = [exchange.body for exchange in call.exchanges(None)]  # as request_bodies()
    return [
        json_line({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body})
        for custom_id, body in zip(chunk_ids(article.id, call.chunks), bodies, strict=True)
    ]


def batch_lines(summarizer: Summarizer, articles: Iterable[Article]) -> Iterator[str]:
    """Batch API request lines, with the bodies an in-process call would send.

    A long article gives one line per chunk (``id#i/n``), merged again when collected.

    Raises:
        SummarizerError: An article's request cannot be built (see :func:`batch_requests`
            to set such articles aside instead).
        ConfigurationError: ``passes`` is 2 (a second request needs the first answer).
    """
    refuse_batch_api(summarizer.settings.passes)
    for article in articles:
        yield from _article_lines(summarizer, article)


def batch_requests(summarizer: Summarizer, articles: Iterable[Article]) -> BatchRequests:
    """The request lines of every article that can be sent; an error result for the others.

    Raises:
        ConfigurationError: ``passes`` is 2 (a second request needs the first answer).
    """
    refuse_batch_api(summarizer.settings.passes)
    requests = BatchRequests()
    for article in articles:
        try:
            lines = _article_lines(summarizer, article)
        except SummarizerError as exc:
            refused = BatchResult.of(article, error=exc)
            requests.refused.append(refused)
            continue
        requests.lines += lines
        requests.articles.append(article)
    return requests


def submit_batch(summarizer: Summarizer, articles: Iterable[Article]) -> BatchJob:
    """Upload the requests and create the batch; articles that cannot be sent are left out.

    The articles left out are :attr:`BatchJob.refused`, each with its error.

    Raises:
        InputError: No article can be sent.
        ConfigurationError: The provider refused the key (401), the access (403) or the
            route (404), or the client is asynchronous.
        ProviderError: The upload or the creation failed otherwise (see ``retryable``).
    """
    return submit_requests(summarizer, batch_requests(summarizer, articles))


def submit_requests(summarizer: Summarizer, requests: BatchRequests) -> BatchJob:
    """Upload prepared requests (:func:`batch_requests`) and create the batch.

    Raises:
        InputError: There is no request to send.
        ConfigurationError: The provider refused the key (401), the access (403) or the
            route (404), or the client is asynchronous.
        ProviderError: The upload or the creation failed otherwise (see ``retryable``).
    """
    if not requests.lines:
        first = f": {requests.refused[0].error}" if requests.refused else ""
        raise InputError(f"no article of the batch can be sent{first}")
    data = "\n".join(requests.lines) + "\n"
    count = len(requests.lines)
    client = _client(summarizer)
    try:
        uploaded = client.files.create(
            file=("summarizer-batch.jsonl", io.BytesIO(data.encode("utf-8"))), purpose="batch"
        )
        batch = client.batches.create(
            input_file_id=uploaded.id,
            endpoint=ENDPOINT,
            completion_window="24h",
            metadata={"created_by": "summarizer", "prompt_version": summarizer.prompt.version},
        )
    except openai.OpenAIError as exc:
        raise _wrap(exc, "submitting the batch", summarizer) from exc
    return BatchJob(
        id=batch.id, input_file_id=uploaded.id, requests=count, refused=tuple(requests.refused)
    )


def batch_status(summarizer: Summarizer, batch_id: str) -> Any:
    """The provider's view of a batch (status and request counts)."""
    try:
        return _client(summarizer).batches.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise _wrap(exc, f"reading batch {batch_id}", summarizer) from exc


def wait_for_batch(
    summarizer: Summarizer,
    batch_id: str,
    *,
    poll_interval: float = 30.0,
    on_update: Callable[[Any], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Poll until the batch is completed, failed, expired or cancelled."""
    while True:
        batch = batch_status(summarizer, batch_id)
        if on_update is not None:
            on_update(batch)
        if batch.status in TERMINAL:
            return batch
        sleep(poll_interval)


def _download(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    r"""The records of a result file, its lines split on ``\n`` only.

    A line that is not a record is left out: its article then has no result, and says so.
    """
    if not file_id:
        return []
    records = []
    for number, line in enumerate(client.files.content(file_id).text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            logger.warning("batch file %s line %d is not JSON (%s): left out", file_id, number, exc)
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _failure(record: dict[str, Any], secret: str | None, mode: str) -> SummarizerError | None:
    """The error of one request of the batch, mapped as an in-process call's would be."""
    response = record.get("response") or {}
    status = response.get("status_code")
    if not record.get("error") and status == 200:
        return None
    error = record.get("error") or (response.get("body") or {}).get("error") or {}
    message = error.get("message", "no message") if isinstance(error, dict) else str(error)
    message = redact(str(message), secret)
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(status, int) and not isinstance(status, bool) and status >= 400:
        return status_failure(
            status,
            message,
            code if isinstance(code, str) else None,
            attempts=1,
            mode=mode,
            doing="the batch request",
        )
    return ProviderError(
        f"the batch request failed (HTTP {status}): {message}",
        status_code=status if isinstance(status, int) else None,
        attempts=1,
        provider_message=message,
    )


def _completions(records: list[dict[str, Any]]) -> list[ChatCompletion]:
    """The chat completions of an article's records.

    Raises:
        ExtractionError: A record's body is not a chat completion.
    """
    try:
        return [ChatCompletion.model_validate(r["response"]["body"]) for r in records]
    except (pydantic.ValidationError, KeyError, TypeError) as exc:
        raise ExtractionError(
            f"the batch answer is not a chat completion ({type(exc).__name__})",
            kind="invalid",
            attempts=len(records),
        ) from exc


def _outcome(
    summarizer: Summarizer,
    article: Article,
    records: list[dict[str, Any]],
    chunks: list[Span] | None,
) -> BatchResult:
    """Validate (and, for a chunked article, merge) the answers of one article.

    ``chunks`` are the chunks the requests were built from (None: the whole article).
    """
    secret = _secret(summarizer)
    try:
        for record in records:
            if (failure := _failure(record, secret, summarizer.mode)) is not None:
                raise failure
        call = summarizer.pipeline.resume(article.text, article.published, chunks)
        summary = call.validate(_completions(records))
    except SummarizerError as exc:
        return BatchResult.of(article, error=exc)
    return BatchResult.of(article, summary=summary)


@dataclass
class _Submitted:
    """One article's answers in a batch, and the chunks they were asked for."""

    records: list[dict[str, Any] | None]
    """In chunk order; ``[None]`` when the batch lacks an answer of the article."""
    chunks: list[Span] | None
    """None: one request for the whole article."""


def _by_article(records: list[dict[str, Any]]) -> dict[str, _Submitted]:
    """The batch's records grouped by article, read from their request ids.

    A chunked article's ids say how many chunks it was sent in and where each one lies; an
    article with a chunk no record answers has None in that chunk's place.
    """
    by_id = {str(r.get("custom_id")): r for r in records}
    found = {ident: _Submitted([record], None) for ident, record in by_id.items()}
    parts: dict[str, dict[int, tuple[int, Span, dict[str, Any]]]] = {}
    for ident, record in by_id.items():
        match = _CHUNK_ID.fullmatch(ident)
        if match is not None and int(match["start"]) < int(match["end"]):
            span = Span(start=int(match["start"]), end=int(match["end"]))
            part = (int(match["count"]), span, record)
            parts.setdefault(match["article"], {})[int(match["index"])] = part
    for article_id, chunks in parts.items():
        count = max(n for n, _, _ in chunks.values())
        places = range(1, count + 1)
        if any(n != count for n, _, _ in chunks.values()) or not set(chunks) <= set(places):
            continue  # ids that only look like chunk ids
        if set(chunks) != set(places):
            found.setdefault(article_id, _Submitted([None], None))
        else:
            answers: list[dict[str, Any] | None] = [chunks[i][2] for i in places]
            found.setdefault(article_id, _Submitted(answers, [chunks[i][1] for i in places]))
    return found


def collect_batch(
    summarizer: Summarizer, batch_id: str, articles: Iterable[Article]
) -> Iterator[BatchResult]:
    """Results of a finished batch, validated against their articles.

    Articles the batch has no answer for (expired, cancelled) come out as errors, so a
    rerun picks them up.

    Raises:
        ConfigurationError: As for :func:`submit_batch`, or ``passes`` is 2.
        ProviderError: The batch is not finished, or its files cannot be read.
    """
    refuse_batch_api(summarizer.settings.passes)
    client = _client(summarizer)
    batch = batch_status(summarizer, batch_id)
    if batch.status not in TERMINAL:
        raise ProviderError(f"batch {batch_id} is {batch.status}, not finished yet")
    try:
        records = _download(client, batch.output_file_id)
        records += _download(client, batch.error_file_id)
    except openai.OpenAIError as exc:
        raise _wrap(exc, f"downloading the results of batch {batch_id}", summarizer) from exc
    answers = _by_article(records)
    for article in articles:
        submitted = answers.get(article.id)
        if submitted is None:
            try:  # never submitted when it cannot be sent: say why
                summarizer.pipeline.start(article.text, article.published)
            except SummarizerError as exc:
                yield BatchResult.of(article, error=exc)
                continue
        if submitted is None or any(record is None for record in submitted.records):
            missing = ProviderError(f"batch {batch_id} ({batch.status}) has no result for it")
            yield BatchResult.of(article, error=missing)
        else:
            found = [record for record in submitted.records if record is not None]
            yield _outcome(summarizer, article, found, submitted.chunks)
