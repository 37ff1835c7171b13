"""Summarise the seed article and print the result.

    python examples/summarize_seed.py          # tables
    python examples/summarize_seed.py --json   # JSON

With OPENAI_API_KEY set (and OPENAI_BASE_URL / SUMMARIZER_MODEL if you use another
endpoint or model) this calls the live model. Without a key it replays the recorded
cassette ``cassettes/seed_article_v3.yaml`` (the default prompt, v3) offline and says so.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import openai
from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the cassette configuration lives with the tests

from summarizer import DEFAULT_MODEL, SummarizerError, summarize_article  # noqa: E402
from summarizer._views._render import render_summary  # noqa: E402

SEED = ROOT / "seeds" / "000_b1ae88a56dec747e.txt"
CASSETTE = "seed_article_v3"


def main() -> int:
    parser = argparse.ArgumentParser(description="Summarise the seed article.")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args()
    text = SEED.read_text(encoding="utf-8")
    console = Console(stderr=True)
    try:
        if os.environ.get("OPENAI_API_KEY"):
            summary = summarize_article(text)
        else:
            from tests.recording import make_vcr

            console.print(
                f"No OPENAI_API_KEY: replaying cassettes/{CASSETTE}.yaml offline "
                "(a curated response, see cassettes/README.md).",
                style="yellow",
            )
            client = openai.OpenAI(api_key="replay-only")
            with make_vcr("none").use_cassette(CASSETTE):
                summary = summarize_article(text, client=client, model=DEFAULT_MODEL)
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
