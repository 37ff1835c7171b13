"""Batch throughput against raw openai, on one process and on Ray; CPU per call; memory.

    .venv/bin/python benchmarks/batch.py            # every measure, default sizes
    .venv/bin/python benchmarks/batch.py --markdown # the tables for the README
    .venv/bin/python benchmarks/batch.py --no-ray   # without the Ray cluster (no ray extra)

1. Concurrency efficiency, in one run and against the same kind of endpoint: N articles to a
   loopback OpenAI-compatible HTTP server (its own process, so its CPU does not count
   against the client) that answers after a fixed latency L, at concurrency C, by
   - raw ``openai.AsyncOpenAI``: C tasks sending the library's request bodies, no validation;
   - the library in process: ``asummarize_articles`` (what ``summarizer batch`` runs);
   - the library on a local Ray cluster with 2 workers (``summarizer.ray.summarize_dataset``;
     the cluster is started before the clock starts, the workers after).
   Ideal wall time is N·L/C; the share of ideal is ideal / measured (articles per second
   beside it). Raw openai and the library alternate ``--repeat`` times (the median run of
   each, the range, and the difference run by run), so both see the same drift of the
   machine's load. For Ray the share is also given once its workers are up: from the
   server's first request to its last answer. A fresh server per run.
2. The same as the library's in-process row, with the latency simulated in process (no
   HTTP server): the library and asyncio alone.
3. CPU per call (``time.process_time``, this process only, so other load on the machine
   hardly matters), sync, through an in-process transport answering with a realistic 22 KB
   answer (the three seed articles' gold annotations plus two of them again, grounded in an
   article made of those texts): raw openai (``chat.completions.create`` with the library's
   request body), raw openai plus the library's own validation and grounding
   (``ArticleSummary.model_validate_json`` with the article as context: the floor), bare
   instructor (the same response model and context, a one-line prompt) and the library
   (a reused ``Summarizer.summarize``). Interleaved rounds; the median per call.
4. Library CPU per article streaming at zero latency on one event loop (articles per
   CPU-second), and memory: 10,000 articles streamed, peak RSS before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import instructor
import openai
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import (  # noqa: E402
    COMPARED_PROMPT,
    CaptureEndpoint,
    machine,
    released_summary_model,
)

from summarizer import ArticleSummary, Summarizer, asummarize_articles  # noqa: E402
from tests.scenarios import (  # noqa: E402
    GERMAN_ID,
    LONG_SEPARATOR,
    SEED_ID,
    TEST_API_KEY,
    answer,
    article,
    gold,
    gold_for_chunk,
    long_article,
)

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "benchmark")


def texts(count: int) -> Iterator[str]:
    """Distinct articles the same answer grounds in (streamed, never materialised)."""
    return (f"{SEED}\n\nRef. {i}" for i in range(count))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_stream(client: openai.AsyncOpenAI, count: int, concurrency: int) -> int:
    engine = Summarizer(client=client, max_retries=0)
    done = 0
    async for result in asummarize_articles(
        texts(count), concurrency=concurrency, summarizer=engine
    ):
        if not result.ok:
            raise SystemExit(f"benchmark answer failed: {result.error}")
        done += 1
    return done


# --- 1. efficiency against a loopback server -------------------------------------------------

SERVER = """
import json, sys, threading, time
sys.path.insert(0, {root!r})
from tests.fault_server import FaultServer
from tests.scenarios import SEED_ID, answer, gold
good = answer(gold(SEED_ID), "benchmark")
arrivals = []
lock = threading.Lock()
def slow(request):
    with lock:
        arrivals.append(time.time())
    time.sleep({latency})
    return good(request)
with FaultServer([slow], repeat_last=True) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
print(json.dumps({{"first": min(arrivals, default=0), "last": max(arrivals, default=0)}}))
"""


@contextmanager
def loopback_server(latency: float) -> Iterator[tuple[str, dict[str, float]]]:
    """A server process answering after ``latency``; after the block, its first/last arrival."""
    code = SERVER.format(root=str(ROOT), latency=latency)
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    seen: dict[str, float] = {}
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip(), seen
    finally:
        out, _ = server.communicate(input="", timeout=60)
        seen.update(json.loads(out.strip().splitlines()[-1]))


def request_bodies(count: int) -> list[dict[str, Any]]:
    """The library's request bodies for the articles: what raw openai is given, ready-made."""
    bodies = Summarizer(client=openai.OpenAI(api_key=TEST_API_KEY))
    return [bodies.request_body(text) for text in texts(count)]


async def raw_openai(base_url: str, bodies: list[dict[str, Any]], concurrency: int) -> None:
    """C tasks sending ready request bodies with bare ``AsyncOpenAI``: no validation."""
    queue = iter(bodies)
    async with openai.AsyncOpenAI(base_url=base_url, api_key=TEST_API_KEY, max_retries=0) as client:

        async def worker() -> None:
            for body in queue:
                await client.chat.completions.create(**body)

        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def library(base_url: str, count: int, concurrency: int) -> None:
    async with openai.AsyncOpenAI(base_url=base_url, api_key=TEST_API_KEY) as client:
        await run_stream(client, count, concurrency)


def on_ray(base_url: str, count: int, concurrency: int) -> None:
    import summarizer.ray as summarizer_ray

    ray = summarizer_ray._ray()
    rows = [{"id": f"a{i}", "text": text} for i, text in enumerate(texts(count))]
    output = summarizer_ray.summarize_dataset(
        ray.data.from_items(rows),
        concurrency=concurrency,
        workers=2,
        api_key=TEST_API_KEY,
        base_url=base_url,
        max_retries=0,
    )
    failed = [r.id for r in summarizer_ray.records(output) if not r.ok]
    if failed:
        raise SystemExit(f"benchmark answers failed on Ray: {failed[:3]}")


def efficiency(
    run: Callable[[str, int, int], Any], count: int, latency: float, concurrency: int
) -> dict[str, float]:
    with loopback_server(latency) as (base_url, seen):
        started = time.perf_counter()
        outcome = run(base_url, count, concurrency)
        if asyncio.iscoroutine(outcome):
            asyncio.run(outcome)
        wall = time.perf_counter() - started
    ideal = count * latency / concurrency
    span = seen["last"] + latency - seen["first"]
    return {
        "wall_s": round(wall, 2),
        "ideal_s": round(ideal, 2),
        "articles_per_s": round(count / wall, 1),
        "efficiency": round(ideal / wall, 3),
        "served_span_s": round(span, 2),
        "efficiency_served": round(ideal / span, 3),
    }


def _median_run(runs: list[dict[str, float]]) -> dict[str, Any]:
    """The run with the median efficiency, and the range over all runs."""
    ordered = sorted(runs, key=lambda r: r["efficiency"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["runs"] = len(runs)
    chosen["efficiency_range"] = [ordered[0]["efficiency"], ordered[-1]["efficiency"]]
    return chosen


def compare(
    count: int, latency: float, concurrency: int, ray: bool, repeat: int = 3
) -> dict[str, Any]:
    """Raw openai and the library in process, alternated ``repeat`` times; then Ray once.

    Alternating puts both through the same drift of the machine's load; the median run of
    each is reported with the range.
    """
    bodies = request_bodies(count)  # before the clock: raw openai gets them ready-made
    raw_runs, library_runs, gaps = [], [], []
    for _ in range(repeat):
        raw = efficiency(lambda url, _, c: raw_openai(url, bodies, c), count, latency, concurrency)
        lib = efficiency(library, count, latency, concurrency)
        raw_runs.append(raw)
        library_runs.append(lib)
        gaps.append(round(raw["efficiency"] - lib["efficiency"], 3))
    figures: dict[str, Any] = {
        "articles": count,
        "latency_s": latency,
        "concurrency": concurrency,
        "raw_openai": _median_run(raw_runs),
        "library": _median_run(library_runs),
        "gaps": gaps,
        "median_gap": sorted(gaps)[len(gaps) // 2],
    }
    if ray:
        import summarizer.ray as summarizer_ray

        summarizer_ray.init(num_cpus=2)
        try:
            figures["ray"] = efficiency(on_ray, count, latency, concurrency)
        finally:
            summarizer_ray.shutdown()
    return figures


# --- 2. simulated latency, 4. CPU per article and memory -------------------------------------


def in_process_client(latency: float = 0.0) -> openai.AsyncOpenAI:
    async def handle(request: httpx2.Request) -> httpx2.Response:
        if latency:
            await asyncio.sleep(latency)
        status, headers, body = GOOD(json.loads(request.content))
        return httpx2.Response(status, headers=headers, json=body)

    transport = httpx2.MockTransport(handle)
    return openai.AsyncOpenAI(
        api_key=TEST_API_KEY, http_client=httpx2.AsyncClient(transport=transport)
    )


def in_process_efficiency(count: int, latency: float, concurrency: int) -> dict[str, float]:
    """The same with the latency simulated in process: the library and asyncio alone."""

    async def main() -> float:
        async with in_process_client(latency) as client:
            started = time.perf_counter()
            await run_stream(client, count, concurrency)
            return time.perf_counter() - started

    wall = asyncio.run(main())
    ideal = count * latency / concurrency
    return {
        "wall_s": round(wall, 2),
        "ideal_s": round(ideal, 2),
        "efficiency": round(ideal / wall, 3),
    }


def cpu_per_article(count: int, concurrency: int) -> dict[str, float]:
    async def main() -> None:
        async with in_process_client() as client:
            await run_stream(client, count, concurrency)

    asyncio.run(main())  # warm-up: imports, schema and prompt caches
    cpu0, wall0 = time.process_time(), time.perf_counter()
    asyncio.run(main())
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "articles": count,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "articles_per_cpu_s": round(count / cpu, 1),
        "cpu_ms_per_article": round(1000 * cpu / count, 2),
    }


def memory(count: int, concurrency: int) -> dict[str, float]:
    async def main(n: int) -> None:
        async with in_process_client() as client:
            await run_stream(client, n, concurrency)

    asyncio.run(main(200))
    before = peak_rss_mb()
    started = time.perf_counter()
    asyncio.run(main(count))
    return {
        "articles": count,
        "peak_rss_after_200_mb": round(before, 1),
        "peak_rss_after_all_mb": round(peak_rss_mb(), 1),
        "wall_s": round(time.perf_counter() - started, 1),
    }


# --- 3. CPU per call ------------------------------------------------------------------------


def realistic_case() -> tuple[str, str]:
    """An article of the three seeds (two of them again) and its ~22 KB grounded answer."""
    text = LONG_SEPARATOR.join([long_article(), article(SEED_ID), article(GERMAN_ID)])
    data = gold_for_chunk(long_article())
    for seed_id in (SEED_ID, GERMAN_ID):
        extra = gold(seed_id)
        for key in ("quotes", "positions", "proposed_meetings", "stances"):
            data[key] = data[key] + extra[key]
        data["framing"]["expressions"] += extra["framing"]["expressions"]
    return text, json.dumps(data, ensure_ascii=False)


def call_contenders() -> tuple[dict[str, Callable[[], object]], int]:
    text, arguments = realistic_case()
    client = CaptureEndpoint(arguments, keep=False).client()
    # The answer has ArticleSummary's shape, so every contender asks in the prompt version
    # whose answers have that shape; bare instructor sends that version's schema too.
    engine = Summarizer(client=client, max_retries=0, prompt_version=COMPARED_PROMPT)
    body = engine.request_body(text)
    context = {"article": text, "published": "unknown"}
    bare = instructor.from_openai(client, mode=instructor.Mode.TOOLS)

    def raw() -> object:
        return client.chat.completions.create(**body)

    def raw_validated() -> object:
        completion = client.chat.completions.create(**body)
        tool_call = completion.choices[0].message.tool_calls[0]  # type: ignore[index]
        return ArticleSummary.model_validate_json(
            tool_call.function.arguments,  # type: ignore[union-attr]
            context=context,
        )

    def bare_instructor() -> object:
        return bare.chat.completions.create(
            model=engine.model,
            response_model=released_summary_model(),
            max_retries=0,
            messages=[
                {"role": "system", "content": "Summarize the news article."},
                {"role": "user", "content": "{{ article }}"},
            ],
            context=context,
        )

    contenders: dict[str, Callable[[], object]] = {
        "raw openai": raw,
        "raw openai + validation": raw_validated,
        "bare instructor": bare_instructor,
        "library": lambda: engine.summarize(text),
    }
    return contenders, len(arguments.encode())


def cpu_per_call(rounds: int, per_round: int = 5) -> dict[str, Any]:
    contenders, answer_bytes = call_contenders()
    for call in contenders.values():  # warm-up: caches, first-call imports
        for _ in range(per_round):
            call()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, call in contenders.items():
            started = time.process_time()
            for _ in range(per_round):
                call()
            samples[name].append((time.process_time() - started) / per_round * 1000)
    ms = {name: round(statistics.median(values), 2) for name, values in samples.items()}
    floor = ms["raw openai + validation"]
    return {
        "answer_bytes": answer_bytes,
        "calls_each": rounds * per_round,
        "cpu_ms": ms,
        "library_vs_floor": round(ms["library"] / floor, 2),
        "bare_instructor_vs_floor": round(ms["bare instructor"] / floor, 2),
    }


# --- report ---------------------------------------------------------------------------------


def batch_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    e = figures["compare"]
    names = {"raw_openai": "raw openai.AsyncOpenAI", "library": "library, in process"}
    names["ray"] = "library, Ray local cluster, 2 workers"
    rows = []
    for key, name in names.items():
        if key not in e:
            continue
        f = e[key]
        result = (
            f"{f['wall_s']} s, {f['articles_per_s']} articles/s = {f['efficiency']:.0%} of ideal"
        )
        if "efficiency_range" in f:
            low, high = f["efficiency_range"]
            result += f" (median of {f['runs']}, range {low:.0%}–{high:.0%})"
        if key == "ray":
            result += f" ({f['efficiency_served']:.0%} once the workers are up)"
        rows.append((name, result))
    gaps = ", ".join(f"{g:.3f}" for g in e["gaps"])
    rows.append(("raw openai's share minus the library's, run by run", gaps))
    return rows


def other_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    ip, c, m, calls = (figures[k] for k in ("in_process", "cpu", "memory", "cpu_per_call"))
    rows = [
        (
            "library, latency simulated in process (no HTTP server)",
            f"{ip['wall_s']} s (ideal {ip['ideal_s']} s) = {ip['efficiency']:.0%} of ideal",
        )
    ]
    for name, value in calls["cpu_ms"].items():
        rows.append(
            (f"CPU per call, {calls['answer_bytes'] / 1000:.0f} KB answer: {name}", f"{value} ms")
        )
    rows.append(
        (
            "library / (raw openai + validation)",
            f"{calls['library_vs_floor']}× (bare instructor {calls['bare_instructor_vs_floor']}×)",
        )
    )
    rows += [
        (
            f"library CPU streaming {c['articles']} articles at zero latency, one event loop",
            f"{c['cpu_ms_per_article']} ms/article = {c['articles_per_cpu_s']:.0f} per CPU-second",
        ),
        (
            f"peak RSS streaming {m['articles']:,} articles",
            f"{m['peak_rss_after_200_mb']} MB after 200 → "
            f"{m['peak_rss_after_all_mb']} MB after all",
        ),
    ]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="alternated raw/library runs")
    parser.add_argument("--cpu-rounds", type=int, default=40, help="of 5 calls per contender")
    parser.add_argument("--cpu-articles", type=int, default=1000)
    parser.add_argument("--memory-articles", type=int, default=10_000)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray cluster")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    figures = {  # memory first, the Ray cluster last: peak RSS is the whole process's
        "memory": memory(args.memory_articles, args.concurrency),
        "in_process": in_process_efficiency(args.articles, args.latency, args.concurrency),
        "cpu_per_call": cpu_per_call(args.cpu_rounds),
        "cpu": cpu_per_article(args.cpu_articles, args.concurrency),
        "compare": compare(
            args.articles, args.latency, args.concurrency, not args.no_ray, args.repeat
        ),
        "machine": {**machine(), "platform": platform.platform()},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    e = figures["compare"]
    title = (
        f"{e['articles']} articles, {int(e['latency_s'] * 1000)} ms latency, "
        f"concurrency {e['concurrency']}, same run"
    )
    if args.markdown:
        print(f"| {title} | result |\n| --- | --- |")
        for row in batch_rows(figures):
            print("| " + " | ".join(row) + " |")
        print("\n| measure | result |\n| --- | --- |")
        for row in other_rows(figures):
            print("| " + " | ".join(row) + " |")
        return 0
    console = Console()
    for heading, rows in ((title, batch_rows(figures)), ("measure", other_rows(figures))):
        table = Table(heading, "result", title="Batch benchmark")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
