"""The read API for office systems (API key scope `read`): a person's 被保険者証 and 住宅改修・福祉用具 usage.

It goes through the same door as the pages (`access.read`): no relationship (or no such person) is a 404, so
that the API cannot be used to find out who is insured; a relationship without consent, or an insurer not
live yet, is a 403 with a stable code (kaigo_portal.api.responses.READ_FORBIDDEN_CODES). The bodies are
written by the output serializers below, which are also what the OpenAPI document describes.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal import access
from kaigo_portal.api.output import OutputSerializer
from kaigo_portal.api.responses import READ_REFUSALS
from kaigo_portal.audit.models import Category

from .. import selectors
from ..models import CertificationVersion


class IdentityOut(OutputSerializer):
    name = serializers.CharField()
    name_kana = serializers.CharField()
    birth_date = serializers.DateField()
    sex = serializers.CharField(help_text="1 男, 2 女")
    address = serializers.CharField()
    qualified_on = serializers.DateField(allow_null=True)
    disqualified_on = serializers.DateField(allow_null=True)


class _Label(serializers.CharField):
    """The Japanese label of a code field (a plain lookup: DRF would inspect a `get_…_display` method on
    every call)."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return self.labels.get(value, value)


class CertificationOut(OutputSerializer):
    care_level = serializers.CharField(help_text="要介護状態区分コード")
    care_level_name = _Label(CertificationVersion._meta.get_field("care_level").choices, source="care_level")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    benefit_limit_units = serializers.IntegerField(
        allow_null=True, help_text="区分支給限度基準額（単位/月）。事業対象者・非該当は null"
    )


class BurdenRatioOut(OutputSerializer):
    ratio = serializers.IntegerField(help_text="負担割合（割）")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)


class EligibilityOut(OutputSerializer):
    insurer_number = serializers.CharField(source="person.insurer.insurer_number")
    insured_number = serializers.CharField(source="person.insured_number")
    as_of = serializers.DateField(source="on")
    person = IdentityOut(source="identity", allow_null=True)
    certification = CertificationOut(allow_null=True)
    burden_ratio = BurdenRatioOut(allow_null=True)

    def to_representation(self, card):
        # The limit is the master's for the certification's level (the card holds it beside the version).
        body = super().to_representation(card)
        if body["certification"] is not None:
            body["certification"]["benefit_limit_units"] = card.benefit_limit
        return body


class LedgerLineOut(OutputSerializer):
    line_id = serializers.CharField()
    service_date = serializers.DateField()
    amount = serializers.IntegerField(help_text="円")


class RemainderOut(OutputSerializer):
    cap = serializers.IntegerField(help_text="上限額（円）")
    used = serializers.IntegerField(help_text="算定に数えた額（円）")
    remaining = serializers.IntegerField(help_text="残額（円）")
    period_start = serializers.DateField(allow_null=True)
    lines = LedgerLineOut(many=True)


class HomeModificationOut(OutputSerializer):
    insurer_number = serializers.CharField(source="person.insurer.insurer_number")
    insured_number = serializers.CharField(source="person.insured_number")
    as_of = serializers.DateField(source="on")
    housing = RemainderOut()
    equipment = RemainderOut()


# One serializer each, made once: writing a body needs no per-request copy of the fields.
_ELIGIBILITY = EligibilityOut()
_HOME_MODIFICATION = HomeModificationOut()


class _Usage:
    def __init__(self, person, on):
        self.person, self.on = person, on
        self.housing = selectors.housing_remainder(person, on)
        self.equipment = selectors.equipment_remainder(person, on)


class PersonEligibility(APIView):
    api_scopes = ("read",)
    user_roles = ()

    @extend_schema(
        summary="被保険者証情報（資格・認定・負担割合）",
        description="今日時点の被保険者証の内容",
        responses={200: EligibilityOut, **READ_REFUSALS},
    )
    def get(self, request, insurer_no: str, insured_no: str):
        # The card is read in the round trip that writes the read's log row (access.read).
        on = timezone.localdate()
        _person, card = access.read(
            access.Actor.for_request(request),
            access.Numbers(insurer_no, insured_no),
            Category.ELIGIBILITY,
            access.Purpose.CARE_MANAGEMENT,
            lambda person: selectors.card_read(person, on),
        )
        return Response(_ELIGIBILITY.to_representation(card))


class PersonHomeModification(APIView):
    api_scopes = ("read",)
    user_roles = ()

    @extend_schema(
        summary="住宅改修費・福祉用具購入費の利用状況",
        description="残額と算定に数えた明細",
        responses={200: HomeModificationOut, **READ_REFUSALS},
    )
    def get(self, request, insurer_no: str, insured_no: str):
        person, _nothing = access.read(
            access.Actor.for_request(request),
            access.Numbers(insurer_no, insured_no),
            Category.HOME_MODIFICATION,
            access.Purpose.CARE_MANAGEMENT,
        )
        return Response(_HOME_MODIFICATION.to_representation(_Usage(person, timezone.localdate())))
