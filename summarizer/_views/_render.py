"""Terminal rendering of a summary with rich: what the example and the CLI print.

Everything from the article or the model is shown as plain :class:`rich.text.Text`, never
parsed as markup, so ``[b]`` or ``[/dim]`` in a quote prints as written; and it is passed
through :func:`terminal_text` first, so an article or an answer cannot drive the terminal
(escape sequences that set the window title, hide text or make links are removed; bidi
overrides are shown escaped; the rule lives in :mod:`summarizer._escape`). The CLI prints
its messages (errors, file names, batch progress) the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from summarizer._escape import terminal_text
from summarizer._summary import SummaryData, is_direct

__all__ = ["plain", "render_summary", "summary_renderables", "terminal_text"]


def plain(value: object, style: str = "") -> Text:
    """``value`` as a rich :class:`Text`: never parsed as markup, never driving the terminal."""
    return Text(terminal_text(value), style=style)


_NARROW = {"kind", "date", "at", "quotes", "times", "polarity"}
"""Columns that keep their width (a speaker's kind, a quote's kind, dates, counts)."""
_WIDE = {"text", "position", "expression", "target", "status"}

Cell = str | Text
"""A table cell: a ``str`` is shown as text too (never as markup)."""


def _cell(value: Cell) -> Text:
    return value if isinstance(value, Text) else plain(value)


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Table:
    """A full-width table: narrow columns keep their width, prose columns get the rest."""
    table = Table(title=title, title_justify="left", expand=True)
    for column in columns:
        if column in _NARROW:
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, overflow="fold", ratio=4 if column in _WIDE else 1)
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    return table


def _quote_text(kind: str, text: str, evidence: str | None) -> Text:
    shown = plain(text)
    if not is_direct(kind) and evidence:
        shown.append(plain(f"\n“{evidence}”", style="dim"))
    return shown


def _status(status: str, reason: str | None) -> Text:
    shown = plain(status, style="bold")
    if reason:
        shown.append(plain(f"\n{reason}"))
    return shown


def _sections(summary: SummaryData) -> list[tuple[str, list[str], list[list[Cell]]]]:
    """Each finding's table: title, columns and rows (empty ones are left out)."""
    framing = summary.framing
    framing_rows: list[list[Cell]] = [
        [f"“{e.text}”", e.refers_to, str(len(e.spans))] for e in framing.expressions
    ]
    framing_rows += [[f"tone: {t.tone}", t.actor, ""] for t in framing.tone]
    return [
        (
            "Speakers",
            ["name", "kind", "also", "role", "affiliation", "country", "quotes"],
            [
                [
                    s.name,
                    s.kind,
                    ", ".join(s.aliases),
                    s.role or "",
                    s.affiliation or "",
                    s.country or "",
                    str(len(summary.quotes_by(s.name))),
                ]
                for s in summary.speakers
            ],
        ),
        (
            "Quotes",
            ["speaker", "kind", "text", "cue", "date", "at"],
            [
                [
                    q.speaker,
                    q.kind,
                    _quote_text(q.kind, q.text, q.evidence),
                    q.cue or "",
                    q.said_on.isoformat() if q.said_on else "",
                    q.location.offsets if q.location else "—",
                ]
                for q in summary.quotes
            ],
        ),
        (
            "Positions",
            ["actor", "topic", "position"],
            [[p.actor, p.topic, p.position] for p in summary.positions],
        ),
        (
            "Meetings",
            ["participants", "status", "proposed by", "when", "agenda"],
            [
                [
                    " · ".join(m.participants),
                    _status(m.status, m.status_reason),
                    m.proposed_by or "",
                    m.when,
                    "; ".join(m.agenda),
                ]
                for m in summary.proposed_meetings
            ],
        ),
        (
            "Stances",
            ["holder", "target", "polarity"],
            [[st.holder, st.target, st.polarity] for st in summary.stances],
        ),
        (
            "The outlet's framing (reported, not adopted)",
            ["expression", "about", "times"],
            framing_rows,
        ),
    ]


def summary_renderables(summary: SummaryData) -> list[RenderableType]:
    """The summary as a list of rich renderables, top to bottom."""
    header = plain(summary.headline, style="bold")
    if summary.published:
        header.append(f"\npublished {summary.published.isoformat()}", style="dim")
    header.append(plain(f"\n\n{summary.summary}"))
    parts: list[RenderableType] = [Panel(header, title="Summary", title_align="left")]
    always = {"Speakers", "Quotes"}
    for title, columns, rows in _sections(summary):
        if rows or title in always:
            parts.append(_table(title, columns, rows))
    if summary.meta:
        meta = summary.meta
        parts.append(
            plain(
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
