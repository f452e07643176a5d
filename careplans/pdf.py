"""Printable plans (WeasyPrint, IPAex embedded), laid out like the MHLW forms that people still get on paper:
- 居宅サービス計画書 第1表・第2表・第3表 of a plan, one landscape A4 page (or more) each;
- サービス利用票 第6表 (a service per pair of rows 予定／実績, days 1–31 across, 合計回数) and 別表 第7表 of a
  person's month.

The callers have authorised the read (category `careplan`, channel PDF). PDFs are optional on a server without
Pango: eligibility.pdf says whether WeasyPrint loads.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from eligibility import pdf as eligibility_pdf

from .models import (
    CarePlan,
    CertificationStatus,
    LineKind,
    PlanKind,
    ServiceCode,
    ServiceLine,
    ServiceMonth,
    Table7Row,
)

# 第3表's time bands, as printed on the form: (band, first hour, last hour + 1), in rows of two hours.
BANDS = (
    ("深夜", 0, 4),
    ("早朝", 4, 8),
    ("午前", 8, 12),
    ("午後", 12, 18),
    ("夜間", 18, 22),
    ("深夜", 22, 24),
)
WEEKDAYS = "月火水木金土日"
# The form prints 初回・紹介・継続 and circles the plan's; 初回・紹介 (code 4) and the like circle two.
PLAN_KINDS = (PlanKind.FIRST.label, PlanKind.REFERRAL.label, PlanKind.CONTINUING.label)


def available() -> bool:
    return eligibility_pdf.available()


def unavailable_reason() -> str:
    return eligibility_pdf.unavailable_reason()


@dataclasses.dataclass(frozen=True)
class WeeklyRow:
    band: str
    band_rows: int  # rows the band's label spans (0: inside a band already labelled)
    label: str
    cells: list[list[str]]
    daily: list[str]


def weekly_rows(plan: CarePlan) -> list[WeeklyRow]:
    """第3表 as rows of two hours × weekdays, each row with the 主な日常生活上の活動 that start in it."""
    entries = list(plan.weekly_entries.all())
    activities = list(plan.daily_activities.all())
    rows = []
    for band, first, end in BANDS:
        hours = range(first, end, 2)
        for index, hour in enumerate(hours):

            def within(starts, ends, hour=hour):
                ends_hour = ends.hour + (ends.minute > 0)
                return starts.hour < hour + 2 and ends_hour > hour

            cells = [
                [e.content for e in entries if e.weekday == day and within(e.starts_at, e.ends_at)]
                for day in range(7)
            ]
            daily = [
                f"{a.starts_at:%H:%M} {a.content}"
                for a in activities
                if a.starts_at is not None and hour <= a.starts_at.hour < hour + 2
            ]
            rows.append(WeeklyRow(band, len(hours) if index == 0 else 0, f"{hour}:00", cells, daily))
    return rows


def plan_pdf(plan: CarePlan) -> bytes:
    """第1表・第2表・第3表 of one plan version."""
    untimed = [a.content for a in plan.daily_activities.all() if a.starts_at is None]
    return eligibility_pdf.render(
        "careplans/plan_pdf.html",
        {
            "plan": plan,
            "person": plan.person,
            "rows": list(plan.service_rows.all()),
            "weekly": weekly_rows(plan),
            "untimed_activities": untimed,
            "weekdays": WEEKDAYS,
            "plan_kinds": [(kind, kind in plan.get_plan_kind_display().split("・")) for kind in PLAN_KINDS],
            "certification_statuses": [
                (label, value == plan.certification_status) for value, label in CertificationStatus.choices
            ],
        },
    )


@dataclasses.dataclass
class Table6Service:
    """One service of 第6表: its time, code, name and office, with the count per day of 予定 and 実績."""

    starts: str
    ends: str
    service_code: str
    service_name: str
    office_name: str
    office_number: str
    planned: dict[int, int] = dataclasses.field(default_factory=dict)
    actual: dict[int, int] = dataclasses.field(default_factory=dict)

    @property
    def time(self) -> str:
        if self.starts == "9999":
            return ""
        return f"{self.starts[:2]}:{self.starts[2:]}〜{self.ends[:2]}:{self.ends[2:]}"

    def days(self, kind: str, last: int) -> list[int | None]:
        counts = self.planned if kind == LineKind.PLAN else self.actual
        return [counts.get(day) for day in range(1, last + 1)]

    @property
    def planned_total(self) -> int:
        return sum(self.planned.values())

    @property
    def actual_total(self) -> int:
        return sum(self.actual.values())


def table6_services(lines: list[ServiceLine]) -> list[Table6Service]:
    """The month's lines as the form's services, in the order of the first 予定 (or 実績) of each."""
    names = dict(
        ServiceCode.objects.filter(code__in={line.service_code for line in lines}).values_list("code", "name")
    )
    services: dict[tuple, Table6Service] = {}
    for line in sorted(lines, key=lambda line: (line.kind != LineKind.PLAN, line.starts, line.service_code)):
        key = (line.starts, line.ends, line.service_code, line.office_number)
        service = services.get(key)
        if service is None:
            service = services[key] = Table6Service(
                starts=line.starts,
                ends=line.ends,
                service_code=line.service_code,
                service_name=names.get(line.service_code, ""),
                office_name=line.office_name,
                office_number=line.office_number,
            )
        counts = service.planned if line.kind == LineKind.PLAN else service.actual
        counts[line.day.day] = counts.get(line.day.day, 0) + line.count
    return sorted(services.values(), key=lambda s: (s.starts, s.service_code, s.office_number))


def month_pdf(
    service_month: ServiceMonth, *, lines: list[ServiceLine], table7: list[Table7Row], printed_on: dt.date
) -> bytes:
    """第6表 and 第7表 of a person's month, holding only `lines` and `table7` (a provider sees its own)."""
    month = service_month.month
    last = calendar.monthrange(month.year, month.month)[1]
    days = [month.replace(day=day) for day in range(1, last + 1)]
    return eligibility_pdf.render(
        "careplans/month_pdf.html",
        {
            "service_month": service_month,
            "person": service_month.person,
            "month": month,
            "days": [(d.day, WEEKDAYS[d.weekday()]) for d in days],
            "services": [
                (s, s.days(LineKind.PLAN, last), s.days(LineKind.ACTUAL, last))
                for s in table6_services(lines)
            ],
            "table7": table7,
            "printed_on": printed_on,
        },
    )
