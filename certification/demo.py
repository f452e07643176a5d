"""Demo data for certification: an application at every step for 千代田区, one of them overdue (idempotent).

The demo's applications leave the 包括同意 box blank: consent's own demo records the consents."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from eligibility.models import CareLevel, CertificationVersion, InsuredPerson
from eligibility.selectors import current_versions
from kaigo_portal.accounts.models import Organisation

from . import services
from .models import Application, ApplicationKind, StepKind
from .survey_form import EXAMPLE_ANSWERS

# (days since application, steps to complete in order); the first is past the 30 days.
PLAN = [
    (40, [StepKind.SURVEY_REQUESTED, StepKind.OPINION_REQUESTED]),
    (2, []),
    (5, [StepKind.SURVEY_REQUESTED]),
    (8, [StepKind.SURVEY_REQUESTED, StepKind.OPINION_REQUESTED, StepKind.SURVEY_RECEIVED]),
    (14, [StepKind.SURVEY_REQUESTED, StepKind.OPINION_REQUESTED, StepKind.SURVEY_RECEIVED,
          StepKind.OPINION_RECEIVED]),
    (20, [StepKind.SURVEY_REQUESTED, StepKind.OPINION_REQUESTED, StepKind.SURVEY_RECEIVED,
          StepKind.OPINION_RECEIVED, StepKind.PRIMARY_JUDGEMENT]),
    (25, [StepKind.SURVEY_REQUESTED, StepKind.OPINION_REQUESTED, StepKind.SURVEY_RECEIVED,
          StepKind.OPINION_RECEIVED, StepKind.PRIMARY_JUDGEMENT, StepKind.PANEL_ASSIGNED]),
    (29, [StepKind.SURVEY_REQUESTED, StepKind.OPINION_REQUESTED, StepKind.SURVEY_RECEIVED,
          StepKind.OPINION_RECEIVED, StepKind.PRIMARY_JUDGEMENT, StepKind.PANEL_ASSIGNED,
          StepKind.SECONDARY_JUDGEMENT, StepKind.RESULT_NOTIFIED]),
]  # fmt: skip


def _walk(application: Application, steps: list[str], today: dt.date) -> None:
    day = application.applied_on
    for kind in steps:
        day = min(day + dt.timedelta(days=3), today)
        if kind == StepKind.SURVEY_RECEIVED:
            services.survey_record(
                application=application,
                conducted_on=day,
                investigator="調査 太郎",
                investigator_organisation="千代田区 介護保険課",
                answers=EXAMPLE_ANSWERS,
                notes={"1-7": "屋内は伝い歩き。"},
                by=None,
                received_on=day,
            )
        elif kind == StepKind.SECONDARY_JUDGEMENT:
            services.application_decide(
                application=application,
                care_level=CareLevel.KAIGO2,
                decided_on=day,
                by=None,
                panel_opinion="特になし",
            )
        else:
            services.step_complete(
                application=application,
                kind=kind,
                completed_on=day,
                by=None,
                panel_date=day + dt.timedelta(days=7) if kind == StepKind.PANEL_ASSIGNED else None,
            )


def seed() -> str:
    chiyoda = Organisation.objects.filter(insurer_number="131011").first()
    if chiyoda is None:
        return "要介護認定: skipped (no demo insurer)"
    if Application.objects.filter(person__insurer=chiyoda).exists():
        return "要介護認定: already loaded"
    today = timezone.localdate()
    persons = list(InsuredPerson.objects.filter(insurer=chiyoda).order_by("insured_number")[: len(PLAN)])
    kyotaku = Organisation.objects.filter(office_number="1370100016").first()
    with transaction.atomic():
        for person, (days, steps) in zip(persons, PLAN, strict=False):
            applied_on = today - dt.timedelta(days=days)
            current = current_versions(CertificationVersion, person, applied_on)
            kind = ApplicationKind.CHANGE if current else ApplicationKind.NEW
            application = services.application_create(
                person=person,
                kind=kind,
                applied_on=applied_on,
                physician_institution_name="千代田内科クリニック",
                physician_name="千代田 一郎",
                consent_granted=None,
                by=None,
                proxy_office=kyotaku,
            )
            _walk(application, steps, today)
    return f"要介護認定: 申請 {len(persons)} 件（各段階、うち1件は30日超過）"
