"""Re-record the cassettes.

    python -m tests.record                 # curated cassettes, offline (no key needed)
    python -m tests.record --live          # live-recordable ones, from a real endpoint
    python -m tests.record --live seed_article scheduled_visit

Curated: the library runs for real and sends its real requests into an in-process
transport that answers with the scenario's curated responses; vcrpy records both sides.
Live: the same runs against ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` (and
``SUMMARIZER_MODEL`` if set); only scenarios a well-behaved model can reproduce are
recorded. After a live recording, update the origin column of ``cassettes/README.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from summarizer import ArticleSummary, Summarizer, SummarizerError
from tests.fakes import ScriptedEndpoint
from tests.recording import CASSETTES, make_vcr
from tests.scenarios import SCENARIOS, Scenario


def run(scenario: Scenario, client: Any) -> ArticleSummary | SummarizerError:
    """Run the library on the scenario's article; a typed failure is a result too."""
    # chunk_concurrency=1: chunks recorded in article order, a stable cassette
    summarizer = Summarizer(client=client, **scenario.settings).with_options(chunk_concurrency=1)
    summarizer._sleep = lambda seconds: None  # recording need not wait out Retry-After
    try:
        return summarizer.summarize(scenario.article())
    except SummarizerError as exc:
        return exc


BATCH_CASSETTES = ("openai_batch_round_trip", "openai_batch_submit_collect")


def record_openai_batch(name: str) -> None:
    """Record a Batch API flow against the curated fake, through the CLI's own functions."""
    import io
    import tempfile
    from pathlib import Path

    import httpx2
    import openai
    from rich.console import Console

    from summarizer._runs._openai_batch import batch_status
    from summarizer._runs._results import ResultsFile
    from summarizer.cli._batch import (
        BatchInput,
        BatchStats,
        collect_openai_batch,
        pending_articles,
        submit_openai_batch,
    )
    from tests.fake_batch_api import FakeBatchAPI, write_batch_inputs
    from tests.scenarios import TEST_API_KEY

    fake = FakeBatchAPI(polls_before_done=1)
    http_client = httpx2.Client(transport=httpx2.MockTransport(fake.handle))
    summarizer = Summarizer(client=openai.OpenAI(api_key=TEST_API_KEY, http_client=http_client))
    quiet = Console(file=io.StringIO())
    (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp, make_vcr("all").use_cassette(name):
        folder, output = Path(tmp) / "in", Path(tmp) / "out.jsonl"
        write_batch_inputs(folder)
        batch_input = BatchInput(str(folder), output)
        job, pending, results, stats = submit_openai_batch(batch_input, summarizer, console=quiet)
        assert job is not None
        if name == "openai_batch_submit_collect":  # --submit-only, batch-status, batch-collect
            batch_status(summarizer, job.id)
            pending = pending_articles(batch_input)
            results = ResultsFile(output)
            stats = BatchStats(model=summarizer.model, total=len(pending))
        collect_openai_batch(
            job.id, pending, results, stats, summarizer, poll_interval=0, console=quiet
        )
    print(f"recorded {name}.yaml: {stats.ok} ok, {stats.failed} failed (curated Batch API)")


def record(scenario: Scenario, live: bool) -> None:
    scenario.cassette.unlink(missing_ok=True)
    with make_vcr("all").use_cassette(scenario.name):
        if live:
            outcome = run(scenario, None)
        else:
            endpoint = ScriptedEndpoint(scenario.replies())
            outcome = run(scenario, endpoint.client())
            if len(endpoint.requests) != len(endpoint.replies):
                raise SystemExit(f"{scenario.name}: not every curated reply was used")
    status = type(outcome).__name__
    print(f"recorded {scenario.cassette.name}: {status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="record from a live endpoint")
    parser.add_argument("names", nargs="*", help="scenario names (default: all that apply)")
    args = parser.parse_args(argv)
    if args.live and not os.environ.get("OPENAI_API_KEY"):
        print("--live needs OPENAI_API_KEY (and OPENAI_BASE_URL for other servers)")
        return 2
    names = args.names or [n for n, s in SCENARIOS.items() if s.live or not args.live]
    if not args.live:
        for name in BATCH_CASSETTES:
            if not args.names or name in args.names:
                record_openai_batch(name)
        names = [n for n in names if n not in BATCH_CASSETTES]
    for name in names:
        scenario = SCENARIOS[name]
        if args.live and not scenario.live:
            print(f"skipped {name}: its answers are scripted faults, not live output")
            continue
        record(scenario, live=args.live)
    if args.live:
        print("Now mark these cassettes as live recordings in cassettes/README.md.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
