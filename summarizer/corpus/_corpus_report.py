"""A corpus as one self-contained page: meeting timelines, stance changes, people, articles.

The page (``_views/templates/corpus.html.j2``) has five parts: a timeline per meeting thread
(status changes with dates and places), the stance threads (those followed over several
articles first, changes marked), the statements several articles quote (each outlet's
wording side by side, words added, dropped or changed marked; changed ones first), a
people index with their quotes across articles, and
every article with its quotes and evidence highlighted exactly as in the article report
(:func:`summarizer._views._report.article_marks`). Each event, stance and quote links to its words
in its article on the same page: selecting one scrolls there and flashes the span (the
report's own script).

Escaping is the report's: Jinja autoescape for every value from the articles or the model,
the highlighted articles built from span boundaries out of escaped pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel

from summarizer._summary import MEETING_STATUSES, polarity_sign, speaker_ids
from summarizer._views._report import PALETTE_SIZE, article_marks, render_page
from summarizer.corpus._corpus_data import CorpusData
from summarizer.corpus._meeting_threads import MeetingEvent, MeetingThread
from summarizer.corpus._people import PersonEntry
from summarizer.corpus._stance_threads import StanceEvent, StanceThread
from summarizer.corpus._statements import Report, Statement

__all__ = ["corpus_to_html"]

Lookup = Callable[[BaseModel, str, int], str | None]


class _Page:
    """What the template shows, computed once: colours, anchors and the articles' marks."""

    def __init__(self, corpus: CorpusData) -> None:
        self.corpus = corpus
        persons = [p for p in corpus.people if p.kind == "person"]
        self.colours = {p.id: f"s{i % PALETTE_SIZE}" for i, p in enumerate(persons)}
        self.anchors = {a.id: f"c{k}" for k, a in enumerate(corpus.articles)}
        self.index = {a.id: k for k, a in enumerate(corpus.articles)}
        self.marked: list[tuple[Markup | None, Lookup]] = []
        for k, article in enumerate(corpus.articles):
            names = {}
            speakers = article.summary.speakers
            for speaker, sid in zip(speakers, speaker_ids(speakers), strict=True):
                entry = corpus.people.of_speaker(article.id, sid)
                if entry is not None and entry.id in self.colours:
                    names[speaker.name] = self.colours[entry.id]
            self.marked.append(article_marks(article.summary, f"c{k}-", names))

    def colour(self, person_id: str | None) -> str:
        return self.colours.get(person_id or "", "sx")

    def article(self, article_id: str) -> dict[str, Any]:
        a = self.corpus.articles[self.index[article_id]]
        return {
            "id": a.id,
            "anchor": self.anchors[a.id],
            "headline": a.summary.headline,
            "published": a.published.isoformat() if a.published else "",
        }

    def target(self, article_id: str, item: BaseModel, name: str, index: int = 0) -> str | None:
        return self.marked[self.index[article_id]][1](item, name, index)


def _event(page: _Page, event: MeetingEvent) -> dict[str, Any]:
    meeting = page.corpus.articles[page.index[event.article_id]].summary.proposed_meetings[
        event.index
    ]
    info = MEETING_STATUSES.get(event.status)
    when = meeting.when
    return {
        "article": page.article(event.article_id),
        "status": event.status,
        "label": event.status.replace("_", " "),
        "group": info.group if info else "pending",
        "changed": event.changed,
        "joined_by": event.joined_by,
        "when": when,
        "location": event.location,
        "proposed_by": event.proposed_by,
        "participants": [
            (name, page.colour(pid))
            for name, pid in zip(event.participants, event.participant_ids, strict=True)
        ],
        "reason": event.status_reason,
        "evidence": [
            (e.text, page.target(event.article_id, meeting, "evidence", j))
            for j, e in enumerate(event.evidence)
        ],
    }


def _thread(page: _Page, thread: MeetingThread) -> dict[str, Any]:
    info = MEETING_STATUSES.get(thread.status)
    return {
        "id": thread.id,
        "participants": [
            (name, page.colour(pid))
            for name, pid in zip(thread.participants, thread.participant_ids, strict=True)
        ],
        "status": thread.status.replace("_", " "),
        "group": info.group if info else "pending",
        "path": [e.status.replace("_", " ") for e in thread.events if e.changed],
        "location": thread.location,
        "events": [_event(page, e) for e in thread.events],
    }


def _stance_event(page: _Page, event: StanceEvent) -> dict[str, Any]:
    stance = page.corpus.articles[page.index[event.article_id]].summary.stances[event.index]
    return {
        "article": page.article(event.article_id),
        "polarity": event.polarity,
        "sign": polarity_sign(event.polarity),
        "target": event.target,
        "evidence": event.evidence,
        "link": page.target(event.article_id, stance, "evidence"),
        "also": [_stance_event(page, a) for a in event.also],
    }


def _stance(page: _Page, thread: StanceThread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "holder": thread.holder,
        "colour": page.colour(thread.holder_id),
        "target": thread.target,
        "targets": thread.targets,
        "changed": thread.changed,
        "events": [_stance_event(page, e) for e in thread.events],
    }


def _report(page: _Page, report: Report) -> dict[str, Any]:
    quote = page.corpus.articles[page.index[report.article_id]].summary.quotes[report.quote_index]
    return {
        "article": page.article(report.article_id),
        "outlet": report.outlet,
        "kind": report.kind,
        "segments": report.segments,
        "changes": report.changes,
        "link": page.target(report.article_id, quote, "text" if quote.span else "evidence"),
    }


def _statement(page: _Page, statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.id,
        "speaker": statement.speaker,
        "colour": page.colour(statement.person_id),
        "changed": statement.changed,
        "reports": [_report(page, r) for r in statement.reports],
    }


def _person(page: _Page, person: PersonEntry) -> dict[str, Any]:
    quotes = []
    for ref in person.quotes:
        quote = page.corpus.articles[page.index[ref.article_id]].summary.quotes[ref.index]
        field = "text" if quote.span is not None else "evidence"
        quotes.append(
            {
                "article": page.article(ref.article_id),
                "kind": ref.kind,
                "text": ref.text,
                "link": page.target(ref.article_id, quote, field),
            }
        )
    return {
        "id": person.id,
        "name": person.name,
        "kind": person.kind,
        "colour": page.colour(person.id),
        "aliases": person.aliases,
        "roles": person.roles,
        "articles": [page.article(a) for a in person.articles],
        "quotes": quotes,
    }


def corpus_to_html(corpus: CorpusData, *, title: str | None = None) -> str:
    """The corpus page (see the module docstring): self-contained, works from ``file://``."""
    page = _Page(corpus)
    dates = [a.published for a in corpus.articles if a.published]
    stances = [_stance(page, s) for s in corpus.stances]
    return render_page(
        "corpus.html.j2",
        styles=("corpus.css",),
        title=title or f"{len(corpus.articles)} articles, one story",
        span=(min(dates).isoformat(), max(dates).isoformat()) if dates else None,
        meetings=[_thread(page, m) for m in corpus.meetings],
        followed=[s for s in stances if len(s["events"]) > 1],
        once=[s for s in stances if len(s["events"]) == 1],
        people=[_person(page, p) for p in corpus.people],
        statements=[
            _statement(page, st) for st in sorted(corpus.statements, key=lambda st: not st.changed)
        ],
        articles=[
            {
                **page.article(a.id),
                "source": a.source,
                "outlet": a.outlet,
                "published_from": a.published_from,
                "summary": a.summary.summary,
                "text": page.marked[k][0],
            }
            for k, a in enumerate(corpus.articles)
        ],
        skipped=corpus.skipped,
        counts={
            "changed": sum(1 for s in corpus.stances if s.changed),
            "people": sum(1 for p in corpus.people if p.kind == "person"),
            "sources": len(corpus.people),
        },
    )
