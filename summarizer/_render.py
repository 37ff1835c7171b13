"""Terminal rendering of a summary with rich: what the example and the CLI print."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from summarizer._summary import SummaryData

__all__ = ["render_summary"]


_NARROW = {"kind", "date", "at", "quotes", "times", "polarity"}
_WIDE = {"text", "position", "expression", "target", "status"}


def _table(title: str, *columns: str) -> Table:
    """A full-width table: narrow columns keep their width, prose columns get the rest."""
    table = Table(title=title, title_justify="left", expand=True)
    for column in columns:
        if column in _NARROW:
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, overflow="fold", ratio=4 if column in _WIDE else 1)
    return table


def _offsets(start: int | None, end: int | None) -> str:
    return "—" if start is None or end is None else f"{start}–{end}"


def summary_renderables(summary: SummaryData) -> list[RenderableType]:
    """The summary as a list of rich renderables, top to bottom."""
    header = Text()
    header.append(summary.headline, style="bold")
    if summary.published:
        header.append(f"\npublished {summary.published.isoformat()}", style="dim")
    header.append(f"\n\n{summary.summary}")
    parts: list[RenderableType] = [Panel(header, title="Summary", title_align="left")]

    speakers = _table("Speakers", "name", "also", "role", "affiliation", "country", "quotes")
    for s in summary.speakers:
        speakers.add_row(
            s.name,
            ", ".join(s.aliases),
            s.role or "",
            s.affiliation or "",
            s.country or "",
            str(len(summary.quotes_by(s.name))),
        )
    parts.append(speakers)

    quotes = _table("Quotes", "speaker", "kind", "text", "cue", "date", "at")
    for q in summary.quotes:
        location = q.location
        quotes.add_row(
            q.speaker,
            q.kind,
            q.text if q.kind == "direct" else f"{q.text}\n[dim]“{q.evidence}”[/dim]",
            q.cue or "",
            q.said_on.isoformat() if q.said_on else "",
            _offsets(location.start if location else None, location.end if location else None),
        )
    parts.append(quotes)

    if summary.positions:
        positions = _table("Positions", "actor", "topic", "position")
        for p in summary.positions:
            positions.add_row(p.actor, p.topic, p.position)
        parts.append(positions)

    if summary.proposed_meetings:
        meetings = _table("Meetings", "participants", "status", "proposed by", "when", "agenda")
        for m in summary.proposed_meetings:
            when = m.timeframe or ""
            if m.dates:
                when = f"{when} ({m.dates})" if when else m.dates
            status = f"[bold]{m.status}[/bold]" + (
                f"\n{m.status_reason}" if m.status_reason else ""
            )
            meetings.add_row(
                " · ".join(m.participants), status, m.proposed_by or "", when, "; ".join(m.agenda)
            )
        parts.append(meetings)

    if summary.stances:
        stances = _table("Stances", "holder", "target", "polarity")
        for st in summary.stances:
            stances.add_row(st.holder, st.target, st.polarity)
        parts.append(stances)

    framing = summary.framing
    if framing.expressions or framing.tone:
        table = _table(
            "The outlet's framing (reported, not adopted)", "expression", "about", "times"
        )
        for e in framing.expressions:
            table.add_row(f"“{e.text}”", e.refers_to, str(len(e.spans)))
        for t in framing.tone:
            table.add_row(f"tone: {t.tone}", t.actor, "")
        parts.append(table)

    if summary.meta:
        meta = summary.meta
        parts.append(
            Text(
                f"{meta.model} · mode {meta.mode} · prompt {meta.prompt_id}/{meta.prompt_version} "
                f"({meta.prompt_sha256[:12]}) · {meta.attempts} request(s), "
                f"{meta.reasks} reask(s) · {meta.usage.input_tokens} in / "
                f"{meta.usage.output_tokens} out tokens · {meta.latency_s:.2f}s",
                style="dim",
            )
        )
    return parts


def render_summary(summary: SummaryData, console: Console | None = None) -> None:
    """Print the summary readably: a panel and one table per kind of finding."""
    (console or Console()).print(Group(*summary_renderables(summary)))
