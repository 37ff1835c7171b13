"""What a run of many articles would send, worked out before anything is sent.

Every article is checked and planned exactly as a call would (:meth:`Pipeline.start`):
its size against ``max_article_chars``, its chunks against ``max_chunks``, its cache key.
An article the cache holds needs no request; one the checks refuse needs none either (it
becomes an error result); every other needs one request per chunk and pass. Reasks and transport
retries are not counted: they happen only when an answer is invalid or the endpoint fails.
Only lengths and counts are kept, so memory does not grow with the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from summarizer._meta import Usage
from summarizer._models import estimated_cost
from summarizer._summarizer import Summarizer
from summarizer.errors import InputError

__all__ = ["RunEstimate"]


@dataclass
class RunEstimate:
    """The requests and tokens a run would need, article by article.

    Attributes:
        model: The model asked (its list price gives :attr:`cost`).
        total: Input items seen, whatever becomes of them.
        skipped: Items already in the results (resumed).
        unreadable: Items that could not be read; each becomes an error result.
        refused: Articles the input checks refuse; each becomes an error result.
        cached: Articles the result cache holds.
        articles: Articles that need requests.
        requests: Their first requests: one per chunk and pass.
        usage: The estimated tokens of those requests (conservative).
    """

    model: str
    total: int = 0
    skipped: int = 0
    unreadable: int = 0
    refused: int = 0
    cached: int = 0
    articles: int = 0
    requests: int = 0
    usage: Usage = field(default_factory=Usage)

    def add(self, summarizer: Summarizer, text: str, published: Any = None) -> None:
        """Plan one article under ``summarizer`` (nothing is sent)."""
        try:
            call = summarizer.pipeline.start(text, published, summarizer.cache)
        except InputError:
            self.refused += 1
            return
        if call.key is not None and summarizer.cache is not None and call.key in summarizer.cache:
            self.cached += 1
            return
        self.articles += 1
        self.requests += len(call.chunks) * summarizer.settings.passes
        self.usage += summarizer.pipeline.planned_usage(call.article, call.chunks)

    @property
    def cost(self) -> float | None:
        """US dollars at list price for :attr:`usage`; None for a model without a known price."""
        return estimated_cost(self.model, self.usage)

    def line(self, *, batch_api: bool = False) -> str:
        """The estimate in one line, for standard error before a run starts."""
        others = [
            f"{count} {what}"
            for count, what in (
                (self.skipped, "already done"),
                (self.cached, "from the cache"),
                (self.refused + self.unreadable, "refused or unreadable"),
            )
            if count
        ]
        aside = f" ({', '.join(others)})" if others else ""
        if self.cost is None:
            price = f"cost unknown (no list price for {self.model})"
        elif batch_api:
            price = f"about ${self.cost / 2:.2f} at the Batch API's half price"
        else:
            price = f"about ${self.cost:.2f} at list price"
        return (
            f"Estimate: {self.requests:,} request(s) for {self.articles:,} article(s){aside}, "
            f"about {self.usage.total_tokens:,} tokens, {price}; reasks and retries not included."
        )
