"""Every write of LIFE assessments."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from eligibility.models import InsuredPerson
from kaigo_portal.access import Actor
from kaigo_portal.errors import ApplicationError

from ..models import LifeAssessment
from . import rules


def _fail(message: str, code: str, fields: dict | None = None, *, status: int = 400):
    raise ApplicationError(message, code=code, fields=fields, status=status)


def life_submit(
    *,
    actor: Actor,
    person: InsuredPerson,
    month: dt.date,
    barthel=None,
    dbd13=None,
    vitality=None,
    nutrition=None,
) -> LifeAssessment:
    """Stores an office's assessment of the month (a resubmission replaces the month's). The caller has
    checked the office serves the person (a live relationship: the `eligibility` gate). Invalid scores
    are refused item by item, all at once."""
    if actor.organisation is None or not actor.organisation.office_number or actor.is_person:
        _fail("LIFE の評価は介護事業所だけが登録できます。", "life.not_an_office", status=403)
    if month.day != 1:
        month = month.replace(day=1)
    if month > timezone.localdate():
        _fail("評価月に未来の月は指定できません。", "life.month_future", {"month": ["未来の月です。"]})
    checked = rules.validate(barthel=barthel, dbd13=dbd13, vitality=vitality, nutrition=nutrition)
    if not checked.ok:
        _fail(
            "評価の点数に誤りがあります。",
            "life.invalid",
            {key: [message for _code, message in problems] for key, problems in checked.errors.items()},
        )
    values = {
        "barthel": checked.barthel,
        "barthel_total": checked.barthel_total,
        "dbd13": checked.dbd13,
        "dbd13_total": checked.dbd13_total,
        "vitality": checked.vitality,
        "vitality_total": checked.vitality_total,
        "height_cm": checked.height_cm,
        "weight_kg": checked.weight_kg,
        "bmi": checked.bmi,
        "nutrition_risk": checked.nutrition_risk,
        "recorded_by": actor.user,
        "recorded_by_name": actor.name,
        "recorded_at": timezone.now(),
    }
    with transaction.atomic():
        assessment, _created = LifeAssessment.objects.update_or_create(
            person=person, office=actor.organisation, month=month, defaults=values
        )
    return assessment
