"""Checking the caller's article and finding its publication date.

The article is sent and grounded exactly as the caller gave it, so every span indexes the
caller's own string. A leading ``date YYYY-MM-DD`` header (as in the seed articles) is
read as the publication date when the caller gives none; it stays in the text, and the
prompt tells the model it is metadata.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from summarizer._settings import over_limit
from summarizer.errors import InputError

__all__ = ["PreparedArticle", "parse_published", "prepare_article"]

_DATE_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b")
# A date, alone or followed by a time ("2024-01-19T10:00:00Z", "2024-01-19 10:00 UTC").
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{1,2}:\d{2}\b.*)?")


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """An article checked for sending, with its publication date if known."""

    text: str
    published: dt.date | None


def parse_published(value: dt.date | str | None) -> dt.date | None:
    """Accept a date, a datetime, or an ISO ``YYYY-MM-DD`` string (a time may follow it).

    The string must be a date and nothing else but a time: ``"2024-01-1999"`` is refused,
    not read as its first ten characters.

    Raises:
        InputError: The value is not a date.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _ISO_DATE.fullmatch(value.strip())
        try:
            if match is None:
                raise ValueError("not an ISO date")
            return dt.date.fromisoformat(match.group(1))
        except ValueError as exc:
            raise InputError(f"published must be an ISO date (YYYY-MM-DD), got {value!r}") from exc
    raise InputError(f"published must be a date or an ISO date string, got {type(value).__name__}")


def header_date(text: str) -> dt.date | None:
    """The date of a leading ``date YYYY-MM-DD`` header, if the text has a valid one."""
    match = _DATE_HEADER.match(text)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def prepare_article(
    text: object, published: dt.date | str | None = None, *, max_chars: int | None = None
) -> PreparedArticle:
    """Check the input before anything is sent.

    ``bytes`` are decoded as UTF-8 (a byte-order mark is dropped); spans then index the
    decoded string. A ``str`` is used exactly as given, control characters and mixed line
    endings included, so spans index the caller's own string.

    Raises:
        InputError: ``text`` is not text (undecodable bytes, a ``str`` holding a lone
            surrogate, which no encoding can send), holds no words, or is longer than
            ``max_chars`` characters (the ``max_article_chars`` setting).
    """
    if text is None:
        raise InputError("article text is None")
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"article bytes are not valid UTF-8: {exc}") from exc
    if not isinstance(text, str):
        raise InputError(f"article text must be str, got {type(text).__name__}")
    if max_chars is not None and len(text) > max_chars:
        found = f"the article is {len(text):,} characters"
        raise InputError(over_limit(found, max_chars, "max_article_chars"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a JSON "\ud800" escape
        raise InputError(
            f"article text is not valid Unicode: a lone surrogate ({text[exc.start]!r}) "
            f"at position {exc.start}"
        ) from exc
    if not text.strip():
        raise InputError("article text is empty")
    date = parse_published(published)
    return PreparedArticle(text=text, published=date or header_date(text))
