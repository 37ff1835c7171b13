"""The views: a summary, or many, as an HTML report, Markdown or terminal tables.

They read only the summary's data (``_summary``, ``_fields``, ``_grounding``, ``_escape``),
so :class:`~summarizer.ArticleSummary` can show itself (``to_html``, ``to_markdown``) and
every layer above may show what it holds. The page templates are in ``templates/`` here.
"""

__all__: list[str] = []
