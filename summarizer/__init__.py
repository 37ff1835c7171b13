"""Structured, verifiable summaries of news articles.

Who speaks, what exactly they said, which positions and stances they hold, and which
meetings are proposed, planned or refused, with every claim tied to character offsets in
the article. The public surface is what this module exports; every other module is
private and may change.
"""

from summarizer import _escape
from summarizer._api import asummarize_article, summarize_article
from summarizer._cache import ResultCache
from summarizer._grounding import Span, locate_all, locate_pieces, locate_quote
from summarizer._limits import RequestLimits
from summarizer._prompts import list_prompts, load_prompt
from summarizer._runs._batch import Article, BatchResult, asummarize_articles, summarize_articles
from summarizer._settings import DEFAULT_MODEL, MODES, Settings
from summarizer._summarizer import Summarizer
from summarizer._version import __version__
from summarizer.errors import (
    ConfigurationError,
    ExtractionError,
    InputError,
    ProviderError,
    SummarizerError,
)
from summarizer.schema import (
    ActorTone,
    ArticleSummary,
    Framing,
    FramingExpression,
    Position,
    ProposedMeeting,
    Quote,
    Speaker,
    Stance,
    SummaryMeta,
    Usage,
)

__all__ = [
    "DEFAULT_MODEL",
    "MODES",
    "ActorTone",
    "Article",
    "ArticleSummary",
    "BatchResult",
    "ConfigurationError",
    "ExtractionError",
    "Framing",
    "FramingExpression",
    "InputError",
    "Position",
    "ProposedMeeting",
    "ProviderError",
    "Quote",
    "RequestLimits",
    "ResultCache",
    "Settings",
    "Span",
    "Speaker",
    "Stance",
    "Summarizer",
    "SummarizerError",
    "SummaryMeta",
    "Usage",
    "__version__",
    "asummarize_article",
    "asummarize_articles",
    "list_prompts",
    "load_prompt",
    "locate_all",
    "locate_pieces",
    "locate_quote",
    "summarize_article",
    "summarize_articles",
]

_escape.escape_library_logs()  # ids, server messages, paths: log lines show them as text
