"""The HTML report in a real browser: headless Chromium over the DevTools protocol.

The page is opened from ``file://`` as a user would open a saved report. Chromium is the
system's (Debian: ``apt-get install chromium``); without one these tests skip and say why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer import ArticleSummary
from summarizer._views._report import ReportEntry, index_to_html, summary_to_html
from tests.browser import BROWSER_MARKS, FLASHED_JS, VISIBLE_JS, Chromium, browser_window
from tests.report_screenshot import expected_highlights, summary_from_gold
from tests.story import large_summary

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with browser_window(1280, 720) as chromium:
        yield chromium


def open_report(browser: Chromium, summary: ArticleSummary, folder: Path) -> None:
    page = folder / "report.html"
    page.write_text(summary_to_html(summary), encoding="utf-8")
    browser.open(page.as_uri())
    assert browser.evaluate("document.readyState") == "complete"


@pytest.fixture
def seed(browser: Chromium, tmp_path: Path) -> ArticleSummary:
    summary = summary_from_gold()
    open_report(browser, summary, tmp_path)
    return summary


HIGHLIGHTS_JS = """
(() => {
  const out = {};
  for (const el of document.querySelectorAll('.sr-article [data-hl]')) {
    const id = el.dataset.hl;
    const kind = el.classList.contains('q') ? 'quote'
      : el.classList.contains('ev') ? 'evidence'
      : el.classList.contains('frame') ? 'framing' : 'other';
    out[id] = out[id] || {kind: kind, text: '', fragments: 0};
    out[id].text += el.textContent;
    out[id].fragments += 1;
  }
  return out;
})()
"""


def visible(browser: Chromium, dom_id: str) -> bool:
    return bool(browser.evaluate(VISIBLE_JS % json.dumps(dom_id)))


def flashed(browser: Chromium, dom_id: str) -> bool:
    return bool(browser.evaluate(FLASHED_JS % json.dumps(dom_id)))


def test_every_located_span_is_highlighted_with_its_exact_text(
    browser: Chromium, seed: ArticleSummary
) -> None:
    found: dict[str, Any] = browser.evaluate(HIGHLIGHTS_JS)
    expected = expected_highlights(seed)
    located_quotes = sum(1 for q in seed.quotes if q.location)
    located_evidence = (
        sum(1 for p in seed.positions if p.evidence_span)
        + sum(len(m.evidence_spans) for m in seed.proposed_meetings)
        + sum(1 for st in seed.stances if st.evidence_span)
    )
    kinds = [v["kind"] for v in found.values()]
    assert kinds.count("quote") == located_quotes == len(seed.quotes) == 9
    assert kinds.count("evidence") == located_evidence == 14
    assert kinds.count("framing") == sum(len(e.spans) for e in seed.framing.expressions) == 4
    assert {k: (v["kind"], v["text"]) for k, v in found.items()} == expected
    # The seed's spans overlap (evidence inside quotes, framing inside both): some marks are
    # split into fragments, and the page's text is still exactly the article.
    assert browser.evaluate("document.querySelector('.sr-article').textContent") == (
        seed.article_text
    )


def test_quotes_wear_their_speakers_colour_and_a_label(
    browser: Chromium, seed: ArticleSummary
) -> None:
    styles = browser.evaluate(
        """Array.from(document.querySelectorAll('.sr-article .hl.q:not(.cont)')).map(el => ({
             id: el.id, direct: el.classList.contains('direct'),
             colour: Array.from(el.classList).find(c => /^s[0-9x]+$/.test(c)),
             border: getComputedStyle(el).borderBottomStyle,
             label: getComputedStyle(el, '::before').content}))"""
    )
    cards = browser.evaluate(
        """Object.fromEntries(Array.from(document.querySelectorAll('.sr-card')).map(el =>
             [el.querySelector('.sr-name').textContent,
              Array.from(el.classList).find(c => /^s[0-9x]+$/.test(c))]))"""
    )
    assert len(styles) == len(seed.quotes)
    assert len(set(cards.values())) == len(seed.speakers) == 3
    for style in styles:
        quote = seed.quotes[int(style["id"].removeprefix("a0-q"))]
        assert style["colour"] == cards[quote.speaker]
        # Not by colour alone: the underline style and the label say direct or indirect.
        assert style["border"] == ("solid" if style["direct"] else "dashed")
        surname = quote.speaker.split()[-1]
        assert style["label"] == json.dumps(surname if style["direct"] else f"{surname} ~")


def test_clicking_a_quote_scrolls_its_span_into_view_and_flashes_it(
    browser: Chromium, seed: ArticleSummary
) -> None:
    last = max(range(len(seed.quotes)), key=lambda i: seed.quotes[i].location.start)  # type: ignore[union-attr]
    dom_id = f"a0-q{last}"
    assert not visible(browser, dom_id), "the last quote should start out of view"
    browser.click(f'[data-target="{dom_id}"]')
    assert browser.wait_for(FLASHED_JS % json.dumps(dom_id))
    assert browser.wait_for(VISIBLE_JS % json.dumps(dom_id)), "the span was not scrolled into view"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "report_seed_after_click.png")
    # Back to the top, then a meeting's evidence, the same way.
    browser.evaluate("document.querySelector('.sr-article').scrollTop = 0")
    browser.click('[data-target="a0-m0e4"]')
    assert browser.wait_for(FLASHED_JS % json.dumps("a0-m0e4"))
    assert browser.wait_for(VISIBLE_JS % json.dumps("a0-m0e4"))


def test_hovering_a_stance_scrolls_the_article_to_its_evidence(
    browser: Chromium, seed: ArticleSummary
) -> None:
    # Trump's stance on the war: its evidence is near the end of the article.
    index = next(i for i, st in enumerate(seed.stances) if st.polarity == "oppose")
    dom_id = f"a0-s{index}"
    assert not visible(browser, dom_id)
    x, y = browser.center_of(f'[data-target="{dom_id}"]')
    browser.mouse("mouseMoved", x, y)
    lit = f"document.querySelector('[data-hl=\"{dom_id}\"]').classList.contains('lit')"
    assert browser.wait_for(lit)
    assert browser.wait_for(FLASHED_JS % json.dumps(dom_id))
    assert browser.wait_for(VISIBLE_JS % json.dumps(dom_id))
    browser.mouse("mouseMoved", 5, 5)
    assert browser.wait_for(f"!({lit})")


def test_keyboard_focus_and_enter_jump_to_the_span(browser: Chromium, seed: ArticleSummary) -> None:
    dom_id = f"a0-p{len(seed.positions) - 1}"
    selector = json.dumps(f'[data-target="{dom_id}"]')
    assert browser.evaluate(f"document.querySelector({selector}).tabIndex") == 0
    browser.evaluate(f"document.querySelector({selector}).focus()")
    assert browser.evaluate(f"document.activeElement === document.querySelector({selector})")
    outline = browser.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused item shows a focus ring"
    lit = f"document.querySelector('[data-hl=\"{dom_id}\"]').classList.contains('lit')"
    assert browser.evaluate(lit), "focusing an item outlines its span"
    browser.press("Enter", "Enter", 13)
    assert browser.wait_for(FLASHED_JS % json.dumps(dom_id))
    assert browser.wait_for(VISIBLE_JS % json.dumps(dom_id))


def test_the_page_is_self_contained_and_error_free(browser: Chromium, seed: ArticleSummary) -> None:
    assert browser.evaluate("performance.getEntriesByType('resource').length") == 0
    assert browser.evaluate("window.__summarizerReport") is True
    assert not [e for e in browser.events("Runtime.exceptionThrown")]
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "report_seed.png")
    assert (ARTIFACTS / "report_seed.png").read_bytes().startswith(b"\x89PNG")


def test_script_in_the_article_or_the_model_output_stays_text(
    browser: Chromium, tmp_path: Path
) -> None:
    text = (
        'Mayor Ann Lee said "<script>window.__pwned = 1</script> is fine" on Monday. '
        '<img src=x onerror="window.__pwned = 2"> & more.'
    )
    headline = '<img src=x onerror="window.__pwned = 3"> Lee speaks'
    data = {
        "headline": headline,
        "summary": "</title><script>window.__pwned = 4</script>",
        "speakers": [{"name": "Ann Lee", "role": "<b>mayor</b>"}],
        "quotes": [
            {
                "speaker": "Ann Lee",
                "kind": "direct",
                "text": "<script>window.__pwned = 1</script> is fine",
                "cue": "<i>said</i>",
            }
        ],
    }
    summary = ArticleSummary.model_validate(data, context={"article": text})
    summary = summary.model_copy(update={"article_text": text})
    open_report(browser, summary, tmp_path)
    assert browser.evaluate("window.__pwned") is None
    assert browser.evaluate("document.title") == headline
    assert browser.evaluate("document.querySelector('h1').textContent") == headline
    assert browser.evaluate("document.querySelector('.sr-article').textContent") == text
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    assert browser.evaluate("document.querySelectorAll('img, b, i').length") == 0
    assert browser.evaluate("document.querySelector('.hl.q').textContent") == (
        "<script>window.__pwned = 1</script> is fine"
    )


LAYOUT_JS = """
(() => {
  const within = (el, box) => {
    const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
    return r.left >= b.left - 0.5 && r.right <= b.right + 0.5;
  };
  const out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
               clipped: [], checked: 0, labels: 0};
  const items = '.sr-panel, .sr-card, .sr-meeting, .sr-evidence li, .sr-pairs li, .sr-items > li'
    + ', .sr-tone li, .sr-stances';
  for (const el of document.querySelectorAll(items)) {
    const box = el.classList.contains('sr-panel') ? document.documentElement
      : el.closest('.sr-scroll') || el.closest('.sr-panel');
    out.checked += 1;
    if (!within(el, box)) { out.clipped.push(el.className || el.tagName); }
  }
  for (const svg of document.querySelectorAll('svg.sr-diagram')) {
    const vb = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      out.labels += 1;
      if (b.x < vb.x || b.y < vb.y || b.x + b.width > vb.x + vb.width
          || b.y + b.height > vb.y + vb.height) { out.clipped.push('label ' + t.textContent); }
    }
  }
  return out;
})()
"""


def layout(browser: Chromium, html: str, folder: Path, width: int) -> dict[str, Any]:
    """Open ``html`` at ``width`` px and measure overflow and clipping (see LAYOUT_JS)."""
    page = folder / f"page-{width}.html"
    page.write_text(html, encoding="utf-8")
    wide = browser.width
    browser.width = width
    try:
        browser.open(page.as_uri())
        found: dict[str, Any] = browser.evaluate(LAYOUT_JS)
    finally:
        browser.width = wide
    return found


@pytest.fixture(scope="module")
def large() -> ArticleSummary:
    summary = large_summary()
    # The size the report must hold: a real article's summary, or larger.
    assert len(summary.speakers) >= 8 and len(summary.quotes) >= 25
    assert len(summary.proposed_meetings) >= 4
    return summary


@pytest.mark.parametrize("width", [1440, 1024, 390])
def test_a_large_summary_fits_the_page_at_every_width(
    browser: Chromium, large: ArticleSummary, tmp_path: Path, width: int
) -> None:
    found = layout(browser, summary_to_html(large), tmp_path, width)
    assert found["scrollWidth"] <= found["innerWidth"] == width, "the page overflows sideways"
    assert found["clipped"] == []
    assert found["checked"] > len(large.speakers) + len(large.proposed_meetings) + 25
    ARTIFACTS.mkdir(exist_ok=True)
    browser.width, wide = width, browser.width
    try:
        browser.open((tmp_path / f"page-{width}.html").as_uri())
        browser.screenshot(ARTIFACTS / f"report_large_{width}.png")
    finally:
        browser.width = wide


@pytest.mark.parametrize("width", [1440, 1024, 390])
def test_the_seed_report_fits_and_its_diagram_labels_are_inside_it(
    browser: Chromium, tmp_path: Path, width: int
) -> None:
    found = layout(browser, summary_to_html(summary_from_gold()), tmp_path, width)
    assert found["scrollWidth"] <= found["innerWidth"] == width
    assert found["clipped"] == []
    assert found["labels"] == 3, "two names and one status label, all inside the drawing"


@pytest.mark.parametrize("width", [1440, 390])
def test_a_batch_index_fits_the_page_at_every_width(
    browser: Chromium, large: ArticleSummary, tmp_path: Path, width: int
) -> None:
    """Eight columns and long ids: on a phone the index table scrolls inside its box."""
    entries = [
        ReportEntry(id=f"GUM_news_homeopathic_{n:02d}_with_a_long_identifier", summary=large)
        for n in range(3)
    ] + [ReportEntry(id="failed_one", error_type="ProviderError", error_message="HTTP 500")]
    found = layout(browser, index_to_html(entries), tmp_path, width)
    assert found["scrollWidth"] <= found["innerWidth"] == width, "the page overflows sideways"
    assert found["clipped"] == []
