"""Input bounds: an input too large to be a real article is refused before any request.

A runaway input (a 4 MB text, a 37 MB page) would otherwise become hundreds of paid
requests or minutes of HTML parsing. Each bound is a setting (keyword, environment variable,
command-line flag), its error names the size, the limit and how to raise it, and raising it
lets the same input through. ``batch`` prints the requests it will send before it sends any.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import openai
import pytest
import trafilatura
from typer.testing import CliRunner, Result

from summarizer import (
    ConfigurationError,
    InputError,
    Settings,
    Summarizer,
    summarize_article,
    summarize_articles,
)
from summarizer._runs._sources import InputProblem, html_to_text, read_articles
from summarizer.cli import app
from tests.fault_server import FaultServer
from tests.scenarios import (
    SEED_ID,
    TEST_API_KEY,
    answer,
    article,
    gold,
    gold_for_chunk,
    sent_article,
)

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "good")


def part(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    """A curated answer to whichever chunk of a seed-based article is asked."""
    return answer(gold_for_chunk(sent_article(request)), "part")(request)


BRIEF = answer(
    {"headline": "Kremlin sees no impulses", "summary": "The Kremlin spoke.", "speakers": []},
    "brief",
)
"""An answer that grounds nothing: cheap to check on a chunk of megabytes."""


def repeated_seed(size: int) -> str:
    """The seed's paragraphs again and again, to at least ``size`` characters."""
    copies = -(-size // (len(SEED) + 2))
    return "\n\n".join([SEED] * copies)


FOUR_MB = repeated_seed(4_000_000)


def client(server: FaultServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)


def test_a_4mb_article_is_refused_before_any_request() -> None:
    with FaultServer([]) as server:
        engine = Summarizer(client=client(server))
        with pytest.raises(InputError) as caught:
            engine.summarize(FOUR_MB)
        with pytest.raises(InputError):
            asyncio.run(engine.asummarize(FOUR_MB))
        with pytest.raises(InputError):
            engine.request_bodies(FOUR_MB)  # nor is a Batch API line built for it
    assert server.requests == []
    message = str(caught.value)
    assert f"the article is {len(FOUR_MB):,} characters" in message
    assert "over the limit of 1,000,000; nothing was sent" in message
    for way in ("max_article_chars=", "SUMMARIZER_MAX_ARTICLE_CHARS", "--max-article-chars"):
        assert way in message
    assert caught.value.model == "gpt-4.1-mini"


def test_a_4mb_article_is_planned_in_chunks_when_the_limits_are_raised() -> None:
    """Raised, the same text is accepted: the default model needs one request per chunk."""
    raised = Summarizer(settings=Settings(max_article_chars=5_000_000, max_chunks=1_000))
    bodies = raised.request_bodies(FOUR_MB)
    assert 240 < len(bodies) < 260  # chunks of about 16,000 characters
    with pytest.raises(InputError) as caught:  # only the size was raised: now the chunks
        Summarizer().with_options(max_article_chars=5_000_000).request_bodies(FOUR_MB)
    message = str(caught.value)
    assert f"needs {len(bodies)} chunks (requests) of at most 5,461 tokens" in message
    assert "over the limit of 64" in message
    for way in ("max_chunks=", "SUMMARIZER_MAX_CHUNKS", "--max-chunks"):
        assert way in message


def test_a_4mb_article_is_summarised_when_the_limit_is_raised() -> None:
    """End to end: a local model with a large budget takes it in a few chunks, all sent."""
    with FaultServer([BRIEF], repeat_last=True) as server:
        settings = Settings(
            model="local-model",
            max_input_tokens=700_000,  # the text is about 1,340,000 tokens (bytes / 3)
            max_article_chars=5_000_000,
        )
        engine = Summarizer(client=client(server), settings=settings)
        result = engine.summarize(FOUR_MB)
    assert result.meta is not None and len(result.meta.chunks) == 2
    assert len(server.requests) == 2 == result.meta.attempts
    assert result.article_text == FOUR_MB and result.headline == "Kremlin sees no impulses"
    assert sorted(len(sent_article(r)) for r in server.requests) == sorted(
        len(c.slice(FOUR_MB)) for c in result.meta.chunks
    )


def test_too_many_chunks_are_refused_before_any_request() -> None:
    with FaultServer([part, part]) as server:
        tight = Summarizer(client=client(server), max_input_tokens=500).with_options(max_chunks=1)
        with pytest.raises(InputError, match=r"needs 2 chunks .* over the limit of 1;"):
            tight.summarize(SEED)
        assert server.requests == []
        result = tight.with_options(max_chunks=2).summarize(SEED)
    assert result.meta is not None and len(result.meta.chunks) == 2 == len(server.requests)


@pytest.mark.parametrize(
    ("name", "variable", "value"),
    [
        ("max_article_chars", "SUMMARIZER_MAX_ARTICLE_CHARS", 1_000_000),
        ("max_chunks", "SUMMARIZER_MAX_CHUNKS", 64),
        ("max_html_bytes", "SUMMARIZER_MAX_HTML_BYTES", 5_000_000),
    ],
)
def test_each_bound_is_a_validated_setting(name: str, variable: str, value: int) -> None:
    assert getattr(Settings(), name) == value
    assert getattr(Settings.from_env({variable: "123"}), name) == 123
    keyword: dict[str, Any] = {name: 7}
    assert getattr(Settings.from_env({variable: "123"}, **keyword), name) == 7  # keyword wins
    assert getattr(Summarizer().with_options(**{name: 9}).settings, name) == 9  # type: ignore[arg-type]
    for bad in ("0", "-5", "lots"):
        with pytest.raises(ConfigurationError, match=f"{name} \\(or {variable}\\)"):
            Settings.from_env({variable: bad})
    for wrong in (0, True, 2.5, "10"):
        with pytest.raises(ConfigurationError, match=name):
            Settings(**{name: wrong})  # type: ignore[arg-type]


def test_the_bounds_hold_in_every_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-call function, a batch and the environment: the same error, nothing sent."""
    text = repeated_seed(20_000)
    small = Settings(max_article_chars=10_000)
    with FaultServer([]) as server:
        with pytest.raises(InputError, match="limit of 10,000"):
            summarize_article(text, client=client(server), settings=small)
        [result] = summarize_articles([text], client=client(server), settings=small)
        assert isinstance(result.error, InputError)
        monkeypatch.setenv("SUMMARIZER_MAX_ARTICLE_CHARS", "10000")
        with pytest.raises(InputError, match="limit of 10,000"):
            Summarizer(client=client(server)).summarize(text)
    assert server.requests == []


def page(paragraphs: int) -> str:
    body = "".join(f"<p>{p}</p>" for p in SEED.split("\n\n")) * paragraphs
    return f"<html><body><nav>Menu</nav><article>{body}</article></body></html>"


def test_html_over_the_cap_is_refused_without_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[int] = []
    load_html = trafilatura.load_html

    def counting_parse(html: str, **options: Any) -> Any:
        parsed.append(len(html))
        return load_html(html, **options)

    monkeypatch.setattr(trafilatura, "load_html", counting_parse)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "big.html").write_text(page(40), encoding="utf-8")
    (folder / "small.html").write_text(page(1), encoding="utf-8")
    size = (folder / "big.html").stat().st_size
    big, small = read_articles(folder, max_html_bytes=20_000)
    assert isinstance(big, InputProblem) and big.id == "big"
    message = str(big.error)
    assert f"big.html: the HTML page is {size:,} bytes, over the limit of 20,000" in message
    for way in ("max_html_bytes=", "SUMMARIZER_MAX_HTML_BYTES", "--max-html-bytes"):
        assert way in message
    assert not isinstance(small, InputProblem) and "no real impulses" in small.text
    assert parsed == [len(page(1))]  # the big page was never parsed
    with pytest.raises(InputError, match="over the limit of 100;"):
        html_to_text(page(1), "page.html", max_bytes=100)
    assert len(parsed) == 1
    [raised] = read_articles(folder / "big.html", max_html_bytes=size)  # raised: read
    assert not isinstance(raised, InputProblem) and len(parsed) == 2


def test_summarize_refuses_a_page_over_the_cap_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_parsing(html: str, **options: Any) -> Any:
        raise AssertionError("parsed")

    monkeypatch.setattr(trafilatura, "extract", no_parsing)
    (tmp_path / "page.html").write_text(page(5), encoding="utf-8")
    env = {"OPENAI_API_KEY": TEST_API_KEY, "SUMMARIZER_MAX_HTML_BYTES": "1000"}
    result = CliRunner().invoke(app, ["summarize", str(tmp_path / "page.html")], env=env)
    assert result.exit_code == 2
    assert "over the limit of 1,000" in result.output
    flag = ["summarize", str(tmp_path / "page.html"), "--max-html-bytes", "2000"]
    result = CliRunner().invoke(app, flag, env=env)  # the flag wins over the environment
    assert result.exit_code == 2 and "over the limit of 2,000" in result.output


ESTIMATE = re.compile(r"^Estimate: (\d+) request\(s\) for (\d+) article\(s\).*$", re.M)


def run_batch(
    tmp_path: Path, server: FaultServer, *args: str, env: dict[str, str] | None = None
) -> Result:
    command = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out.jsonl"), *args]
    environment = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
    return CliRunner().invoke(
        app, [*command, "--cache-dir", str(tmp_path / "cache")], env={**environment, **(env or {})}
    )


def write_folder(tmp_path: Path, count: int) -> None:
    (tmp_path / "in").mkdir()
    for i in range(count):
        (tmp_path / "in" / f"a{i}.txt").write_text(f"{SEED}\n\nRef. {i}", encoding="utf-8")


def test_batch_prints_its_estimate_and_max_requests_refuses_a_larger_run(tmp_path: Path) -> None:
    write_folder(tmp_path, 3)
    chunked = {"SUMMARIZER_MAX_INPUT_TOKENS": "500"}  # two chunks per article
    with FaultServer([part], repeat_last=True) as server:
        refused = run_batch(tmp_path, server, "--max-requests", "5", env=chunked)
        assert refused.exit_code == 2, refused.output
        assert server.requests == []
        assert not (tmp_path / "out.jsonl").exists() or not (tmp_path / "out.jsonl").read_text()
        estimate = ESTIMATE.search(refused.output)
        assert estimate is not None and estimate.groups() == ("6", "3")
        assert re.search(r"about \$\d+\.\d\d at list price; reasks and retries", refused.output)
        assert "the run needs about 6 requests, over the limit of 5" in refused.output
        assert "--max-requests" in refused.output
        ran = run_batch(tmp_path, server, "--max-requests", "6", env=chunked)
        assert ran.exit_code == 0, ran.output
        assert len(server.requests) == 6  # the estimate was exact: no reask was needed
        again = run_batch(tmp_path, server, "--max-requests", "0", env=chunked)
        assert again.exit_code == 0, again.output  # all done: nothing to send, nothing refused
        assert "Estimate: 0 request(s) for 0 article(s) (3 already done)" in again.output
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    ids = sorted(json.loads(line)["id"] for line in lines)
    assert ids == ["a0", "a1", "a2"]


def test_batch_estimate_counts_the_cache_and_refused_articles(tmp_path: Path) -> None:
    write_folder(tmp_path, 2)
    with FaultServer([GOOD], repeat_last=True) as server:
        first = run_batch(tmp_path, server)
        assert first.exit_code == 0 and len(server.requests) == 2
        (tmp_path / "out.jsonl").unlink()
        (tmp_path / "in" / "huge.txt").write_text(repeated_seed(3_000), encoding="utf-8")
        again = run_batch(tmp_path, server, "--max-article-chars", "2500", "--max-requests", "0")
        assert again.exit_code == 1, again.output  # huge.txt failed; the others came cached
        assert len(server.requests) == 2
        retry = ("--retry-failed", "--model", "local", "--max-requests", "0")
        unknown = run_batch(tmp_path, server, *retry)
        assert unknown.exit_code == 2 and len(server.requests) == 2
    assert (
        "Estimate: 0 request(s) for 0 article(s) (2 from the cache, 1 refused or unreadable)"
        in again.output
    )
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    huge = next(json.loads(line) for line in lines if '"huge"' in line)
    assert "over the limit of 2,500" in huge["error"]["message"]  # kept: the retry was refused
    estimate = ESTIMATE.search(unknown.output)  # the failed one, no longer over a limit
    assert estimate is not None and estimate.groups() == ("1", "1")
    assert "(2 already done)" in unknown.output
    assert "cost unknown (no list price for local)" in unknown.output
