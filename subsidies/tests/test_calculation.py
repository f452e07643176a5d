"""The grant calculation (issue 7 point 1 and 2; domain.md §6.2, §11 items 33–35)."""

from __future__ import annotations

import pytest

from subsidies.calculation import calculate_grant
from subsidies.models import Category, LimitUnit, ServiceTypeCategory

pytestmark = pytest.mark.django_db


def calc(year, codes, readers=0, price=0, support=0):
    return calculate_grant(
        program_year=year,
        service_codes=codes,
        readers_count=readers,
        reader_unit_price=price,
        connection_support_cost=support,
    )


@pytest.mark.parametrize(
    ("codes", "readers", "price", "support", "cap", "limit", "eligible", "grant"),
    [
        # 訪問・通所・短期滞在系: 3 readers / ¥64,000
        (["11"], 3, 15_000, 10_000, 3, 64_000, 55_000, 55_000),
        (["43"], 3, 20_000, 10_000, 3, 64_000, 70_000, 64_000),
        # 居住・入所系: 2 readers / ¥55,000
        (["51"], 2, 20_000, 10_000, 2, 55_000, 50_000, 50_000),
        (["32"], 2, 25_000, 10_000, 2, 55_000, 60_000, 55_000),
        # その他: 1 reader / ¥42,000
        (["17"], 1, 30_000, 10_000, 1, 42_000, 40_000, 40_000),
        (["42"], 1, 30_000, 20_000, 1, 42_000, 50_000, 42_000),
    ],
)
def test_each_category_has_its_cap_and_limit(
    fy2026, codes, readers, price, support, cap, limit, eligible, grant
):
    result = calc(fy2026, codes, readers, price, support)
    assert (result.reader_cap, result.limit_amount, result.eligible_cost, result.grant_amount) == (
        cap,
        limit,
        eligible,
        grant,
    )


def test_worked_example_home_plus_day_care_sums_two_limits(fy2026):
    # 訪問介護 (11) + 通所介護 (15): 64,000 + 64,000 = ¥128,000 for at most 6 readers.
    result = calc(fy2026, ["11", "15"], readers=6, price=20_000, support=30_000)
    assert result.reader_cap == 6
    assert result.limit_amount == 128_000
    assert result.eligible_cost == 150_000
    assert result.grant_amount == 128_000


def test_worked_example_home_plus_facility(fy2026):
    # 訪問介護 (11) + 介護福祉施設 (51): ¥119,000 for 5 readers.
    result = calc(fy2026, ["51", "11"], readers=5, price=10_000)
    assert (result.reader_cap, result.limit_amount, result.grant_amount) == (5, 119_000, 50_000)


def test_worked_example_equipment_rental_with_readers_over_the_cap(fy2026):
    # 福祉用具貸与 (17) alone, 2 readers at ¥25,000 and ¥20,000 of support: 1 × 25,000 + 20,000 = ¥45,000,
    # and the grant is the ¥42,000 limit.
    result = calc(fy2026, ["17"], readers=2, price=25_000, support=20_000)
    assert result.reader_cap == 1
    assert result.readers_counted == 1
    assert result.readers_over_cap == 1
    assert result.eligible_cost == 45_000
    assert result.grant_amount == 42_000


def test_readers_over_the_summed_cap_are_not_eligible(fy2026):
    result = calc(fy2026, ["11", "51"], readers=9, price=5_000)
    assert result.readers_counted == 5
    assert result.readers_over_cap == 4
    assert result.eligible_cost == 25_000


def test_three_categories_add_up(fy2026):
    result = calc(fy2026, ["11", "51", "17"], readers=6, price=30_000, support=0)
    assert (result.reader_cap, result.limit_amount) == (6, 161_000)
    assert result.grant_amount == 161_000


def test_codes_without_a_category_add_nothing_and_are_listed(fy2026):
    result = calc(fy2026, ["46", "43"], readers=1, price=10_000)
    assert result.unmapped_codes == ["46"]
    assert [line.service_code for line in result.lines] == ["43"]
    assert result.limit_amount == 64_000


def test_an_office_with_no_eligible_service_gets_nothing(fy2026):
    result = calc(fy2026, ["46"], readers=1, price=10_000, support=5_000)
    assert not result.has_eligible_service
    assert (result.reader_cap, result.limit_amount, result.grant_amount) == (0, 0, 0)
    assert result.eligible_cost == 5_000  # support alone is a cost, but the limit is 0


def test_empty_amounts_count_as_zero(fy2026):
    result = calculate_grant(
        program_year=fy2026,
        service_codes=["11"],
        readers_count=None,
        reader_unit_price=None,
        connection_support_cost=None,
    )
    assert (result.eligible_cost, result.grant_amount) == (0, 0)


def test_summing_per_category_counts_each_category_once(fy2026):
    fy2026.limit_unit = LimitUnit.CATEGORY
    fy2026.save(update_fields=["limit_unit"])
    result = calc(fy2026, ["11", "15", "51"], readers=10, price=10_000)
    assert (result.reader_cap, result.limit_amount) == (5, 119_000)
    assert [line.counted for line in result.lines] == [True, False, True]


def test_no_summing_takes_the_highest_category(fy2026):
    fy2026.limit_unit = LimitUnit.HIGHEST
    fy2026.save(update_fields=["limit_unit"])
    result = calc(fy2026, ["17", "51", "11"], readers=10, price=10_000)
    assert (result.reader_cap, result.limit_amount) == (3, 64_000)


def test_the_mapping_is_per_program_year(fy2025, fy2026):
    # A later year may move a service type: only that year's rows count.
    row = ServiceTypeCategory.objects.get(program_year=fy2026, service_code="31")
    row.category = Category.objects.get(program_year=fy2026, code="residential")
    row.save(update_fields=["category"])
    assert calc(fy2025, ["31"]).limit_amount == 64_000
    assert calc(fy2026, ["31"]).limit_amount == 55_000
