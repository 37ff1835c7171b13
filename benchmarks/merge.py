"""Merging a chunked article, and grounding a quote of many pieces: both must stay linear.

    python benchmarks/merge.py                      # tables
    python benchmarks/merge.py --json               # machine-readable
    python benchmarks/merge.py --chunks 25 50 100 200 --pieces 2000 4000 8000

Merge: a synthetic transcript of ``N`` paragraphs, each with ten direct quotes by five
speakers (the same five throughout, each named in full in every paragraph), is split by the
library with a chunk budget of one paragraph (``max_input_tokens``), and every chunk is
answered with what it holds (its speakers and its quotes, the overlap sentence included, as a
careful model would). The time is ``Summarizer.validate_completions`` on those answers:
each chunk's validation and grounding, then the merge of ``N`` summaries. Nothing is sent.
The target (issue 21): 200 chunks in under 2 s and within 8x the time of 50.

Pieces: ``locate_quote`` of a quote made of ``P`` pieces joined by ``...``, each piece a
sentence of an article of ``P`` sentences (about 30 bytes each), in order, so the quote is
there. Each case runs cold (the normalised-article cache cleared). A quote of more pieces
than :data:`summarizer._grounding.MAX_QUOTE_PIECES` is refused before any search, so the
figure is also given for the search itself (``_find_pieces``), which is linear in the
article whatever the count.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The checkout this file is in is the one measured, whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine
from openai.types.chat import ChatCompletion

from summarizer import ArticleSummary, Summarizer
from summarizer._grounding import _find_pieces, _normalized_article, locate_quote
from summarizer._models import estimate_tokens
from tests.scenarios import answer, sent_article

SPEAKERS = ["Anna Berg", "Carl Dahl", "Eva Lund", "Jon Moss", "Ida Holm"]
SAID = ["said", "told reporters", "added", "replied", "warned"]
WORDS = [
    "budget",
    "harbour",
    "railway",
    "school",
    "tax",
    "bridge",
    "water",
    "housing",
    "clinic",
    "power",
]


def quote_words(paragraph: int, k: int) -> str:
    """A sentence unique to (paragraph, k), in words."""
    a, b = divmod(paragraph, len(WORDS))
    return (
        f"The {WORDS[k]} plan for district {a} needs a vote on the {WORDS[b]} question "
        f"before item {k} can move"
    )


def transcript(paragraphs: int) -> tuple[str, list[list[tuple[str, str]]]]:
    """The article and, per paragraph, its (speaker, quote) pairs."""
    out: list[str] = []
    said: list[list[tuple[str, str]]] = []
    for p in range(paragraphs):
        pairs = [(SPEAKERS[k % 5], quote_words(p, k)) for k in range(10)]
        sentences = [f'"{q}," {SAID[k % 5]} {who}.' for k, (who, q) in enumerate(pairs)]
        out.append(" ".join(sentences))
        said.append(pairs)
    return "\n\n".join(out), said


def chunk_answer(chunk: str, said: list[list[tuple[str, str]]]) -> dict[str, Any]:
    """What a chunk says, in the summary's shape: the speakers and quotes it holds."""
    quotes = [
        {"speaker": who, "kind": "direct", "text": q, "evidence": None, "cue": SAID[k % 5]}
        for pairs in said
        for k, (who, q) in enumerate(pairs)
        if q in chunk
    ]
    speakers = [{"name": n, "aliases": []} for n in SPEAKERS if n in chunk]
    return {
        "headline": "The council debates five plans",
        "summary": "Five council members discussed the district plans.",
        "speakers": speakers,
        "quotes": quotes,
        "positions": [],
        "stances": [],
        "proposed_meetings": [],
        "framing": {"expressions": [], "tone": []},
    }


def merge_case(paragraphs: int) -> tuple[Summarizer, str, list[ChatCompletion]]:
    """The engine, the article and one completion per chunk, ready to validate."""
    text, said = transcript(paragraphs)
    # One paragraph and the sentence the next chunk repeats: one chunk a paragraph.
    paragraph = text.split("\n\n")[-1]
    budget = estimate_tokens(paragraph) + estimate_tokens(paragraph.split(". ")[0]) + 4
    engine = Summarizer(max_input_tokens=budget, max_chunks=4 * paragraphs, api_key="unused")
    bodies = engine.request_bodies(text)
    completions = []
    for index, body in enumerate(bodies):
        chunk = sent_article(body)
        _, _, payload = answer(chunk_answer(chunk, said), f"chunk-{index}")(body)
        completions.append(ChatCompletion.model_validate(payload))
    return engine, text, completions


def merge_once(paragraphs: int) -> tuple[int, float, ArticleSummary]:
    engine, text, completions = merge_case(paragraphs)
    gc.collect()
    started = time.perf_counter()
    summary = engine.validate_completions(text, completions)
    return len(completions), time.perf_counter() - started, summary


def pieces_case(count: int) -> tuple[str, str]:
    """An article of ``count`` sentences and a quote of all of them joined by ``...``."""
    sentences = [f"Item {i} was read out twice." for i in range(count)]
    return " ".join(sentences), " ... ".join(s.rstrip(".") for s in sentences)


def cold(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        _normalized_article.cache_clear()
        gc.collect()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(chunks: list[int], pieces: list[int], repeat: int) -> dict[str, Any]:
    merge_rows = []
    for n in chunks:
        runs = [merge_once(n) for _ in range(repeat)]
        merge_rows.append(
            {
                "paragraphs": n,
                "chunks": runs[0][0],
                "speakers": len(runs[0][2].speakers),
                "quotes": len(runs[0][2].quotes),
                "seconds": statistics.median(r[1] for r in runs),
            }
        )
    piece_rows = []
    for p in pieces:
        text, quote = pieces_case(p)
        article = _normalized_article(text)
        parts = [s.rstrip(".") for s in text.split(". ")]
        piece_rows.append(
            {
                "pieces": p,
                "article_bytes": len(text.encode()),
                "locate_quote_s": cold(lambda t=text, q=quote: locate_quote(q, t), repeat),
                "search_s": cold(lambda a=article, ps=parts: _find_pieces(a, ps), repeat),
            }
        )
    return {"machine": machine(), "merge": merge_rows, "pieces": piece_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--pieces", type=int, nargs="+", default=[2000, 4000, 8000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.chunks, args.pieces, args.repeat)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return
    print("| paragraphs | chunks | merged speakers | merged quotes | validate_completions s |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in result["merge"]:
        print(
            f"| {r['paragraphs']} | {r['chunks']} | {r['speakers']} | {r['quotes']} "
            f"| {r['seconds']:.3f} |"
        )
    print()
    print("| pieces | article bytes | locate_quote s | search of every piece s |")
    print("| ---: | ---: | ---: | ---: |")
    for r in result["pieces"]:
        print(
            f"| {r['pieces']} | {r['article_bytes']:,} | {r['locate_quote_s']:.4f} "
            f"| {r['search_s']:.4f} |"
        )


if __name__ == "__main__":
    main()
