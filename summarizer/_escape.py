r"""How data leaves the library: one escaping rule per medium, used by every writer.

Text from an article, a model or a server may hold control characters: escape sequences
that retitle or clear a terminal, line breaks that forge a log line, bidirectional
overrides (U+202E) that show text in another order than it is stored, or a cell that a
spreadsheet runs as a formula. Every output goes through one function of this module:

=========  ====================  ====================================================
medium     function              rule
=========  ====================  ====================================================
terminal   :func:`terminal_text` control sequences and C0/C1 controls removed (tab and
                                 newline stay), bidi controls shown as ``\u202e``
JSON       :func:`safe_json`     DEL, C1, U+2028/U+2029, bidi controls and lone
                                 surrogates as ``\u`` escapes: the value is unchanged
CSV        :func:`csv_cell`      C0 (but tab and newline), DEL, C1, U+2028/U+2029,
                                 bidi controls and lone surrogates shown as ``\x1b``,
                                 ``\u202e``; a cell starting with ``= + - @``, tab or
                                 carriage return gets a leading ``'`` (OWASP)
logs       :func:`log_text`      every control character, newline and tab included,
                                 shown as ``\x1b``, ``\x0a``; bidi controls too
HTML       :func:`html_isolated` (after autoescape) a value holding bidi controls is
                                 balanced and wrapped in FSI ... PDI, like ``<bdi>``
=========  ====================  ====================================================

Shown escapes (``\x1b``, ``\u202e``: ``\x`` up to U+00FF, ``\u`` beyond) are for reading,
not reversible: a backslash in the data is not doubled. Where the exact value matters,
JSON keeps it (its escapes mean the same character), and so do Parquet and CSV written
with ``csv_escape=False``. The bidi controls are the embeddings, overrides and isolates
(U+202A-U+202E, U+2066-U+2069); the marks U+200E/U+200F/U+061C, which open no run, stay.
"""

from __future__ import annotations

import logging
import numbers
import re
import traceback
from collections.abc import Mapping
from types import TracebackType
from typing import Any

__all__ = [
    "BIDI_CONTROLS",
    "CSV_FORMULA_STARTS",
    "EscapeLogData",
    "csv_cell",
    "escape_library_logs",
    "html_isolated",
    "log_text",
    "paired_surrogates",
    "safe_json",
    "shown_escape",
    "terminal_text",
]

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Characters that open or close a directional run: LRE RLE PDF LRO RLO LRI RLI FSI PDI."""
_BIDI = f"[{BIDI_CONTROLS}]"
_EMBEDDINGS = "\u202a\u202b\u202d\u202e"  # closed by PDF (U+202C)
_ISOLATES = "\u2066\u2067\u2068"  # closed by PDI (U+2069)
_PDF, _FSI, _PDI = "\u202c", "\u2068", "\u2069"
_SEPARATORS = "\u2028\u2029"  # what str.splitlines and JavaScript also break lines on
_SURROGATES = "\ud800-\udfff"  # cannot be encoded as UTF-8

CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP's list)."""

_CONTROL_SEQUENCE = re.compile(
    r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"  # OSC (title, link) to BEL/ST
    r"|(?:\x1b[P^_X]|[\x90\x9e\x9f\x98])[^\x1b\x9c]*(?:\x1b\\|\x9c)"  # DCS, PM, APC, SOS
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, hidden text
    r"|\x1b[ -/]*[0-~]?"  # any other escape sequence
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # other C0 and C1 controls (tab and newline stay)
)
_TERMINAL_SHOWN = re.compile(_BIDI)
_SURROGATE = re.compile(f"[{_SURROGATES}]")
_JSON_ESCAPED = re.compile(f"[\x7f-\x9f{_SEPARATORS}{BIDI_CONTROLS}{_SURROGATES}]")
_CSV_SHOWN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_SEPARATORS}{BIDI_CONTROLS}{_SURROGATES}]")
_LOG_SHOWN = re.compile(f"[\x00-\x1f\x7f-\x9f{_SEPARATORS}{BIDI_CONTROLS}{_SURROGATES}]")


def shown_escape(found: re.Match[str]) -> str:
    r"""A character as visible text: ``\x1b`` up to U+00FF, ``\u202e`` beyond."""
    code = ord(found.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_text(value: object) -> str:
    """``value`` as text that is safe to print: control characters and sequences removed.

    Newlines and tabs stay; bidi controls are shown escaped, so text cannot print in
    another order than it is stored; a lone surrogate (not printable) becomes U+FFFD.
    """
    text = _CONTROL_SEQUENCE.sub("", str(value))
    return _SURROGATE.sub("\ufffd", _TERMINAL_SHOWN.sub(shown_escape, text))


def paired_surrogates(text: str) -> str:
    r"""``text`` with each surrogate pair given as two code points read as the one character.

    JSON (and UTF-16) cannot tell ``"\ud800\udfff"`` from U+103FF: every reader combines
    the pair. A name (an article id) is taken in that form, so what is written is what is
    read back; a lone surrogate stays as it is.
    """
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def safe_json(text: str) -> str:
    r"""JSON text with line separators, DEL, C1 and bidi controls, lone surrogates escaped.

    The value is unchanged (JSON holds these only inside strings, where ``\u`` means the
    same character); the text can be encoded as UTF-8, split on ``\n`` by any tool
    (``str.splitlines`` too) and printed to a terminal without acting on it.
    """
    return _JSON_ESCAPED.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def csv_cell(text: str) -> str:
    r"""A text cell a spreadsheet shows as text: controls shown escaped, formulas made inert.

    Tab and newline stay (the CSV writer quotes a cell holding a newline); a cell that
    starts with a character of :data:`CSV_FORMULA_STARTS` gets a leading ``'``, which
    spreadsheets read as "text follows".
    """
    shown = _CSV_SHOWN.sub(shown_escape, text)
    return f"'{shown}" if shown.startswith(CSV_FORMULA_STARTS) else shown


def log_text(value: object) -> str:
    r"""``value`` as one line of log text: every control character shown escaped."""
    return _LOG_SHOWN.sub(shown_escape, str(value))


def html_isolated(value: Any) -> Any:
    """A text holding bidi controls as an isolated run, the same as ``<bdi>`` around it.

    Closers without an opener are dropped, openers left open are closed, and the whole is
    wrapped in FSI ... PDI, so an override inside cannot reorder the page around it. This
    works in attributes and SVG too, where an element cannot go. Other values (markup
    built by the library, numbers, text without bidi controls) are returned as they are.
    """
    if type(value) is not str or not re.search(_BIDI, value):
        return value
    kept: list[str] = []
    open_runs: list[str] = []  # the closer each open run needs, innermost last
    for char in value:
        if char in _EMBEDDINGS:
            open_runs.append(_PDF)
        elif char in _ISOLATES:
            open_runs.append(_PDI)
        elif char == _PDF:
            if not open_runs or open_runs[-1] != _PDF:
                continue  # closes nothing here: within an isolate or at the top
            open_runs.pop()
        elif char == _PDI:
            if _PDI not in open_runs:
                continue
            while open_runs.pop() != _PDI:  # a PDI also closes the runs opened inside
                pass
        kept.append(char)
    return _FSI + "".join(kept) + "".join(reversed(open_runs)) + _PDI


_TRACE_LAYOUT = ("Traceback ", "  ", "\n")
"""How the chunks of a traceback that are its layout begin (header, frames, "During handling
of the above exception"); the other chunks are exception messages and notes: data."""


def _trace_text(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None],
) -> str:
    """A traceback whose messages are log text: only its own layout breaks lines."""
    kind, value, trace = exc_info
    if kind is None or value is None:
        return ""
    chunks = traceback.TracebackException(kind, value, trace).format()
    return "".join(
        chunk if chunk.startswith(_TRACE_LAYOUT) else log_text(chunk.rstrip("\n")) + "\n"
        for chunk in chunks
    ).rstrip("\n")


def _escaped_arg(value: object) -> object:
    if isinstance(value, numbers.Number):
        return value  # numbers keep %d and %.2f working
    return _Escaped(value)


class _Escaped:
    """A log argument that formats as escaped text (``%s`` and ``%r`` alike)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return log_text(self.value)

    def __repr__(self) -> str:
        return log_text(repr(self.value))


class EscapeLogData(logging.Filter):
    """Escapes the data of a logger's records, so a value cannot forge or colour a line.

    The arguments (ids, server messages, paths, exceptions) are shown with
    :func:`log_text`; the message template keeps its place for tools that group by it;
    a traceback keeps the line breaks of its layout, its messages are log text too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = log_text(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _escaped_arg(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_escaped_arg(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = _trace_text(record.exc_info)
        return True


def escape_library_logs(logger: logging.Logger | None = None) -> None:
    """Escape the data of every record of the library's logger (``summarizer``); once."""
    logger = logger or logging.getLogger("summarizer")
    if not any(isinstance(f, EscapeLogData) for f in logger.filters):
        logger.addFilter(EscapeLogData())
