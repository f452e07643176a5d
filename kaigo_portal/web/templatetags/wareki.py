"""Template filters for Japanese era dates (和暦).

Usage::

    {% load wareki %}
    {{ person.birth_date|wareki }}          → 昭和25年4月1日
    {{ person.birth_date|wareki_seireki }}  → 昭和25年4月1日（1950年4月1日）
    {{ insurer.go_live|wareki_month }}      → 令和10年3月

Like Django's own ``date`` filter, these fail silently: None, "", a value that is not a date, or a date
before 1873-01-01 renders as "". Aware datetimes are shown in Japan time (Asia/Tokyo), whatever the
active time zone is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django import template

from kaigo_portal import wareki as _wareki

register = template.Library()


def _silently(formatter: Callable[[date], str], value: object) -> str:
    if value is None or value == "":
        return ""
    try:
        return formatter(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


@register.filter(name="wareki")
def wareki(value: object) -> str:
    """和暦, e.g. 令和元年5月1日."""
    return _silently(_wareki.to_wareki, value)


@register.filter(name="wareki_seireki")
def wareki_seireki(value: object) -> str:
    """和暦 with the Gregorian date, e.g. 令和元年5月1日（2019年5月1日）."""
    return _silently(_wareki.to_wareki_with_seireki, value)


@register.filter(name="wareki_month")
def wareki_month(value: object) -> str:
    """Year and month in 和暦, e.g. 令和10年3月."""
    return _silently(_wareki.to_wareki_month, value)
