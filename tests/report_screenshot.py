"""Regenerate ``docs/report.png``: the seed article's HTML report in headless Chromium.

Also the seed summaries the report tests use.

    .venv/bin/python -m tests.report_screenshot

The summary is what ``examples/summarize_seed.py`` prints without a key: the library run
offline against the recorded cassette ``cassettes/seed_article_v4.yaml`` (a curated answer, see
``cassettes/README.md``). Needs a Chromium binary (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import openai

from summarizer import (
    DEFAULT_MODEL,
    ArticleSummary,
    Span,
    SummaryMeta,
    Usage,
    __version__ as library_version,
    load_prompt,
)
from summarizer._article import prepare_article
from summarizer._views._report import summary_to_html
from tests.browser import Chromium, find_chromium
from tests.scenarios import SEED_ID, article, gold

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "report.png"
SIZE = (1440, 1180)


def summary_from_gold(seed_id: str = SEED_ID) -> ArticleSummary:
    """A grounded summary built offline from a gold file, with the spans the library computes."""
    text = article(seed_id)
    summary = ArticleSummary.model_validate(gold(seed_id), context={"article": text})
    prompt = load_prompt("v1")  # the gold files have the summary's own shape: v1's answers
    meta = SummaryMeta(
        model="gold-annotation",
        mode="tools",
        prompt_id=prompt.id,
        prompt_version=prompt.version,
        prompt_sha256=prompt.sha256,
        attempts=1,
        usage=Usage(input_tokens=1000, output_tokens=500),
        latency_s=1.5,
        created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        library_version=library_version,
    )
    published = prepare_article(text).published
    return summary.model_copy(update={"article_text": text, "published": published, "meta": meta})


def expected_highlights(summary: ArticleSummary, prefix: str = "a0-") -> dict[str, tuple[str, str]]:
    """DOM id -> (kind, article slice) for every located quote, evidence and framing term."""
    text = summary.article_text
    assert text is not None
    spans: dict[str, tuple[str, Span | None]] = {}
    for i, q in enumerate(summary.quotes):
        spans[f"{prefix}q{i}"] = ("quote", q.location)
    for i, p in enumerate(summary.positions):
        spans[f"{prefix}p{i}"] = ("evidence", p.evidence_span)
    for i, m in enumerate(summary.proposed_meetings):
        for j, span in enumerate(m.evidence_spans):
            spans[f"{prefix}m{i}e{j}"] = ("evidence", span)
    for i, st in enumerate(summary.stances):
        spans[f"{prefix}s{i}"] = ("evidence", st.evidence_span)
    for i, e in enumerate(summary.framing.expressions):
        for j, span in enumerate(e.spans):
            spans[f"{prefix}f{i}o{j}"] = ("framing", span)
    return {k: (kind, span.slice(text)) for k, (kind, span) in spans.items() if span}


def replayed_seed_summary() -> ArticleSummary:
    """The seed summarised by the library, replaying the recorded cassette offline."""
    from summarizer import summarize_article
    from tests.recording import make_vcr

    client = openai.OpenAI(api_key="replay-only")
    with make_vcr("none").use_cassette("seed_article_v4"):  # the default prompt's
        return summarize_article(article(SEED_ID), client=client, model=DEFAULT_MODEL)


def main() -> int:
    binary = find_chromium()
    if binary is None:
        print("no Chromium found: apt-get install chromium (or set SUMMARIZER_CHROMIUM)")
        return 1
    summary = replayed_seed_summary()
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        page.write_text(summary_to_html(summary), encoding="utf-8")
        with Chromium(binary, width=SIZE[0], height=SIZE[1]) as browser:
            browser.open(page.as_uri())
            browser.screenshot(SCREENSHOT)
    print(f"wrote {SCREENSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
