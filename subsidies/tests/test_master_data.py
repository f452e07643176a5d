"""The master data loaded by the data migration (issue 7 point 1): dated, per program year, as data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from subsidies.models import Category, LimitUnit, ServiceTypeCategory

pytestmark = pytest.mark.django_db


def test_program_years_have_their_windows_and_rules(fy2025, fy2026):
    assert (fy2025.window_start, fy2025.window_end) == (dt.date(2025, 10, 17), dt.date(2026, 3, 13))
    assert (fy2026.window_start, fy2026.window_end) == (dt.date(2026, 5, 7), dt.date(2027, 3, 12))
    for year in (fy2025, fy2026):
        assert year.limit_unit == LimitUnit.SERVICE_TYPE
        assert year.allow_reapply_after_grant is False


def test_categories_have_their_caps_and_limits(fy2026):
    rows = list(
        Category.objects.filter(program_year=fy2026).values_list("name", "reader_cap", "limit_amount")
    )
    assert rows == [("訪問・通所・短期滞在系", 3, 64_000), ("居住・入所系", 2, 55_000), ("その他", 1, 42_000)]


@pytest.mark.parametrize("fiscal_year", [2025, 2026])
def test_the_mapping_is_the_corrected_transcription(fiscal_year):
    def codes(category):
        return set(
            ServiceTypeCategory.objects.filter(
                program_year__fiscal_year=fiscal_year, category__code=category
            ).values_list("service_code", flat=True)
        )

    home, residential, other = codes("home"), codes("residential"), codes("other")
    assert (len(home), len(residential), len(other)) == (20, 11, 4)
    # The 2026-06-07 correction: 31 and 78 are 訪問・通所・短期滞在系.
    assert {"31", "78", "43", "11", "2A"} <= home
    assert {"51", "32", "59"} <= residential
    assert other == {"17", "41", "42", "81"}


def test_a_mapping_row_must_use_a_category_of_its_own_year(fy2025, fy2026):
    row = ServiceTypeCategory(
        program_year=fy2026,
        service_code="99",
        service_name="試験",
        category=Category.objects.get(program_year=fy2025, code="other"),
    )
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "category" in error.value.message_dict


def test_a_service_type_appears_once_per_year(fy2026):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceTypeCategory.objects.create(
            program_year=fy2026,
            service_code="11",
            service_name="訪問介護",
            category=Category.objects.get(program_year=fy2026, code="other"),
        )


def test_the_operator_edits_a_year_in_the_admin_site(login, cast, fy2026):
    pat = login(cast["pat"])
    page = pat.get(f"/admin/subsidies/programyear/{fy2026.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "訪問・通所・短期滞在系" in body and "居宅介護支援" in body
    # The mapping rows offer only this year's categories.
    assert body.count(">訪問・通所・短期滞在系（3台・64,000円）<") >= 20
    assert pat.get("/admin/subsidies/programyear/add/").status_code == 200
    assert "運営者用管理サイトで編集する" in pat.get("/subsidies/review/master/").content.decode()
    assert login(cast["olive"]).get("/admin/subsidies/programyear/").status_code == 302
