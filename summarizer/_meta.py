"""What the library records about how a summary was made: token usage and ``meta``."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from summarizer._grounding import Span

__all__ = ["SummaryMeta", "Usage"]


class Usage(BaseModel):
    """Tokens billed, summed over every response of one call (reasks included)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
        )


class SummaryMeta(BaseModel):
    """How the summary was produced; filled by the library."""

    model: str
    mode: str
    prompt_id: str
    prompt_version: str
    prompt_sha256: str
    schema_name: str | None = None
    """The result schema's class (``summarizer.schema.ArticleSummary``, or yours)."""
    schema_sha256: str | None = None
    """The hash of the result schema (see ``summarizer._cache.schema_sha256``)."""
    attempts: int = Field(description="HTTP requests made, reasks and retries included")
    reasks: int = 0
    cached: bool = False
    """True when the result came from the cache: no request was made, usage is zero."""
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    created_at: dt.datetime
    library_version: str
    chunks: list[Span] = Field(default_factory=list)
    """The article's chunks when it was extracted in parts (empty: sent whole); usage and
    attempts above are summed over every chunk's requests."""
    passes: int = 1
    """Extraction passes per chunk; usage, attempts and reasks above cover them all."""
    second_pass_version: str | None = None
    """With two passes: the version of the second pass's prompt (``prompts/second_pass``)."""
    second_pass_sha256: str | None = None
    """With two passes: the sha256 of that prompt's file."""
