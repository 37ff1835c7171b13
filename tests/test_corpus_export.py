"""The corpus as joinable tables: Parquet round trips, ids join, offsets slice the text."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.corpus import Corpus
from summarizer.corpus._tables import COLUMNS, TABLES
from summarizer.errors import ConfigurationError
from tests.story import run_story_batch


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_story_batch(tmp_path_factory.mktemp("story"))


@pytest.fixture(scope="module")
def corpus(results: Path) -> Corpus:
    return Corpus.from_results(results)


def test_parquet_round_trips_through_pyarrow(corpus: Corpus, tmp_path: Path) -> None:
    tables = corpus.tables()
    assert tuple(tables) == TABLES
    written = corpus.write_tables(tmp_path, "parquet")
    assert [p.name for p in written] == [f"{name}.parquet" for name in TABLES]
    for name, table in tables.items():
        back = pq.read_table(tmp_path / f"{name}.parquet")
        assert back.schema.equals(table.schema), name
        assert back.equals(table), name
        assert back.column_names == [c for c, _ in COLUMNS[name]]
    counts = {name: t.num_rows for name, t in tables.items()}
    assert counts["articles"] == 8 and counts["speakers"] == len(corpus.people)
    assert counts["quotes"] == sum(len(a.summary.quotes) for a in corpus.articles)
    assert counts["meeting_events"] == sum(len(m.events) for m in corpus.meetings)


def test_every_quote_joins_a_speaker_and_its_offsets_slice_the_article(corpus: Corpus) -> None:
    tables = {name: t.to_pylist() for name, t in corpus.tables().items()}
    speakers = {row["id"] for row in tables["speakers"]}
    texts = {row["article_id"]: row["text"] for row in tables["articles"]}
    summaries = {a.id: a.summary for a in corpus.articles}
    assert tables["quotes"]
    for row in tables["quotes"]:
        assert row["speaker_id"] in speakers, row
        quote = summaries[row["article_id"]].quotes[row["quote_index"]]
        assert quote.location is not None, "the story's quotes are all located"
        text = texts[row["article_id"]]
        assert text[row["start"] : row["end"]] == quote.location.slice(text)
        if row["kind"] == "direct":
            assert text[row["start"] : row["end"]].startswith(quote.text[:10].strip("“”\"' "))
    for row in tables["meeting_events"]:
        text = texts[row["article_id"]]
        for start, end, words in zip(
            row["evidence_start"], row["evidence_end"], row["evidence"], strict=True
        ):
            assert start is not None and text[start:end], row
            assert len(words) >= 2
    meetings = {row["meeting_id"] for row in tables["meetings"]}
    assert {row["meeting_id"] for row in tables["meeting_events"]} == meetings
    people = speakers | {None}
    for row in tables["stances"]:
        assert row["holder_id"] in people and row["article_id"] in texts
        if row["start"] is not None:
            assert texts[row["article_id"]][row["start"] : row["end"]]


def test_pandas_frames_and_csv_files_hold_the_same_rows(corpus: Corpus, tmp_path: Path) -> None:
    frames = corpus.to_pandas()
    rows = corpus.rows()
    for name in TABLES:
        assert len(frames[name]) == len(rows[name])
        assert list(frames[name].columns) == [c for c, _ in COLUMNS[name]]
    corpus.write_tables(tmp_path, "csv")
    with (tmp_path / "quotes.csv").open(encoding="utf-8", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert [r["speaker_id"] for r in read] == [r["speaker_id"] for r in rows["quotes"]]
    assert [int(r["start"]) for r in read] == [r["start"] for r in rows["quotes"]]
    with (tmp_path / "meeting_events.csv").open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert json.loads(first["evidence"]) == rows["meeting_events"][0]["evidence"]


def test_export_command_writes_csv_or_parquet(results: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["export", str(results), "--format", "csv", "-o", str(tmp_path)])
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.csv" for n in TABLES)
    run = CliRunner().invoke(app, ["export", str(results), "-f", "xlsx", "-o", str(tmp_path)])
    assert run.exit_code == 2


def test_without_pyarrow_tables_say_which_extra_to_install(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'summarizer\[export\]'"):
        corpus.tables()
    with pytest.raises(ConfigurationError, match="export"):
        corpus.write_tables(tmp_path, "parquet")
    assert corpus.write_tables(tmp_path, "csv")[0].name == "articles.csv"
