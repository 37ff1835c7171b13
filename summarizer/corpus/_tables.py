"""A corpus as joinable tables: what a pipeline loads into a warehouse or a notebook.

Seven tables (:data:`TABLES`), each with fixed columns and types, joined on ids:

- ``articles`` (``article_id``): publication date and where it came from
  (``published_from``, for saved pages), headline, summary, source, url, the page's title
  and site, the text;
- ``speakers`` (``id``): one row per identity of the corpus (person, organisation, group,
  anonymous source), with its forms, roles and articles;
- ``quotes``: ``article_id``, ``speaker_id`` (a ``speakers.id``), kind, text, evidence, and
  ``start``/``end``: ``articles.text[start:end]`` is the quote (direct) or its evidence
  (reported speech); null when it was not located;
- ``meetings`` (``meeting_id``): one row per meeting thread, its participants and status;
- ``meeting_events``: one row per event (``meeting_id``, ``seq``), the article's status,
  dates, place and evidence with offsets;
- ``stances``: one row per stance event (``stance_id``, ``seq``): holder, target, the
  article's polarity and evidence with offsets; ``main`` is false for a look back kept with
  an event (an older version of the target, see ``_stance_threads``);
- ``statements``: one row per report of a statement several articles quote
  (``statement_id``, ``seq``): the speaker, the article and its outlet, the wording with
  ``start``/``end`` (as in ``quotes``; ``quote_index`` joins it), and how the words differ
  from the first report (``differs``; ``words_added``, ``words_dropped``, ``words_changed``
  as ``before → after``); ``statement_changed`` is true on every row of a statement whose
  outlets' words differ (see ``_statements``).

A result schema of your own adds a table per field it adds
(:mod:`summarizer.corpus._custom_tables`), with its verbatim offsets and person ids, made
from its markers.

The rows are plain Python values (:func:`table_rows`). Arrow tables need the ``export``
extra (pyarrow), pandas frames pandas too; CSV is written with the standard library, list
columns as JSON arrays. Parquet keeps the types (dates as dates, lists as lists) and the
data as it is. CSV is for spreadsheets first: its text cells go through
:func:`summarizer._escape.csv_cell` (a formula cell gets a leading ``'``, control characters
are shown escaped) unless ``csv_escape=False`` asks for the data as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from summarizer._escape import csv_cell, safe_json
from summarizer._files import replacing, replacing_text
from summarizer.corpus._corpus_data import CorpusData
from summarizer.corpus._custom_tables import custom_tables
from summarizer.errors import ConfigurationError, InputError

__all__ = [
    "COLUMNS",
    "TABLES",
    "arrow_tables",
    "columns_of",
    "pandas_frames",
    "table_rows",
    "write_tables",
]

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "articles": (
        ("article_id", "string"),
        ("published", "date"),
        ("headline", "string"),
        ("summary", "string"),
        ("source", "string"),
        ("url", "string"),
        ("published_from", "string"),
        ("title", "string"),
        ("site", "string"),
        ("text", "string"),
    ),
    "speakers": (
        ("id", "string"),
        ("name", "string"),
        ("kind", "string"),
        ("aliases", "list<string>"),
        ("roles", "list<string>"),
        ("articles", "list<string>"),
        ("quotes", "int"),
    ),
    "quotes": (
        ("article_id", "string"),
        ("quote_index", "int"),
        ("speaker_id", "string"),
        ("said_as", "string"),
        ("kind", "string"),
        ("text", "string"),
        ("evidence", "string"),
        ("start", "int"),
        ("end", "int"),
    ),
    "meetings": (
        ("meeting_id", "string"),
        ("participants", "list<string>"),
        ("participant_ids", "list<string>"),
        ("status", "string"),
        ("location", "string"),
        ("first_published", "date"),
        ("last_published", "date"),
        ("events", "int"),
    ),
    "meeting_events": (
        ("meeting_id", "string"),
        ("seq", "int"),
        ("article_id", "string"),
        ("meeting_index", "int"),
        ("published", "date"),
        ("status", "string"),
        ("changed", "bool"),
        ("joined_by", "string"),
        ("participants", "list<string>"),
        ("participant_ids", "list<string>"),
        ("proposed_by", "string"),
        ("proposed_by_id", "string"),
        ("timeframe", "string"),
        ("date_from", "date"),
        ("date_to", "date"),
        ("location", "string"),
        ("status_reason", "string"),
        ("evidence", "list<string>"),
        ("evidence_start", "list<int>"),
        ("evidence_end", "list<int>"),
    ),
    "stances": (
        ("stance_id", "string"),
        ("seq", "int"),
        ("main", "bool"),
        ("holder", "string"),
        ("holder_id", "string"),
        ("target", "string"),
        ("target_id", "string"),
        ("article_id", "string"),
        ("stance_index", "int"),
        ("published", "date"),
        ("polarity", "string"),
        ("target_as_written", "string"),
        ("evidence", "string"),
        ("start", "int"),
        ("end", "int"),
    ),
    "statements": (
        ("statement_id", "string"),
        ("seq", "int"),
        ("speaker_id", "string"),
        ("speaker", "string"),
        ("statement_changed", "bool"),
        ("article_id", "string"),
        ("quote_index", "int"),
        ("published", "date"),
        ("outlet", "string"),
        ("kind", "string"),
        ("said_as", "string"),
        ("wording", "string"),
        ("start", "int"),
        ("end", "int"),
        ("differs", "bool"),
        ("words_added", "list<string>"),
        ("words_dropped", "list<string>"),
        ("words_changed", "list<string>"),
    ),
}
"""Every table's columns and their types, in order."""
TABLES = tuple(COLUMNS)
"""The tables' names, in the order they are written."""


def columns_of(corpus: CorpusData) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every table's columns: the package's (:data:`COLUMNS`), then the schema's own fields'.

    Raises:
        ConfigurationError: A field of the schema is named like one of the package's tables.
    """
    own = {table.name: table.columns for table in custom_tables(corpus, TABLES)}
    return {**COLUMNS, **own}


def _people_rows(corpus: CorpusData) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "kind": p.kind,
            "aliases": list(p.aliases),
            "roles": list(p.roles),
            "articles": list(p.articles),
            "quotes": len(p.quotes),
        }
        for p in corpus.people
    ]


def _quote_rows(corpus: CorpusData) -> list[dict[str, Any]]:
    rows = []
    for article in corpus.articles:
        for j, quote in enumerate(article.summary.quotes):
            speaker = corpus.people.resolve(article.id, quote.speaker)
            start, end = article.offsets(quote.location)
            rows.append(
                {
                    "article_id": article.id,
                    "quote_index": j,
                    "speaker_id": speaker.id if speaker else None,
                    "said_as": quote.speaker,
                    "kind": quote.kind,
                    "text": quote.text,
                    "evidence": quote.evidence,
                    "start": start,
                    "end": end,
                }
            )
    return rows


def _meeting_rows(corpus: CorpusData) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    threads, events = [], []
    for thread in corpus.meetings:
        threads.append(
            {
                "meeting_id": thread.id,
                "participants": list(thread.participants),
                "participant_ids": list(thread.participant_ids),
                "status": thread.status,
                "location": thread.location,
                "first_published": thread.events[0].published,
                "last_published": thread.events[-1].published,
                "events": len(thread.events),
            }
        )
        for seq, e in enumerate(thread.events):
            events.append(
                {
                    "meeting_id": thread.id,
                    "seq": seq,
                    "article_id": e.article_id,
                    "meeting_index": e.index,
                    "published": e.published,
                    "status": e.status,
                    "changed": e.changed,
                    "joined_by": e.joined_by,
                    "participants": list(e.participants),
                    "participant_ids": list(e.participant_ids),
                    "proposed_by": e.proposed_by,
                    "proposed_by_id": e.proposed_by_id,
                    "timeframe": e.timeframe,
                    "date_from": e.date_from,
                    "date_to": e.date_to,
                    "location": e.location,
                    "status_reason": e.status_reason,
                    "evidence": [x.text for x in e.evidence],
                    "evidence_start": [x.start for x in e.evidence],
                    "evidence_end": [x.end for x in e.evidence],
                }
            )
    return threads, events


def _stance_rows(corpus: CorpusData) -> list[dict[str, Any]]:
    rows = []
    for thread in corpus.stances:
        for seq, event in enumerate(thread.events):
            for main, e in [(True, event), *((False, a) for a in event.also)]:
                rows.append(
                    {
                        "stance_id": thread.id,
                        "seq": seq,
                        "main": main,
                        "holder": thread.holder,
                        "holder_id": thread.holder_id,
                        "target": thread.target,
                        "target_id": thread.target_id,
                        "article_id": e.article_id,
                        "stance_index": e.index,
                        "published": e.published,
                        "polarity": e.polarity,
                        "target_as_written": e.target,
                        "evidence": e.evidence,
                        "start": e.start,
                        "end": e.end,
                    }
                )
    return rows


def _statement_rows(corpus: CorpusData) -> list[dict[str, Any]]:
    rows = []
    for statement in corpus.statements:
        for seq, r in enumerate(statement.reports):
            rows.append(
                {
                    "statement_id": statement.id,
                    "seq": seq,
                    "speaker_id": statement.person_id,
                    "speaker": statement.speaker,
                    "statement_changed": statement.changed,
                    "article_id": r.article_id,
                    "quote_index": r.quote_index,
                    "published": r.published,
                    "outlet": r.outlet,
                    "kind": r.kind,
                    "said_as": r.said_as,
                    "wording": r.wording,
                    "start": r.start,
                    "end": r.end,
                    "differs": r.differs,
                    "words_added": [c.after for c in r.changes if c.op == "added"],
                    "words_dropped": [c.before for c in r.changes if c.op == "dropped"],
                    "words_changed": [
                        f"{c.before} → {c.after}" for c in r.changes if c.op == "changed"
                    ],
                }
            )
    return rows


def table_rows(corpus: CorpusData) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, by table name (see the module docstring)."""
    meetings, events = _meeting_rows(corpus)
    own = {table.name: list(table.rows(corpus)) for table in custom_tables(corpus, TABLES)}
    return {
        "articles": [
            {
                "article_id": a.id,
                "published": a.published,
                "headline": a.summary.headline,
                "summary": a.summary.summary,
                "source": a.source,
                "url": a.url,
                "published_from": a.published_from,
                "title": a.title,
                "site": a.site,
                "text": a.text,
            }
            for a in corpus.articles
        ],
        "speakers": _people_rows(corpus),
        "quotes": _quote_rows(corpus),
        "meetings": meetings,
        "meeting_events": events,
        "stances": _stance_rows(corpus),
        "statements": _statement_rows(corpus),
        **own,
    }


def _pyarrow() -> tuple[Any, Any]:
    """The modules of the ``export`` extra: pyarrow and its Parquet writer."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise ConfigurationError(
            f"Arrow and Parquet tables need pyarrow: pip install 'summarizer[export]' ({exc})"
        ) from exc
    return pyarrow, pyarrow.parquet


def _arrow_type(pa: Any, name: str) -> Any:
    simple = {
        "string": pa.string(),
        "date": pa.date32(),
        "int": pa.int64(),
        "bool": pa.bool_(),
        "float": pa.float64(),
        "json": pa.string(),
    }
    if name.startswith("list<"):
        return pa.list_(simple[name[5:-1]])
    return simple[name]


def arrow_tables(corpus: CorpusData) -> dict[str, Any]:
    """Every table as a ``pyarrow.Table`` with the declared column types.

    Raises:
        ConfigurationError: pyarrow is not installed.
    """
    pa, _ = _pyarrow()
    tables = {}
    columns = columns_of(corpus)
    for name, rows in table_rows(corpus).items():
        schema = pa.schema([(c, _arrow_type(pa, t)) for c, t in columns[name]])
        tables[name] = pa.Table.from_pylist(rows, schema=schema)
    return tables


def pandas_frames(corpus: CorpusData) -> dict[str, Any]:
    """Every table as a pandas ``DataFrame`` (through Arrow).

    Raises:
        ConfigurationError: pyarrow or pandas is not installed.
    """
    tables = arrow_tables(corpus)
    try:
        return {name: table.to_pandas() for name, table in tables.items()}
    except ImportError as exc:
        raise ConfigurationError(f"to_pandas() needs pandas: pip install pandas ({exc})") from exc


def _csv_value(value: Any, escape: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):  # JSON's escapes keep the values exactly
        return safe_json(json.dumps(value, ensure_ascii=False))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and escape:
        return csv_cell(value)
    return value


def write_tables(
    corpus: CorpusData, folder: Path, format: str, *, csv_escape: bool = True
) -> list[Path]:
    r"""Write every table to ``folder`` (created if needed) as Parquet or CSV; return the paths.

    ``csv_escape`` (CSV only): text cells made safe for a spreadsheet (:func:`csv_cell`);
    false writes them as they are (a lone surrogate, which UTF-8 cannot hold, as ``\ud800``).

    Each file is written whole and then moved into place: a symbolic link already at a
    table's path is replaced, its target never written (:mod:`summarizer._files`).

    Raises:
        ConfigurationError: Parquet without pyarrow.
        InputError: An unknown format, or the folder cannot be written.
    """
    if format not in ("parquet", "csv"):
        raise InputError(f"unknown export format {format!r}: parquet or csv")
    tables = arrow_tables(corpus) if format == "parquet" else None
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if tables is not None:
            _, pq = _pyarrow()
            for name, table in tables.items():
                with replacing(folder / f"{name}.parquet") as parquet:
                    pq.write_table(table, parquet)
                written.append(folder / f"{name}.parquet")
            return written
        columns = columns_of(corpus)
        for name, rows in table_rows(corpus).items():
            path = folder / f"{name}.csv"
            with replacing_text(path, newline="", errors="backslashreplace") as handle:
                writer = csv.DictWriter(handle, fieldnames=[c for c, _ in columns[name]])
                writer.writeheader()
                writer.writerows(
                    {k: _csv_value(v, csv_escape) for k, v in row.items()} for row in rows
                )
            written.append(path)
    except OSError as exc:
        raise InputError(f"cannot write the tables to {folder}: {exc}") from exc
    return written
