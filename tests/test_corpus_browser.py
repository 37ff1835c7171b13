"""The corpus page in a real browser: headless Chromium over the DevTools pipe.

Like ``tests/test_report_browser.py``: the page is opened from ``file://``; without a
Chromium these tests skip (and fail when ``SUMMARIZER_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer import ArticleSummary
from summarizer.corpus import Corpus, CorpusArticle
from tests.browser import BROWSER_MARKS, FLASHED_JS, VISIBLE_JS, Chromium, browser_window
from tests.story import large_summary, replayed_summaries, run_story_batch
from tests.test_corpus_statements import DROPPED, two_outlets

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with browser_window(1280, 800) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus.from_results(run_story_batch(tmp_path_factory.mktemp("story")))


def open_page(browser: Chromium, html: str, folder: Path, width: int | None = None) -> None:
    page = folder / f"corpus-{width or browser.width}.html"
    page.write_text(html, encoding="utf-8")
    wide = browser.width
    browser.width = width or wide
    try:
        browser.open(page.as_uri())
    finally:
        browser.width = wide
    assert browser.evaluate("document.readyState") == "complete"


LAYOUT_JS = """
(() => {
  const within = (el, box) => {
    const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
    return r.left >= b.left - 0.5 && r.right <= b.right + 0.5;
  };
  const out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
               clipped: [], checked: 0};
  const parts = {'.sc-thread': '.sc-part', '.sc-event': '.sc-thread',
    '.sc-event .sr-evidence li': '.sc-event', '.sc-stance': '.sc-part',
    '.sc-people .sr-card': '.sc-part', '.sc-article': '.sc-part', '.sr-article': '.sc-article',
    '.sc-glance > li': '.sc-part', '.sc-statement': '.sc-part', '.sc-report': '.sc-statement',
    '.sc-part': 'body'};
  for (const [selector, container] of Object.entries(parts)) {
    for (const el of document.querySelectorAll(selector)) {
      if (!el.getClientRects().length) { continue; }  /* inside a closed <details> */
      out.checked += 1;
      if (!within(el, el.parentElement.closest(container))) { out.clipped.push(selector); }
    }
  }
  return out;
})()
"""


def test_the_story_page_is_self_contained_and_error_free(
    browser: Chromium, story: Corpus, tmp_path: Path
) -> None:
    open_page(browser, story.to_html(), tmp_path)
    assert browser.evaluate("performance.getEntriesByType('resource').length") == 0
    assert browser.evaluate("window.__summarizerReport") is True
    assert not browser.events("Runtime.exceptionThrown")
    threads = browser.evaluate("document.querySelectorAll('.sc-thread').length")
    events = browser.evaluate("document.querySelectorAll('.sc-event').length")
    assert threads == len(story.meetings) and events == sum(len(m.events) for m in story.meetings)
    # Every article is on the page with its text exact, every evidence link has its span.
    texts = browser.evaluate(
        "Array.from(document.querySelectorAll('.sc-article .sr-article')).map(e => e.textContent)"
    )
    assert texts == [a.text for a in story.articles]
    missing = browser.evaluate(
        """Array.from(document.querySelectorAll('.sc-event a[data-target]'))
             .map(a => a.dataset.target)
             .filter(id => !document.querySelector('[data-hl="' + id + '"]'))"""
    )
    assert missing == []
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "corpus_story.png")


def test_an_event_leads_to_its_words_in_its_article(
    browser: Chromium, story: Corpus, tmp_path: Path
) -> None:
    open_page(browser, story.to_html(), tmp_path)
    held = story.meetings[0].events[-1]
    index = [a.id for a in story.articles].index(held.article_id)
    link = browser.evaluate(
        f"document.querySelector('#{story.meetings[0].id} .sc-event:last-child a[data-target]')"
        ".dataset.target"
    )
    assert link.startswith(f"c{index}-m{held.index}e")
    assert not browser.evaluate(VISIBLE_JS % json.dumps(link)), "the article starts out of view"
    browser.click(f'[data-target="{link}"]')
    assert browser.wait_for(FLASHED_JS % json.dumps(link))
    assert browser.wait_for(VISIBLE_JS % json.dumps(link)), "its words were scrolled into view"
    words = browser.evaluate(f"document.getElementById({json.dumps(link)}).textContent")
    assert words and words in story.articles[index].text
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "corpus_after_click.png")


def test_a_statement_shows_each_outlets_words_side_by_side(
    browser: Chromium, tmp_path: Path
) -> None:
    corpus = Corpus.from_results(two_outlets())
    open_page(browser, corpus.to_html(), tmp_path)
    boxes = browser.evaluate(
        """Array.from(document.querySelectorAll('#statements .sc-report'))
             .map(r => { const b = r.getBoundingClientRect(); return [b.left, b.top]; })"""
    )
    assert len(boxes) == 2 and boxes[0][0] < boxes[1][0] and boxes[0][1] == boxes[1][1]
    dropped = browser.evaluate(
        "Array.from(document.querySelectorAll('#statements del')).map(d => d.textContent)"
    )
    assert dropped == ["not"]
    link = browser.evaluate(
        "document.querySelectorAll('#statements .sc-report a[data-target]')[1].dataset.target"
    )
    browser.click(f'[data-target="{link}"]')
    assert browser.wait_for(FLASHED_JS % json.dumps(link))
    words = browser.evaluate(f"document.getElementById({json.dumps(link)}).textContent")
    assert words == DROPPED
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "corpus_statement.png")


def big_corpus() -> Corpus:
    """The story's eight summaries and, as a ninth article, all of them as one long one."""
    articles = [CorpusArticle(f"a{i}", s) for i, s in enumerate(replayed_summaries())]
    return Corpus.from_results([*articles, CorpusArticle("all-in-one", large_summary())])


@pytest.mark.parametrize("width", [1440, 1024, 390])
def test_the_page_holds_a_large_corpus_at_every_width(
    browser: Chromium, tmp_path: Path, width: int
) -> None:
    corpus = big_corpus()
    assert max(len(a.summary.quotes) for a in corpus.articles) >= 25
    assert len(corpus.statements) >= 5  # the long one quotes every article again
    open_page(browser, corpus.to_html(), tmp_path, width)
    found: dict[str, Any] = browser.evaluate(LAYOUT_JS)
    assert found["scrollWidth"] <= found["innerWidth"] == width, "the page overflows sideways"
    assert found["clipped"] == []
    assert found["checked"] > 50
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / f"corpus_large_{width}.png")


def test_script_in_the_articles_or_the_answers_stays_text(
    browser: Chromium, tmp_path: Path
) -> None:
    text = 'Ann Lee said "<script>window.__pwned = 1</script> is fine" on Monday. <b>bold</b>'
    data = {
        "headline": '<img src=x onerror="window.__pwned = 2"> Lee speaks',
        "summary": "</title><script>window.__pwned = 3</script>",
        "speakers": [{"name": "Ann Lee", "role": "<i>mayor</i>"}],
        "quotes": [
            {
                "speaker": "Ann Lee",
                "kind": "direct",
                "text": "<script>window.__pwned = 1</script> is fine",
            }
        ],
        "proposed_meetings": [
            {
                "participants": ["Ann Lee", "<img src=y onerror='window.__pwned = 4'>"],
                "status": "proposed",
                "location": "<svg onload='window.__pwned = 5'>",
                "evidence": ["<b>bold</b>"],
            }
        ],
    }
    summary = ArticleSummary.model_validate(data, context={"article": text})
    summary = summary.model_copy(update={"article_text": text})
    corpus = Corpus.from_results([CorpusArticle('x"><script>window.__pwned=6</script>', summary)])
    open_page(browser, corpus.to_html(), tmp_path)
    assert browser.evaluate("window.__pwned") is None
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    assert browser.evaluate("document.querySelectorAll('img, i, svg:not(.sr-diagram)').length") == 0
    assert browser.evaluate("document.querySelector('.sc-article .sr-article').textContent") == text
    assert browser.evaluate("document.querySelector('.sc-where').textContent") == (
        "<svg onload='window.__pwned = 5'>"
    )
