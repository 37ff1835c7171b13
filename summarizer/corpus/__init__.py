"""Follow a story across articles: people, meeting threads and stance changes over a corpus.

``summarizer batch`` summarises many articles, one line each; :class:`Corpus` links them::

    from summarizer.corpus import Corpus

    corpus = Corpus.from_results("results.jsonl")
    for thread in corpus.meetings:  # one per real-world meeting, events in publication order
        print(thread.participants, " → ".join(thread.statuses))
    for stance in corpus.stances:
        if stance.changed:
            print(stance.holder, stance.target, stance.polarities)
    for statement in corpus.statements:  # one statement, every outlet's wording
        if statement.changed:
            print(statement.speaker, [(r.outlet, r.changes) for r in statement.reports])
    corpus.tables()  # Arrow tables to join: articles, speakers, quotes, meetings, ...

- **people** (:class:`PersonEntry`): one per identity across all articles, by the library's
  identity rules, with every form seen, the articles and the quotes
  (:mod:`summarizer.corpus._people` has the rules);
- **meetings** (:class:`MeetingThread`): one thread per real-world meeting, its events the
  article-level meetings (:mod:`summarizer.corpus._meeting_threads` has the rules);
- **stances** (:class:`StanceThread`): a holder toward a target across articles
  (:mod:`summarizer.corpus._stance_threads` has the rules);
- **statements** (:class:`Statement`): one statement of one identity quoted by several
  articles, each article's wording, spans and outlet side by side, and where an outlet's
  words differ, word by word (:mod:`summarizer.corpus._statements` has the rule).

Every event keeps its article id and the spans of its evidence, so each claim leads back to
the article's words. The corpus is the same whatever order the results file holds (a batch
writes in completion order): articles are taken in publication order, then by id.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

from summarizer._escape import safe_json
from summarizer._runs._batch import text_id
from summarizer._runs._results import ResultRecord, read_results
from summarizer._summary import MEETING_STATUSES
from summarizer._timeframes import Interval
from summarizer.corpus._corpus_article import CorpusArticle
from summarizer.corpus._corpus_data import CorpusData, Skipped
from summarizer.corpus._corpus_report import corpus_to_html
from summarizer.corpus._meeting_threads import Evidence, MeetingEvent, MeetingThread
from summarizer.corpus._people import PersonEntry, QuoteRef
from summarizer.corpus._stance_threads import StanceEvent, StanceThread
from summarizer.corpus._statements import Report, Statement, WordChange
from summarizer.corpus._tables import TABLES, arrow_tables, pandas_frames, table_rows, write_tables
from summarizer.schema import ArticleSummary

__all__ = [
    "TABLES",
    "Corpus",
    "CorpusArticle",
    "Evidence",
    "MeetingEvent",
    "MeetingThread",
    "PersonEntry",
    "QuoteRef",
    "Report",
    "Skipped",
    "StanceEvent",
    "StanceThread",
    "Statement",
    "WordChange",
]

_GIVEN = ("source", "url", "title", "site", "published_from")
"""What a result's ``meta`` tells a corpus article about where it came from."""

Source = str | os.PathLike[str] | Iterable[ResultRecord | ArticleSummary | CorpusArticle]
"""What :meth:`Corpus.from_results` reads: a results file, or results, summaries or articles."""


class Corpus(CorpusData):
    """Many articles about one story, linked: people, meeting threads, stance threads.

    Build one with :meth:`from_results`; every field is computed when it is built.
    """

    @classmethod
    def from_results(
        cls, source: Source, *, schema: type[ArticleSummary] = ArticleSummary
    ) -> Corpus:
        """The corpus of a ``summarizer batch`` results file (or of results in memory).

        Args:
            source: A results JSONL path; or results records, summaries or corpus articles.
                A summary with no id is named by its text's hash (``text_id``). Failed
                results are listed in :attr:`skipped`.
            schema: The result schema a results file was written with
                (``Summarizer(schema=...)``): its own fields are kept, and exported as
                tables of their own (summaries in memory keep theirs anyway).

        Raises:
            InputError: The file cannot be read, or a line is not a result record (a
                ``ResultsFormatError`` names the line; a torn last line is left out).
        """
        if isinstance(source, str | os.PathLike):
            items: Iterable[ResultRecord | ArticleSummary | CorpusArticle] = read_results(
                source, schema
            ).records
        else:
            items = source
        articles: list[CorpusArticle] = []
        skipped: list[Skipped] = []
        for n, item in enumerate(items, start=1):
            if isinstance(item, CorpusArticle):
                articles.append(item)
            elif isinstance(item, ArticleSummary):
                ident = text_id(item.article_text) if item.article_text else f"article-{n}"
                articles.append(CorpusArticle(ident, item))
            elif item.summary is None:
                error = item.error
                skipped.append(Skipped(item.id, f"{error.type}: {error.message}" if error else ""))
            else:
                given = {k: item.meta.get(k) for k in _GIVEN}
                articles.append(
                    CorpusArticle(
                        item.id,
                        item.summary,
                        **{k: v if isinstance(v, str) else None for k, v in given.items()},
                    )
                )
        return cls.build(articles, skipped)

    def as_json(self) -> dict[str, Any]:
        """The corpus as JSON-ready data (what ``summarizer corpus --json`` prints)."""
        return {
            "articles": [_article_json(a) for a in self.articles],
            "people": [_plain(p) for p in self.people],
            "meetings": [_meeting_json(m) for m in self.meetings],
            "stances": [_stance_json(s) for s in self.stances],
            "statements": [_statement_json(s) for s in self.statements],
            "skipped": [_plain(s) for s in self.skipped],
        }

    def to_json(self, indent: int | None = 2) -> str:
        r""":meth:`as_json` as a JSON document, escaped as every JSON output of the library.

        Control characters, line separators and bidi controls are ``\u`` escapes (the
        values are unchanged), so the document can be printed and split on lines safely.
        """
        return safe_json(json.dumps(self.as_json(), ensure_ascii=False, indent=indent))

    def to_html(self, *, title: str | None = None) -> str:
        """One self-contained HTML page: meeting timelines, people, stance changes, articles."""
        return corpus_to_html(self, title=title)

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """The export tables as rows (plain Python values), by table name (:data:`TABLES`)."""
        return table_rows(self)

    def tables(self) -> dict[str, Any]:
        """The export tables as ``pyarrow.Table`` objects, by name (:data:`TABLES`).

        Raises:
            ConfigurationError: pyarrow is not installed (``pip install 'summarizer[export]'``).
        """
        return arrow_tables(self)

    def to_pandas(self) -> dict[str, Any]:
        """The export tables as pandas ``DataFrame`` objects, by name.

        Raises:
            ConfigurationError: pyarrow or pandas is not installed.
        """
        return pandas_frames(self)

    def write_tables(
        self,
        folder: str | os.PathLike[str],
        format: Literal["parquet", "csv"] = "parquet",
        *,
        csv_escape: bool = True,
    ) -> list[Path]:
        r"""Write every table to ``folder`` as ``<table>.parquet`` or ``<table>.csv``.

        CSV needs nothing beyond the standard library (lists are written as JSON arrays);
        Parquet needs pyarrow and keeps the data as it is. CSV cells are made safe for a
        spreadsheet unless ``csv_escape`` is false: a cell starting with ``=``, ``+``,
        ``-``, ``@``, tab or carriage return gets a leading ``'`` (it cannot run as a
        formula), control characters are shown escaped (``\x1b``); tab and newline stay.
        With ``csv_escape=False`` every cell is the data as it is (for programs, which
        need the exact text for the offsets).

        Raises:
            ConfigurationError: Parquet without pyarrow.
            InputError: The folder cannot be written.
        """
        return write_tables(self, Path(folder), format, csv_escape=csv_escape)


def _plain(value: Any, skip: tuple[str, ...] = ()) -> Any:
    """Dataclasses, dates and intervals as JSON values (fields in declaration order)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Interval):
        return {"from": _plain(value.start), "to": _plain(value.end)}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value) if f.name not in skip}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _article_json(article: CorpusArticle) -> dict[str, Any]:
    s = article.summary
    return {
        "id": article.id,
        "published": _plain(article.published),
        "headline": s.headline,
        "published_from": article.published_from,
        "title": article.title,
        "site": article.site,
        "outlet": article.outlet,
        "source": article.source,
        "url": article.url,
        "speakers": len(s.speakers),
        "quotes": len(s.quotes),
        "meetings": len(s.proposed_meetings),
        "stances": len(s.stances),
    }


def _meeting_json(thread: MeetingThread) -> dict[str, Any]:
    events = [_plain(e, skip=("interval",)) | {"days": _plain(e.interval)} for e in thread.events]
    info = MEETING_STATUSES.get(thread.status)
    return {
        "id": thread.id,
        "participants": thread.participants,
        "participant_ids": thread.participant_ids,
        "status": thread.status,
        "status_group": info.group if info else None,
        "statuses": thread.statuses,
        "location": thread.location,
        "first_published": _plain(thread.events[0].published),
        "last_published": _plain(thread.events[-1].published),
        "events": events,
    }


def _stance_json(thread: StanceThread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "holder": thread.holder,
        "holder_id": thread.holder_id,
        "target": thread.target,
        "target_id": thread.target_id,
        "targets": thread.targets,
        "changed": thread.changed,
        "polarities": thread.polarities,
        "events": [_plain(e) for e in thread.events],
    }


def _statement_json(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.id,
        "person_id": statement.person_id,
        "speaker": statement.speaker,
        "changed": statement.changed,
        "articles": statement.articles,
        "reports": [
            _plain(r, skip=("segments",)) | {"differs": r.differs} for r in statement.reports
        ],
    }
