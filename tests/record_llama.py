"""Record the seed article through a real local llama.cpp server (Gemma 3 270M).

    python -m tests.record_llama

Starts ``llama_cpp.server`` (see ``tests/llama_server.py`` for the environment variables),
runs the seed article in tools mode with one reask, greedy decoding (temperature 0) and a
fixed server seed, and records both requests and the model's real answers into
``cassettes/llama_gemma3_270m_seed.yaml``. A model this small does not produce a valid,
grounded summary: the recording captures a genuine failure path (first answer rejected,
one reask naming the problems, ``ExtractionError``). ``tests/test_llama_replay.py``
replays it offline; update its assertions if a re-recording changes the outcome.
"""

from __future__ import annotations

import sys
import time

import openai

from summarizer import ArticleSummary, Summarizer, SummarizerError
from tests.llama_server import MODEL_NAME, LlamaUnavailable, find_setup, llama_server
from tests.recording import CASSETTES, make_vcr
from tests.scenarios import SEED_ID, article

CASSETTE = "llama_gemma3_270m_seed"
PROMPT_VERSION = "v1"
"""The prompt of the recording (v2 is the default now; re-record with it to update)."""
MAX_REASKS = 1
TIMEOUT = 300.0
"""Per-request seconds: each request took 30-45 s on two CPU cores; this is headroom."""


def run(base_url: str) -> ArticleSummary | SummarizerError:
    client = openai.OpenAI(base_url=base_url, api_key="local")
    summarizer = Summarizer(
        client=client,
        model=MODEL_NAME,
        prompt_version=PROMPT_VERSION,
        max_retries=0,  # a retry would record a second, identical request
        max_reasks=MAX_REASKS,
        timeout=TIMEOUT,
        temperature=0.0,
    )
    try:
        return summarizer.summarize(article(SEED_ID))
    except SummarizerError as exc:
        return exc


def main() -> int:
    path = CASSETTES / f"{CASSETTE}.yaml"
    try:
        setup = find_setup()
    except LlamaUnavailable as exc:
        print(f"cannot record: {exc}")
        return 2
    with llama_server(setup) as base_url:
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        with make_vcr("all").use_cassette(CASSETTE) as cassette:
            outcome = run(base_url)
        elapsed = time.perf_counter() - started
    print(f"recorded {path.name}: {len(cassette.data)} interaction(s) in {elapsed:.1f}s")
    if isinstance(outcome, ArticleSummary):
        assert outcome.meta is not None
        print(f"outcome: ArticleSummary, {outcome.meta.attempts} request(s), {outcome.meta.usage}")
    else:
        attempts = getattr(outcome, "attempts", None)
        usage = getattr(outcome, "usage", None)
        print(f"outcome: {type(outcome).__name__} (attempts={attempts}, usage={usage})")
        print(f"message: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
