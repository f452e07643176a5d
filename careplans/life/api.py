"""The LIFE API: providers submit monthly assessments; offices read a person's months back.

Submission is gated by the `eligibility` category (a live relationship with the person and the insurer
live: only an office that serves the person may send its assessment); reading back is the `life`
category (relationship and consent). Both go through kaigo_portal.access and are logged.
"""

from __future__ import annotations

import datetime as dt
import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal import access
from kaigo_portal.accounts.models import OFFICE_ROLES
from kaigo_portal.errors import ApplicationError

from .. import selectors
from ..models import LifeAssessment
from . import feedback, services


def _month(value) -> dt.date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(value or ""))
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ApplicationError(
            "評価月を YYYY-MM で指定してください。",
            code="life.month_format",
            fields={"month": ["形式が正しくありません"]},
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def assessment_body(a: LifeAssessment) -> dict:
    return {
        "month": f"{a.month:%Y-%m}",
        "office_number": a.office.office_number,
        "barthel": a.barthel,
        "barthel_total": a.barthel_total,
        "dbd13": a.dbd13,
        "dbd13_total": a.dbd13_total,
        "vitality": a.vitality,
        "vitality_total": a.vitality_total,
        "nutrition": a.bmi is not None
        and {
            "height_cm": str(a.height_cm),
            "weight_kg": str(a.weight_kg),
            "bmi": str(a.bmi),
            "risk": a.nutrition_risk,
        },
    }


class Assessments(APIView):
    api_scopes = ("careplans",)
    user_roles = tuple(OFFICE_ROLES)

    @extend_schema(
        summary="LIFE 評価の登録（Barthel Index・DBD13・Vitality Index・栄養）",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        actor = access.Actor.for_request(request)
        body = request.data if isinstance(request.data, dict) else {}
        person_ref = body.get("person") if isinstance(body.get("person"), dict) else {}
        month = _month(body.get("month"))
        person = selectors.person_for(
            actor,
            insurer_number=str(person_ref.get("insurer_number", "")),
            insured_number=str(person_ref.get("insured_number", "")),
            category=access.Category.ELIGIBILITY,
            purpose=access.Purpose.SERVICE_PROVISION,
        )
        assessment = services.life_submit(
            actor=actor,
            person=person,
            month=month,
            barthel=body.get("barthel"),
            dbd13=body.get("dbd13"),
            vitality=body.get("vitality"),
            nutrition=body.get("nutrition"),
        )
        return Response(assessment_body(assessment), status=201)


class PersonLife(APIView):
    api_scopes = ("careplans",)
    user_roles = tuple(OFFICE_ROLES)

    @extend_schema(summary="ある方の LIFE 評価（月ごと）", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, insurer_no: str, insured_no: str):
        actor = access.Actor.for_request(request)
        person = selectors.person_for(
            actor,
            insurer_number=insurer_no,
            insured_number=insured_no,
            category=selectors.LIFE,
            purpose=access.Purpose.SERVICE_PROVISION,
        )
        months = [
            {
                "month": f"{p.month:%Y-%m}",
                "barthel_total": p.barthel_total,
                "dbd13_total": p.dbd13_total,
                "vitality_total": p.vitality_total,
                "bmi": str(p.bmi) if p.bmi is not None else None,
            }
            for p in feedback.series_of(person)
        ]
        return Response({"insurer_number": insurer_no, "insured_number": insured_no, "months": months})
