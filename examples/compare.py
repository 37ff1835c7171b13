"""Compare two prompts (or models) on a gold file: is B better than A, field by field?

    python examples/compare.py                                        # v1 against v2, seeds/dev
    python examples/compare.py gold.jsonl --a v2 --b v3
    python examples/compare.py gold.jsonl --a v3 --b v3 --model-b gpt-4.1

Each configuration summarises every gold article; :mod:`summarizer.evaluation` scores the
answers (people by identity, quotes by span overlap, meetings, stances, grounding). The
command line's ``summarizer eval`` does the same with more figures.
Live with OPENAI_API_KEY=... ; without a key it replays cassettes/dev_v1.yaml and
dev_v2.yaml offline (answers a language model wrote for each prompt, given only the request).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from _offline import SEEDS, live, replay_client

from summarizer import DEFAULT_MODEL, Summarizer, summarize_articles
from summarizer.evaluation import EvalReport, load_gold, score_set

FIELDS = ("speakers", "quotes_direct", "quotes_indirect", "quotes_mixed", "meetings", "stances")


def run(gold_path: Path, prompt_version: str, model: str, client: Any) -> EvalReport:
    gold = load_gold(gold_path)
    engine = Summarizer(client=client, prompt_version=prompt_version, model=model)
    articles = [{"id": g.id, "text": g.text, "published": g.published} for g in gold]
    results = summarize_articles(articles, concurrency=8, summarizer=engine)
    return score_set(gold, {r.id: r.summary for r in results})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=SEEDS / "dev" / "gold.jsonl")
    parser.add_argument("--a", default="v1", help="prompt version A")
    parser.add_argument("--b", default="v2", help="prompt version B")
    parser.add_argument("--model-a", default=DEFAULT_MODEL)
    parser.add_argument("--model-b", default=DEFAULT_MODEL)
    args = parser.parse_args()
    client = None if live() else replay_client("dev_v1", "dev_v2")
    a = run(args.gold, args.a, args.model_a, client)
    b = run(args.gold, args.b, args.model_b, client)
    print(f"{'micro F1':<16} {args.a + ' ' + args.model_a:>22} {args.b + ' ' + args.model_b:>22}")
    for name in FIELDS:
        counts = (a.micro(name), b.micro(name))
        cells = [f"{c.f1:.2f}" if c is not None and c.f1 is not None else "-" for c in counts]
        print(f"{name:<16} {cells[0]:>22} {cells[1]:>22}")
    grounding = [f"{r.grounding.value or 0:.2f}" for r in (a, b)]
    print(f"{'grounding rate':<16} {grounding[0]:>22} {grounding[1]:>22}")
    print(f"{'failed articles':<16} {a.failed:>22} {b.failed:>22}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
