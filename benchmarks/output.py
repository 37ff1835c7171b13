"""Answer size per prompt version: characters and tokens per article character and token.

    python benchmarks/output.py              # a table per version and the totals
    python benchmarks/output.py --json       # machine-readable
    python benchmarks/output.py --markdown   # the tables as Markdown (README)
    python benchmarks/output.py --curated    # the seed articles' curated answers, v1 to v3
    python benchmarks/output.py --cassette v2=real_v2 --cassette v3=real_v3   # other recordings

Reads the development set's recorded answers (``cassettes/dev_v1.yaml``, ``dev_v2.yaml``,
written by a language model given only the request; see ``cassettes/README.md``): for each
article, the first answer's tool-call arguments as compact JSON against the article sent.
``--curated`` reads the seed articles' curated answers instead (the gold annotations written
in each prompt's shape: ``seed_article*.yaml``, ``scheduled_visit*.yaml``,
``non_english_article*.yaml``): a measure of the shape, not of a model. ``--cassette
VERSION=NAME`` (repeatable) reads other recorded answers instead, ``cassettes/NAME.yaml`` under
the label VERSION (the real set's: ``--cassette v2=real_v2 --cassette v3=real_v3``).
Output is what a provider bills at four to eight times the input price and generates
slowest, so it is the part of the cost a prompt can change most. Token counts are exact
(o200k_base, bundled with ``bpe-openai``) or an estimate, and the output says which.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from typing import Any

from _common import CASSETTES, markdown_table, rich_table
from rich.console import Console
from tokens import compact, make_counter

from tests.recording import ReadableJsonYaml
from tests.scenarios import sent_article

DEV_SET = {"v1": ["dev_v1"], "v2": ["dev_v2"]}
CURATED = {
    "v1": ["seed_article", "scheduled_visit", "non_english_article"],
    "v2": ["seed_article_v2"],
    "v3": ["seed_article_v3", "scheduled_visit_v3", "non_english_article_v3"],
    "v4": ["seed_article_v4", "scheduled_visit_v4", "non_english_article_v4"],
}
COLUMNS = [
    ("article", "article"),
    ("article_chars", "article chars"),
    ("answer_chars", "answer chars"),
    ("chars_ratio", "answer / article chars"),
    ("answer_tokens", "answer tokens"),
    ("tokens_ratio", "answer tokens / article token"),
]


def first_answers(cassettes: list[str]) -> list[tuple[str, str]]:
    """(article sent, first answer's arguments) for every article of the cassettes."""
    interactions = []
    for name in cassettes:
        data = ReadableJsonYaml.deserialize((CASSETTES / f"{name}.yaml").read_text("utf-8"))
        interactions += data["interactions"]
    found = []
    for interaction in interactions:
        request = json.loads(interaction["request"]["body"])
        if len(request["messages"]) > 2:  # a reask: not a first answer
            continue
        response = json.loads(interaction["response"]["body"]["string"])
        arguments = response["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        found.append((sent_article(request), compact(json.loads(arguments))))
    return found


def collect(
    estimate: bool = False, curated: bool = False, sets: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    counter = make_counter(estimate)
    versions: dict[str, Any] = {}
    for version, cassettes in (sets or (CURATED if curated else DEV_SET)).items():
        rows = []
        for text, answer in first_answers(cassettes):
            tokens = counter.count(answer)
            rows.append(
                {
                    "article": text.split()[1] if text.startswith("date ") else text[:12],
                    "article_chars": len(text),
                    "answer_chars": len(answer),
                    "chars_ratio": round(len(answer) / len(text), 2),
                    "answer_tokens": tokens,
                    "tokens_ratio": round(tokens / counter.count(text), 2),
                    "_article_tokens": counter.count(text),
                }
            )
        totals = {
            "articles": len(rows),
            "article_chars": sum(r["article_chars"] for r in rows),
            "answer_chars": sum(r["answer_chars"] for r in rows),
            "answer_tokens": sum(r["answer_tokens"] for r in rows),
            "article_tokens": sum(r["_article_tokens"] for r in rows),
        }
        totals["chars_ratio"] = round(totals["answer_chars"] / totals["article_chars"], 2)
        totals["tokens_ratio"] = round(totals["answer_tokens"] / totals["article_tokens"], 2)
        totals["chars_ratio_range"] = [
            min(r["chars_ratio"] for r in rows),
            max(r["chars_ratio"] for r in rows),
        ]
        totals["chars_ratio_median"] = round(
            statistics.median(r["answer_chars"] / r["article_chars"] for r in rows), 2
        )
        for row in rows:
            del row["_article_tokens"]
        versions[version] = {"rows": rows, "totals": totals}
    return {"tokens": counter.name, "exact": counter.exact, "versions": versions}


def summary_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "version": version,
            "articles": v["totals"]["articles"],
            "chars": f"{v['totals']['answer_chars']:,} / {v['totals']['article_chars']:,}",
            "chars_ratio": v["totals"]["chars_ratio"],
            "median": v["totals"]["chars_ratio_median"],
            "range": "{:.2f}–{:.2f}".format(*v["totals"]["chars_ratio_range"]),
            "tokens_ratio": v["totals"]["tokens_ratio"],
        }
        for version, v in data["versions"].items()
    ]


SUMMARY_COLUMNS = [
    ("version", "prompt"),
    ("articles", "articles"),
    ("chars", "answer / article chars"),
    ("chars_ratio", "ratio"),
    ("median", "median"),
    ("range", "per article"),
    ("tokens_ratio", "answer tokens per article token"),
]


def markdown(data: dict[str, Any]) -> str:
    lines = markdown_table(SUMMARY_COLUMNS, summary_rows(data))
    lines.append(f"\nTokens: {data['tokens']}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--estimate", action="store_true", help="estimate tokens (bytes / 4)")
    parser.add_argument("--curated", action="store_true", help="the seeds' curated answers")
    parser.add_argument(
        "--cassette",
        action="append",
        default=[],
        metavar="VERSION=NAME",
        help="read cassettes/NAME.yaml as VERSION's answers (repeatable)",
    )
    args = parser.parse_args(argv)
    sets: dict[str, list[str]] = {}
    for item in args.cassette:
        version, _, name = item.partition("=")
        if not name or not (CASSETTES / f"{name}.yaml").is_file():
            parser.error(f"--cassette {item}: give VERSION=NAME of a file cassettes/NAME.yaml")
        sets.setdefault(version, []).append(name)
    data = collect(args.estimate, args.curated, sets or None)
    if args.json:
        print(json.dumps(data, indent=2))
    elif args.markdown:
        print(markdown(data))
    else:
        console = Console()
        for version, v in data["versions"].items():
            console.print(rich_table(f"prompt {version}", COLUMNS, v["rows"], {"article"}))
        console.print(rich_table("Totals", SUMMARY_COLUMNS, summary_rows(data), {"version"}))
        console.print(f"Tokens: {data['tokens']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
