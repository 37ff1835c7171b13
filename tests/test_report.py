"""The HTML report, the Markdown view, the notebook reprs and ``summarizer report``.

The page is parsed with the standard library's HTML parser, the way a browser's parser
reads it: the article's text and each highlight's text are what the DOM would hold.
``tests/test_report_browser.py`` checks the same in Chromium, with clicks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from summarizer import ArticleSummary
from summarizer._runs._results import parse_report_input as parse_results
from summarizer._views._markdown import summary_to_markdown
from summarizer._views._report import (
    _Mark,
    highlight,
    index_to_html,
    summary_to_html,
)
from summarizer.cli import app
from tests.report_screenshot import expected_highlights, summary_from_gold
from tests.scenarios import GERMAN_ID, SEED_ID, VISIT_ID

ROOT = Path(__file__).resolve().parent.parent
VOID = {"meta", "link", "br", "img", "input", "hr", "col", "wbr", "source"}
SVG_SELF_CLOSING = {"path", "circle"}


class Page(HTMLParser):
    """Tags, attributes, the article's text and each highlight's text, as parsed."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.ids: list[str] = []
        self.articles: list[str] = []
        self.highlights: dict[str, str] = defaultdict(str)
        self.kinds: dict[str, str] = {}
        self.text: dict[str, str] = defaultdict(str)
        self.feed(html)
        self.close()
        assert not self.stack, f"unclosed: {[t for t, _ in self.stack]}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        self.attributes.update(attributes)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        classes = (attributes.get("class") or "").split()
        if "sr-article" in classes:
            self.articles.append("")
        if "hl" in classes:
            hl = str(attributes["data-hl"])
            kind = "quote" if "q" in classes else "evidence" if "ev" in classes else "framing"
            assert self.kinds.setdefault(hl, kind) == kind
        if tag not in VOID:
            self.stack.append((tag, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack, f"</{tag}> closes nothing"
        open_tag, _ = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"

    def handle_data(self, data: str) -> None:
        in_article = False
        for _tag, attributes in self.stack:
            classes = (attributes.get("class") or "").split()
            if "sr-article" in classes:
                in_article = True
            if "hl" in classes:
                self.highlights[str(attributes["data-hl"])] += data
        if in_article:
            self.articles[-1] += data
        if self.stack:
            self.text[self.stack[-1][0]] += data

    def marks(self) -> dict[str, tuple[str, str]]:
        return {k: (self.kinds[k], text) for k, text in self.highlights.items()}


@pytest.fixture(scope="module")
def seed() -> ArticleSummary:
    return summary_from_gold(SEED_ID)


NASTY_ARTICLE = (
    'date 2025-02-03 Mayor Ann "A&B" Lee said "<script>alert(1)</script> is not </div> a threat" '
    "on Monday.\r\nThe <b>bold</b> council & its <img src=x onerror=alert(2)> chair disagreed, "
    "calling it a 'stunt'.\n"
)


def _defuse(value: Any) -> Any:
    """The same data with its markup characters swapped for harmless ones of equal length."""
    if isinstance(value, str):
        return value.translate(str.maketrans("<>&\"'", "[]+~`"))
    if isinstance(value, list):
        return [_defuse(v) for v in value]
    if isinstance(value, dict):
        return {k: _defuse(v) for k, v in value.items()}
    return value


def nasty_summary(defused: bool = False) -> ArticleSummary:
    """Markup and quotes everywhere: in the article and in every kind of model output.

    ``defused``: the same summary without markup characters, for comparing page structure.
    """
    data: dict[str, Any] = {
        "headline": '<script>alert("headline")</script> Lee & council',
        "summary": "</title></head><body onload=alert(3)> Mayor's remark | pipes | ",
        "speakers": [
            {
                "name": 'Ann "A&B" Lee',
                "aliases": ["Lee"],
                "role": "<i>mayor</i>",
                "affiliation": "' onmouseover='alert(4)",
            }
        ],
        "quotes": [
            {
                "speaker": "Lee",
                "kind": "direct",
                "text": "<script>alert(1)</script> is not </div> a threat",
                "cue": '"><svg onload=alert(5)>',
            },
            {
                "speaker": "Lee",
                "kind": "indirect",
                "text": "The <council> chair disagreed.",
                "evidence": "The <b>bold</b> council & its <img src=x onerror=alert(2)> chair "
                "disagreed",
            },
        ],
        "positions": [
            {
                "actor": "Lee",
                "topic": "<u>topic</u>",
                "position": "</li></ol><script>alert(6)</script>",
                "evidence": "is not </div> a threat",
            }
        ],
        "proposed_meetings": [
            {
                "participants": ["Lee", "<b>council</b>"],
                "proposed_by": "<b>council</b>",
                "status": "declined",
                "status_reason": "<marquee>no</marquee>",
                "timeframe": "<blink>soon</blink>",
                "agenda": ["<script>alert(7)</script>"],
                "preconditions": ["& more"],
                "evidence": ["<b>bold</b> council"],
            }
        ],
        "stances": [
            {
                "holder": "Lee",
                "target": "<script>alert(8)</script>",
                "polarity": "oppose",
                "evidence": "<script>alert(1)</script>",
            }
        ],
        "framing": {
            "expressions": [{"text": "stunt", "refers_to": "<b>council</b>"}],
            "tone": [{"actor": "<b>council</b>", "tone": "critical"}],
        },
    }
    text = _defuse(NASTY_ARTICLE) if defused else NASTY_ARTICLE
    summary = ArticleSummary.model_validate(
        _defuse(data) if defused else data, context={"article": text}
    )
    return summary.model_copy(update={"article_text": text})


# -- the page ------------------------------------------------------------------------------


def test_seed_report_highlights_every_span_with_its_exact_text(seed: ArticleSummary) -> None:
    page = Page(summary_to_html(seed))
    assert page.articles == [seed.article_text]
    marks = page.marks()
    assert marks == expected_highlights(seed)
    kinds = list(page.kinds.values())
    assert (kinds.count("quote"), kinds.count("evidence"), kinds.count("framing")) == (9, 14, 4)
    assert len(page.ids) == len(set(page.ids)), "DOM ids are unique"
    for target in re.findall(r'data-target="(a0-[^"]+)"', summary_to_html(seed)):
        assert target in page.ids


def test_report_shows_the_summary_speakers_meetings_and_stances(seed: ArticleSummary) -> None:
    html = summary_to_html(seed)
    assert html.startswith("<!DOCTYPE html>")
    title = "<title>Kremlin says there are no prerequisites yet for a Putin–Trump meeting</title>"
    assert title in html
    assert "2024-12-23" in html and "article_summary/v1" in html and "gold-annotation" in html
    for speaker in seed.speakers:
        assert speaker.name in html
    assert html.count('class="sr-card ') == 3
    assert '<span class="sr-badge pending">proposed</span>' in html
    assert "Putin expects the initiative for contact to come from Trump" in html  # precondition
    assert '<svg class="sr-diagram"' in html and 'marker-end="url(#a0-arrow-pending)"' in html
    assert html.count('class="sr-pol ') == len(seed.stances)
    assert "+ support" in html and "− oppose" in html and "○ neutral" in html
    # Self-contained: no external resource of any kind.
    assert not re.search(r'(src|href)="(?!#)', html)
    assert "<link" not in html and "@import" not in html and "url(http" not in html


REPORTED_ARTICLE = (
    'The opposition leader, Ruth Amsel, called the draft "a dead end" and said talks should '
    "stop. Mayor Tom Berg said the vote would go ahead. "
    '"We are ready," Berg told the council.'
)


def reported_quotes() -> ArticleSummary:
    """One quote of each kind: the mixed one quotes a fragment inside its evidence."""
    data = {
        "headline": "Council vote goes ahead",
        "summary": "The mayor will hold the vote; the opposition wants the talks to stop.",
        "speakers": [
            {"name": "Ruth Amsel", "aliases": []},
            {"name": "Tom Berg", "aliases": ["Berg"]},
        ],
        "quotes": [
            {
                "speaker": "Ruth Amsel",
                "kind": "mixed",
                "text": "Amsel rejected the draft and wants the talks stopped",
                "evidence": 'called the draft "a dead end" and said talks should stop',
            },
            {
                "speaker": "Tom Berg",
                "kind": "indirect",
                "text": "Berg said the vote would go ahead",
                "evidence": "Mayor Tom Berg said the vote would go ahead.",
            },
            {"speaker": "Tom Berg", "kind": "direct", "text": "We are ready,"},
        ],
    }
    summary = ArticleSummary.model_validate(data, context={"article": REPORTED_ARTICLE})
    return summary.model_copy(update={"article_text": REPORTED_ARTICLE})


def _quote_items(html: str) -> dict[str, str]:
    """Each quote card's markup, by its kind."""
    found = re.findall(r'<li class="sr-quote-(\w+) [^"]*">(.*?)</li>', html, flags=re.S)
    return dict(found)


def test_a_reported_quotes_evidence_and_a_mixed_quotes_fragments_are_shown() -> None:
    """The terminal and Markdown views show a mixed quote's evidence; so does the page."""
    summary = reported_quotes()
    html = summary_to_html(summary)
    Page(html)  # well formed
    cards = _quote_items(html)
    assert set(cards) == {"mixed", "indirect", "direct"}
    mixed = cards["mixed"]
    assert "mixed quote" in mixed
    assert '<mark class="sr-frag">a dead end</mark>' in mixed
    assert re.sub(r"<[^>]+>", "", mixed.split('class="sr-said">')[1]).startswith(
        "called the draft &#34;a dead end&#34; and said talks should stop"
    )
    assert "Mayor Tom Berg said the vote would go ahead." in cards["indirect"]
    assert "sr-frag" not in cards["indirect"] and "sr-said" not in cards["direct"]
    # In the article, the mixed quote's evidence is marked as reported speech, labelled so.
    page = Page(html)
    [mixed_mark] = [k for k, text in page.highlights.items() if text.startswith("called")]
    assert f'data-hl="{mixed_mark}" title="Ruth Amsel · mixed quote (evidence)"' in html
    assert 'data-label="Amsel ~"' in html


def test_script_in_article_and_model_output_stays_text() -> None:
    summary = nasty_summary()
    html = summary_to_html(summary)
    page = Page(html)
    # Nothing from the data became an element or an attribute: the page has exactly the
    # structure of the same summary without markup characters.
    defused = Page(summary_to_html(nasty_summary(defused=True)))
    assert page.tags == defused.tags
    assert page.attributes == defused.attributes
    assert page.tags.count("script") == 1
    assert not {"i", "u", "img", "marquee", "blink"} & set(page.tags)
    assert not [a for a in page.attributes if a.startswith("on")]
    assert page.articles == [NASTY_ARTICLE], "the article's text, \\r included, is exact"
    assert page.marks() == expected_highlights(summary)
    assert page.text["title"].startswith(summary.headline + "Who would meet whom: ")
    assert page.text["h1"] == summary.headline
    # Every "<" in the page that is not one of the report's tags came from escaping.
    for match in re.finditer(r"<(/?)([a-zA-Z!][a-zA-Z0-9-]*)", html):
        assert match.group(2).lower() in {*page.tags, "!doctype"}, match.group(0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "alert(" not in page.text["script"]


def test_crossing_and_nested_spans_render_as_well_formed_fragments() -> None:
    text = "0123456789abcdefghij"
    marks = [
        _Mark(0, 10, "quote", "q direct s0", 0, "a quote"),
        _Mark(5, 15, "evidence", "ev", 1, "crosses the quote's end"),
        _Mark(5, 10, "same-end", "ev", 1, "inside both"),
        _Mark(7, 8, "frame", "frame", 2, "innermost"),
        _Mark(0, 10, "twin", "ev", 1, "the same span as the quote"),
        _Mark(15, 20, "after", "ev", 1, "touches the end of the crossing one"),
    ]
    markup = str(highlight(text, marks))
    page = Page(f'<div class="sr-article">{markup}</div>')
    assert page.articles == [text]
    assert dict(page.highlights) == {m.target: text[m.start : m.end] for m in marks}
    assert markup.count('data-hl="evidence"') == 2, "the crossing mark is split in two"
    assert markup.count('id="evidence"') == 1 and ' cont"' in markup


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet="ab <>&\"'\r\n\u00e9\u2014", max_size=40),
    raw=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 2)), max_size=8),
)
def test_highlighting_keeps_the_text_and_every_span_for_any_overlap(
    text: str, raw: list[tuple[int, int, int]]
) -> None:
    marks = [
        _Mark(min(a, b), max(a, b), f"m{i}", ["q direct s0", "ev", "frame"][k], k, "t")
        for i, (a, b, k) in enumerate(raw)
        if min(a, b) < max(a, b) <= len(text)
    ]
    page = Page(f'<div class="sr-article">{highlight(text, marks)}</div>')
    assert page.articles == [text]
    assert dict(page.highlights) == {m.target: text[m.start : m.end] for m in marks}
    assert len(page.ids) == len(set(page.ids)) == len(marks)


def test_spans_outside_the_article_or_without_article_text_are_not_shown(
    seed: ArticleSummary,
) -> None:
    broken = seed.model_copy(deep=True)
    broken.quotes[0].evidence_span = broken.quotes[0].evidence_span.model_copy(  # type: ignore[union-attr]
        update={"end": 10_000}
    )
    page = Page(summary_to_html(broken))
    assert "a0-q0" not in page.highlights
    assert page.articles == [seed.article_text]
    bare = seed.model_copy(update={"article_text": None})
    html = summary_to_html(bare)
    assert 'class="sr-article"' not in html and 'class="hl ' not in html
    assert "does not carry the article text" in html
    assert html.count("sr-unlocated") >= len(seed.quotes)


# -- many results --------------------------------------------------------------------------


def results_line(ident: str, summary: ArticleSummary | None, **extra: Any) -> str:
    """A line as the batch runner writes it: the summary without meta, meta beside it."""
    meta: dict[str, Any] = {"seconds": 1.2, "source": f"seeds/{ident}.txt", "url": None}
    if summary is not None and summary.meta is not None:
        meta.update(summary.meta.model_dump(mode="json"))
    line = {
        "id": ident,
        "status": "ok" if summary is not None else "error",
        "summary": summary.model_dump(mode="json", exclude={"meta"}) if summary else None,
        "error": None,
        "meta": meta,
        **extra,
    }
    return json.dumps(line, ensure_ascii=False)


def many_results() -> str:
    lines = [results_line(seed_id, summary_from_gold(seed_id)) for seed_id in (SEED_ID, VISIT_ID)]
    lines.append(
        results_line(
            "broken",
            None,
            status="error",
            error={
                "type": "ExtractionError",
                "message": "quotes[0] is not in the article: '<script>x</script>'",
                "attempts": 3,
            },
        )
    )
    german = json.loads(results_line(GERMAN_ID, summary_from_gold(GERMAN_ID)))
    german["meta"]["url"] = "https://example.org/kellbach?a=1&b=2"
    lines.append(json.dumps(german, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def test_results_jsonl_parses_with_meta_and_errors() -> None:
    entries = parse_results(many_results(), "results.jsonl")
    assert [e.id for e in entries] == [SEED_ID, VISIT_ID, "broken", GERMAN_ID]
    assert [e.ok for e in entries] == [True, True, False, True]
    assert entries[0].summary is not None and entries[0].summary.meta is not None
    assert entries[0].summary.meta.model == "gold-annotation"
    assert entries[0].summary.article_text == summary_from_gold(SEED_ID).article_text
    assert entries[2].error_type == "ExtractionError" and entries[2].attempts == 3
    assert entries[3].url == "https://example.org/kellbach?a=1&b=2"


def test_index_page_for_many_results() -> None:
    html = index_to_html(parse_results(many_results()))
    page = Page(html)
    assert len(page.ids) == len(set(page.ids)), "ids are unique across articles"
    index_table = html.split("</table>")[0]
    assert index_table.count("<tr>") == 1 + 4  # the header and one row per result
    for n in (0, 1, 3):
        assert f'href="#a{n}-top"' in html and f"a{n}-top" in page.ids
    assert "a2-top" not in page.ids, "a failed result has a row, not a section"
    assert "4 results: 3 summarised, 1 failed." in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and page.tags.count("script") == 1
    assert 'href="https://example.org/kellbach?a=1&amp;b=2"' in html
    assert page.articles == [
        summary_from_gold(seed_id).article_text for seed_id in (SEED_ID, VISIT_ID, GERMAN_ID)
    ]
    expected = {}
    for n, seed_id in ((0, SEED_ID), (1, VISIT_ID), (3, GERMAN_ID)):
        expected.update(expected_highlights(summary_from_gold(seed_id), f"a{n}-"))
    assert page.marks() == expected


def test_index_accepts_summaries_and_refuses_garbage(seed: ArticleSummary) -> None:
    html = index_to_html([seed, seed])
    assert 'id="a0-top"' in html and 'id="a1-top"' in html
    with pytest.raises(TypeError, match="expected a summary"):
        index_to_html([42])  # type: ignore[list-item]


# -- Markdown and notebooks ----------------------------------------------------------------


def test_markdown(seed: ArticleSummary) -> None:
    md = summary_to_markdown(seed)
    assert md.startswith(
        "# Kremlin says there are no prerequisites yet for a Putin–Trump meeting\n"
    )
    assert "*published 2024-12-23 · gold-annotation (tools) · prompt article\\_summary/v1*" in md
    assert "| Dmitry Peskov | person | Kremlin spokesman | Kremlin | Russia | 3 |" in md
    assert "2. **Dmitry Peskov** (direct, cue: said, chars 256–295): “There have been no real" in md
    assert "### Vladimir Putin ↔ Donald Trump: **proposed**" in md
    assert "- preconditions: Putin expects the initiative for contact to come from Trump" in md
    assert "| Donald Trump | the war against Ukraine | oppose |" in md
    assert "- “Russian dictator”, about Vladimir Putin (×3)" in md
    assert seed.to_markdown() == md == seed._repr_markdown_()


def test_markdown_escapes_markup_and_table_breakers() -> None:
    md = summary_to_markdown(nasty_summary())
    body = re.sub(r"^   > ", "", md, flags=re.MULTILINE)  # the evidence's blockquote marker
    assert re.search(r"(?<!\\)[<>&]", body) is None, "no raw markup character from the data"
    assert "\\<script\\>alert(1)\\</script\\>" in md
    assert "Mayor's remark \\| pipes \\|" in md
    assert "\r" not in md
    for line in md.splitlines():
        if line.startswith("| ") and "---" not in line:
            assert len(re.findall(r"(?<!\\)\|", line)) in (4, 7), line


def test_notebook_html_is_a_scoped_fragment(seed: ArticleSummary) -> None:
    first, second = seed._repr_html_(), seed._repr_html_()
    for fragment in (first, second):
        page = Page(fragment)
        assert "<html" not in fragment and "<!DOCTYPE" not in fragment
        assert page.tags[:2] == ["div", "style"] and page.tags.count("script") == 1
        assert page.articles == [seed.article_text]
    # Two outputs in one notebook page must not share ids.
    assert not set(Page(first).ids) & set(Page(second).ids)
    css = re.sub(r"/\*.*?\*/", "", first.split("<style>")[1].split("</style>")[0], flags=re.S)
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{", css) for s in rule.split(",")]
    unscoped = [s for s in selectors if not re.match(r"\.sumrep|@|\d+%$", s)]
    assert not unscoped, "every rule is scoped to the report"
    assert seed.to_html() == summary_to_html(seed)


# -- the command ---------------------------------------------------------------------------


def run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, ["report", *args], input=stdin)


def test_cli_report_from_a_summary_json(tmp_path: Path, seed: ArticleSummary) -> None:
    path = tmp_path / "seed.json"
    path.write_text(seed.model_dump_json(indent=2), encoding="utf-8")  # as summarize --json
    result = run(str(path), "-o", str(tmp_path / "report.html"))
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "1 summary" in result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html == summary_to_html(seed)


def test_cli_report_from_results_jsonl_defaults_to_a_sibling_file(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(many_results(), encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 0, result.output
    assert "3 summaries, 1 failed" in result.output
    html = (tmp_path / "results.html").read_text(encoding="utf-8")
    assert "4 results: 3 summarised, 1 failed." in html


def test_cli_report_stdin_to_stdout(seed: ArticleSummary) -> None:
    result = run("-", stdin=seed.model_dump_json())
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.endswith("</html>\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("", "is empty"),
        ('{"id": "a", "status": "error", "error": null}\nnot json\n', "line 2 is not JSON"),
        ('{"id": "a", "status": "ok", "summary": {"summary": "x"}}', "not a valid summary"),
        ("[1, 2]", "expected a JSON object"),
        ('{"x": 1}', "neither a summary"),
    ],
    ids=["missing", "empty", "not-json", "invalid-summary", "not-objects", "unknown-object"],
)
def test_cli_report_bad_input_is_an_input_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "in.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run(str(path), "-o", str(tmp_path / "out.html"))
    assert result.exit_code == 2, result.output
    assert "InputError" in result.output and message in " ".join(result.output.split())
    assert not (tmp_path / "out.html").exists()


def test_cli_report_never_overwrites_its_input(tmp_path: Path, seed: ArticleSummary) -> None:
    path = tmp_path / "seed.html"
    path.write_text(seed.model_dump_json(), encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 2 and "overwrite" in result.output
    assert path.read_text(encoding="utf-8") == seed.model_dump_json()


@pytest.mark.slow
def test_templates_ship_in_a_regular_install(tmp_path: Path) -> None:
    """After a normal, non-editable install the report renders from the installed package."""
    target = tmp_path / "site"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--target", str(target), str(ROOT)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import summarizer, sys; from summarizer._views._report import summary_to_html; "
        "s = summarizer.ArticleSummary(headline='h', summary='s', article_text='text'); "
        "html = summary_to_html(s); print(summarizer.__file__); "
        "print('.sumrep .hl' in html and '__summarizerReport' in html)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    module_file, rendered = out.stdout.split()
    assert module_file.startswith(str(target))
    assert rendered == "True"
