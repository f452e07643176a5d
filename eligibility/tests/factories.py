"""Persons and their versions, written straight to the database (in production they come through the
import; these tests must not depend on it). Plain functions with keyword-only arguments and sensible
defaults: pass only what a test is about."""

from __future__ import annotations

import datetime as dt
import itertools

from kaigo_portal.accounts.models import Organisation

from ..models import (
    BurdenRatioVersion,
    CareLevel,
    CertificationVersion,
    CostLimitStage,
    CostLimitVersion,
    ImportFormat,
    ImportJob,
    ImportMode,
    ImportStatus,
    InsuredCategory,
    InsuredPerson,
    LedgerKind,
    LedgerLineVersion,
    PersonVersion,
    RestrictionKind,
    RestrictionVersion,
    Sex,
)

_numbers = itertools.count(1)


def next_insured_number() -> str:
    """The next number of the process-wide counter that no person holds yet (tests also make persons
    with fixed numbers, such as 0000000301)."""
    while True:
        number = f"{next(_numbers):010d}"
        if not InsuredPerson.objects.filter(insured_number=number).exists():
            return number


def import_job(*, insurer: Organisation, file_name: str = "jukyusha_202604.csv") -> ImportJob:
    return ImportJob.objects.create(
        insurer=insurer,
        uploaded_by="test",
        file_name=file_name,
        sha256="0" * 64,
        format=ImportFormat.CSV,
        mode=ImportMode.COMMIT,
        status=ImportStatus.SUCCEEDED,
    )


def person(
    *,
    insurer: Organisation,
    insured_number: str | None = None,
    name: str = "介護 花子",
    name_kana: str = "カイゴ　ハナコ",
    birth_date: dt.date = dt.date(1940, 5, 3),
    effective_date: dt.date = dt.date(2005, 5, 3),
    **identity,
) -> InsuredPerson:
    """An insured person with one 一面 version (and the search copies the import keeps in step)."""
    insured = InsuredPerson.objects.create(
        insurer=insurer,
        insured_number=insured_number or next_insured_number(),
        name=name,
        name_kana=name_kana,
        birth_date=birth_date,
    )
    person_version(
        person=insured,
        effective_date=effective_date,
        name=name,
        name_kana=name_kana,
        birth_date=birth_date,
        **identity,
    )
    return insured


def person_version(*, person: InsuredPerson, effective_date: dt.date, **fields) -> PersonVersion:
    values = {
        "name": person.name,
        "name_kana": person.name_kana,
        "birth_date": person.birth_date,
        "sex": Sex.FEMALE,
        "postal_code": "101-0051",
        "address": "東京都千代田区神田神保町一丁目1番地",
        "qualified_on": dt.date(2005, 5, 3),
        "category": InsuredCategory.FIRST,
        "issued_on": dt.date(2026, 4, 1),
    }
    values.update(fields)
    return PersonVersion.objects.create(person=person, effective_date=effective_date, **values)


def certification(
    *,
    person: InsuredPerson,
    care_level: str = CareLevel.KAIGO2,
    valid_from: dt.date = dt.date(2026, 4, 1),
    valid_to: dt.date = dt.date(2027, 3, 31),
    effective_date: dt.date | None = None,
    **fields,
) -> CertificationVersion:
    values = {
        "certified_on": valid_from,
        "panel_opinion": "",
        "care_plan_office_number": "1370100016",
        "care_plan_office_name": "ケアプランセンター神田",
        "care_plan_notified_on": valid_from,
    }
    values.update(fields)
    return CertificationVersion.objects.create(
        person=person,
        care_level=care_level,
        valid_from=valid_from,
        valid_to=valid_to,
        effective_date=effective_date or valid_from,
        **values,
    )


def burden_ratio(
    *,
    person: InsuredPerson,
    ratio: int = 1,
    valid_from: dt.date = dt.date(2025, 8, 1),
    valid_to: dt.date = dt.date(2026, 7, 31),
    effective_date: dt.date | None = None,
    **fields,
) -> BurdenRatioVersion:
    return BurdenRatioVersion.objects.create(
        person=person,
        ratio=ratio,
        valid_from=valid_from,
        valid_to=valid_to,
        effective_date=effective_date or valid_from,
        **fields,
    )


def cost_limit(
    *,
    person: InsuredPerson,
    stage: str = CostLimitStage.STAGE2,
    residence_cap: int = 430,
    food_cap: int = 390,
    valid_from: dt.date = dt.date(2025, 8, 1),
    valid_to: dt.date = dt.date(2026, 7, 31),
    effective_date: dt.date | None = None,
    **fields,
) -> CostLimitVersion:
    return CostLimitVersion.objects.create(
        person=person,
        stage=stage,
        residence_cap=residence_cap,
        food_cap=food_cap,
        valid_from=valid_from,
        valid_to=valid_to,
        effective_date=effective_date or valid_from,
        **fields,
    )


def restriction(
    *,
    person: InsuredPerson,
    kind: str = RestrictionKind.REIMBURSEMENT,
    valid_from: dt.date = dt.date(2026, 6, 1),
    valid_to: dt.date | None = dt.date(2027, 5, 31),
    effective_date: dt.date | None = None,
    **fields,
) -> RestrictionVersion:
    return RestrictionVersion.objects.create(
        person=person,
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
        effective_date=effective_date or valid_from,
        **fields,
    )


def ledger_line(
    *,
    person: InsuredPerson,
    line_id: str,
    kind: str = LedgerKind.HOUSING,
    service_date: dt.date,
    amount: int,
    dwelling: str = "東京都千代田区神田神保町一丁目1番地",
    effective_date: dt.date | None = None,
    **fields,
) -> LedgerLineVersion:
    return LedgerLineVersion.objects.create(
        person=person,
        line_id=line_id,
        kind=kind,
        service_date=service_date,
        amount=amount,
        dwelling=dwelling if kind == LedgerKind.HOUSING else "",
        effective_date=effective_date or service_date,
        **fields,
    )
