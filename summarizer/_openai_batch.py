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
    client = summarizer._client(want_async=False).client
    if not isinstance(client, openai.OpenAI):
        raise ProviderError("the Batch API needs a synchronous openai.OpenAI client")
    return client.with_options(max_retries=3)  # uploads and polls may retry in the SDK


def _wrap(exc: openai.OpenAIError, what: str) -> ProviderError:
    status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
    said = provider_message(exc, None)
    return ProviderError(f"{what} failed: {said}", status_code=status, provider_message=said)


def batch_lines(summarizer: Summarizer, articles: Iterable[Article]) -> Iterator[str]:
    """One Batch API request line per article, with the body an in-process call would send."""
    for article in articles:
        body = summarizer.request_body(article.text, published=article.published)
        line = {"custom_id": article.id, "method": "POST", "url": ENDPOINT, "body": body}
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


def _outcome(summarizer: Summarizer, article: Article, record: dict[str, Any]) -> BatchResult:
    response = record.get("response") or {}
    status = response.get("status_code")
    if record.get("error") or status != 200:
        error = record.get("error") or response.get("body", {}).get("error") or {}
        message = error.get("message", "no message") if isinstance(error, dict) else str(error)
        failure = ProviderError(
            f"the batch request failed (HTTP {status}): {message}",
            status_code=status,
            attempts=1,
            provider_message=message,
        )
        return BatchResult(id=article.id, error=failure, source=article.source, url=article.url)
    completion = ChatCompletion.model_validate(response["body"])
    try:
        summary = summarizer.validate_completion(
            article.text, completion, published=article.published
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
        record = by_id.get(article.id)
        if record is None:
            missing = ProviderError(f"batch {batch_id} ({batch.status}) has no result for it")
            yield BatchResult(id=article.id, error=missing, source=article.source, url=article.url)
        else:
            yield _outcome(summarizer, article, record)
