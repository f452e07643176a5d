"""Japanese era dates (和暦).

Pure functions, no Django dependency: safe to use in models, PDFs, CSV exports and tests.

Rules:
- The first year of an era is written 元年, never 1年.
- Numbers are not zero-padded: 令和元年5月1日, 令和10年3月.
- The era changes on its start date (e.g. 1989-01-07 is 昭和64年, 1989-01-08 is 平成元年).
- Dates before 1873-01-01 are refused: Japan adopted the Gregorian calendar on 明治6年1月1日, and before
  that a Gregorian date does not map one-to-one onto the lunisolar date people would write.
- An aware ``datetime`` is converted to Asia/Tokyo before its date is taken; a naive ``datetime`` is taken
  to be Japan time already and its date is used as is.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

__all__ = [
    "EARLIEST_SUPPORTED",
    "ERAS",
    "era_of",
    "to_wareki",
    "to_wareki_month",
    "to_wareki_with_seireki",
]

JST = ZoneInfo("Asia/Tokyo")

# (era name, first day of the era in the Gregorian calendar), oldest first.
# 明治 is dated from 明治元年1月1日 (1868-01-25 Gregorian) so that year numbers come out right;
# only dates from EARLIEST_SUPPORTED on are accepted.
ERAS: tuple[tuple[str, date], ...] = (
    ("明治", date(1868, 1, 25)),
    ("大正", date(1912, 7, 30)),
    ("昭和", date(1926, 12, 25)),
    ("平成", date(1989, 1, 8)),
    ("令和", date(2019, 5, 1)),
)

EARLIEST_SUPPORTED = date(1873, 1, 1)


def _as_date(value: date | datetime) -> date:
    """Return the calendar date in Japan for a date or datetime; refuse anything else."""
    if value is None:
        raise TypeError("a date or datetime is required, got None")
    if isinstance(value, datetime):  # datetime is a subclass of date: test it first
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value.astimezone(JST).date()
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"a date or datetime is required, got {type(value).__name__}")


def _checked_date(value: date | datetime) -> date:
    d = _as_date(value)
    if d < EARLIEST_SUPPORTED:
        raise ValueError(
            f"{d.isoformat()} は和暦に変換できません（対応するのは1873年1月1日（明治6年）以降の日付です）"
        )
    return d


def era_of(d: date | datetime) -> tuple[str, int]:
    """Return (era name, year in era) for a date, e.g. (\"令和\", 1) for 2019-05-01."""
    day = _checked_date(d)
    for name, start in reversed(ERAS):
        if day >= start:
            return name, day.year - start.year + 1
    raise AssertionError("unreachable: EARLIEST_SUPPORTED is after the first era start")  # pragma: no cover


def _year_label(d: date) -> str:
    name, year = era_of(d)
    return f"{name}{'元' if year == 1 else year}年"


def to_wareki(d: date | datetime) -> str:
    """Format as 和暦, e.g. 令和元年5月1日."""
    day = _checked_date(d)
    return f"{_year_label(day)}{day.month}月{day.day}日"


def to_wareki_with_seireki(d: date | datetime) -> str:
    """Format as 和暦 followed by the Gregorian date, e.g. 令和元年5月1日（2019年5月1日）."""
    day = _checked_date(d)
    return f"{to_wareki(day)}（{day.year}年{day.month}月{day.day}日）"


def to_wareki_month(d: date | datetime) -> str:
    """Format the year and month only, e.g. 令和10年3月 (used for go-live months)."""
    day = _checked_date(d)
    return f"{_year_label(day)}{day.month}月"


def to_wareki_month_with_seireki(d: date | datetime) -> str:
    """A month as 和暦 with the Gregorian month beside it, e.g. 令和8年12月（2026年12月）."""
    day = _checked_date(d)
    return f"{to_wareki_month(day)}（{day.year}年{day.month}月）"
