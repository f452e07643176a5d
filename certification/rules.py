"""The date rules of 要介護認定 (domain.md §2.4 and "Decisions where the spec is silent").

Pure functions of dates, so that each rule is tested at its boundaries without a database."""

from __future__ import annotations

import calendar
import datetime as dt

from kaigo_portal.errors import ApplicationError
from kaigo_portal.wareki import to_wareki_with_seireki

DECISION_DAYS = 30  # 介護保険法 §27⑪: the decision within 30 days of the application
RENEWAL_WINDOW_DAYS = 60  # 更新申請 is accepted from 60 days before the expiry [MTS]


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months_end(start: dt.date, months: int) -> dt.date:
    """The month end `months` months after the month of `start` (0 = the end of start's month)."""
    index = start.year * 12 + start.month - 1 + months
    return month_end(index // 12, index % 12 + 1)


def validity_end(start: dt.date, months: int) -> dt.date:
    """A period that starts on the 1st runs `months` months; one that starts on any other day runs the
    rest of that month plus `months` months. The end is always a month end."""
    return add_months_end(start, months - 1 if start.day == 1 else months)


def validity_months_range(kind: str, *, level_changed: bool) -> tuple[int, int]:
    """(min, max) months of 認定有効期間 for applications from 2021-04-01 [HMD]."""
    from .models import ApplicationKind

    if kind == ApplicationKind.RENEWAL:
        return (3, 36) if level_changed else (3, 48)
    return (3, 12)


def standard_validity_months(kind: str) -> int:
    from .models import ApplicationKind

    return 12 if kind == ApplicationKind.RENEWAL else 6


def check_validity_months(kind: str, months: int, *, level_changed: bool) -> None:
    low, high = validity_months_range(kind, level_changed=level_changed)
    if not low <= months <= high:
        raise ApplicationError(
            f"認定有効期間は{low}か月から{high}か月の範囲で指定してください（指定: {months}か月）。",
            code="certification.validity_out_of_range",
            fields={"validity_months": [f"{low}〜{high}か月"]},
        )


def effective_from(kind: str, *, applied_on: dt.date, previous_valid_to: dt.date | None) -> dt.date:
    """新規 and 区分変更 take effect from the application date; a renewal from the day after the old expiry."""
    from .models import ApplicationKind

    if kind == ApplicationKind.RENEWAL:
        if previous_valid_to is None:
            raise ApplicationError(
                "更新の元となる認定がありません。", code="certification.renewal_without_previous"
            )
        return previous_valid_to + dt.timedelta(days=1)
    return applied_on


def renewal_window_opens(expiry: dt.date) -> dt.date:
    """The first day a renewal is accepted: 60 days before the expiry, inclusive."""
    return expiry - dt.timedelta(days=RENEWAL_WINDOW_DAYS)


def check_renewal_window(*, applied_on: dt.date, expiry: dt.date) -> None:
    opens = renewal_window_opens(expiry)
    if applied_on < opens:
        raise ApplicationError(
            f"更新申請は有効期間満了日（{to_wareki_with_seireki(expiry)}）の60日前（{to_wareki_with_seireki(opens)}）から受け付けます。",
            code="certification.renewal_too_early",
        )
    if applied_on > expiry:
        raise ApplicationError(
            "有効期間が満了しているため更新申請はできません。新規申請としてください。",
            code="certification.renewal_after_expiry",
        )


def decision_due(applied_on: dt.date) -> dt.date:
    """The day of application is not counted (初日不算入): applied 04-01, due 05-01."""
    return applied_on + dt.timedelta(days=DECISION_DAYS)


def is_overdue(*, applied_on: dt.date, decided_on: dt.date | None, today: dt.date) -> bool:
    """Past the due date with no decision, or decided after it (a 延期通知 was owed)."""
    due = decision_due(applied_on)
    return (decided_on or today) > due
