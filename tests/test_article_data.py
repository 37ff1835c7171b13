"""The article as given: its publication date, and its text sent as data between delimiters."""

from __future__ import annotations

import datetime as dt

import pytest

from summarizer import InputError
from summarizer._article import parse_published


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-19", dt.date(2024, 1, 19)),
        (" 2024-01-19\n", dt.date(2024, 1, 19)),
        ("2024-01-19T10:00:00Z", dt.date(2024, 1, 19)),
        ("2024-01-19T23:30:00-05:00", dt.date(2024, 1, 19)),
        ("2024-01-19 10:00 UTC", dt.date(2024, 1, 19)),
        (dt.datetime(2024, 1, 19, 10, 0), dt.date(2024, 1, 19)),
        (dt.date(2024, 1, 19), dt.date(2024, 1, 19)),
        (None, None),
    ],
)
def test_published_accepts_a_date_or_a_date_and_time(value: object, expected: object) -> None:
    assert parse_published(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    ["2024-01-1999", "2024-01-19x", "2024-01-19T", "2024-01-190", "20240119", "2024-02-30", ""],
)
def test_published_refuses_a_string_that_only_starts_with_a_date(value: str) -> None:
    with pytest.raises(InputError, match="ISO date"):
        parse_published(value)
