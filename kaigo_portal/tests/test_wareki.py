"""Tests for kaigo_portal.wareki and the wareki template filters (pure Python; no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kaigo_portal.wareki import ERAS, era_of, to_wareki, to_wareki_month, to_wareki_with_seireki

# Every era boundary a living person's birth date can cross, plus the go-live example (令和10年).
BOUNDARIES = [
    (date(1873, 1, 1), "明治", 6, "明治6年1月1日"),
    (date(1912, 7, 29), "明治", 45, "明治45年7月29日"),
    (date(1912, 7, 30), "大正", 1, "大正元年7月30日"),
    (date(1926, 12, 24), "大正", 15, "大正15年12月24日"),
    (date(1926, 12, 25), "昭和", 1, "昭和元年12月25日"),
    (date(1927, 1, 1), "昭和", 2, "昭和2年1月1日"),
    (date(1989, 1, 7), "昭和", 64, "昭和64年1月7日"),
    (date(1989, 1, 8), "平成", 1, "平成元年1月8日"),
    (date(2019, 4, 30), "平成", 31, "平成31年4月30日"),
    (date(2019, 5, 1), "令和", 1, "令和元年5月1日"),
    (date(2019, 12, 31), "令和", 1, "令和元年12月31日"),
    (date(2020, 1, 1), "令和", 2, "令和2年1月1日"),
    (date(2028, 3, 1), "令和", 10, "令和10年3月1日"),
]


def test_eras_are_in_order_and_as_documented() -> None:
    assert [name for name, _ in ERAS] == ["明治", "大正", "昭和", "平成", "令和"]
    assert [start for _, start in ERAS] == sorted(start for _, start in ERAS)
    assert dict(ERAS)["令和"] == date(2019, 5, 1)
    assert dict(ERAS)["平成"] == date(1989, 1, 8)


@pytest.mark.parametrize(("d", "era", "year", "text"), BOUNDARIES, ids=[b[3] for b in BOUNDARIES])
def test_era_of(d: date, era: str, year: int, text: str) -> None:
    assert era_of(d) == (era, year)


@pytest.mark.parametrize(("d", "era", "year", "text"), BOUNDARIES, ids=[b[3] for b in BOUNDARIES])
def test_to_wareki(d: date, era: str, year: int, text: str) -> None:
    assert to_wareki(d) == text


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2019, 5, 1), "令和元年5月1日（2019年5月1日）"),
        (date(2019, 4, 30), "平成31年4月30日（2019年4月30日）"),
        (date(1989, 1, 7), "昭和64年1月7日（1989年1月7日）"),
        (date(1912, 7, 30), "大正元年7月30日（1912年7月30日）"),
        (date(2028, 3, 1), "令和10年3月1日（2028年3月1日）"),
    ],
)
def test_to_wareki_with_seireki(d: date, expected: str) -> None:
    assert to_wareki_with_seireki(d) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2028, 3, 1), "令和10年3月"),
        (date(2028, 3, 31), "令和10年3月"),
        (date(2026, 4, 1), "令和8年4月"),
        (date(2019, 5, 1), "令和元年5月"),
        (date(2019, 4, 1), "平成31年4月"),
        (date(1989, 1, 7), "昭和64年1月"),
        (date(1989, 1, 8), "平成元年1月"),
    ],
)
def test_to_wareki_month(d: date, expected: str) -> None:
    assert to_wareki_month(d) == expected


JST = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        # 15:00 UTC on 4/30 is 00:00 JST on 5/1: the new era.
        (datetime(2019, 4, 30, 15, 0, tzinfo=UTC), "令和元年5月1日"),
        (datetime(2019, 4, 30, 14, 59, 59, tzinfo=UTC), "平成31年4月30日"),
        (datetime(1989, 1, 7, 15, 0, tzinfo=UTC), "平成元年1月8日"),
        (datetime(2019, 5, 1, 0, 0, tzinfo=JST), "令和元年5月1日"),
        # -05:00 evening of 4/30 is already 5/1 in Japan.
        (datetime(2019, 4, 30, 11, 0, tzinfo=timezone(timedelta(hours=-5))), "令和元年5月1日"),
        # Naive datetimes are taken to be Japan time.
        (datetime(2019, 4, 30, 23, 59), "平成31年4月30日"),
        (datetime(2019, 5, 1, 0, 0), "令和元年5月1日"),
    ],
)
def test_datetime_input(dt: datetime, expected: str) -> None:
    assert to_wareki(dt) == expected


def test_aware_datetime_in_other_functions() -> None:
    dt = datetime(2019, 4, 30, 15, 0, tzinfo=UTC)
    assert era_of(dt) == ("令和", 1)
    assert to_wareki_with_seireki(dt) == "令和元年5月1日（2019年5月1日）"
    assert to_wareki_month(dt) == "令和元年5月"


@pytest.mark.parametrize("func", [era_of, to_wareki, to_wareki_with_seireki, to_wareki_month])
@pytest.mark.parametrize("d", [date(1872, 12, 31), date(1868, 10, 23), date(1, 1, 1)])
def test_before_gregorian_adoption_raises(func, d: date) -> None:
    with pytest.raises(ValueError, match="1873"):
        func(d)


def test_first_supported_day_and_its_eve_as_datetime() -> None:
    # Before 1888 the tz database gives Asia/Tokyo its local mean time, +09:18:59, not +09:00:
    # 14:59 UTC is already 00:17:59 on 1873-01-01 there, so the eve is tested at 14:00 UTC (23:18:59).
    assert to_wareki(datetime(1872, 12, 31, 15, 0, tzinfo=UTC)) == "明治6年1月1日"
    assert to_wareki(datetime(1872, 12, 31, 14, 59, tzinfo=UTC)) == "明治6年1月1日"
    with pytest.raises(ValueError):
        to_wareki(datetime(1872, 12, 31, 14, 0, tzinfo=UTC))


@pytest.mark.parametrize("func", [era_of, to_wareki, to_wareki_with_seireki, to_wareki_month])
@pytest.mark.parametrize("value", [None, "2019-05-01", 20190501])
def test_non_dates_raise_type_error(func, value: object) -> None:
    with pytest.raises(TypeError):
        func(value)


# --- template filters --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    """A template engine that loads only the wareki library.

    Under pytest-django the settings are already configured; in an isolated run (-p no:django) we
    configure bare defaults. Engine with explicit ``libraries`` needs no app registry (no django.setup()).
    """
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from django.template import Engine

    return Engine(libraries={"wareki": "kaigo_portal.web.templatetags.wareki"})


def _render(engine, source: str, **context: object) -> str:
    from django.template import Context

    return engine.from_string("{% load wareki %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "value", "expected"),
    [
        ("{{ d|wareki }}", date(2019, 5, 1), "令和元年5月1日"),
        ("{{ d|wareki }}", date(1989, 1, 7), "昭和64年1月7日"),
        ("{{ d|wareki_seireki }}", date(2019, 5, 1), "令和元年5月1日（2019年5月1日）"),
        ("{{ d|wareki_month }}", date(2028, 3, 1), "令和10年3月"),
        ("{{ d|wareki }}", datetime(2019, 4, 30, 15, 0, tzinfo=UTC), "令和元年5月1日"),
        ("{{ d|wareki_month }}", datetime(2019, 4, 30, 15, 0, tzinfo=UTC), "令和元年5月"),
        # Fail silently, like Django's own date filter.
        ("[{{ d|wareki }}]", None, "[]"),
        ("[{{ d|wareki_seireki }}]", None, "[]"),
        ("[{{ d|wareki_month }}]", None, "[]"),
        ("[{{ d|wareki }}]", "", "[]"),
        ("[{{ d|wareki_seireki }}]", "", "[]"),
        ("[{{ d|wareki_month }}]", "", "[]"),
        ("[{{ d|wareki }}]", date(1872, 12, 31), "[]"),
        ("[{{ d|wareki_seireki }}]", date(1872, 12, 31), "[]"),
        ("[{{ d|wareki_month }}]", date(1872, 12, 31), "[]"),
        ("[{{ d|wareki }}]", "not a date", "[]"),
    ],
)
def test_template_filters(engine, source: str, value: object, expected: str) -> None:
    assert _render(engine, source, d=value) == expected


def test_template_filter_on_missing_variable(engine) -> None:
    assert _render(engine, "[{{ missing|wareki }}]") == "[]"
