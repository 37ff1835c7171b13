"""The development story (``seeds/story/``) as the corpus tests use it.

- :func:`story_inputs` writes the batch input: a JSONL of ``id``/``text``/``published``
  records taken from ``seeds/story/gold.jsonl`` (the articles' exact file contents).
- :func:`run_story_batch` runs the real ``summarizer batch`` command on it, replaying
  ``cassettes/story_v2.yaml`` offline: its answers were written by a language model given
  only the request (see ``cassettes/README.md``), not by the team and not by a live API.
- :func:`large_summary` joins the eight replayed summaries into one summary of one long
  article (spans shifted, speakers merged by identity, as chunks are merged): 15 or so
  speakers, 50 quotes and a dozen meetings, the size the report must hold.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from summarizer import ArticleSummary, Span, Summarizer
from summarizer._chunking import merge_chunks, shift_spans
from summarizer.cli import app
from tests.recording import SEEDS, make_vcr
from tests.scenarios import TEST_API_KEY

STORY = SEEDS / "story"
GOLD = STORY / "gold.jsonl"
THREADS = STORY / "threads.json"
CASSETTE = "story_v2"
PROMPT_VERSION = "v2"
"""The prompt the story's answers were written for (v3, the default, has none yet)."""
SEPARATOR = "\n\n* * *\n\n"


def gold_records() -> list[dict[str, Any]]:
    """The story's gold lines, in publication order."""
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return sorted(records, key=lambda r: (r["published"], r["id"]))


def threads_gold() -> dict[str, Any]:
    """``seeds/story/threads.json``: people, meeting threads and stance threads."""
    data: dict[str, Any] = json.loads(THREADS.read_text(encoding="utf-8"))
    return data


def story_inputs(path: Path) -> Path:
    """Write the batch input (JSONL of id, text, published) and return its path."""
    with path.open("w", encoding="utf-8") as out:
        for record in gold_records():
            line = {"id": record["id"], "text": record["text"], "published": record["published"]}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


def run_story_batch(folder: Path) -> Path:
    """``summarizer batch`` on the story, replaying the cassette; returns the results file.

    Raises:
        AssertionError: The command failed, or left a recorded answer unplayed.
    """
    inputs = story_inputs(folder / "story.jsonl")
    results = folder / "results.jsonl"
    args = ["batch", str(inputs), "-o", str(results), "--no-cache", "--concurrency", "2"]
    args += ["--prompt-version", PROMPT_VERSION]
    with make_vcr("none").use_cassette(CASSETTE) as cassette:
        run = CliRunner().invoke(app, args, env={"OPENAI_API_KEY": TEST_API_KEY})
    assert run.exit_code == 0, run.output
    assert cassette.all_played, "a recorded answer of the story was not requested"
    return results


@cache
def replayed_summaries() -> tuple[ArticleSummary, ...]:
    """The eight story summaries, summarised by the library replaying the cassette."""
    import openai

    client = openai.OpenAI(api_key=TEST_API_KEY)
    summarizer = Summarizer(client=client, max_retries=0, prompt_version=PROMPT_VERSION)
    with make_vcr("none").use_cassette(CASSETTE):
        return tuple(summarizer.summarize(r["text"], r["published"]) for r in gold_records())


def large_summary() -> ArticleSummary:
    """One summary of the eight articles joined: the size of a long, busy news article."""
    parts = [s.model_copy(deep=True) for s in replayed_summaries()]
    texts = [s.article_text or "" for s in parts]
    article = SEPARATOR.join(texts)
    start = 0
    for part, text in zip(parts, texts, strict=True):
        shift_spans(part, Span(start=start, end=start + len(text)), article)
        start += len(text) + len(SEPARATOR)
    merged = merge_chunks(parts, article)
    first = replayed_summaries()[0]
    return merged.model_copy(
        update={
            "headline": "Four weeks of Lestria–Koravia talks, as one long article",
            "summary": first.summary,
            "published": first.published,
            "meta": first.meta,
        }
    )
