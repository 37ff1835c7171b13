"""The summary as something to look at: a self-contained HTML report, and Markdown.

:func:`summary_to_html` writes one HTML page (inline CSS and JavaScript, no network, works
from ``file://``): the summary, speaker cards, meetings, stances and framing beside the
article, in which every located quote and piece of evidence is highlighted from its span.
:func:`index_to_html` puts many results (a batch's JSONL) on one page behind an index.
:func:`summary_to_markdown` is the same summary for terminals, docs and notebooks.

Escaping is exact. Everything from the article or the model goes through Jinja's autoescape or
:func:`markupsafe.escape`, never into markup as is; the highlighted article is built from the
span boundaries (marks that cross are split into fragments sharing one ``data-hl``), never by
replacing strings, so overlapping spans and repeated phrases cannot go wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import ValidationError

from summarizer._grounding import Span
from summarizer.errors import InputError
from summarizer.schema import ArticleSummary, SummaryMeta

__all__ = [
    "ReportEntry",
    "entries_to_html",
    "highlight",
    "index_to_html",
    "parse_results",
    "summary_fragment",
    "summary_to_html",
    "summary_to_markdown",
]

PALETTE_SIZE = 8
"""Speaker colours (CSS classes ``s0`` … ``s7``), reused cyclically; ``sx`` is unknown."""

_STATUS_GROUP = {
    "proposed": "pending",
    "under_discussion": "pending",
    "agreed": "agreed",
    "scheduled": "agreed",
    "held": "held",
    "postponed": "off",
    "cancelled": "off",
    "declined": "off",
}
_POLARITY_SIGN = {"support": "+", "oppose": "−", "neutral": "○", "mixed": "±"}


# ---------------------------------------------------------------------------------------
# Results: what the report reads
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportEntry:
    """One article of a report: its summary, or the error a batch recorded for it."""

    id: str
    summary: ArticleSummary | None = None
    error_type: str | None = None
    error_message: str | None = None
    attempts: int | None = None
    source: str | None = None
    url: str | None = None

    @property
    def ok(self) -> bool:
        """True when there is a summary to show."""
        return self.summary is not None


def _entry(record: Any, where: str, number: int) -> ReportEntry:
    """A report entry from one parsed JSON value: a results line or a bare summary."""
    if isinstance(record, ArticleSummary):
        return ReportEntry(id=str(number), summary=record)
    if isinstance(record, ReportEntry):
        return record
    if not isinstance(record, Mapping):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    if "status" not in record and "headline" in record:  # summarize --json
        return ReportEntry(id=str(number), summary=_summary(record, None, where))
    if "status" not in record or "id" not in record:
        raise InputError(
            f"{where}: neither a summary (no 'headline') nor a results line (no 'id'/'status')"
        )
    ident = str(record["id"])
    meta = _mapping(record.get("meta"))
    source = meta.get("source")
    url = meta.get("url")
    common: dict[str, Any] = {
        "id": ident,
        "source": source if isinstance(source, str) else None,
        "url": url if isinstance(url, str) else None,
    }
    if record["status"] == "ok":
        if not isinstance(record.get("summary"), Mapping):
            raise InputError(f"{where} (id {ident}): status is ok but there is no summary")
        return ReportEntry(
            summary=_summary(record["summary"], meta, f"{where} (id {ident})"), **common
        )
    error = _mapping(record.get("error"))
    attempts = error.get("attempts")
    return ReportEntry(
        error_type=str(error.get("type") or "error"),
        error_message=str(error.get("message") or record["status"]),
        attempts=attempts if isinstance(attempts, int) else None,
        **common,
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _summary(data: Mapping[str, Any], meta: Mapping[str, Any] | None, where: str) -> ArticleSummary:
    try:
        summary = ArticleSummary.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(p) for p in first["loc"]) or "summary"
        raise InputError(
            f"{where}: not a valid summary ({exc.error_count()} error(s); {place}: {first['msg']})"
        ) from exc
    if summary.meta is None and meta:
        # A batch's results line keeps the summary's meta next to it, with its own keys.
        with contextlib.suppress(ValidationError):
            summary = summary.model_copy(update={"meta": SummaryMeta.model_validate(meta)})
    return summary


def parse_results(text: str, source: str = "input") -> list[ReportEntry]:
    """Read a summary JSON (``summarize --json``), a results line, or a results JSONL.

    Raises:
        InputError: the text is not JSON, or a value is neither a summary nor a result.
    """
    if not text.strip():
        raise InputError(f"{source} is empty: expected a summary JSON or a results JSONL")
    with contextlib.suppress(json.JSONDecodeError):
        whole = json.loads(text)
        if isinstance(whole, list):
            return [_entry(item, f"{source} item {i + 1}", i + 1) for i, item in enumerate(whole)]
        return [_entry(whole, source, 1)]
    entries: list[ReportEntry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{source} is neither a summary JSON nor a results JSONL: "
                f"line {number} is not JSON ({exc.msg})"
            ) from exc
        entries.append(_entry(record, f"{source} line {number}", len(entries) + 1))
    return entries


# ---------------------------------------------------------------------------------------
# The highlighted article
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mark:
    """A span of the article to wrap: a quote, a piece of evidence or a framing term."""

    start: int
    end: int
    target: str
    """DOM id of the highlight; every fragment carries it as ``data-hl``."""
    classes: str
    rank: int
    """Nesting order for equal spans: quotes outside, evidence, framing inside."""
    title: str
    label: str | None = None


def _valid(span: Span | None, text: str | None) -> Span | None:
    if span is None or text is None or span.end > len(text) or span.start >= span.end:
        return None
    return span


def _escape_text(text: str) -> str:
    # A carriage return as a character reference survives the HTML parser's newline
    # normalisation, so the page's text is exactly the article.
    return str(escape(text)).replace("\r", "&#13;")


def _open_tag(mark: _Mark, first: bool) -> str:
    attrs = [
        f'class="hl {escape(mark.classes)}{"" if first else " cont"}"',
        f'data-hl="{escape(mark.target)}"',
        f'title="{escape(mark.title)}"',
    ]
    if first:
        attrs.insert(0, f'id="{escape(mark.target)}"')
        if mark.label:
            attrs.append(f'data-label="{escape(mark.label)}"')
    return f"<span {' '.join(attrs)}>"


def highlight(text: str, marks: Iterable[_Mark]) -> Markup:
    """The article as markup, each mark wrapped from its span boundaries.

    Marks nest by extent (the longer outside). Where two marks cross, the inner one is
    closed at the outer one's end and reopened after it, so the markup stays well formed;
    its fragments share one ``data-hl`` and only the first has the ``id`` and the label.
    """
    usable = (m for m in marks if 0 <= m.start < m.end <= len(text))
    ordered = sorted(usable, key=lambda m: (m.start, -m.end, m.rank))
    starting: dict[int, list[_Mark]] = {}
    for mark in ordered:
        starting.setdefault(mark.start, []).append(mark)
    boundaries = sorted({0, len(text), *(m.start for m in ordered), *(m.end for m in ordered)})
    out: list[str] = []
    stack: list[_Mark] = []
    opened: set[str] = set()
    position = 0

    def push(mark: _Mark) -> None:
        out.append(_open_tag(mark, mark.target not in opened))
        opened.add(mark.target)
        stack.append(mark)

    for boundary in boundaries:
        out.append(_escape_text(text[position:boundary]))
        position = boundary
        reopen: list[_Mark] = []
        while any(m.end == boundary for m in stack):
            mark = stack.pop()
            out.append("</span>")
            if mark.end != boundary:
                reopen.append(mark)
        for mark in reversed(reopen):
            push(mark)
        for mark in starting.get(boundary, []):
            push(mark)
    return Markup("".join(out))


# ---------------------------------------------------------------------------------------
# The view: what the template shows, computed once
# ---------------------------------------------------------------------------------------


@dataclass
class _Link:
    text: str
    target: str | None


@dataclass
class _View:
    prefix: str
    summary: ArticleSummary
    colours: dict[str, str] = field(default_factory=dict)
    marks: list[_Mark] = field(default_factory=list)

    def colour(self, name: str | None) -> str:
        """The CSS class of a speaker's colour (by name or alias); ``sx`` for anyone else."""
        if not name:
            return "sx"
        if name not in self.colours:
            speaker = self.summary.speaker(name)
            return self.colours.get(speaker.name, "sx") if speaker else "sx"
        return self.colours[name]

    def target(
        self, key: str, span: Span | None, classes: str, rank: int, title: str, label: str = ""
    ) -> str | None:
        """Register a mark for ``span`` (when it indexes the article) and return its id."""
        valid = _valid(span, self.summary.article_text)
        if valid is None:
            return None
        dom_id = f"{self.prefix}{key}"
        self.marks.append(
            _Mark(valid.start, valid.end, dom_id, classes, rank, title, label or None)
        )
        return dom_id


def _surname(name: str) -> str:
    words = name.split()
    return (words[-1] if words else name)[:18]


def _dates(date_from: dt.date | None, date_to: dt.date | None) -> str:
    if not date_from:
        return ""
    text = date_from.isoformat()
    if date_to and date_to != date_from:
        text += f" → {date_to.isoformat()}"
    return text


def _offsets(span: Span | None) -> str:
    return f"{span.start}–{span.end}" if span else ""


def _build(summary: ArticleSummary, prefix: str) -> dict[str, Any]:
    view = _View(prefix, summary)
    for i, speaker in enumerate(summary.speakers):
        view.colours.setdefault(speaker.name, f"s{i % PALETTE_SIZE}")

    speakers = [
        {
            "name": s.name,
            "aliases": s.aliases,
            "role": s.role,
            "affiliation": s.affiliation,
            "country": s.country,
            "quotes": len(summary.quotes_by(s.name)),
            "colour": view.colour(s.name),
        }
        for s in summary.speakers
    ]

    quotes: list[dict[str, Any]] = []
    for i, q in enumerate(summary.quotes):
        kind = "direct quote" if q.kind == "direct" else "indirect speech (evidence)"
        location = _valid(q.location, summary.article_text)
        target = view.target(
            f"q{i}",
            location,
            f"q {q.kind} {view.colour(q.speaker)}",
            0,
            f"{q.speaker} · {kind}",
            _surname(q.speaker) + (" ~" if q.kind == "indirect" else ""),
        )
        quotes.append(
            {
                "speaker": q.speaker,
                "colour": view.colour(q.speaker),
                "kind": q.kind,
                "text": q.text,
                "evidence": q.evidence if q.kind == "indirect" else None,
                "cue": q.cue,
                "said_on": q.said_on.isoformat() if q.said_on else "",
                "target": target,
                "offsets": _offsets(location),
                "order": location.start if location else len(summary.article_text or ""),
            }
        )
    quotes.sort(key=lambda q: int(q["order"]))  # the panel follows the article

    positions = []
    for i, p in enumerate(summary.positions):
        target = view.target(
            f"p{i}", p.evidence_span, "ev", 1, f"evidence · {p.actor}'s position on {p.topic}"
        )
        positions.append(
            {
                "actor": p.actor,
                "colour": view.colour(p.actor),
                "topic": p.topic,
                "position": p.position,
                "evidence": p.evidence,
                "target": target,
            }
        )

    meetings = []
    for i, m in enumerate(summary.proposed_meetings):
        pairs: list[tuple[str, Span | None]]
        if len(m.evidence_spans) == len(m.evidence):
            pairs = list(zip(m.evidence, m.evidence_spans, strict=True))
        else:  # spans stored without their strings' order: show what was located
            text = summary.article_text or ""
            pairs = [(s.slice(text), s) for s in m.evidence_spans] or [
                (e, None) for e in m.evidence
            ]
        evidence = [
            _Link(
                text,
                view.target(
                    f"m{i}e{j}",
                    span,
                    "ev",
                    1,
                    f"evidence · meeting of {' and '.join(m.participants)}",
                ),
            )
            for j, (text, span) in enumerate(pairs)
        ]
        meetings.append(
            {
                "participants": [(name, view.colour(name)) for name in m.participants],
                "proposed_by": m.proposed_by,
                "proposed_by_colour": view.colour(m.proposed_by),
                "status": m.status,
                "status_label": m.status.replace("_", " "),
                "group": _STATUS_GROUP.get(m.status, "pending"),
                "status_reason": m.status_reason,
                "timeframe": m.timeframe,
                "dates": _dates(m.date_from, m.date_to),
                "location": m.location,
                "agenda": m.agenda,
                "preconditions": m.preconditions,
                "evidence": evidence,
            }
        )

    holders: list[str] = []
    targets: list[str] = []
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for i, st in enumerate(summary.stances):
        holders += [st.holder] if st.holder not in holders else []
        targets += [st.target] if st.target not in targets else []
        cells.setdefault((st.holder, st.target), []).append(
            {
                "polarity": st.polarity,
                "sign": _POLARITY_SIGN.get(st.polarity, "?"),
                "evidence": st.evidence,
                "target": view.target(
                    f"s{i}", st.evidence_span, "ev", 1, f"evidence · {st.holder} on {st.target}"
                ),
            }
        )
    stances = {
        "targets": targets,
        "rows": [
            (h, view.colour(h), [(t, cells.get((h, t), [])) for t in targets]) for h in holders
        ],
    }

    expressions = []
    for i, e in enumerate(summary.framing.expressions):
        occurrences = [
            view.target(
                f"f{i}o{j}",
                span,
                "frame",
                2,
                f"the outlet's own term, about {e.refers_to} (framing, not a quote)",
            )
            for j, span in enumerate(e.spans)
        ]
        expressions.append(
            {
                "text": e.text,
                "refers_to": e.refers_to,
                "occurrences": [t for t in occurrences if t is not None],
            }
        )

    article = summary.article_text
    counts = {
        "quotes": sum(1 for m in view.marks if m.classes.startswith("q ")),
        "evidence": sum(1 for m in view.marks if m.classes == "ev"),
        "framing": sum(1 for m in view.marks if m.classes == "frame"),
    }
    return {
        "prefix": prefix,
        "s": summary,
        "meta": summary.meta,
        "published": summary.published.isoformat() if summary.published else None,
        "speakers": speakers,
        "quotes": quotes,
        "positions": positions,
        "meetings": meetings,
        "diagram": _diagram(summary, view),
        "stances": stances,
        "expressions": expressions,
        "tone": [(t.actor, view.colour(t.actor), t.tone) for t in summary.framing.tone],
        "article": highlight(article, view.marks) if article is not None else None,
        "counts": counts,
    }


def _diagram(summary: ArticleSummary, view: _View) -> dict[str, Any] | None:
    """Who would meet whom: participants on a circle, one edge per pair and meeting.

    An edge points from the side that proposed to the other when the proposer is one of
    the pair; its style says the status group (pending, agreed, held, off).
    """
    names: list[str] = []
    for m in summary.proposed_meetings:
        names += [p for p in m.participants if p not in names]
    if len(names) < 2:
        return None
    width, height = (360, 110) if len(names) == 2 else (440, 240)
    cx, cy = width / 2, height / 2
    if len(names) == 2:
        positions = [(70.0, cy), (width - 70.0, cy)]
    else:
        radius = cy - 34
        positions = [
            (
                cx + radius * math.cos(-math.pi / 2 + 2 * math.pi * k / len(names)),
                cy + radius * math.sin(-math.pi / 2 + 2 * math.pi * k / len(names)),
            )
            for k in range(len(names))
        ]
    where = dict(zip(names, positions, strict=True))
    nodes = []
    for name, (x, y) in where.items():
        if len(names) > 2 and abs(x - cx) > 1:  # at the sides: the name beside the node
            anchor, tx, ty = ("end", x - 14, y + 4) if x < cx else ("start", x + 14, y + 4)
        else:  # at the top, the bottom, or one of two: the name above or below
            anchor, tx, ty = "middle", x, (y - 15 if y < cy else y + 26)
        nodes.append(
            {
                "name": name,
                "x": round(x, 1),
                "y": round(y, 1),
                "colour": view.colour(name),
                "anchor": anchor,
                "tx": round(tx, 1),
                "ty": round(ty, 1),
            }
        )
    seen: dict[tuple[str, str], int] = {}
    edges = []
    for m in summary.proposed_meetings:
        status = m.status.replace("_", " ")
        for i, first in enumerate(m.participants):
            for second in m.participants[i + 1 :]:
                if first == second:
                    continue
                key = (min(first, second), max(first, second))
                k = seen.get(key, 0)
                seen[key] = k + 1
                # From who proposed to who is asked, when the proposer is one of the pair.
                a, b = (second, first) if m.proposed_by == second else (first, second)
                (x1, y1), (x2, y2) = where[a], where[b]
                # Stop short of the far node so the arrowhead stays visible.
                trim = 12 / (math.hypot(x2 - x1, y2 - y1) or 1.0)
                x2, y2 = x2 - (x2 - x1) * trim, y2 - (y2 - y1) * trim
                length = math.hypot(x2 - x1, y2 - y1) or 1.0
                nx, ny = -(y2 - y1) / length, (x2 - x1) / length  # unit normal
                bend = (k + 1) // 2 * 28 * (1 if k % 2 else -1)
                mx, my = (x1 + x2) / 2, (y1 + y2) / 2
                qx, qy = mx + nx * bend, my + ny * bend
                side = 1 if bend >= 0 else -1
                if ny * side > 0:  # keep labels above their edge where possible
                    side = -side
                # Far enough along the normal for the label's box to clear the edge.
                gap = 3.2 * len(status) * abs(nx) + 7 * abs(ny) + 4
                lx = (mx + qx) / 2 + nx * gap * side
                ly = (my + qy) / 2 + ny * gap * side + 4
                edges.append(
                    {
                        "d": f"M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}",
                        "group": _STATUS_GROUP.get(m.status, "pending"),
                        "arrow": m.proposed_by in (a, b),
                        "label": status,
                        "lx": round(lx, 1),
                        "ly": round(ly, 1),
                        "title": f"{a} – {b}: {status}"
                        + (f", proposed by {m.proposed_by}" if m.proposed_by else ""),
                    }
                )
    groups = sorted({str(e["group"]) for e in edges if e["arrow"]})
    return {"width": width, "height": height, "nodes": nodes, "edges": edges, "groups": groups}


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("summarizer", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=2)
def _asset(name: str) -> Markup:
    # Our own static files, inlined: they never contain data.
    return Markup(files("summarizer").joinpath("templates", name).read_text(encoding="utf-8"))


def _safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"https?://", url, re.IGNORECASE) else None


def _render(template: str, **context: Any) -> str:
    return (
        _environment()
        .get_template(template)
        .render(css=_asset("report.css"), js=_asset("report.js"), **context)
    )


def summary_to_html(summary: ArticleSummary, *, title: str | None = None) -> str:
    """One self-contained HTML page for one summary (no network, works from ``file://``)."""
    return _render(
        "report.html.j2",
        title=title or summary.headline,
        entries=[{"id": None, "source": None, "url": None, "view": _build(summary, "a0-")}],
        index=None,
    )


def summary_fragment(summary: ArticleSummary) -> str:
    """The report as an HTML fragment with its style and script, for notebook output."""
    prefix = f"r{uuid.uuid4().hex[:8]}-"
    return _render("fragment.html.j2", view=_build(summary, prefix))


def index_to_html(
    results: Iterable[ReportEntry | ArticleSummary | Mapping[str, Any]],
    *,
    title: str | None = None,
) -> str:
    """One HTML page for many results: an index (one row per article) and a section each.

    ``results`` are :class:`ReportEntry` objects, summaries, or parsed results-JSONL lines.
    """
    entries = [_entry(r, f"result {i + 1}", i + 1) for i, r in enumerate(results)]
    rows = []
    sections = []
    for i, entry in enumerate(entries):
        anchor = f"a{i}"
        s = entry.summary
        rows.append(
            {
                "n": i + 1,
                "id": entry.id,
                "anchor": anchor if s is not None else None,
                "ok": s is not None,
                "headline": s.headline if s else "",
                "published": s.published.isoformat() if s and s.published else "",
                "speakers": len(s.speakers) if s else 0,
                "quotes": len(s.quotes) if s else 0,
                "meetings": [m.status.replace("_", " ") for m in s.proposed_meetings] if s else [],
                "source": entry.source,
                "url": _safe_url(entry.url),
                "error_type": entry.error_type,
                "error_message": entry.error_message,
                "attempts": entry.attempts,
            }
        )
        if s is not None:
            sections.append(
                {
                    "id": entry.id,
                    "anchor": anchor,
                    "source": entry.source,
                    "url": _safe_url(entry.url),
                    "view": _build(s, f"{anchor}-"),
                }
            )
    ok = sum(1 for e in entries if e.ok)
    return _render(
        "report.html.j2",
        title=title or f"{len(entries)} article summaries",
        entries=sections,
        index={"rows": rows, "ok": ok, "failed": len(entries) - ok},
    )


def entries_to_html(entries: Sequence[ReportEntry], *, title: str | None = None) -> str:
    """One summary's page when there is exactly one good result, else the index page."""
    if len(entries) == 1 and entries[0].summary is not None:
        return summary_to_html(entries[0].summary, title=title)
    return index_to_html(entries, title=title)


# ---------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")


def _md(value: object) -> str:
    """Inline Markdown text: one line, every character that could become markup escaped.

    CommonMark renders a backslash-escaped ASCII punctuation character literally, so
    ``<script>`` in the data shows as text, and ``|`` cannot break a table.
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def summary_to_markdown(summary: ArticleSummary) -> str:
    """The summary as Markdown: for terminals, docs and notebooks."""
    s = summary
    out = [f"# {_md(s.headline)}", ""]
    facts = []
    if s.published:
        facts.append(f"published {s.published.isoformat()}")
    if s.meta:
        facts.append(f"{_md(s.meta.model)} ({_md(s.meta.mode)})")
        facts.append(f"prompt {_md(s.meta.prompt_id)}/{_md(s.meta.prompt_version)}")
    if facts:
        out += ["*" + " · ".join(facts) + "*", ""]
    out += [_md(s.summary), ""]
    text = s.article_text

    if s.speakers:
        out += ["## Speakers", "", "| speaker | role | affiliation | country | quotes |"]
        out.append("| --- | --- | --- | --- | ---: |")
        for sp in s.speakers:
            name = _md(sp.name) + (f" ({_md(', '.join(sp.aliases))})" if sp.aliases else "")
            out.append(
                f"| {name} | {_md(sp.role or '')} | {_md(sp.affiliation or '')} | "
                f"{_md(sp.country or '')} | {len(s.quotes_by(sp.name))} |"
            )
        out.append("")

    if s.quotes:
        out += ["## Quotes", ""]
        for i, q in enumerate(s.quotes, start=1):
            where = _valid(q.location, text)
            details = ", ".join(
                x
                for x in (
                    q.kind,
                    f"cue: {_md(q.cue)}" if q.cue else "",
                    q.said_on.isoformat() if q.said_on else "",
                    f"chars {_offsets(where)}" if where else "",
                )
                if x
            )
            if q.kind == "direct":
                out.append(f"{i}. **{_md(q.speaker)}** ({details}): “{_md(q.text)}”")
            else:
                out.append(f"{i}. **{_md(q.speaker)}** ({details}): {_md(q.text)}")
                if q.evidence:
                    out.append(f"   > {_md(q.evidence)}")
        out.append("")

    if s.proposed_meetings:
        out += ["## Meetings", ""]
        for m in s.proposed_meetings:
            who = " ↔ ".join(_md(p) for p in m.participants)
            out.append(f"### {who}: **{_md(m.status.replace('_', ' '))}**")
            out.append("")
            when = _md(m.timeframe or "")
            if m.date_from:
                dates = _dates(m.date_from, m.date_to)
                when = f"{when} ({dates})" if when else dates
            for label, value in (
                ("proposed by", _md(m.proposed_by or "")),
                ("why this status", _md(m.status_reason or "")),
                ("when", when),
                ("where", _md(m.location or "")),
                ("agenda", "; ".join(_md(a) for a in m.agenda)),
                ("preconditions", "; ".join(_md(p) for p in m.preconditions)),
            ):
                if value:
                    out.append(f"- {label}: {value}")
            for evidence in m.evidence:
                out.append(f"- evidence: “{_md(evidence)}”")
            out.append("")

    if s.positions:
        out += ["## Positions", "", "| actor | topic | position |", "| --- | --- | --- |"]
        for p in s.positions:
            out.append(f"| {_md(p.actor)} | {_md(p.topic)} | {_md(p.position)} |")
        out.append("")

    if s.stances:
        out += ["## Stances", "", "| holder | target | polarity |", "| --- | --- | --- |"]
        for st in s.stances:
            out.append(f"| {_md(st.holder)} | {_md(st.target)} | {_md(st.polarity)} |")
        out.append("")

    framing = s.framing
    if framing.expressions or framing.tone:
        out += ["## The outlet's framing (reported, not adopted)", ""]
        for e in framing.expressions:
            times = f" (×{len(e.spans)})" if len(e.spans) > 1 else ""
            out.append(f"- “{_md(e.text)}”, about {_md(e.refers_to)}{times}")
        if framing.tone:
            tones = ", ".join(f"{_md(t.actor)}: {_md(t.tone)}" for t in framing.tone)
            out.append(f"- tone: {tones}")
        out.append("")

    if s.meta:
        meta = s.meta
        out.append(
            f"*{meta.attempts} request(s), {meta.reasks} reask(s), "
            f"{meta.usage.input_tokens} in / {meta.usage.output_tokens} out tokens, "
            f"{meta.latency_s:.2f} s · prompt sha256 {_md(meta.prompt_sha256[:12])} · "
            f"summarizer {_md(meta.library_version)}*"
        )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
