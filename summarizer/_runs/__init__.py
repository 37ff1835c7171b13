"""Many articles: bounded concurrency, the Batch API, the results file, inputs and estimates.

Every article goes through the core's :class:`~summarizer.Summarizer` (one article's
extraction); this layer adds what a run of many needs: the inputs (files, saved pages), the
results JSONL, the estimate before sending and the OpenAI Batch API.
"""

__all__: list[str] = []
