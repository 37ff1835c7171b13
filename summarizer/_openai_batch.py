"""Large jobs through the provider's Batch API: half the price, results within 24 hours.

The requests are exactly those of an in-process call (:meth:`Summarizer.request_body`),
written as JSONL, uploaded, and run as one batch. Results come back as chat completions and go
through the same validation and grounding (:meth:`Summarizer.validate_completion`); no reask
is possible inside a batch, so answers that fail validation come out as error results, ready
for an in-process ``--retry-failed``.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion

from summarizer._batch import Article, BatchResult
from summarizer._summarizer import Summarizer
from summarizer._transport import provider_message
from summarizer.errors import ProviderError, SummarizerError

__all__ = ["BatchJob", "batch_status", "collect_batch", "submit_batch", "wait_for_batch"]

ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
TERMINAL = {"completed", "failed", "expired", "cancelled"}


@dataclass(frozen=True)
class BatchJob:
    """A submitted batch: its id and how many requests it holds."""

    id: str
    input_file_id: str
    requests: int


def _client(summarizer: Summarizer) -> openai.OpenAI:
    client = summarizer.client(want_async=False).client
    if not isinstance(client, openai.OpenAI):
        raise ProviderError("the Batch API needs a synchronous openai.OpenAI client")
    return client.with_options(max_retries=3)  # uploads and polls may retry in the SDK


def _wrap(exc: openai.OpenAIError, what: str) -> ProviderError:
    status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
    said = provider_message(exc, None)
    return ProviderError(f"{what} failed: {said}", status_code=status, provider_message=said)


def chunk_ids(article_id: str, count: int) -> list[str]:
    """Request ids of an article's chunks: the article id itself when there is one chunk."""
    if count == 1:
        return [article_id]
    return [f"{article_id}#{index}/{count}" for index in range(1, count + 1)]


def batch_lines(summarizer: Summarizer, articles: Iterable[Article]) -> Iterator[str]:
    """Batch API request lines, with the bodies an in-process call would send.

    A long article gives one line per chunk (``id#i/n``), merged again when collected.
    """
    for article in articles:
        bodies = summarizer.request_bodies(article.text, published=article.published)
        for custom_id, body in zip(chunk_ids(article.id, len(bodies)), bodies, strict=True):
            line = {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}
            yield json.dumps(line, ensure_ascii=False)


def submit_batch(summarizer: Summarizer, articles: Iterable[Article]) -> BatchJob:
    """Upload the requests and create the batch.

    Raises:
        ProviderError: The upload or the creation failed.
    """
    data = "\n".join(batch_lines(summarizer, articles)) + "\n"
    count = data.count("\n")
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
        raise _wrap(exc, "submitting the batch") from exc
    return BatchJob(id=batch.id, input_file_id=uploaded.id, requests=count)


def batch_status(summarizer: Summarizer, batch_id: str) -> Any:
    """The provider's view of a batch (status and request counts)."""
    try:
        return _client(summarizer).batches.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise _wrap(exc, f"reading batch {batch_id}") from exc


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
    if not file_id:
        return []
    text = client.files.content(file_id).text
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _failure(record: dict[str, Any]) -> ProviderError | None:
    response = record.get("response") or {}
    status = response.get("status_code")
    if not record.get("error") and status == 200:
        return None
    error = record.get("error") or (response.get("body") or {}).get("error") or {}
    message = error.get("message", "no message") if isinstance(error, dict) else str(error)
    return ProviderError(
        f"the batch request failed (HTTP {status}): {message}",
        status_code=status,
        attempts=1,
        provider_message=message,
    )


def _outcome(
    summarizer: Summarizer, article: Article, records: list[dict[str, Any]]
) -> BatchResult:
    """Validate (and, for a chunked article, merge) the answers of one article."""
    for record in records:
        if (failure := _failure(record)) is not None:
            return BatchResult(id=article.id, error=failure, source=article.source, url=article.url)
    completions = [ChatCompletion.model_validate(r["response"]["body"]) for r in records]
    try:
        summary = summarizer.validate_completions(
            article.text, completions, published=article.published
        )
    except SummarizerError as exc:
        return BatchResult(id=article.id, error=exc, source=article.source, url=article.url)
    return BatchResult(id=article.id, summary=summary, source=article.source, url=article.url)


def collect_batch(
    summarizer: Summarizer, batch_id: str, articles: Iterable[Article]
) -> Iterator[BatchResult]:
    """Results of a finished batch, validated against their articles.

    Articles the batch has no answer for (expired, cancelled) come out as errors, so a
    rerun picks them up.

    Raises:
        ProviderError: The batch is not finished, or its files cannot be read.
    """
    client = _client(summarizer)
    batch = batch_status(summarizer, batch_id)
    if batch.status not in TERMINAL:
        raise ProviderError(f"batch {batch_id} is {batch.status}, not finished yet")
    try:
        records = _download(client, batch.output_file_id)
        records += _download(client, batch.error_file_id)
    except openai.OpenAIError as exc:
        raise _wrap(exc, f"downloading the results of batch {batch_id}") from exc
    by_id = {str(r.get("custom_id")): r for r in records}
    for article in articles:
        count = len(summarizer.request_bodies(article.text, published=article.published))
        found = [by_id.get(custom_id) for custom_id in chunk_ids(article.id, count)]
        if any(record is None for record in found):
            missing = ProviderError(f"batch {batch_id} ({batch.status}) has no result for it")
            yield BatchResult(id=article.id, error=missing, source=article.source, url=article.url)
        else:
            yield _outcome(summarizer, article, [r for r in found if r is not None])
