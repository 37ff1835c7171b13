"""One statement, many reports: the same words quoted by several outlets are one statement.

The corpora are written here: each article's text, its quotes located in it by hand (no
model). Two outlets quote one Putin statement, one of them without its "not": one statement,
the dropped word shown, flagged, in ``corpus --json``, on the page and in the ``statements``
table (CSV and Parquet).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer import ArticleSummary
from summarizer._runs._results import json_line
from summarizer.cli import app
from summarizer.corpus import Corpus, CorpusArticle
from summarizer.corpus._statements import MIN_RUN, words_of

PUTIN = {"name": "Vladimir Putin", "aliases": ["Putin"], "id": "vladimir-putin"}
PESKOV = {"name": "Dmitry Peskov", "aliases": ["Peskov"]}
SAID = "We will not attack any NATO country, that is complete nonsense"
DROPPED = "We will attack any NATO country, that is complete nonsense"
KYIV = f'Vladimir Putin told reporters in Moscow: "{SAID}." He spoke for an hour.'
TASS = f'Putin said on Friday: "{DROPPED}," according to the transcript.'


def quote(text: str, words: str, speaker: str, kind: str = "direct", **more: Any) -> dict[str, Any]:
    """A quote of ``text``, located by hand: a direct quote's words, or mixed speech."""
    if kind == "direct":
        start = text.index(words)
        span = {"start": start, "end": start + len(words)}
        return {"speaker": speaker, "kind": kind, "text": words, "span": span, **more}
    start = text.index(words)  # mixed: ``words`` is the passage, its quoted fragment inside
    inner = words.index('"') + 1
    fragment = {"start": start + inner, "end": start + words.rindex('"')}
    return {
        "speaker": speaker,
        "kind": kind,
        "text": "a paraphrase",
        "evidence": words,
        "evidence_span": {"start": start, "end": start + len(words)},
        "pieces": [fragment],
        **more,
    }


def summary(text: str, published: str, speakers: list[Any], quotes: list[Any]) -> ArticleSummary:
    data = {
        "headline": f"headline of {published}",
        "summary": "a summary",
        "speakers": speakers,
        "quotes": quotes,
        "published": published,
        "article_text": text,
    }
    return ArticleSummary.model_validate(data)


def two_outlets() -> list[CorpusArticle]:
    return [
        CorpusArticle(
            "tass",
            summary(TASS, "2024-12-21", [PUTIN], [quote(TASS, DROPPED, "Putin")]),
            site="Tass Wire",
        ),
        CorpusArticle(
            "kyiv",
            summary(
                KYIV,
                "2024-12-20",
                [PUTIN],
                [quote(KYIV, SAID, "Vladimir Putin", speaker_id="vladimir-putin")],
            ),
            url="https://www.kyivdaily.example/news/1",
        ),
    ]


def test_a_statement_quoted_by_two_outlets_with_a_dropped_not_is_one_changed_statement() -> None:
    corpus = Corpus.from_results(two_outlets())
    [statement] = corpus.statements
    assert statement.person_id == "vladimir-putin" and statement.changed
    first, second = statement.reports
    assert (first.article_id, first.outlet, first.changes) == ("kyiv", "kyivdaily.example", [])
    assert (second.article_id, second.outlet) == ("tass", "Tass Wire")
    assert [(c.op, c.before, c.after) for c in second.changes] == [("dropped", "not", "")]
    assert KYIV[first.start : first.end] == SAID and TASS[second.start : second.end] == DROPPED
    assert ("dropped", "not") in second.segments
    assert "".join(t for k, t in second.segments if k != "dropped") == DROPPED


@pytest.mark.parametrize(
    ("second", "changes"),
    [
        ("we will NOT attack any NATO country – that is complete nonsense!", []),
        (
            "We will never attack any NATO country, that is complete nonsense",
            [("changed", "not", "never")],
        ),
        ("We will not attack any NATO country", [("dropped", "that is complete nonsense", "")]),
        (
            "Frankly, we will not attack any NATO country, that is complete nonsense",
            [("added", "", "Frankly")],
        ),
    ],
    ids=["case-and-punctuation-only", "changed-word", "shortened", "added-word"],
)
def test_word_by_word_differences(second: str, changes: list[tuple[str, str, str]]) -> None:
    other = f'Putin said: "{second}".'
    articles = [
        CorpusArticle("a", summary(KYIV, "2024-12-20", [PUTIN], [quote(KYIV, SAID, "Putin")])),
        CorpusArticle("b", summary(other, "2024-12-22", [PUTIN], [quote(other, second, "Putin")])),
    ]
    [statement] = Corpus.from_results(articles).statements
    assert [(c.op, c.before, c.after) for c in statement.reports[1].changes] == changes
    assert statement.changed is bool(changes)


def test_what_is_not_one_statement() -> None:
    """Another speaker's same words; a run of fewer than MIN_RUN words; indirect speech."""
    short = "We will not attack anyone"  # 5 words, 4 in common with SAID: "we will not attack"
    peskov = f'Dmitry Peskov repeated: "{SAID}." Putin added: "{short} else, ever."'
    other = "Putin said Russia would not attack any NATO country, that is complete nonsense."
    articles = [
        CorpusArticle("a", summary(KYIV, "2024-12-20", [PUTIN], [quote(KYIV, SAID, "Putin")])),
        CorpusArticle(
            "b",
            summary(
                peskov,
                "2024-12-21",
                [PESKOV, PUTIN],
                [
                    quote(peskov, SAID, "Dmitry Peskov"),
                    quote(peskov, f"{short} else, ever", "Putin"),
                ],
            ),
        ),
        CorpusArticle(
            "c",
            summary(
                other,
                "2024-12-22",
                [PUTIN],
                [{"speaker": "Putin", "kind": "indirect", "text": "no attack", "evidence": other}],
            ),
        ),
    ]
    assert MIN_RUN == 5 and len(words_of(short)) == 5
    assert Corpus.from_results(articles).statements == []


def test_reported_speech_joins_through_the_fragment_it_quotes() -> None:
    mixed = 'Putin called talk of an attack "that is complete nonsense" on Friday.'
    passage = 'called talk of an attack "that is complete nonsense"'
    articles = [
        CorpusArticle("a", summary(KYIV, "2024-12-20", [PUTIN], [quote(KYIV, SAID, "Putin")])),
        CorpusArticle(
            "b", summary(mixed, "2024-12-21", [PUTIN], [quote(mixed, passage, "Putin", "mixed")])
        ),
    ]
    [statement] = Corpus.from_results(articles).statements
    report = statement.reports[1]
    assert (report.kind, report.wording) == ("mixed", "that is complete nonsense")
    assert [c.op for c in report.changes] == ["dropped"]  # the fragment is a part of it


def test_matching_stays_near_linear() -> None:
    """2,000 quotes of one speaker, all different: indexed by runs, never compared in pairs."""
    words = [f"w{i}" for i in range(12_000)]
    articles = []
    for n in range(200):
        text = " ".join(
            f'"{" ".join(words[(n * 10 + k) * 6 : (n * 10 + k) * 6 + 6])}."' for k in range(10)
        )
        quotes = [
            quote(text, " ".join(words[(n * 10 + k) * 6 : (n * 10 + k) * 6 + 6]) + ".", "Putin")
            for k in range(10)
        ]
        articles.append(CorpusArticle(f"a{n}", summary(text, "2024-12-20", [PUTIN], quotes)))
    started = time.perf_counter()
    assert Corpus.from_results(articles).statements == []
    assert time.perf_counter() - started < 10


@pytest.fixture
def results(tmp_path: Path) -> Path:
    lines = []
    for article in two_outlets():
        meta = {"site": article.site, "url": article.url, "published_from": "meta"}
        record = {
            "id": article.id,
            "status": "ok",
            "summary": article.summary.model_dump(mode="json", exclude={"meta"}),
            "meta": {k: v for k, v in meta.items() if v is not None},
        }
        lines.append(json_line(record) + "\n")
    path = tmp_path / "results.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_the_statement_in_corpus_json(results: Path) -> None:
    run = CliRunner().invoke(app, ["corpus", str(results), "--json"])
    assert run.exit_code == 0, run.output
    [statement] = json.loads(run.stdout)["statements"]
    assert statement["changed"] is True and statement["articles"] == ["kyiv", "tass"]
    kyiv, tass = statement["reports"]
    assert kyiv["outlet"] == "kyivdaily.example" and kyiv["differs"] is False
    assert tass["outlet"] == "Tass Wire" and tass["differs"] is True
    assert tass["changes"] == [{"op": "dropped", "before": "not", "after": ""}]
    assert tass["wording"] == DROPPED and TASS[tass["start"] : tass["end"]] == DROPPED
    assert tass["pieces"] == [[tass["start"], tass["end"]]]
    text = CliRunner().invoke(app, ["corpus", str(results)])
    assert "Statements worded differently (1)" in text.stdout and "dropped 'not'" in text.stdout


def test_the_statement_side_by_side_on_the_page(results: Path, tmp_path: Path) -> None:
    page = tmp_path / "corpus.html"
    run = CliRunner().invoke(app, ["corpus", str(results), "-o", str(page)])
    assert run.exit_code == 0, run.output
    html = page.read_text(encoding="utf-8")
    section = html[html.index('id="statements"') : html.index('id="people"')]
    assert 'class="sc-statement changed"' in section and "words differ" in section
    assert section.count('<li class="sc-report') == 2
    assert section.index("kyivdaily.example") < section.index("Tass Wire")
    assert '<del class="sc-w-dropped" title="dropped">not</del>' in section
    assert "dropped “not”" in section
    assert 'data-target="c0-' in section and 'data-target="c1-' in section  # links to the words


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_statements_table(results: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / fmt
    run = CliRunner().invoke(app, ["export", str(results), "-f", fmt, "-o", str(out)])
    assert run.exit_code == 0, run.output
    if fmt == "csv":
        with (out / "statements.csv").open(encoding="utf-8", newline="") as handle:
            rows: list[dict[str, Any]] = list(csv.DictReader(handle))
        dropped = [json.loads(r["words_dropped"]) for r in rows]
        flags = [(r["statement_changed"], r["differs"]) for r in rows]
        assert flags == [("true", "false"), ("true", "true")]
    else:
        pq = pytest.importorskip("pyarrow.parquet")
        rows = pq.read_table(out / "statements.parquet").to_pylist()
        dropped = [r["words_dropped"] for r in rows]
        assert [(r["statement_changed"], r["differs"]) for r in rows] == [
            (True, False),
            (True, True),
        ]
        assert rows[0]["published"] == dt.date(2024, 12, 20)
    assert [r["article_id"] for r in rows] == ["kyiv", "tass"]
    assert [r["outlet"] for r in rows] == ["kyivdaily.example", "Tass Wire"]
    assert dropped == [[], ["not"]]
    assert {r["statement_id"] for r in rows} == {"st-vladimir-putin-1"}
    assert rows[1]["wording"] == DROPPED


def test_a_stock_phrase_two_statements_open_with_does_not_join_them() -> None:
    """Seen on the real story's page: two Putin statements of one day shared only "I would like
    to express" (five words) and were shown as one statement reworded by an outlet."""
    first = "First of all, I would like to express our sincere condolences over the death"
    second = "I would like to express hope that these agreements will create a solid foundation"
    one = f'Putin said: "{first}."'
    two = f'Putin said: "{second}."'
    articles = [
        CorpusArticle("a", summary(one, "2020-03-05", [PUTIN], [quote(one, first, "Putin")])),
        CorpusArticle("b", summary(two, "2020-03-05", [PUTIN], [quote(two, second, "Putin")])),
    ]
    assert Corpus.from_results(articles).statements == []
    # One statement cut short by an outlet still joins: the shorter is mostly shared (and
    # with b it shares 5 of its 8 words, under two thirds).
    cut = "I would like to express our sincere condolences"
    three = f'Putin said: "{cut}."'
    articles.append(
        CorpusArticle("c", summary(three, "2020-03-06", [PUTIN], [quote(three, cut, "Putin")]))
    )
    [statement] = Corpus.from_results(articles).statements
    assert statement.articles == ["a", "c"]
