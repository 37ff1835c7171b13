"""Docstrings name objects with Sphinx roles (:class:`Summarizer`): show them as links.

Loaded by ``mkdocs.yml`` (``hooks:``). Markdown leaves such a role as ``:class:`` followed by
code; this turns it into a cross-reference that mkdocs-autorefs resolves when the object is in
the API reference, and into plain code otherwise (``optional``: never a broken link). An
example introduced the reStructuredText way ("as follows::") loses its second colon.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):<code>(~?)([\w.]+)(\(\))?</code>")


DIRECTIVE = re.compile(r"^::: (summarizer[\w.]*)", re.MULTILINE)


def _reference(match: re.Match[str], context: str) -> str:
    """One role as an optional cross-reference; ``~`` shows the last part of the name only.

    A name without its module is looked up in ``summarizer`` and in the page's first
    documented object (the module of a module's page).
    """
    short, name, call = match[1], match[2], match[3] or ""
    title = (name.rsplit(".", 1)[-1] if short else name) + call
    if name.startswith("summarizer"):
        return f'<autoref identifier="{name}" optional><code>{title}</code></autoref>'
    return (
        f'<autoref identifier="summarizer.{name}" slug="{context}.{name}" optional>'
        f"<code>{title}</code></autoref>"
    )


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    """Rewrite the roles of one page's HTML, before autorefs resolves the references."""
    found = DIRECTIVE.search(page.markdown or "")
    context = found[1] if found else "summarizer"
    html = ROLE.sub(lambda match: _reference(match, context), html)
    return html.replace('::</p>\n<div class="highlight">', ':</p>\n<div class="highlight">')
