"""Saved news pages keep their own date, title, URL and site; a page without a date says so.

The pages are small and hand-written, one per way a page declares its date (a ``<meta>``
tag, JSON-LD, a ``<time pubdate>``), plus pages that declare none but carry a date in
their URL, their text or a modification tag: those are undated (never guessed).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer._runs._batch import Article
from summarizer._runs._pages import read_page
from summarizer._runs._sources import read_articles
from summarizer.cli import app
from tests.fault_server import FaultServer
from tests.scenarios import SEED_ID, TEST_API_KEY, answer, article, gold

SEED = article(SEED_ID)
BODY = SEED.split("\n", 1)[0].split(" ", 3)[3] + "\n" + SEED.split("\n", 1)[1]
"""The seed article without its ``date`` header line (a page has no such header)."""
GOOD = answer(gold(SEED_ID), "good")


def page(head: str = "", *, body_extra: str = "", text: str = BODY) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head>"
        f"<body><article>{paragraphs}{body_extra}</article></body></html>"
    )


META = (
    "<title>Kremlin: no meeting yet | Kyiv Daily</title>"
    "<meta property='og:site_name' content='Kyiv Daily'>"
    "<meta property='article:modified_time' content='2024-12-28T08:00:00+02:00'>"
    "<meta property='article:published_time' content='2024-12-23T23:30:00-05:00'>"
    "<link rel='canonical' href='https://kyivdaily.example/news/kremlin-no-meeting'>"
)
JSON_LD = (
    "<title>Peskov on the meeting</title>"
    '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
    '{"@type": "WebPage", "name": "x"}, {"@type": "NewsArticle", "headline": "Peskov",'
    ' "datePublished": "2024-12-21T09:00:00Z", "dateModified": "2024-12-30",'
    ' "publisher": {"@type": "Organization", "name": "Tass Wire"}}]}</script>'
    "<meta property='og:url' content='https://tass.example/politics/peskov'>"
)
TIME = "<title>Time element</title>"
TIME_BODY = "<p>Posted <time datetime='2024-12-22T12:00' pubdate>22 December</time></p>"
UNDATED = (
    "<title>No date here</title>"
    "<meta property='article:modified_time' content='2024-12-29'>"
    "<link rel='canonical' href='https://blog.example/2019/05/04/peskov'>"
)
UNDATED_BODY = "<p>Updated on 29 December 2024 at 10:00.</p>"


@pytest.mark.parametrize(
    ("head", "extra", "published", "where", "title", "site", "url"),
    [
        (
            META,
            "",
            dt.date(2024, 12, 23),  # the page's own calendar day, not UTC's 24th
            "meta",
            "Kremlin: no meeting yet",  # trafilatura drops the site's suffix
            "Kyiv Daily",
            "https://kyivdaily.example/news/kremlin-no-meeting",
        ),
        (
            JSON_LD,
            "",
            dt.date(2024, 12, 21),
            "json-ld",
            "Peskov",
            "Tass Wire",
            "https://tass.example/politics/peskov",
        ),
        (TIME, TIME_BODY, dt.date(2024, 12, 22), "time", "Time element", None, None),
        (UNDATED, UNDATED_BODY, None, "none", "No date here", "blog.example", None),
    ],
    ids=["meta", "json-ld", "time", "undated"],
)
def test_a_page_gives_its_own_date_and_where_it_was_found(
    head: str,
    extra: str,
    published: dt.date | None,
    where: str,
    title: str,
    site: str | None,
    url: str | None,
) -> None:
    found = read_page(page(head, body_extra=extra), "p.html")
    assert (found.published, found.published_from) == (published, where)
    assert found.title == title
    assert found.site == site
    if url is not None:
        assert found.url == url
    headline, body = found.text.split("\n\n", 1)  # the headline first (it is not in the body)
    assert headline == title
    assert body.startswith("According to Kremlin spokesman Dmitry Peskov")


def test_an_undated_page_is_not_dated_from_its_url_text_or_modification() -> None:
    """htmldate would find 2019-05-04 in the URL; the page declares no publication date."""
    found = read_page(page(UNDATED, body_extra=UNDATED_BODY), "p.html")
    assert found.published is None and found.published_from == "none"


def test_reading_a_page_fetches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page whose whole text looks like a URL is parsed, never downloaded."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    found = read_page(page(UNDATED + "<meta property='og:url' content='http://x.example'>"), "p")
    assert found.published is None
    assert read_page("http://127.0.0.1:9/page.html", "p").text == "http://127.0.0.1:9/page.html"


def write_pages(folder: Path) -> Path:
    """Four pages of one story, named so that their path order is not their date order."""
    folder.mkdir()
    pages = {
        "a-kyiv": page(META),
        "b-tass": page(JSON_LD),
        "c-time": page(TIME, body_extra=TIME_BODY),
        "d-undated": page(UNDATED, body_extra=UNDATED_BODY),
    }
    for n, (name, text) in enumerate(pages.items()):  # a distinct line per page
        (folder / f"{name}.html").write_text(
            text.replace("</article>", f"<p>Ref. {n}</p></article>")
        )
    return folder


def test_a_folder_of_pages_gives_dated_records(tmp_path: Path) -> None:
    items = [a for a in read_articles(write_pages(tmp_path / "pages")) if isinstance(a, Article)]
    assert {a.id: (a.published, a.published_from) for a in items} == {
        "a-kyiv": (dt.date(2024, 12, 23), "meta"),
        "b-tass": (dt.date(2024, 12, 21), "json-ld"),
        "c-time": (dt.date(2024, 12, 22), "time"),
        "d-undated": (None, "none"),
    }


def test_batch_on_saved_pages_then_corpus_orders_by_their_dates(tmp_path: Path) -> None:
    folder = write_pages(tmp_path / "pages")
    output = tmp_path / "out.jsonl"
    with FaultServer([GOOD], repeat_last=True) as server:
        env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
        args = ["batch", str(folder), "-o", str(output), "--no-cache", "--concurrency", "1"]
        run = CliRunner().invoke(app, args, env=env)
    assert run.exit_code == 0, run.output
    sent = [json.dumps(r["messages"]) for r in server.requests]
    # The model is told each page's date (relative days resolve against it), or that it is unknown.
    for date in ("2024-12-21", "2024-12-22", "2024-12-23"):
        assert sum(f"Publication date: {date}" in body for body in sent) == 1, date
    assert sum("Publication date: unknown" in body for body in sent) == 1
    records = {r["id"]: r for r in map(json.loads, output.read_text().splitlines())}
    kyiv = records["a-kyiv"]
    assert kyiv["summary"]["published"] == "2024-12-23"
    assert kyiv["meta"]["published_from"] == "meta"
    assert kyiv["meta"]["title"] == "Kremlin: no meeting yet"
    assert kyiv["meta"]["site"] == "Kyiv Daily"
    assert kyiv["meta"]["url"] == "https://kyivdaily.example/news/kremlin-no-meeting"
    undated = records["d-undated"]
    assert undated["summary"]["published"] is None
    assert undated["meta"]["published_from"] == "none"

    run = CliRunner().invoke(app, ["corpus", str(output), "--json"])
    assert run.exit_code == 0, run.output
    articles = json.loads(run.stdout)["articles"]
    assert [(a["id"], a["published"], a["published_from"]) for a in articles] == [
        ("b-tass", "2024-12-21", "json-ld"),
        ("c-time", "2024-12-22", "time"),
        ("a-kyiv", "2024-12-23", "meta"),
        ("d-undated", None, "none"),  # undated last
    ]
    assert articles[0]["outlet"] == "Tass Wire" and articles[0]["title"] == "Peskov"


def test_the_callers_date_wins_over_the_pages(tmp_path: Path) -> None:
    path = tmp_path / "kyiv.html"
    path.write_text(page(META))
    with FaultServer([GOOD], repeat_last=True) as server:
        env = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
        common = ["summarize", str(path), "--json"]
        own = CliRunner().invoke(app, common, env=env)
        given = CliRunner().invoke(app, [*common, "--published", "2025-01-02"], env=env)
    assert own.exit_code == 0 and given.exit_code == 0, own.output + given.output
    assert json.loads(own.stdout)["published"] == "2024-12-23"
    assert json.loads(given.stdout)["published"] == "2025-01-02"


def test_a_pages_headline_and_shown_lead_come_before_its_body() -> None:
    """Names given only in the headline or the standfirst reach the model (issue 19's pages)."""
    head = (
        "<title>Talks with Erdogan set for Thursday</title>"
        "<meta name='description' content='Vladimir Putin will receive Recep Tayyip Erdogan.'>"
    )
    lead = "<div class='lead'><p>Vladimir Putin will receive Recep Tayyip Erdogan.</p></div>"
    shown = (
        f"<!DOCTYPE html><html><head>{head}</head><body>{lead}<article>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in BODY.split("\n") if p.strip())
        + "</article></body></html>"
    )
    text = read_page(shown, "talks.html").text
    assert text.startswith(
        "Talks with Erdogan set for Thursday\n\nVladimir Putin will receive Recep Tayyip Erdogan."
    )
    assert text.count("Vladimir Putin will receive") == 1
    hidden = read_page(page(head), "hidden.html").text  # a description the page never shows
    assert hidden.startswith("Talks with Erdogan set for Thursday\n\n")
    assert "will receive" not in hidden
