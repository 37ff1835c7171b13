"""The summary as Markdown: for terminals, docs and notebooks."""

from __future__ import annotations

import re

from summarizer._summary import SummaryData, is_direct

__all__ = ["summary_to_markdown"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")


def _md(value: object) -> str:
    """Inline Markdown text: one line, every character that could become markup escaped.

    CommonMark renders a backslash-escaped ASCII punctuation character literally, so
    ``<script>`` in the data shows as text, and ``|`` cannot break a table.
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def _head(s: SummaryData) -> list[str]:
    out = [f"# {_md(s.headline)}", ""]
    facts = []
    if s.published:
        facts.append(f"published {s.published.isoformat()}")
    if s.meta:
        facts.append(f"{_md(s.meta.model)} ({_md(s.meta.mode)})")
        facts.append(f"prompt {_md(s.meta.prompt_id)}/{_md(s.meta.prompt_version)}")
    if facts:
        out += ["*" + " · ".join(facts) + "*", ""]
    return [*out, _md(s.summary), ""]


def _speakers(s: SummaryData) -> list[str]:
    out = ["## Speakers", "", "| speaker | kind | role | affiliation | country | quotes |"]
    out.append("| --- | --- | --- | --- | --- | ---: |")
    for sp in s.speakers:
        name = _md(sp.name) + (f" ({_md(', '.join(sp.aliases))})" if sp.aliases else "")
        out.append(
            f"| {name} | {sp.kind} | {_md(sp.role or '')} | {_md(sp.affiliation or '')} | "
            f"{_md(sp.country or '')} | {len(s.quotes_by(sp.name))} |"
        )
    return out


def _quotes(s: SummaryData) -> list[str]:
    out = ["## Quotes", ""]
    for i, q in enumerate(s.quotes, start=1):
        where = q.location.within(s.article_text) if q.location else None
        details = ", ".join(
            x
            for x in (
                q.kind,
                f"cue: {_md(q.cue)}" if q.cue else "",
                q.said_on.isoformat() if q.said_on else "",
                f"chars {where.offsets}" if where else "",
            )
            if x
        )
        if is_direct(q.kind):
            out.append(f"{i}. **{_md(q.speaker)}** ({details}): “{_md(q.text)}”")
        else:
            out.append(f"{i}. **{_md(q.speaker)}** ({details}): {_md(q.text)}")
            if q.evidence:
                out.append(f"   > {_md(q.evidence)}")
    return out


def _meetings(s: SummaryData) -> list[str]:
    out = ["## Meetings", ""]
    for m in s.proposed_meetings:
        who = " ↔ ".join(_md(p) for p in m.participants)
        out += [f"### {who}: **{_md(m.status.replace('_', ' '))}**", ""]
        for label, value in (
            ("proposed by", _md(m.proposed_by or "")),
            ("why this status", _md(m.status_reason or "")),
            ("when", _md(m.when)),
            ("where", _md(m.location or "")),
            ("agenda", "; ".join(_md(a) for a in m.agenda)),
            ("preconditions", "; ".join(_md(p) for p in m.preconditions)),
        ):
            if value:
                out.append(f"- {label}: {value}")
        out += [f"- evidence: “{_md(evidence)}”" for evidence in m.evidence]
        out.append("")
    return out[:-1]


def _table(title: str, columns: list[str], rows: list[list[str]]) -> list[str]:
    out = [f"## {title}", "", "| " + " | ".join(columns) + " |"]
    out.append("|" + " --- |" * len(columns))
    return out + ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]


def _framing(s: SummaryData) -> list[str]:
    out = ["## The outlet's framing (reported, not adopted)", ""]
    for e in s.framing.expressions:
        times = f" (×{len(e.spans)})" if len(e.spans) > 1 else ""
        out.append(f"- “{_md(e.text)}”, about {_md(e.refers_to)}{times}")
    if s.framing.tone:
        tones = ", ".join(f"{_md(t.actor)}: {_md(t.tone)}" for t in s.framing.tone)
        out.append(f"- tone: {tones}")
    return out


def _footer(s: SummaryData) -> list[str]:
    if not s.meta:
        return []
    meta = s.meta
    return [
        f"*{meta.attempts} request(s), {meta.reasks} reask(s), "
        f"{meta.usage.input_tokens} in / {meta.usage.output_tokens} out tokens, "
        f"{meta.latency_s:.2f} s · prompt sha256 {_md(meta.prompt_sha256[:12])} · "
        f"summarizer {_md(meta.library_version)}*"
    ]


def summary_to_markdown(summary: SummaryData) -> str:
    """The summary as Markdown: for terminals, docs and notebooks."""
    s = summary
    sections = [
        (s.speakers, _speakers),
        (s.quotes, _quotes),
        (s.proposed_meetings, _meetings),
        (
            s.positions,
            lambda s: _table(
                "Positions",
                ["actor", "topic", "position"],
                [[p.actor, p.topic, p.position] for p in s.positions],
            ),
        ),
        (
            s.stances,
            lambda s: _table(
                "Stances",
                ["holder", "target", "polarity"],
                [[st.holder, st.target, st.polarity] for st in s.stances],
            ),
        ),
        (s.framing.expressions or s.framing.tone, _framing),
    ]
    out = _head(s)
    for present, section in sections:
        if present:
            out += [*section(s), ""]
    out += _footer(s)
    return "\n".join(out).rstrip("\n") + "\n"
