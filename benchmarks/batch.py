"""Batch throughput, library CPU per article, and memory over a long stream.

    .venv/bin/python benchmarks/batch.py            # all three, default sizes
    .venv/bin/python benchmarks/batch.py --markdown # the table for the README

1. Concurrency efficiency: N articles against a loopback OpenAI-compatible HTTP server that
   answers after a fixed latency L, at concurrency C. Ideal wall time is N·L/C; the figure is
   ideal / measured (target ≥ 85 % at C = 16, N = 200, L = 300 ms).
2. Library CPU per article: the same at zero latency through an in-process transport, on
   one event loop (one core): articles per second of CPU time (target ≥ 200/s).
3. Memory: 10,000 articles streamed through ``asummarize_articles`` at zero latency, peak
   RSS before and after (target: flat, under 200 MB).

Every answer is the seed article's curated gold answer, fully validated and grounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import openai
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Summarizer, asummarize_articles  # noqa: E402
from tests.scenarios import SEED_ID, TEST_API_KEY, answer, article, gold  # noqa: E402

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "benchmark")


def texts(count: int) -> Any:
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


SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.fault_server import FaultServer
from tests.scenarios import SEED_ID, answer, gold
good = answer(gold(SEED_ID), "benchmark")
def slow(request):
    time.sleep({latency})
    return good(request)
with FaultServer([slow], repeat_last=True) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
"""


def latency_efficiency(count: int, latency: float, concurrency: int) -> dict[str, float]:
    """The endpoint runs in its own process, so its CPU does not count against the library."""
    code = SERVER.format(root=str(ROOT), latency=latency)
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()

        async def main() -> float:
            async with openai.AsyncOpenAI(base_url=base_url, api_key=TEST_API_KEY) as client:
                started = time.perf_counter()
                await run_stream(client, count, concurrency)
                return time.perf_counter() - started

        wall = asyncio.run(main())
    finally:
        server.communicate(input="", timeout=30)
    ideal = count * latency / concurrency
    return {
        "articles": count,
        "latency_s": latency,
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "ideal_s": round(ideal, 2),
        "efficiency": round(ideal / wall, 3),
    }


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--cpu-articles", type=int, default=1000)
    parser.add_argument("--memory-articles", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    figures = {
        "efficiency": latency_efficiency(args.articles, args.latency, args.concurrency),
        "efficiency_in_process": in_process_efficiency(
            args.articles, args.latency, args.concurrency
        ),
        "cpu": cpu_per_article(args.cpu_articles, args.concurrency),
        "memory": memory(args.memory_articles, args.concurrency),
        "machine": {
            "python": platform.python_version(),
            "cores": __import__("os").cpu_count(),
            "cpu": platform.processor() or platform.machine(),
        },
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    e, c, m = figures["efficiency"], figures["cpu"], figures["memory"]
    ip = figures["efficiency_in_process"]
    rows = [
        (
            f"{e['articles']} articles, {int(e['latency_s'] * 1000)} ms latency, "
            f"concurrency {e['concurrency']}",
            f"{e['wall_s']} s (ideal {e['ideal_s']} s) = {e['efficiency']:.0%} of ideal",
            "≥ 85 %",
        ),
        (
            "the same, latency simulated in process (no HTTP server)",
            f"{ip['wall_s']} s (ideal {ip['ideal_s']} s) = {ip['efficiency']:.0%} of ideal",
            "≥ 85 %",
        ),
        (
            f"library CPU, {c['articles']} articles at zero latency, one event loop",
            f"{c['cpu_ms_per_article']} ms/article = "
            f"{c['articles_per_cpu_s']:.0f} articles per CPU-second",
            "≥ 200/s",
        ),
        (
            f"peak RSS streaming {m['articles']:,} articles",
            f"{m['peak_rss_after_200_mb']} MB after 200 → "
            f"{m['peak_rss_after_all_mb']} MB after all",
            "flat, < 200 MB",
        ),
    ]
    if args.markdown:
        print("| measure | result | target |\n| --- | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return 0
    table = Table("measure", "result", "target", title="Batch benchmark")
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
