"""The date rules of §2.4 and the portal's decisions, at their boundaries (pure functions)."""

import datetime as dt

import pytest

from certification import rules
from certification.models import ApplicationKind
from kaigo_portal.errors import ApplicationError

D = dt.date


@pytest.mark.parametrize(("start", "months", "end"), [
    (D(2026, 4, 1), 6, D(2026, 9, 30)),  # domain.md: 新規 applied 2026-04-01, 6 months
    (D(2026, 4, 15), 6, D(2026, 10, 31)),  # domain.md: 新規 applied 2026-04-15, 6 months
    (D(2027, 4, 1), 12, D(2028, 3, 31)),  # domain.md: 更新 of a certification ending 2027-03-31
    (D(2026, 4, 30), 3, D(2026, 7, 31)),
    (D(2026, 8, 31), 6, D(2027, 2, 28)),
    (D(2027, 8, 31), 6, D(2028, 2, 29)),  # leap year
    (D(2026, 1, 1), 48, D(2029, 12, 31)),
])  # fmt: skip
def test_validity_ends_on_a_month_end_counting_the_rest_of_a_part_month(start, months, end):
    assert rules.validity_end(start, months) == end


@pytest.mark.parametrize(("kind", "level_changed", "months", "ok"), [
    (ApplicationKind.NEW, False, 2, False), (ApplicationKind.NEW, False, 3, True),
    (ApplicationKind.NEW, False, 12, True), (ApplicationKind.NEW, False, 13, False),
    (ApplicationKind.CHANGE, True, 3, True), (ApplicationKind.CHANGE, True, 12, True),
    (ApplicationKind.CHANGE, True, 13, False),
    (ApplicationKind.RENEWAL, False, 2, False), (ApplicationKind.RENEWAL, False, 48, True),
    (ApplicationKind.RENEWAL, False, 49, False),
    (ApplicationKind.RENEWAL, True, 36, True), (ApplicationKind.RENEWAL, True, 37, False),
])  # fmt: skip
def test_validity_ranges_depend_on_type_and_level_change(kind, level_changed, months, ok):
    if ok:
        rules.check_validity_months(kind, months, level_changed=level_changed)
    else:
        with pytest.raises(ApplicationError) as error:
            rules.check_validity_months(kind, months, level_changed=level_changed)
        assert error.value.code == "certification.validity_out_of_range"
        assert "か月" in error.value.message


def test_standard_periods_are_6_months_and_12_for_renewal():
    assert rules.standard_validity_months(ApplicationKind.NEW) == 6
    assert rules.standard_validity_months(ApplicationKind.CHANGE) == 6
    assert rules.standard_validity_months(ApplicationKind.RENEWAL) == 12


def test_effective_dates_new_and_change_from_application_renewal_from_the_day_after_expiry():
    for kind in (ApplicationKind.NEW, ApplicationKind.CHANGE):
        assert rules.effective_from(kind, applied_on=D(2026, 4, 15), previous_valid_to=D(2027, 3, 31)) == D(
            2026, 4, 15
        )
    assert rules.effective_from(
        ApplicationKind.RENEWAL, applied_on=D(2027, 2, 1), previous_valid_to=D(2027, 3, 31)
    ) == D(2027, 4, 1)


@pytest.mark.parametrize(("applied_on", "code"), [
    (D(2027, 1, 29), "certification.renewal_too_early"),  # domain.md: 2027-01-29 is refused
    (D(2027, 1, 30), None),  # domain.md: accepted from 2027-01-30 (60 days before, inclusive)
    (D(2027, 3, 31), None),
    (D(2027, 4, 1), "certification.renewal_after_expiry"),
])  # fmt: skip
def test_renewal_window_opens_60_days_before_expiry_inclusive(applied_on, code):
    if code is None:
        rules.check_renewal_window(applied_on=applied_on, expiry=D(2027, 3, 31))
    else:
        with pytest.raises(ApplicationError) as error:
            rules.check_renewal_window(applied_on=applied_on, expiry=D(2027, 3, 31))
        assert error.value.code == code
        assert "2027-" not in error.value.message  # dates for people: 和暦 with 西暦


def test_the_30_day_limit_does_not_count_the_day_of_application():
    assert rules.decision_due(D(2026, 4, 1)) == D(2026, 5, 1)
    assert not rules.is_overdue(applied_on=D(2026, 4, 1), decided_on=None, today=D(2026, 5, 1))
    assert rules.is_overdue(applied_on=D(2026, 4, 1), decided_on=None, today=D(2026, 5, 2))
    assert not rules.is_overdue(applied_on=D(2026, 4, 1), decided_on=D(2026, 5, 1), today=D(2026, 6, 1))
    assert rules.is_overdue(applied_on=D(2026, 4, 1), decided_on=D(2026, 5, 2), today=D(2026, 6, 1))
