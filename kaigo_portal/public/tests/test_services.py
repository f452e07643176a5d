"""Services and content outside the screens: demo content, publication states, the subsidy calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from kaigo_portal.public import content, services
from kaigo_portal.public.models import FaqEntry, NewsItem, PublicationState

from . import factories
from .factories import jst

pytestmark = pytest.mark.django_db


def test_seed_demo_content_is_idempotent():
    first = services.seed_demo_content()
    assert first["news"] >= 3 and first["faq"] >= 5
    counts = (NewsItem.objects.count(), FaqEntry.objects.count())
    assert services.seed_demo_content() == {"news": 0, "faq": 0}
    assert (NewsItem.objects.count(), FaqEntry.objects.count()) == counts
    assert NewsItem.objects.published(now=jst(2026, 11, 1)).count() == 3


@pytest.mark.parametrize(
    ("published_at", "state"),
    [
        (None, PublicationState.DRAFT),
        (jst(2026, 6, 1, 10, 0, 1), PublicationState.SCHEDULED),
        (jst(2026, 6, 1, 10), PublicationState.PUBLISHED),
    ],
)
def test_publication_state(published_at, state):
    item = factories.news_item(published_at=published_at)
    assert item.publication_state(now=jst(2026, 6, 1, 10)) == state
    assert NewsItem.objects.published(now=jst(2026, 6, 1, 10)).filter(pk=item.pk).exists() == (
        state == PublicationState.PUBLISHED
    )


@pytest.mark.parametrize(
    ("today", "current", "upcoming"),
    [
        (dt.date(2025, 10, 16), None, "令和7年度"),
        (dt.date(2025, 10, 17), "令和7年度", "令和8年度"),
        (dt.date(2026, 3, 13), "令和7年度", "令和8年度"),
        (dt.date(2026, 3, 14), None, "令和8年度"),
        (dt.date(2027, 3, 12), "令和8年度", None),
        (dt.date(2027, 3, 13), None, None),
    ],
)
def test_subsidy_windows_by_date(today, current, upcoming):
    status = content.subsidy_status(today)
    assert (status.current and status.current.fiscal_year_label) == current
    assert (status.upcoming and status.upcoming.fiscal_year_label) == upcoming


def test_the_subsidy_limits_match_the_grant_rules():
    assert [(limit.category, limit.max_readers, limit.limit_yen) for limit in content.SUBSIDY_LIMITS] == [
        ("訪問・通所・短期滞在系", 3, 64_000),
        ("居住・入所系", 2, 55_000),
        ("その他", 1, 42_000),
    ]
