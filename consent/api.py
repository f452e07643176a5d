"""APIs: the claims feed (国保連, scope `claims`) and the read API for office systems (scope `read`).

The read API goes through the same door as the pages: no relationship (or no such person) is a 404, so
that the API cannot be used to find out who is insured; a relationship without consent, or an insurer
not live yet, is a 403 with a stable code (consent.policy.FORBIDDEN_CODES).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from eligibility import selectors as eligibility_selectors
from eligibility.models import InsuredPerson
from kaigo_portal import access
from kaigo_portal.audit.models import Category

from . import services
from .policy import FORBIDDEN_CODES


class ClaimRowSerializer(serializers.Serializer):
    office_number = serializers.RegexField(r"^[0-9A-Z]{10}$")
    insurer_number = serializers.RegexField(r"^\d{6}$")
    insured_number = serializers.RegexField(r"^\d{10}$")
    service_month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text="サービス提供年月 YYYY-MM")


class ClaimsSerializer(serializers.Serializer):
    rows = ClaimRowSerializer(many=True, allow_empty=False, max_length=100_000)


ERROR_BODY = inline_serializer(
    "Error",
    {"error": inline_serializer("ErrorDetail", {"code": serializers.CharField(), "message": serializers.CharField(),
                                                "fields": serializers.DictField()})},
)  # fmt: skip


class ClaimsFeed(APIView):
    api_scopes = ("claims",)
    user_roles = ()

    @extend_schema(
        summary="請求実績の登録（国保連合会）",
        description="月ごとの請求実績（事業所番号・保険者番号・被保険者番号・サービス提供年月）。担当事業所の関係を継続させます。",
        request=ClaimsSerializer,
        responses={200: inline_serializer("ClaimsResult", {"rows": serializers.IntegerField(),
                                                           "matched": serializers.IntegerField(),
                                                           "unmatched": serializers.IntegerField()}),
                   400: ERROR_BODY},
    )  # fmt: skip
    def post(self, request):
        data = ClaimsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = [
            {**row, "service_month": dt.date(int(row["service_month"][:4]), int(row["service_month"][5:]), 1)}
            for row in data.validated_data["rows"]
        ]
        return Response(services.claims_ingest(federation=request.auth.organisation, rows=rows))


REFUSALS = {
    403: OpenApiResponse(
        ERROR_BODY,
        description="担当事業所だが閲覧できない。error.code: "
        + "; ".join(f"`{code}` {text}" for code, text in FORBIDDEN_CODES.items()),
        examples=[
            OpenApiExample(code, value={"error": {"code": code, "message": "この操作を行う権限がありません。", "fields": {}}},
                           status_codes=["403"])
            for code in FORBIDDEN_CODES
        ],
    ),
    404: OpenApiResponse(
        ERROR_BODY,
        description="`not_found`: 担当事業所ではない（本人確認がない・終了した）か、被保険者が存在しない。両者は区別しません。",
    ),
}  # fmt: skip


def _person(request, insurer_no: str, insured_no: str, category: str) -> InsuredPerson:
    actor = access.Actor.for_request(request)
    person, _nothing = access.read(
        actor, access.Numbers(insurer_no, insured_no), category, access.Purpose.CARE_MANAGEMENT
    )
    return person


def _iso(value) -> str | None:
    return value.isoformat() if value else None


class PersonEligibility(APIView):
    api_scopes = ("read",)
    user_roles = ()

    @extend_schema(
        summary="被保険者証情報（資格・認定・負担割合）",
        responses={200: OpenApiResponse(description="今日時点の被保険者証の内容"), **REFUSALS},
    )
    def get(self, request, insurer_no: str, insured_no: str):
        # The card is read in the round trip that writes the read's log row (access.read).
        on = timezone.localdate()
        person, card = access.read(
            access.Actor.for_request(request), access.Numbers(insurer_no, insured_no), Category.ELIGIBILITY,
            access.Purpose.CARE_MANAGEMENT, lambda person: eligibility_selectors.card_read(person, on),
        )
        identity, cert, ratio = card.identity, card.certification, card.burden_ratio
        return Response({
            "insurer_number": person.insurer.insurer_number,
            "insured_number": person.insured_number,
            "as_of": card.on.isoformat(),
            "person": identity and {
                "name": identity.name, "name_kana": identity.name_kana, "birth_date": _iso(identity.birth_date),
                "sex": identity.sex, "address": identity.address, "qualified_on": _iso(identity.qualified_on),
                "disqualified_on": _iso(identity.disqualified_on),
            },
            "certification": cert and {
                "care_level": cert.care_level, "care_level_name": cert.get_care_level_display(),
                "valid_from": _iso(cert.valid_from), "valid_to": _iso(cert.valid_to),
                "benefit_limit_units": card.benefit_limit,
            },
            "burden_ratio": ratio and {"ratio": ratio.ratio, "valid_from": _iso(ratio.valid_from),
                                       "valid_to": _iso(ratio.valid_to)},
        })  # fmt: skip


class PersonHomeModification(APIView):
    api_scopes = ("read",)
    user_roles = ()

    @extend_schema(
        summary="住宅改修費・福祉用具購入費の利用状況",
        responses={200: OpenApiResponse(description="残額と算定に数えた明細"), **REFUSALS},
    )
    def get(self, request, insurer_no: str, insured_no: str):
        person = _person(request, insurer_no, insured_no, Category.HOME_MODIFICATION)
        on = timezone.localdate()
        body = {"insurer_number": person.insurer.insurer_number, "insured_number": person.insured_number,
                "as_of": on.isoformat()}  # fmt: skip
        for name, remainder in (
            ("housing", eligibility_selectors.housing_remainder(person, on)),
            ("equipment", eligibility_selectors.equipment_remainder(person, on)),
        ):
            body[name] = {
                "cap": remainder.cap, "used": remainder.used, "remaining": remainder.remaining,
                "period_start": _iso(remainder.period_start),
                "lines": [{"line_id": line.line_id, "service_date": _iso(line.service_date), "amount": line.amount}
                          for line in remainder.lines],
            }  # fmt: skip
        return Response(body)
