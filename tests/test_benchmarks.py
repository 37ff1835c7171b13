"""The benchmarks keep running: their request-building path and their scripts (no timing)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from summarizer import ArticleSummary, Summarizer, load_prompt, locate_quote

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Import a benchmark script as a module (they import their ``_common`` helper)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))

    def load(name: str) -> ModuleType:
        return importlib.import_module(name)

    return load


def run_script(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_static_prefix_is_byte_identical_and_the_article_comes_last(bench: Any) -> None:
    tokens = bench("tokens")
    bodies = tokens.request_bodies()
    assert {(mode, who) for _, mode, who in bodies} == {
        (mode, who) for mode in tokens.MODES for who in ("library", "baseline")
    }
    for side, check in tokens.prefix_checks(bodies).items():
        assert check["static_prefix_identical"], side
        assert check["article_after_prefix"], side
    prompt = load_prompt(tokens.COMPARED_PROMPT)
    for (seed, mode, who), body in bodies.items():
        if who == "library":
            text = (ROOT / "seeds" / f"{seed}.txt").read_text("utf-8")
            # the HTTP body is what Summarizer.request_body (the Batch API's) says it is
            engine = Summarizer(mode=mode, prompt_version=prompt.version)
            assert json.loads(json.dumps(engine.request_body(text))) == body
            system, user = body["messages"]
            assert system == {"role": "system", "content": prompt.spec.system}
            assert user["role"] == "user" and user["content"].endswith("</article>")
            assert text.strip() in user["content"]


def test_the_library_adds_its_instructions_and_nothing_else(bench: Any) -> None:
    """Library and baseline send the same schema; the difference is the prompt."""
    tokens = bench("tokens")
    seed = tokens.seed_ids()[0]
    for mode in tokens.MODES:
        library, summary = tokens.library_body(seed, mode)
        baseline = tokens.baseline_body(seed, mode)
        assert isinstance(summary, ArticleSummary) and summary.quotes
        assert tokens.schema_part(library) == tokens.schema_part(baseline)
        assert {k: v for k, v in library.items() if k != "messages"} == {
            k: v for k, v in baseline.items() if k != "messages"
        }
        assert baseline["messages"][0]["content"] == bench("_common").BASELINE_SYSTEM


def test_token_estimate_without_a_tokenizer(bench: Any) -> None:
    counter = bench("tokens").make_counter(estimate=True)
    assert not counter.exact and "estimate" in counter.name
    assert counter.count("abcd" * 10) == 10


@pytest.mark.slow
def test_token_benchmark_script_runs() -> None:
    data = run_script("benchmarks/tokens.py")
    assert len(data["rows"]) == 2 * 2 * len(list((ROOT / "seeds").glob("*.txt")))
    assert all(c["static_prefix_identical"] for c in data["prefix"].values())
    for row in data["rows"]:
        assert row["input_tokens"] == row["article_tokens"] + row["overhead_tokens"]
        assert 0 < row["usd_per_1000_cached"] <= row["usd_per_1000"]
    assert set(data["overhead"]) == {"tools", "json_schema"}
    reasks = {r["cassette"]: r for r in data["reask_cassettes"]}
    assert reasks["reask_ungrounded_quote"]["reasks"] == 1
    assert reasks["seed_article"]["reasks"] == 0
    assert not data["reasks"]["schema_in_any_reask"]


def test_grounding_benchmark_inputs_are_what_they_claim(bench: Any) -> None:
    overhead = bench("overhead")
    text, copies = overhead.long_article()
    assert len(text.encode("utf-8")) >= overhead.ARTICLE_BYTES
    quotes = overhead.boundary_quotes(copies)
    assert len(quotes) == overhead.QUOTES == len(set(quotes))
    spans = [locate_quote(q, text) for q in quotes]
    assert all(spans)
    assert all(s is not None and s.end - s.start < 300 for s in spans)
    starts = [s.start for s in spans if s is not None]
    assert starts == sorted(starts) and starts[-1] > len(text) * 0.9  # spread over the text
    assert not any(locate_quote(overhead.absent(q), text) for q in quotes)
    summary = ArticleSummary.model_validate(
        overhead.summary_payload(quotes), context={"article": text}
    )
    assert len(summary.quotes) == overhead.QUOTES and all(q.span for q in summary.quotes)


@pytest.mark.slow
def test_overhead_benchmark_script_runs() -> None:
    data = run_script("benchmarks/overhead.py", "--calls", "2", "--warmup", "0", "--repeats", "1")
    assert {r["transport"] for r in data["wall_time"]} == {"inprocess", "http"}
    assert {r["call"] for r in data["wall_time"]} == {
        "baseline",
        "baseline, model wrapped once",
        "summarize_article",
        "Summarizer.summarize",
    }
    assert len(data["grounding"]["rows"]) == 3
    scaling = data["grounding_scaling"]
    assert scaling["sizes_bytes"] == [60_000, 480_000]
    assert len(scaling["rows"]) == 4 and all(r["small_ms"] > 0 for r in scaling["rows"])


def test_output_benchmark_compares_the_answer_sizes_of_v1_and_v2() -> None:
    data = run_script("benchmarks/output.py")
    v1, v2 = (data["versions"][v]["totals"] for v in ("v1", "v2"))
    assert v1["articles"] == v2["articles"] == 12
    assert v1["article_chars"] == v2["article_chars"]  # the same articles
    assert v2["answer_chars"] < v1["answer_chars"] / 2  # the lean shape halves it, at least
    for version in ("v1", "v2"):
        for row in data["versions"][version]["rows"]:
            assert row["chars_ratio"] == round(row["answer_chars"] / row["article_chars"], 2)


def test_output_benchmark_reads_named_cassettes_with_the_median() -> None:
    """The real set's answers, one label per recording (docs/real-set.md quotes the figures)."""
    data = run_script("benchmarks/output.py", "--cassette", "v3=real_v3")
    assert list(data["versions"]) == ["v3"]
    totals, rows = data["versions"]["v3"]["totals"], data["versions"]["v3"]["rows"]
    assert totals["articles"] == 16 and totals["article_chars"] == 64_500
    ratios = sorted(row["answer_chars"] / row["article_chars"] for row in rows)
    assert totals["chars_ratio_median"] == round((ratios[7] + ratios[8]) / 2, 2)
    assert totals["chars_ratio_range"] == [round(ratios[0], 2), round(ratios[-1], 2)]


@pytest.mark.slow
def test_merge_benchmark_script_runs() -> None:
    data = run_script("benchmarks/merge.py", "--chunks", "3", "--pieces", "60", "--repeat", "1")
    [merged] = data["merge"]
    assert merged["chunks"] == 3 and merged["speakers"] == 5 and merged["quotes"] == 30
    [pieces] = data["pieces"]
    assert pieces["pieces"] == 60 and pieces["search_s"] > 0
