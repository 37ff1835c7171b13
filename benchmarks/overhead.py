"""Library overhead: wall time per call against a zero-latency endpoint, and grounding cost.

    python benchmarks/overhead.py                    # tables
    python benchmarks/overhead.py --json             # machine-readable
    python benchmarks/overhead.py --calls 500 --transport http

Per call: ``summarize_article`` (a new ``Summarizer`` every call, as the one-call function
does), a reused ``Summarizer.summarize``, and the bare-instructor baseline (the same response
model straight to instructor's ``client.chat.completions.create``, a one-line system prompt).
instructor wraps a plain model in a new subclass on every call and regenerates its schema;
the library wraps ``ArticleSummary`` once, so a second baseline does the same
(``instructor.openai_schema(ArticleSummary)`` built once) to show what is left. All run on
the same endpoint, which answers every request at once with the seed's recorded answer
(pre-serialised). ``inprocess`` is an ``httpx2.MockTransport`` (no socket: the purest measure
of the Python stack), ``http`` a keep-alive HTTP/1.1 server on 127.0.0.1. Calls are
interleaved (baseline, one-call, reused, baseline, ...) after a warm-up, so drift in the
machine's load hits all three alike; the figure is the median of ``--calls`` calls each.

Grounding: a ~100 KB article made of the seed articles repeated in turn, each copy headed
``Dispatch N.``, and 50 quotes, each spanning the end of one copy, the ``Dispatch N.`` heading
and the start of the next (so each occurs exactly once, spread over the whole article); every
fifth leaves words out with ``...``, the slowest path (the whole needle is searched first).
Measured cold (the normalised-article cache cleared before each repetition, as for a new
article): ``locate_quote`` on the 50 quotes, on 50 quotes that are absent (one word changed:
full scans), and ``ArticleSummary.model_validate`` with the article as context on a summary
with those 50 quotes plus every speaker, position, meeting, stance and framing expression of
the three gold files.

Grounding at scale: adversarial articles of 60 KB and 480 KB (8x the size), made of short
lines (``the war goes on`` and CRLF: one whitespace run a line for the offset map) full of a
lower-case term whose capitalised form never occurs (the case that made ``locate_all``
quadratic). Cold: ``locate_all`` of that term; ``locate_quote`` of 50 absent quotes (full
scans); ``locate_pieces`` of 10 absent quotes (the attribution search, longest prefix first);
and ``ArticleSummary.model_validate`` of a short summary with that term as a framing
expression. The ratio of the 480 KB time to the 60 KB time is linear when it is about 8, and
the target is at most 12.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import instructor
import openai
from _common import (
    API_KEY,
    COMPARED_PROMPT,
    CaptureEndpoint,
    answer_text,
    article,
    baseline_call,
    baseline_client,
    completion,
    gold,
    machine,
    markdown_table,
    median_ms,
    percentile_ms,
    released_summary_model,
    rich_table,
    seed_ids,
)
from rich.console import Console

from summarizer import (
    ArticleSummary,
    Summarizer,
    locate_all,
    locate_pieces,
    locate_quote,
    summarize_article,
)
from summarizer._grounding import _normalized_article
from summarizer._identity import form_key

WALL_TARGET = 1.25
GROUNDING_TARGET_MS = 50.0
ARTICLE_BYTES = 100_000
QUOTES = 50
SCALING_SIZES = (60_000, 480_000)
SCALING_TARGET = 12.0


# --- endpoints -------------------------------------------------------------------------------


@contextmanager
def loopback(arguments: str, mode: str) -> Iterator[openai.OpenAI]:
    """A keep-alive OpenAI-compatible server on 127.0.0.1 answering at once; its client."""
    tools = mode == "tools"
    fake = {"model": "gpt-4.1-mini", "tools": [{"function": {"name": "ArticleSummary"}}]}
    payload = json.dumps(completion(fake if tools else {}, arguments)).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key=API_KEY)
    try:
        yield client
    finally:
        client.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def inprocess(arguments: str, mode: str) -> Iterator[openai.OpenAI]:
    endpoint = CaptureEndpoint(arguments, keep=False)
    client = endpoint.client()
    try:
        yield client
    finally:
        client.close()


TRANSPORTS = {"inprocess": inprocess, "http": loopback}


# --- wall time per call ----------------------------------------------------------------------


def time_calls(
    contenders: dict[str, Callable[[], object]], calls: int, warmup: int
) -> dict[str, list[float]]:
    """Run the contenders interleaved, ``calls`` times each after ``warmup`` rounds."""
    for _ in range(warmup):
        for call in contenders.values():
            call()
    gc.collect()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(calls):
        for name, call in contenders.items():
            started = time.perf_counter()
            call()
            samples[name].append(time.perf_counter() - started)
    return samples


def wall_time(transport: str, seed: str, mode: str, calls: int, warmup: int) -> dict[str, Any]:
    text = article(seed)
    with TRANSPORTS[transport](answer_text(seed), mode) as client:
        bare = baseline_client(client, mode)
        wrapped = instructor.openai_schema(released_summary_model())
        reused = Summarizer(client=client, mode=mode, prompt_version=COMPARED_PROMPT)
        contenders: dict[str, Callable[[], object]] = {
            "baseline": lambda: baseline_call(bare, text),
            "baseline, model wrapped once": lambda: baseline_call(
                bare, text, response_model=wrapped
            ),
            "summarize_article": lambda: summarize_article(
                text, client=client, mode=mode, prompt_version=COMPARED_PROMPT
            ),
            "Summarizer.summarize": lambda: reused.summarize(text),
        }
        for name, call in contenders.items():  # every contender must succeed, grounded
            result = call()
            assert isinstance(result, ArticleSummary), name
        samples = time_calls(contenders, calls, warmup)
    base = median_ms(samples["baseline"])
    tuned = median_ms(samples["baseline, model wrapped once"])
    rows = []
    for name, values in samples.items():
        median = median_ms(values)
        rows.append(
            {
                "transport": transport,
                "call": name,
                "median_ms": round(median, 2),
                "p10_ms": round(percentile_ms(values, 0.1), 2),
                "p90_ms": round(percentile_ms(values, 0.9), 2),
                "ratio": round(median / base, 3),
                "ratio_vs_wrapped": round(median / tuned, 3),
            }
        )
    return {"rows": rows, "calls": calls, "warmup": warmup}


# --- grounding on a long article -------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


def long_article(size: int = ARTICLE_BYTES) -> tuple[str, list[str]]:
    """The seed articles in turn, each copy headed ``Dispatch N.``, up to ``size`` bytes."""
    seeds = [article(s).strip() for s in seed_ids()]
    copies: list[str] = []
    total = 0
    while total < size:
        copy = f"Dispatch {len(copies) + 1}.\n\n{seeds[len(copies) % len(seeds)]}"
        copies.append(copy)
        total += len(copy.encode("utf-8")) + 2
    return "\n\n".join(copies), copies


def boundary_quotes(copies: list[str], count: int = QUOTES) -> list[str]:
    """``count`` quotes spread over the article, each spanning a copy boundary (unique)."""
    quotes = []
    for k in range(count):
        i = 1 + k * (len(copies) - 1) // count  # the boundary before copy i
        tail = " ".join(_words(copies[i - 1])[-8:])
        head_words = _words(copies[i])  # ["Dispatch", "N.", ...]
        head = " ".join(head_words[2:10])
        heading = f"{head_words[0]} {head_words[1]}"
        if k % 5 == 4:  # words left out inside the passage
            quotes.append(f"{tail} {heading} {' '.join(head_words[2:6])} ... {head_words[9]}")
        else:
            quotes.append(f"{tail} {heading} {head}")
    return quotes


def absent(quote: str) -> str:
    """The quote with one word changed: not in the article."""
    words = quote.split()
    words[len(words) // 2] = "zebra"
    return " ".join(words)


def summary_payload(quotes: list[str]) -> dict[str, Any]:
    """A summary with the 50 quotes and everything else of the three gold files."""
    golds = [gold(s) for s in seed_ids()]
    speakers: dict[str, dict[str, Any]] = {}
    for g in golds:
        for speaker in g["speakers"]:
            speakers.setdefault(speaker["name"], speaker)
    names = list(speakers)

    def merged(key: str) -> list[Any]:
        return [item for g in golds for item in g.get(key, [])]

    return {
        "headline": "Several dispatches about meetings",
        "summary": "Officials discussed possible meetings.",
        "speakers": list(speakers.values()),
        "quotes": [
            {"speaker": names[i % len(names)], "kind": "direct", "text": q}
            for i, q in enumerate(quotes)
        ],
        "positions": merged("positions"),
        "proposed_meetings": merged("proposed_meetings"),
        "stances": merged("stances"),
        "framing": {
            "expressions": [e for g in golds for e in g["framing"]["expressions"]],
            "tone": [t for g in golds for t in g["framing"]["tone"]],
        },
    }


def cold() -> None:
    """Forget every cached normalisation, as for an article never seen before."""
    _normalized_article.cache_clear()
    form_key.cache_clear()


def time_cold(work: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        cold()
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return samples


def grounding(repeats: int) -> dict[str, Any]:
    text, copies = long_article()
    quotes = boundary_quotes(copies)
    missing = [absent(q) for q in quotes]
    spans = [locate_quote(q, text) for q in quotes]
    assert all(spans), "every benchmark quote must be in the article"
    assert not any(locate_quote(q, text) for q in missing)
    payload = summary_payload(quotes)
    context = {"article": text, "published": "2024-12-23"}
    summary = ArticleSummary.model_validate(payload, context=context)
    grounded = (
        len(summary.quotes)
        + len(summary.positions)
        + sum(len(m.evidence) for m in summary.proposed_meetings)
        + len(summary.stances)
        + len(summary.framing.expressions)
        + sum(len(s.forms()) for s in summary.speakers)
    )
    cases: dict[str, Callable[[], object]] = {
        "locate_quote x50 (present)": lambda: [locate_quote(q, text) for q in quotes],
        "locate_quote x50 (absent)": lambda: [locate_quote(q, text) for q in missing],
        "model_validate with context": lambda: ArticleSummary.model_validate(
            payload, context=context
        ),
    }
    rows = []
    for name, work in cases.items():
        samples = time_cold(work, repeats)
        median = median_ms(samples)
        rows.append(
            {
                "case": name,
                "median_ms": round(median, 2),
                "p90_ms": round(percentile_ms(samples, 0.9), 2),
                "target_ms": GROUNDING_TARGET_MS,
                "met": median < GROUNDING_TARGET_MS,
            }
        )
    return {
        "article_chars": len(text),
        "article_bytes": len(text.encode("utf-8")),
        "copies": len(copies),
        "quotes": len(quotes),
        "strings_grounded_by_validation": grounded,
        "repeats": repeats,
        "rows": rows,
    }


# --- grounding at scale: adversarial articles --------------------------------------------------

ADVERSARIAL_LINE = "the war goes on\r\n"


def adversarial_article(size: int) -> str:
    """Short lines full of a lower-case term whose capitalised form never occurs."""
    return (ADVERSARIAL_LINE * (size // len(ADVERSARIAL_LINE) + 1))[:size]


def adversarial_cases(text: str) -> dict[str, Callable[[], object]]:
    """The grounding calls timed on an adversarial article (see the module docstring)."""
    missing = [f"the war goes on the war {n} goes on the war goes on" for n in range(50)]
    attributed = [f"The war goes on, said {n}, the war went on" for n in range(10)]
    payload = {
        "headline": "Fighting continues in the region",
        "summary": "Fighting continues, the outlet reports.",
        "framing": {"expressions": [{"text": "war", "refers_to": "the conflict"}]},
    }
    return {
        "locate_all, a term whose capital form never occurs": lambda: locate_all("war", text),
        "locate_quote x50 (absent)": lambda: [locate_quote(q, text) for q in missing],
        "locate_pieces x10 (absent, attribution search)": lambda: [
            locate_pieces(q, text) for q in attributed
        ],
        "model_validate, one framing term": lambda: ArticleSummary.model_validate(
            payload, context={"article": text}
        ),
    }


def grounding_scaling(repeats: int) -> dict[str, Any]:
    small, large = (adversarial_article(size) for size in SCALING_SIZES)
    assert "War" not in large and "war" in small
    timed = {
        size: {
            name: median_ms(time_cold(work, repeats))
            for name, work in adversarial_cases(text).items()
        }
        for size, text in zip(SCALING_SIZES, (small, large), strict=True)
    }
    rows = []
    for name in timed[SCALING_SIZES[0]]:
        first, last = (timed[size][name] for size in SCALING_SIZES)
        ratio = last / first if first else float("inf")
        rows.append(
            {
                "case": name,
                "small_ms": round(first, 2),
                "large_ms": round(last, 2),
                "ratio": round(ratio, 1),
                "target": SCALING_TARGET,
                "met": ratio <= SCALING_TARGET,
            }
        )
    return {
        "sizes_bytes": list(SCALING_SIZES),
        "matches": len(locate_all("war", small)),
        "repeats": repeats,
        "rows": rows,
    }


# --- output ----------------------------------------------------------------------------------


def collect(
    calls: int, warmup: int, transports: list[str], seed: str, mode: str, repeats: int
) -> dict[str, Any]:
    walls = [wall_time(t, seed, mode, calls, warmup) for t in transports]
    rows = [row for wall in walls for row in wall["rows"]]
    one_call = [r for r in rows if r["call"] == "summarize_article"]
    return {
        "machine": machine(),
        "seed": seed,
        "mode": mode,
        "calls": calls,
        "warmup": warmup,
        "wall_time": rows,
        "wall_target": WALL_TARGET,
        "wall_met": {r["transport"]: r["ratio"] <= WALL_TARGET for r in one_call},
        "grounding": grounding(repeats),
        "grounding_scaling": grounding_scaling(max(1, repeats // 3)),
    }


WALL_COLUMNS = [
    (c, c)
    for c in ("transport", "call", "median_ms", "p10_ms", "p90_ms", "ratio", "ratio_vs_wrapped")
]
GROUNDING_COLUMNS = [(c, c) for c in ("case", "median_ms", "p90_ms", "target_ms", "met")]
SCALING_COLUMNS = [
    ("case", "case"),
    ("small_ms", "60 KB ms"),
    ("large_ms", "480 KB ms"),
    ("ratio", "ratio"),
    ("target", "target"),
    ("met", "met"),
]


def notes(data: dict[str, Any]) -> list[str]:
    g, m = data["grounding"], data["machine"]
    lines = [
        f"Machine: {m['cores']} cores, {m['cpu']}, Python {m['python']}, 1-min load average "
        f"{m['load_average_1min']} at the end (other work on the machine shows up as noise).",
        f"Wall time: seed {data['seed']}, mode {data['mode']}, median of {data['calls']} "
        f"interleaved calls each after {data['warmup']} warm-up rounds; ratio = median / "
        "baseline median.",
    ]
    for transport, met in data["wall_met"].items():
        row = next(
            r
            for r in data["wall_time"]
            if r["transport"] == transport and r["call"] == "summarize_article"
        )
        lines.append(
            f"summarize_article over {transport}: {row['ratio']:.2f}x the baseline "
            f"(target <= {data['wall_target']}x: {'met' if met else 'missed'}); "
            f"{row['ratio_vs_wrapped']:.2f}x a baseline that also wraps the model once."
        )
    lines.append(
        f"Grounding: {g['article_chars']:,} characters ({g['article_bytes']:,} bytes UTF-8, "
        f"{g['copies']} seed copies), {g['quotes']} quotes; validation grounds "
        f"{g['strings_grounded_by_validation']} strings; median of {g['repeats']} cold runs."
    )
    scaling = data["grounding_scaling"]
    lines.append(
        f"Grounding at scale: adversarial articles of {scaling['sizes_bytes'][0]:,} and "
        f"{scaling['sizes_bytes'][1]:,} bytes of short lines ({scaling['matches']:,} matches "
        f"of the term in the smaller); median of {scaling['repeats']} cold runs; ratio = "
        f"large / small, linear when about 8 (target <= {SCALING_TARGET:g})."
    )
    return lines


def markdown(data: dict[str, Any]) -> str:
    lines = [*markdown_table(WALL_COLUMNS, data["wall_time"]), ""]
    lines += [*markdown_table(GROUNDING_COLUMNS, data["grounding"]["rows"]), ""]
    lines += [*markdown_table(SCALING_COLUMNS, data["grounding_scaling"]["rows"]), ""]
    lines += [f"- {line}" for line in notes(data)]
    return "\n".join(lines)


def render(data: dict[str, Any], console: Console) -> None:
    for title, columns, rows in (
        ("Wall time per call, zero-latency endpoint", WALL_COLUMNS, data["wall_time"]),
        ("Grounding a ~100 KB article", GROUNDING_COLUMNS, data["grounding"]["rows"]),
        (
            "Grounding adversarial articles, 60 KB and 480 KB",
            SCALING_COLUMNS,
            data["grounding_scaling"]["rows"],
        ),
    ):
        console.print(rich_table(title, columns, rows, left={"call", "case"}))
    for line in notes(data):
        console.print(f"- {line}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output")
    output.add_argument("--markdown", action="store_true", help="markdown tables")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per contender")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds first")
    parser.add_argument("--repeats", type=int, default=30, help="cold grounding runs per case")
    parser.add_argument(
        "--transport", choices=["inprocess", "http", "both"], default="both", help="endpoint"
    )
    parser.add_argument("--seed", default=seed_ids()[0], help="seed article id")
    parser.add_argument("--mode", choices=["tools", "json_schema"], default="tools")
    args = parser.parse_args(argv)
    transports = ["inprocess", "http"] if args.transport == "both" else [args.transport]
    data = collect(args.calls, args.warmup, transports, args.seed, args.mode, args.repeats)
    if args.json:
        print(json.dumps(data, indent=2))
    elif args.markdown:
        print(markdown(data))
    else:
        render(data, Console(width=None if sys.stdout.isatty() else 120))
    return 0


if __name__ == "__main__":
    sys.exit(main())
