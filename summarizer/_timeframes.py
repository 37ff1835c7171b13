"""When a meeting is, as an interval of days: its resolved dates, or its timeframe as written.

The model resolves what it can against the publication date (``date_from``/``date_to``).
Timeframes it leaves unresolved ("in the autumn", "as early as this month", "in October")
are read here, with a small fixed rule set, against the article's publication date:

- a month ("October", "in mid-October"): that month, the next one to come (or the last
  one past, for a meeting already held);
- a season (spring March–May, summer June–August, autumn or fall September–November,
  winter December–February), chosen the same way;
- ``this``/``next`` ``week``/``month``/``year``, ``later this year``;
- a day and month ("March 24", "24 March");
- a weekday: ``last Monday`` is the last one before the publication date, ``next Thursday``
  the first one after it; a bare "Monday" or "on Monday" is the last one on or before it
  for a meeting already held, else the first one on or after it;
- an opening word bounds only one side: ``as early as``, ``from``, ``after``, ``not before``
  leave the end open; ``by``, ``before``, ``no later than``, ``until`` leave the start open.

Anything else is unknown (None), and unknown is compatible with everything: the rules
never guess. One bound is known without a timeframe: a meeting reported as already held
took place on or before its article's publication date (:func:`meeting_interval`, open at
the start). An :class:`Interval` may be open on either side.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["Interval", "meeting_interval", "timeframe_interval"]

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
"""A season's first month; every season is three months long."""
_OPEN_END = re.compile(
    r"\b(?:as early as|from|after|not before|starting|beginning)\s+(?:in\s+|on\s+|the\s+)*$"
)
_OPEN_START = re.compile(
    r"\b(?:by|before|no later than|not later than|until|till)\s+(?:in\s+|on\s+|the\s+)*$"
)
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_WORDS})\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH_WORDS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b")
_MONTH = re.compile(
    # "may" alone is more often the verb: a month only after a word that introduces a date.
    rf"\b({_MONTH_WORDS.replace('|may', '')})\b"
    r"|\b(?:in|early|mid|late|of|by|before|until|after|from)[\s-]+(may)\b"
)
_SEASON = re.compile(r"\b(spring|summer|autumn|fall|winter)\b")
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WEEKDAY = re.compile(rf"\b(?:(last|next|coming|this)\s+)?({'|'.join(_WEEKDAYS)})\b")
_RELATIVE = re.compile(r"\b(this|next|later this)\s+(week|month|year)\b")


@dataclass(frozen=True)
class Interval:
    """Days from ``start`` to ``end`` inclusive; None on a side means open."""

    start: dt.date | None
    end: dt.date | None

    def overlaps(self, other: Interval) -> bool:
        """Whether the two share a day (open sides reach as far as needed)."""
        before_end = self.start is None or other.end is None or self.start <= other.end
        after_start = self.end is None or other.start is None or self.end >= other.start
        return before_end and after_start

    def within(self, other: Interval) -> bool:
        """Whether every day of this interval is one of ``other``'s."""
        starts = other.start is None or (self.start is not None and self.start >= other.start)
        ends = other.end is None or (self.end is not None and self.end <= other.end)
        return starts and ends

    @property
    def day(self) -> dt.date | None:
        """The one day, when the interval is exactly one day."""
        return self.start if self.start is not None and self.start == self.end else None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _span_of_months(year: int, first: int, count: int) -> tuple[dt.date, dt.date]:
    last_year, last = divmod(first - 1 + count - 1, 12)
    return dt.date(year, first, 1), _month_end(year + last_year, last + 1)


def _choose_year(first: int, count: int, published: dt.date, past: bool) -> tuple[dt.date, dt.date]:
    """The months' next occurrence from ``published`` (or the last one, for ``past``)."""
    for year in (
        (published.year, published.year - 1) if past else (published.year - 1, published.year)
    ):
        start, end = _span_of_months(year, first, count)
        if past and start <= published:
            return start, end
        if not past and end >= published:
            return start, end
    return _span_of_months(published.year + (0 if past else 1), first, count)


def _relative(unit: str, which: str, published: dt.date) -> tuple[dt.date, dt.date]:
    if unit == "week":
        monday = published - dt.timedelta(days=published.weekday())
        monday += dt.timedelta(weeks=1 if which == "next" else 0)
        return monday, monday + dt.timedelta(days=6)
    if unit == "month":
        year, month = published.year, published.month
        if which == "next":
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return dt.date(year, month, 1), _month_end(year, month)
    year = published.year + (1 if which == "next" else 0)
    start = published if which == "later this" else dt.date(year, 1, 1)
    return start, dt.date(year, 12, 31)


_Found = tuple[dt.date, dt.date, int]
"""The first and last day a phrase names, and where the phrase starts in the text."""


def _days(text: str, published: dt.date, past: bool) -> _Found | None:
    if match := _DAY_MONTH.search(text):
        day, month = int(match.group(1)), _MONTHS[match.group(2)]
    elif match := _MONTH_DAY.search(text):
        day, month = int(match.group(2)), _MONTHS[match.group(1)]
    else:
        return None
    start, _ = _choose_year(month, 1, published, past)
    if day > calendar.monthrange(start.year, month)[1]:
        return None
    date = start.replace(day=day)
    return date, date, match.start()


def _weekday(text: str, published: dt.date, past: bool) -> _Found | None:
    match = _WEEKDAY.search(text)
    if match is None:
        return None
    which, target = match.group(1), _WEEKDAYS[match.group(2)]
    ahead = (target - published.weekday()) % 7  # 0: the publication day itself
    back = (published.weekday() - target) % 7
    if which == "last":
        date = published - dt.timedelta(days=back or 7)
    elif which in ("next", "coming"):
        date = published + dt.timedelta(days=ahead or 7)
    elif past:
        date = published - dt.timedelta(days=back)
    else:
        date = published + dt.timedelta(days=ahead)
    return date, date, match.start()


def _find(text: str, published: dt.date, past: bool) -> _Found | None:
    """The first form of the list (see the module docstring) that the text holds."""
    found = _days(text, published, past)
    if found is None:
        found = _weekday(text, published, past)
    if found is None and (match := _RELATIVE.search(text)):
        found = (*_relative(match.group(2), match.group(1), published), match.start())
    if found is None and (match := _MONTH.search(text)):
        month = _MONTHS[match.group(1) or match.group(2)]
        found = (*_choose_year(month, 1, published, past), match.start(1 if match.group(1) else 2))
    if found is None and (match := _SEASON.search(text)):
        found = (*_choose_year(_SEASONS[match.group(1)], 3, published, past), match.start())
    return found


def timeframe_interval(
    timeframe: str | None, published: dt.date | None, *, past: bool = False
) -> Interval | None:
    """The days a timeframe as written names, read against the publication date.

    Args:
        timeframe: The meeting's timeframe as the article writes it.
        published: The article's publication date (without it nothing is resolved).
        past: The meeting already took place: a month or season is the last one past.

    Returns:
        The interval, or None when the timeframe is not one of the forms this reads.
    """
    if not timeframe or published is None:
        return None
    text = timeframe.casefold()
    found = _find(text, published, past)
    if found is None:
        return None
    start, end, at = found
    before = text[:at]
    if _OPEN_END.search(before):
        return Interval(start, None)
    if _OPEN_START.search(before):
        return Interval(None, end)
    return Interval(start, end)


def meeting_interval(
    date_from: dt.date | None,
    date_to: dt.date | None,
    timeframe: str | None,
    published: dt.date | None,
    *,
    past: bool = False,
) -> Interval | None:
    """A meeting's days: its resolved dates when it has them, else its timeframe's.

    A meeting already held (``past``) whose days are otherwise unknown was held by the
    publication date: days up to it, open at the start.
    """
    if date_from is not None:
        return Interval(date_from, date_to or date_from)
    if date_to is not None:
        return Interval(None, date_to)
    found = timeframe_interval(timeframe, published, past=past)
    if found is None and past and published is not None:
        return Interval(None, published)
    return found
