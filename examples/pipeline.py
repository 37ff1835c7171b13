"""A pipeline step: JSONL of articles in, a results JSONL, then Parquet or CSV tables out.

    python examples/pipeline.py records.jsonl out/                  # Parquet (pyarrow)
    python examples/pipeline.py records.jsonl out/ --format csv     # CSV, standard library
    python examples/pipeline.py --limit 5; python examples/pipeline.py   # stop, then resume

Each result is appended to ``out/results.jsonl`` as it completes, so a rerun after a crash
or Ctrl-C (or ``--limit``) only does the ids not yet in it. The tables (articles, speakers,
quotes, meetings, stances, ...) join on ``article_id``. ``summarizer batch`` followed by
``summarizer export`` is the same step on the command line.
Live with OPENAI_API_KEY=... ; without a key it replays cassettes/real_v4.yaml offline.
"""

from __future__ import annotations

import argparse
import json
from itertools import islice
from pathlib import Path

from _offline import SEEDS, live, replay_client

from summarizer import summarize_articles
from summarizer.corpus import Corpus


def done_ids(results: Path) -> set[str]:
    """The ids a previous run wrote (a line torn by a crash is left out, and redone)."""
    lines = results.read_text(encoding="utf-8").split("\n") if results.exists() else []
    return {json.loads(line)["id"] for line in lines[:-1] if line.strip()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=SEEDS / "real" / "gold.jsonl")
    parser.add_argument("output", nargs="?", type=Path, default=Path("pipeline-out"))
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--limit", type=int, help="stop after this many new articles")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    results = args.output / "results.jsonl"
    done = done_ids(results)
    lines = args.input.read_text(encoding="utf-8").splitlines()
    records = (json.loads(line) for line in lines if line.strip())
    todo = [r for r in records if r["id"] not in done]
    print(f"{len(done)} already done, {len(todo)} to do")
    client = None if live() else replay_client("real_v4")
    with results.open("a", encoding="utf-8") as out:
        for result in islice(summarize_articles(todo, concurrency=8, client=client), args.limit):
            line: dict[str, object] = {"id": result.id, "status": "ok" if result.ok else "error"}
            if result.summary is not None:
                line["summary"] = result.summary.model_dump(mode="json")
            else:
                line["error"] = {"type": type(result.error).__name__, "message": str(result.error)}
            out.write(json.dumps(line) + "\n")  # ASCII JSON: only "\n" breaks a line
            out.flush()
    corpus = Corpus.from_results(results)
    written = corpus.write_tables(args.output / "tables", args.format)
    print(f"wrote {args.output / 'tables'}: {', '.join(p.name for p in written)}")
    print(f"{len(corpus.articles)} articles in the tables, {len(corpus.skipped)} failed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
