"""The read API for office systems: certification progress (scope `read`), through the same door as the
pages (no relationship or no such person is a 404; a refused gate is a 403 with its code)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from eligibility.models import InsuredPerson
from kaigo_portal import access

from . import selectors
from .models import StepKind


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def progress_body(person: InsuredPerson, applications, today) -> dict:
    """The body shared by the API and the tests: each application with its steps and the 30-day limit."""
    out = []
    for progress in selectors.progress_many(applications, today):
        application = progress.application
        out.append(
            {
                "kind": application.kind,
                "kind_name": application.get_kind_display(),
                "applied_on": _iso(application.applied_on),
                "due_on": _iso(progress.due),
                "days_elapsed": progress.days_elapsed,
                "overdue": progress.overdue,
                "extension_notice_on": _iso(application.extension_notice_on),
                "waiting_for": list(progress.waiting_for),
                "steps": [
                    {
                        "step": kind,
                        "name": StepKind(kind).label,
                        "completed_on": _iso(progress.steps[kind].completed_on)
                        if kind in progress.steps
                        else None,
                        **(
                            {
                                "panel_date": _iso(progress.steps[kind].panel_date)
                                if kind in progress.steps
                                else None
                            }
                            if kind == StepKind.PANEL_ASSIGNED
                            else {}
                        ),
                    }
                    for kind in StepKind.values
                ],
                "decision": application.decided_on
                and {
                    "care_level": application.care_level,
                    "care_level_name": application.get_care_level_display(),
                    "decided_on": _iso(application.decided_on),
                    "valid_from": _iso(application.valid_from),
                    "valid_to": _iso(application.valid_to),
                    "panel_opinion": application.panel_opinion,
                },
            }
        )
    return {
        "insurer_number": person.insurer.insurer_number,
        "insured_number": person.insured_number,
        "as_of": today.isoformat(),
        "applications": out,
    }


class PersonCertificationProgress(APIView):
    api_scopes = ("read",)
    user_roles = ()

    @extend_schema(
        summary="認定審査進捗",
        responses={
            200: OpenApiResponse(description="申請ごとの進捗段階と完了日、30日の期限"),
            403: OpenApiResponse(description="担当事業所だが閲覧できない（コード付き）"),
            404: OpenApiResponse(description="担当事業所ではないか、被保険者が存在しない"),
        },
    )
    def get(self, request, insurer_no: str, insured_no: str):
        # No such person is the same 404 as a refusal, logged under the numbers asked for (the door).
        person, _nothing = access.read(
            access.Actor.for_request(request),
            access.Numbers(insurer_no, insured_no),
            selectors.CATEGORY_PROGRESS,
            access.Purpose.CARE_MANAGEMENT,
        )
        return Response(progress_body(person, selectors.applications_of(person), timezone.localdate()))
