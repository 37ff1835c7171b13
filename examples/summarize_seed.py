"""Summarise the seed article and print the result.

    python examples/summarize_seed.py          # tables
    python examples/summarize_seed.py --json   # JSON

With OPENAI_API_KEY set (and OPENAI_BASE_URL / SUMMARIZER_MODEL if you use another
endpoint or model) this calls the live model. Without a key it replays the recorded
cassette ``cassettes/seed_article_v4.yaml`` (the default prompt, v4; a curated answer)
offline and says so.
"""

from __future__ import annotations

import argparse
import sys

from _offline import SEEDS, live, replay_client
from rich.console import Console
from rich.text import Text

from summarizer import SummarizerError, summarize_article
from summarizer._views._render import render_summary

SEED = SEEDS / "000_b1ae88a56dec747e.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description="Summarise the seed article.")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args()
    text = SEED.read_text(encoding="utf-8")
    console = Console(stderr=True)
    client = None if live() else replay_client("seed_article_v4")
    try:
        summary = summarize_article(text, client=client)
    except SummarizerError as error:
        console.print(Text.assemble((type(error).__name__, "bold red"), f": {error}"))
        return 1
    if args.json:
        print(summary.model_dump_json(indent=2))
    else:
        render_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
