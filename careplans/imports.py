"""Applies a 第1表・第2表 CSV file (csv_format) as 原案 of the importing care manager's office.

All or nothing: every bad record is reported (line, column, value, code, Japanese message) and a file
with any error applies nothing. Per person in the file: the careplan gate is asked (logged); then the
office's plan series for the person gets the content — its 原案 is changed, a delivered plan gets a new
version, or a new series starts. 第3表 is not in the CSV: a changed 原案 keeps its 第3表.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from eligibility.imports.registry import Issue
from kaigo_portal import access
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.errors import ApplicationError

from . import csv_format, selectors, services
from .models import CarePlan, PlanStatus


@dataclass
class ImportResult:
    issues: list[Issue] = field(default_factory=list)
    plans: list[CarePlan] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


def _groups(parsed: csv_format.Parsed, result: ImportResult) -> dict[tuple[str, str], tuple]:
    groups: dict[tuple[str, str], tuple] = {}
    for table in parsed.tables1:
        key = (table.insurer_number, table.insured_number)
        if key in groups:
            result.issues.append(Issue.make(table.line, "被保険者番号", key[1], "csv.table1_twice",
                                            "同じ被保険者の第1表が2件以上あります。"))  # fmt: skip
            continue
        groups[key] = (table, [])
    for row in parsed.tables2:
        key = (row.insurer_number, row.insured_number)
        if key not in groups:
            result.issues.append(Issue.make(row.line, "被保険者番号", key[1], "csv.table2_without_table1",
                                            "この被保険者の第1表がありません。"))  # fmt: skip
            continue
        groups[key][1].append(row)
    return groups


def _input(table1: csv_format.Table1, rows: list[csv_format.Table2], keep=None) -> services.PlanInput:
    ordered = sorted(rows, key=lambda r: (int(r.values["課題NO"]), int(r.values["援助目標NO"]),
                                          int(r.values["援助内容NO"]), r.line))  # fmt: skip
    return services.PlanInput(
        created_on=table1.created_on, plan_kind=table1.plan_kind, intentions=table1.intentions,
        policy=table1.policy, living_support_reason=table1.living_support_reason,
        non_weekly_services=keep.non_weekly_services if keep else "",
        rows=[services.RowInput(
            need=r.values["課題"], long_goal=r.values["長期目標"], long_period=r.values["長期期間"],
            short_goal=r.values["短期目標"], short_period=r.values["短期期間"], service_content=r.values["サービス内容"],
            insured=r.values["保険対象区分"] == "1", service_kind=r.values["サービス種別"],
            office_number=r.values["サービス事業者コード"], office_name=r.values["サービス事業所名"],
            frequency=r.values["頻度"], period=r.values["実施期間"],
        ) for r in ordered],
        weekly=services.plan_input_of(keep).weekly if keep else [],
    )  # fmt: skip


def _target(actor: Actor, person) -> CarePlan | None:
    """The latest version of the office's series for the person (None: a new series)."""
    return (
        CarePlan.objects.filter(person=person, author_office=actor.organisation)
        .order_by("-created_at", "-version", "-id")
        .first()
    )


def import_plans(*, actor: Actor, data: bytes, file_name: str) -> ImportResult:
    result = ImportResult()
    office_number = actor.organisation.office_number if actor.organisation else ""
    result.issues += csv_format.check_file_name(file_name, office_number or "")
    parsed = csv_format.parse(data)
    result.issues += parsed.issues
    groups = _groups(parsed, result)
    codes = {r.values["サービス事業者コード"] for _t, rows in groups.values() for r in rows} - {""}
    known = set(Organisation.objects.filter(office_number__in=codes).values_list("office_number", flat=True))
    work = []
    for (insurer_number, insured_number), (table1, rows) in groups.items():
        for row in rows:
            code = row.values["サービス事業者コード"]
            if code and code not in known:
                result.issues.append(Issue.make(row.line, "サービス事業者コード", code, "csv.office_unknown",
                                                "この事業者コードの事業所は登録されていません。"))  # fmt: skip
        try:
            person = selectors.person_for(actor, insurer_number=insurer_number, insured_number=insured_number,
                                          category=selectors.CAREPLAN, purpose=access.Purpose.CARE_MANAGEMENT)  # fmt: skip
        except (access.NotVisible, access.Forbidden):
            result.issues.append(Issue.make(table1.line, "被保険者番号", insured_number, "csv.person_not_visible",
                                            "この被保険者のケアプランは扱えません（担当事業所でないか、本人の同意がありません）。"))  # fmt: skip
            continue
        target = _target(actor, person)
        if target is not None and target.status in (PlanStatus.FOR_CONSENT, PlanStatus.AGREED):
            result.issues.append(Issue.make(table1.line, "被保険者番号", insured_number, "csv.plan_not_draft",
                                            f"この方の計画は「{target.get_status_display()}」のため取り込めません。"))  # fmt: skip
            continue
        work.append((person, table1, rows, target))
    if result.issues:
        return result
    try:
        with transaction.atomic():
            for person, table1, rows, target in work:
                result.plans.append(_apply(actor, person, table1, rows, target))
    except ApplicationError as error:
        result.plans = []
        for key, messages in (error.fields or {"": [error.message]}).items():
            result.issues.append(Issue.make(0, key, "", error.code, "、".join(messages)))
    return result


def _apply(actor, person, table1, rows, target: CarePlan | None) -> CarePlan:
    if target is None:
        return services.plan_create(actor=actor, person=person, data=_input(table1, rows), imported=True)
    if target.status == PlanStatus.DELIVERED or target.status == PlanStatus.SUPERSEDED:
        target = services.plan_revise(actor=actor, plan=target)
    return services.plan_update(
        actor=actor, plan=target, data=_input(table1, rows, keep=target), imported=True
    )
