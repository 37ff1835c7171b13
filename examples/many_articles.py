"""Summarise many articles at once (asyncio), within limits, with a progress bar.

    python examples/many_articles.py                              # seeds/real: 16 articles
    python examples/many_articles.py records.jsonl --concurrency 16 --rpm 500 --tpm 200000

The input is a JSONL of ``id``, ``text`` and optional ``published``. At most
``--concurrency`` requests are in flight, ``--rpm``/``--tpm`` pace them, one 429 holds back
the whole run; a failed article is a result, never an exception that stops the others.
Live with OPENAI_API_KEY=... ; without a key it replays cassettes/real_v4.yaml offline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from _offline import SEEDS, live, replay_async_client
from rich.progress import Progress

from summarizer import asummarize_articles


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=SEEDS / "real" / "gold.jsonl")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--rpm", type=int, help="requests per minute")
    parser.add_argument("--tpm", type=int, help="estimated tokens per minute")
    args = parser.parse_args()
    lines = args.input.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    articles = [{k: r.get(k) for k in ("id", "text", "published")} for r in records]
    client = None if live() else replay_async_client("real_v4")
    failed = 0
    with Progress() as progress:  # drawn on the terminal, above the lines printed below
        task = progress.add_task("summarising", total=len(articles))
        results = asummarize_articles(
            articles, concurrency=args.concurrency, rpm=args.rpm, tpm=args.tpm, client=client
        )
        async for result in results:
            progress.advance(task)
            summary = result.summary
            if summary is None:  # the typed error: the batch goes on
                failed += 1
                line = f"{type(result.error).__name__}: {result.error}"
            else:
                line = f"{len(summary.speakers)} speakers, {len(summary.quotes)} quotes"
            progress.console.print(f"{result.id}: {line} ({result.seconds:.2f} s)", markup=False)
    print(f"{len(articles) - failed} summarised, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
