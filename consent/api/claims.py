"""The claims feed (国保連, scope `claims`): the monthly claims that keep offices' relationships alive."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal.api.responses import ERROR_BODY

from .. import services


class ClaimRowSerializer(serializers.Serializer):
    office_number = serializers.RegexField(r"^[0-9A-Z]{10}$")
    insurer_number = serializers.RegexField(r"^\d{6}$")
    insured_number = serializers.RegexField(r"^\d{10}$")
    service_month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text="サービス提供年月 YYYY-MM")


class ClaimsSerializer(serializers.Serializer):
    rows = ClaimRowSerializer(many=True, allow_empty=False, max_length=100_000)


class ClaimsFeed(APIView):
    api_scopes = ("claims",)
    user_roles = ()

    @extend_schema(
        summary="請求実績の登録（国保連合会）",
        description="月ごとの請求実績（事業所番号・保険者番号・被保険者番号・サービス提供年月）。担当事業所の関係を継続させます。",
        request=ClaimsSerializer,
        responses={
            200: inline_serializer(
                "ClaimsResult",
                {
                    "rows": serializers.IntegerField(),
                    "matched": serializers.IntegerField(),
                    "unmatched": serializers.IntegerField(),
                },
            ),
            400: ERROR_BODY,
        },
    )
    def post(self, request):
        data = ClaimsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = [
            {**row, "service_month": dt.date(int(row["service_month"][:4]), int(row["service_month"][5:]), 1)}
            for row in data.validated_data["rows"]
        ]
        return Response(services.claims_ingest(federation=request.auth.organisation, rows=rows))
