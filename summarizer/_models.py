"""What the library knows about models: context windows and list prices.

Context windows set the input budget; prices give the cost estimates.

Token counts are estimated locally and conservatively (no tokenizer tables are downloaded):
one token per three bytes of UTF-8. Real tokenizers need about four bytes per token for
English and more for Cyrillic, and about three for CJK, so the estimate errs on the side of
refusing early rather than sending an article that cannot fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer._meta import Usage

__all__ = ["ModelInfo", "estimate_tokens", "estimated_cost", "model_info"]

BYTES_PER_TOKEN = 3
"""Conservative: real tokenizers average more bytes per token in every common script."""

RESERVED_TOKENS = 16_384
"""Kept free in the context window for the instructions, the schema and the answer."""


@dataclass(frozen=True)
class ModelInfo:
    """A model's context window and output limit in tokens, and its list price.

    Prices are US dollars per million tokens (input, cached input, output), OpenAI's list
    prices for the standard tier as published in 2025; the Batch API halves them.
    """

    context_window: int
    max_output_tokens: int
    input_price: float = 0.0
    cached_input_price: float = 0.0
    output_price: float = 0.0

    def cost(self, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0) -> float:
        """Estimated US dollars for the given usage at list price."""
        uncached = max(input_tokens - cached_input_tokens, 0)
        return (
            uncached * self.input_price
            + cached_input_tokens * self.cached_input_price
            + output_tokens * self.output_price
        ) / 1_000_000

    @property
    def article_budget(self) -> int:
        """Tokens an article may take, after the reserve for prompt, schema and answer."""
        return max(self.context_window - RESERVED_TOKENS, 0)


_KNOWN: dict[str, ModelInfo] = {
    "gpt-4.1": ModelInfo(1_047_576, 32_768, 2.00, 0.50, 8.00),
    "gpt-4.1-mini": ModelInfo(1_047_576, 32_768, 0.40, 0.10, 1.60),
    "gpt-4.1-nano": ModelInfo(1_047_576, 32_768, 0.10, 0.025, 0.40),
    "gpt-4o": ModelInfo(128_000, 16_384, 2.50, 1.25, 10.00),
    "gpt-4o-mini": ModelInfo(128_000, 16_384, 0.15, 0.075, 0.60),
    "gpt-5": ModelInfo(400_000, 128_000, 1.25, 0.125, 10.00),
    "gpt-5-mini": ModelInfo(400_000, 128_000, 0.25, 0.025, 2.00),
    "gpt-5-nano": ModelInfo(400_000, 128_000, 0.05, 0.005, 0.40),
}


def model_info(model: str) -> ModelInfo | None:
    """Known limits for ``model`` (dated snapshots such as ``gpt-4o-2024-08-06`` included).

    Returns None for models the library does not know, such as a local server's.
    """
    if model in _KNOWN:
        return _KNOWN[model]
    for name in sorted(_KNOWN, key=len, reverse=True):
        suffix = model.removeprefix(name)
        if suffix != model and suffix[:2] == "-2" and suffix[1:5].isdigit():
            return _KNOWN[name]
    return None


def estimate_tokens(text: str) -> int:
    """A conservative local estimate of the tokens in ``text`` (see the module docstring)."""
    return -(-len(text.encode("utf-8")) // BYTES_PER_TOKEN)


def estimated_cost(model: str, usage: Usage) -> float | None:
    """US dollars at list price for ``usage`` of ``model``, or None for an unknown model.

    Cached input tokens are billed at the cached price; the one cost computation of the
    library (batch progress, the batch table and the evaluation all use it).
    """
    info = model_info(model)
    if info is None:
        return None
    return info.cost(usage.input_tokens, usage.output_tokens, usage.cached_input_tokens)
