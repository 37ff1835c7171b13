"""The summary as a page to look at: a self-contained HTML report.

:func:`summary_to_html` writes one HTML page (inline CSS and JavaScript, no network, works
from ``file://``): the summary, speaker cards, meetings, stances and framing beside the
article, in which every located verbatim field is highlighted from its span (found by the
schema walker, so a new verbatim field is highlighted without a change here).
:func:`index_to_html` puts many results (a batch's JSONL) on one page behind an index.

Escaping is exact. Everything from the article or the model goes through Jinja's autoescape or
:func:`markupsafe.escape`, never into markup as is; the highlighted article is built from the
span boundaries (marks that cross are split into fragments sharing one ``data-hl``), never by
replacing strings, so overlapping spans and repeated phrases cannot go wrong. A value holding
bidi controls (U+202E and kin) is isolated (:func:`summarizer._escape.html_isolated`, every
``{{ value }}`` and every mark's label), so it cannot reorder the page around it; names and
ids are isolated by the style sheet too (``unicode-bidi: isolate``).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import BaseModel

from summarizer._escape import html_isolated
from summarizer._fields import Verbatim, walk
from summarizer._grounding import Span
from summarizer._summary import (
    MEETING_STATUSES,
    FramingExpression,
    Position,
    ProposedMeeting,
    Quote,
    Stance,
    SummaryData,
    is_direct,
    polarity_sign,
)

__all__ = [
    "ReportEntry",
    "article_marks",
    "entries_to_html",
    "highlight",
    "index_to_html",
    "render_page",
    "summary_fragment",
    "summary_to_html",
]

PALETTE_SIZE = 8
"""Speaker colours (CSS classes ``s0`` … ``s7``), reused cyclically; ``sx`` is unknown."""

STANCE_MATRIX_TARGETS = 4
"""Stances show as a holder × target table up to this many targets, else one row per pair."""


@dataclass(frozen=True)
class ReportEntry:
    """One article of a report: its summary, or the error a batch recorded for it."""

    id: str
    summary: SummaryData | None = None
    error_type: str | None = None
    error_message: str | None = None
    attempts: int | None = None
    source: str | None = None
    url: str | None = None

    @property
    def ok(self) -> bool:
        """True when there is a summary to show."""
        return self.summary is not None


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


def _escape_text(text: str) -> str:
    # A carriage return as a character reference survives the HTML parser's newline
    # normalisation, so the page's text is exactly the article.
    return str(escape(text)).replace("\r", "&#13;")


def _open_tag(mark: _Mark, first: bool) -> str:
    attrs = [
        f'class="hl {escape(mark.classes)}{"" if first else " cont"}"',
        f'data-hl="{escape(mark.target)}"',
        f'title="{escape(html_isolated(mark.title))}"',
    ]
    if first:
        attrs.insert(0, f'id="{escape(mark.target)}"')
        if mark.label:
            attrs.append(f'data-label="{escape(html_isolated(mark.label))}"')
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


_LIST_KEYS = {
    "quotes": "q",
    "positions": "p",
    "proposed_meetings": "m",
    "stances": "s",
    "framing.expressions": "f",
}
"""DOM-id letters of the summary's lists (``q3`` is the fourth quote's highlight)."""


def _item_key(path: str) -> tuple[str, str]:
    """``("q3", "text")`` for ``quotes[3].text``: the item's DOM key and the field's name.

    A list of a schema of your own is keyed by its name (``xclaims-3``), so two such lists
    never share an id.
    """
    item, _, name = path.rpartition(".")
    match = re.fullmatch(r"(.*)\[(\d+)\]", item)
    if match is None:
        return "x" + re.sub(r"\W+", "-", item or name), name
    own = "x" + re.sub(r"\W+", "-", match.group(1)) + "-"
    return _LIST_KEYS.get(match.group(1), own) + match.group(2), name


@dataclass
class _View:
    prefix: str
    summary: SummaryData
    colours: dict[str, str] = field(default_factory=dict)
    marks: list[_Mark] = field(default_factory=list)
    targets: dict[tuple[int, str], list[str | None]] = field(default_factory=dict)
    """DOM ids of each highlighted field: (id of the item, field name) -> one per span."""

    def colour(self, name: str | None) -> str:
        """The CSS class of a speaker's colour (by name or alias); ``sx`` for anyone else."""
        if not name:
            return "sx"
        if name not in self.colours:
            speaker = self.summary.speaker(name)
            return self.colours.get(speaker.name, "sx") if speaker else "sx"
        return self.colours[name]

    def target(self, item: BaseModel, name: str, index: int = 0) -> str | None:
        """The DOM id of a field's ``index``-th highlight, if it has one."""
        found = self.targets.get((id(item), name), [])
        return found[index] if index < len(found) else None

    def mark_all(self) -> None:
        """One highlight per located span of every verbatim field (the schema walker's).

        An item's first located field is always marked; a later field of the same item only
        where it adds text (a direct quote's evidence around the quote is not marked again).
        """
        text = self.summary.article_text
        taken: dict[int, list[Span]] = {}
        for visit in walk(self.summary):
            role = visit.role
            if not isinstance(role, Verbatim) or not role.applies(visit.owner):
                continue
            located = getattr(visit.owner, role.span)
            spans = located if isinstance(located, list) else [located]
            item, name = _item_key(visit.path)
            mine = taken.setdefault(id(visit.owner), [])
            key = item if not mine else f"{item}-{name}"
            ids: list[str | None] = []
            for j, span in enumerate(spans):
                valid = span.within(text) if span else None
                if valid is None or (mine and any(_overlap(valid, s) for s in mine)):
                    ids.append(None)
                    continue
                suffix = ("o" if role.every else "e") + str(j) if isinstance(located, list) else ""
                ids.append(self.add(visit.owner, valid, f"{self.prefix}{key}{suffix}"))
            mine += [s for s in spans if s is not None]
            self.targets[(id(visit.owner), visit.name)] = ids

    def add(self, item: BaseModel, span: Span, dom_id: str) -> str:
        classes, rank, title, label = _style(item, self)
        self.marks.append(_Mark(span.start, span.end, dom_id, classes, rank, title, label))
        return dom_id


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _style(item: BaseModel, view: _View) -> tuple[str, int, str, str | None]:
    """How an item's highlight looks: CSS classes, nesting rank, title and label."""
    if isinstance(item, Quote):
        direct = is_direct(item.kind)
        kind = _QUOTE_KINDS.get(item.kind, item.kind)
        kind = kind if direct else f"{kind} (evidence)"
        label = _surname(item.speaker) + ("" if direct else " ~")
        style = item.kind if direct else f"indirect {item.kind}"  # reported speech: outlined
        return f"q {style} {view.colour(item.speaker)}", 0, f"{item.speaker} · {kind}", label
    if isinstance(item, FramingExpression):
        title = f"the outlet's own term, about {item.refers_to} (framing, not a quote)"
        return "frame", 2, title, None
    if isinstance(item, Position):
        return "ev", 1, f"evidence · {item.actor}'s position on {item.topic}", None
    if isinstance(item, ProposedMeeting):
        return "ev", 1, f"evidence · meeting of {' and '.join(item.participants)}", None
    if isinstance(item, Stance):
        return "ev", 1, f"evidence · {item.holder} on {item.target}", None
    return "ev", 1, f"evidence · {type(item).__name__}", None


def _surname(name: str) -> str:
    words = name.split()
    return (words[-1] if words else name)[:18]


def _group(status: str) -> str:
    info = MEETING_STATUSES.get(status)
    return info.group if info else "pending"


def _speakers(summary: SummaryData, view: _View) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "aliases": s.aliases,
            "role": s.role,
            "affiliation": s.affiliation,
            "country": s.country,
            "quotes": len(summary.quotes_by(s.name)),
            "colour": view.colour(s.name),
        }
        for s in summary.speakers
    ]


_QUOTE_KINDS = {"direct": "direct quote", "indirect": "indirect speech", "mixed": "mixed quote"}
"""How the report names each quote kind."""


def _evidence_parts(quote: Quote, text: str | None) -> list[tuple[str, bool]]:
    """A reported quote's evidence as (text, is a quoted fragment) parts, in order.

    The article's own words where the evidence is located, its quoted fragments (a mixed
    quote's ``pieces``) marked; the model's string as one plain part otherwise.
    """
    if is_direct(quote.kind) or not quote.evidence:
        return []
    where = quote.evidence_span.within(text) if quote.evidence_span and text else None
    if where is None or text is None:
        return [(quote.evidence, False)]
    parts: list[tuple[str, bool]] = []
    cursor = where.start
    for piece in sorted(quote.pieces, key=lambda span: span.start):
        if where.start <= cursor <= piece.start < piece.end <= where.end:
            parts += [(text[cursor : piece.start], False), (piece.slice(text), True)]
            cursor = piece.end
    parts.append((text[cursor : where.end], False))
    return [(part, quoted) for part, quoted in parts if part]


def _quotes(summary: SummaryData, view: _View) -> list[dict[str, Any]]:
    quotes: list[dict[str, Any]] = []
    for q in summary.quotes:
        location = q.location.within(summary.article_text) if q.location else None
        name = "text" if q.span is not None else "evidence"
        quotes.append(
            {
                "speaker": q.speaker,
                "colour": view.colour(q.speaker),
                "kind": q.kind,
                "reported": not is_direct(q.kind),
                "label": _QUOTE_KINDS.get(q.kind, q.kind),
                "text": q.text,
                "evidence": _evidence_parts(q, summary.article_text),
                "cue": q.cue,
                "said_on": q.said_on.isoformat() if q.said_on else "",
                "target": view.target(q, name),
                "offsets": location.offsets if location else "",
                "order": location.start if location else len(summary.article_text or ""),
            }
        )
    quotes.sort(key=lambda q: int(q["order"]))  # the panel follows the article
    return quotes


def _positions(summary: SummaryData, view: _View) -> list[dict[str, Any]]:
    return [
        {
            "actor": p.actor,
            "colour": view.colour(p.actor),
            "topic": p.topic,
            "position": p.position,
            "evidence": p.evidence,
            "target": view.target(p, "evidence"),
        }
        for p in summary.positions
    ]


def _meeting_evidence(m: ProposedMeeting, view: _View, text: str) -> list[_Link]:
    if len(m.evidence_spans) == len(m.evidence):
        return [_Link(e, view.target(m, "evidence", j)) for j, e in enumerate(m.evidence)]
    # Spans stored without their strings' order: show what was located.
    located = [
        _Link(s.slice(text), view.target(m, "evidence", j)) for j, s in enumerate(m.evidence_spans)
    ]
    return located or [_Link(e, None) for e in m.evidence]


def _meetings(summary: SummaryData, view: _View) -> list[dict[str, Any]]:
    return [
        {
            "participants": [(name, view.colour(name)) for name in m.participants],
            "proposed_by": m.proposed_by,
            "proposed_by_colour": view.colour(m.proposed_by),
            "status": m.status,
            "status_label": m.status.replace("_", " "),
            "group": _group(m.status),
            "status_reason": m.status_reason,
            "timeframe": m.timeframe,
            "dates": m.dates,
            "location": m.location,
            "agenda": m.agenda,
            "preconditions": m.preconditions,
            "evidence": _meeting_evidence(m, view, summary.article_text or ""),
        }
        for m in summary.proposed_meetings
    ]


def _stances(summary: SummaryData, view: _View) -> dict[str, Any]:
    holders: list[str] = []
    targets: list[str] = []
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for st in summary.stances:
        holders += [st.holder] if st.holder not in holders else []
        targets += [st.target] if st.target not in targets else []
        cells.setdefault((st.holder, st.target), []).append(
            {
                "polarity": st.polarity,
                "sign": polarity_sign(st.polarity),
                "evidence": st.evidence,
                "target": view.target(st, "evidence"),
            }
        )
    return {
        "matrix": len(targets) <= STANCE_MATRIX_TARGETS,
        "targets": targets,
        "rows": [
            (h, view.colour(h), [(t, cells.get((h, t), [])) for t in targets]) for h in holders
        ],
        "pairs": [(h, view.colour(h), t, cell) for (h, t), cell in cells.items()],
    }


def _expressions(summary: SummaryData, view: _View) -> list[dict[str, Any]]:
    expressions = []
    for e in summary.framing.expressions:
        occurrences = [view.target(e, "text", j) for j in range(len(e.spans))]
        expressions.append(
            {
                "text": e.text,
                "refers_to": e.refers_to,
                "occurrences": [t for t in occurrences if t is not None],
            }
        )
    return expressions


def _build(summary: SummaryData, prefix: str) -> dict[str, Any]:
    view = _View(prefix, summary)
    for i, speaker in enumerate(summary.speakers):
        view.colours.setdefault(speaker.name, f"s{i % PALETTE_SIZE}")
    view.mark_all()
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
        "speakers": _speakers(summary, view),
        "quotes": _quotes(summary, view),
        "positions": _positions(summary, view),
        "meetings": _meetings(summary, view),
        "diagram": _diagram(summary, view),
        "stances": _stances(summary, view),
        "expressions": _expressions(summary, view),
        "tone": [(t.actor, view.colour(t.actor), t.tone) for t in summary.framing.tone],
        "article": highlight(article, view.marks) if article is not None else None,
        "counts": counts,
    }


def article_marks(
    summary: SummaryData, prefix: str, colours: dict[str, str] | None = None
) -> tuple[Markup | None, Callable[[BaseModel, str, int], str | None]]:
    """The article highlighted as in the report, and where each field's highlight is.

    For pages that show many articles (the corpus page): ``prefix`` keeps the DOM ids of
    each article apart, ``colours`` gives speakers (by name) the page's colour classes
    (speakers it leaves out are grey, ``sx``).

    Returns:
        The highlighted article (None without the article text), and a lookup: (an item of
        ``summary``, a verbatim field's name, the span's index) -> its highlight's DOM id.
    """
    view = _View(prefix, summary)
    for i, speaker in enumerate(summary.speakers):
        own = f"s{i % PALETTE_SIZE}"
        colour = own if colours is None else colours.get(speaker.name, "sx")
        view.colours.setdefault(speaker.name, colour)
    view.mark_all()
    article = summary.article_text
    return (highlight(article, view.marks) if article is not None else None), view.target


DIAGRAM_MAX_PEOPLE = 5
"""Beyond this many people (or :data:`DIAGRAM_MAX_EDGES` edges) the diagram is a list of pairs."""
DIAGRAM_MAX_EDGES = 6
_CHAR_WIDTH = {12: 7.6, 11: 6.6}
"""Upper estimates of a character's width in the diagram's fonts (px per font size)."""


def _meeting_pairs(summary: SummaryData) -> list[tuple[str, str, ProposedMeeting]]:
    """Every pair of participants of every meeting, as (from, to, meeting).

    ``from`` is who proposed when the proposer is one of the pair.
    """
    pairs = []
    for m in summary.proposed_meetings:
        for i, first in enumerate(m.participants):
            for second in m.participants[i + 1 :]:
                if first != second:
                    a, b = (second, first) if m.proposed_by == second else (first, second)
                    pairs.append((a, b, m))
    return pairs


def _diagram(summary: SummaryData, view: _View) -> dict[str, Any] | None:
    """Who would meet whom: a drawing for a few people, a list of pairs for many.

    The drawing puts the participants on a circle, one edge per pair and meeting; an edge
    points from the side that proposed to the other when the proposer is one of the pair,
    and its style says the status group (pending, agreed, held, off). Its view box is
    grown to hold every label, so nothing is clipped whatever the names.
    """
    names: list[str] = []
    for m in summary.proposed_meetings:
        names += [p for p in m.participants if p not in names]
    pairs = _meeting_pairs(summary)
    if len(names) < 2 or not pairs:
        return None
    if len(names) > DIAGRAM_MAX_PEOPLE or len(pairs) > DIAGRAM_MAX_EDGES:
        return {"kind": "list", "pairs": _pair_rows(pairs, view)}
    width, height = (360, 110) if len(names) == 2 else (440, 240)
    nodes = _diagram_nodes(names, width, height, view)
    where = {n["name"]: (float(n["x"]), float(n["y"])) for n in nodes}
    edges = _diagram_edges(pairs, where)
    groups = sorted({str(e["group"]) for e in edges if e["arrow"]})
    texts = [(n["tx"], n["ty"], n["anchor"], n["name"], 12) for n in nodes]
    texts += [(e["lx"], e["ly"], "middle", e["label"], 11) for e in edges]
    box = _fit(texts, width, height)
    return {"kind": "svg", "box": box, "nodes": nodes, "edges": edges, "groups": groups}


def _pair_rows(pairs: list[tuple[str, str, ProposedMeeting]], view: _View) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for a, b, m in pairs:
        key = (min(a, b), max(a, b))
        row = rows.setdefault(
            key,
            {"a": (a, view.colour(a)), "b": (b, view.colour(b)), "statuses": []},
        )
        row["statuses"].append((m.status.replace("_", " "), _group(m.status)))
    return list(rows.values())


def _diagram_nodes(names: list[str], width: int, height: int, view: _View) -> list[dict[str, Any]]:
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
    nodes = []
    for name, (x, y) in zip(names, positions, strict=True):
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
    return nodes


def _diagram_edges(
    pairs: list[tuple[str, str, ProposedMeeting]], where: dict[str, tuple[float, float]]
) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], int] = {}
    edges = []
    for a, b, m in pairs:
        status = m.status.replace("_", " ")
        key = (min(a, b), max(a, b))
        k = seen.get(key, 0)
        seen[key] = k + 1
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
        edges.append(
            {
                "d": f"M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}",
                "group": _group(m.status),
                "arrow": m.proposed_by in (a, b),
                "label": status,
                "lx": round((mx + qx) / 2 + nx * gap * side, 1),
                "ly": round((my + qy) / 2 + ny * gap * side + 4, 1),
                "title": f"{a} – {b}: {status}"
                + (f", proposed by {m.proposed_by}" if m.proposed_by else ""),
            }
        )
    return edges


def _fit(
    texts: list[tuple[float, float, str, str, int]], width: int, height: int
) -> dict[str, float]:
    """The view box: the drawing's own, grown to hold every label (estimated from its length)."""
    left, top, right, bottom = 0.0, 0.0, float(width), float(height)
    for x, y, anchor, text, size in texts:
        extent = len(text) * _CHAR_WIDTH[size]
        start = {"start": x, "middle": x - extent / 2, "end": x - extent}[anchor]
        left, right = min(left, start - 6), max(right, start + extent + 6)
        top, bottom = min(top, y - size - 4), max(bottom, y + 6)
    return {
        "x": round(left, 1),
        "y": round(top, 1),
        "width": round(right - left, 1),
        "height": round(bottom - top, 1),
    }


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("summarizer._views", "templates"),
        autoescape=True,
        finalize=html_isolated,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=8)
def _asset(name: str) -> Markup:
    # Our own static files, inlined: they never contain data.
    return Markup(
        files("summarizer._views").joinpath("templates", name).read_text(encoding="utf-8")
    )


def _safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"https?://", url, re.IGNORECASE) else None


def _render(template: str, **context: Any) -> str:
    return (
        _environment()
        .get_template(template)
        .render(css=_asset("report.css"), js=_asset("report.js"), **context)
    )


def render_page(template: str, *, styles: Sequence[str] = (), **context: Any) -> str:
    """Render a page template of the package with the report's style and script inlined.

    ``styles`` names further style sheets of ``templates/`` to inline (as ``extra_css``).
    """
    extra = Markup("\n").join(_asset(name) for name in styles)
    return _render(template, extra_css=extra, **context)


def summary_to_html(summary: SummaryData, *, title: str | None = None) -> str:
    """One self-contained HTML page for one summary (no network, works from ``file://``)."""
    return _render(
        "report.html.j2",
        title=title or summary.headline,
        entries=[{"id": None, "source": None, "url": None, "view": _build(summary, "a0-")}],
        index=None,
    )


def summary_fragment(summary: SummaryData) -> str:
    """The report as an HTML fragment with its style and script, for notebook output."""
    prefix = f"r{uuid.uuid4().hex[:8]}-"
    return _render("fragment.html.j2", view=_build(summary, prefix))


def index_to_html(
    results: Iterable[ReportEntry | SummaryData],
    *,
    title: str | None = None,
) -> str:
    """One HTML page for many results: an index (one row per article) and a section each.

    ``results`` are :class:`ReportEntry` objects (a batch's results) or summaries.

    Raises:
        TypeError: An item is neither.
    """
    entries = [_as_entry(r, i + 1) for i, r in enumerate(results)]
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


def _as_entry(item: ReportEntry | SummaryData, number: int) -> ReportEntry:
    if isinstance(item, ReportEntry):
        return item
    if isinstance(item, SummaryData):
        return ReportEntry(id=str(number), summary=item)
    raise TypeError(
        f"result {number}: expected a summary or a ReportEntry, got {type(item).__name__}"
    )
