"""The summary as Markdown: for terminals, docs and notebooks."""

from __future__ import annotations

import re

from summarizer._summary import SummaryData

__all__ = ["summary_to_markdown"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")


def _md(value: object) -> str:
    """Inline Markdown text: one line, every character that could become markup escaped.

    CommonMark renders a backslash-escaped ASCII punctuation character literally, so
    ``<script>`` in the data shows as text, and ``|`` cannot break a table.
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def summary_to_markdown(summary: SummaryData) -> str:
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
            where = q.location.within(text) if q.location else None
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
            if m.dates:
                when = f"{when} ({m.dates})" if when else m.dates
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
