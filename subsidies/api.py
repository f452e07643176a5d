"""API for the office's own software: the read-only status of the office's subsidy applications.

Admitted: an API key with the `read` scope (介護ソフト) of the office, or the office's 管理者ユーザ signed
in. An office sees only its own applications; another office's application is 404.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal.accounts.models import ApiKey, ApiScope, Organisation, Role

from . import services
from .models import Application, StatusChange


class ProgramYearOut(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    name = serializers.CharField()
    window_start = serializers.DateField()
    window_end = serializers.DateField()


class HistoryOut(serializers.Serializer):
    status = serializers.CharField(source="to_status")
    status_label = serializers.CharField(source="get_to_status_display")
    at = serializers.DateTimeField()
    reason = serializers.CharField()


class AmountsOut(serializers.Serializer):
    readers_count = serializers.IntegerField()
    reader_unit_price = serializers.IntegerField()
    connection_support_cost = serializers.IntegerField()
    reader_cap = serializers.IntegerField()
    limit_amount = serializers.IntegerField()
    eligible_cost = serializers.IntegerField()
    grant_amount = serializers.IntegerField()


class ApplicationOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    program_year = ProgramYearOut()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    amounts = serializers.SerializerMethodField(
        help_text="下書き・差戻し中は現在の入力での計算、申請後は申請時に確定した計算（円・税込）"
    )
    receipt_count = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    paid_on = serializers.DateField(allow_null=True)
    return_reason = serializers.CharField()
    history = HistoryOut(many=True)

    @extend_schema(responses=AmountsOut)
    def get_amounts(self, application: Application) -> dict:
        calculation = services.calculation_for_display(application)
        return AmountsOut(calculation).data


class OfficeOut(serializers.Serializer):
    number = serializers.CharField(source="office_number")
    name = serializers.CharField()


class ApplicationListOut(serializers.Serializer):
    office = OfficeOut()
    applications = ApplicationOut(many=True)


def _office_of(request) -> Organisation:
    if isinstance(request.auth, ApiKey):
        return request.auth.organisation
    return request._request.membership.organisation


def _applications(office: Organisation):
    return (
        Application.objects.filter(office=office)
        .select_related("program_year", "office")
        .annotate(receipt_count=Count("receipts"))
        .prefetch_related(Prefetch("history", queryset=StatusChange.objects.order_by("at", "id")))
        .order_by("-program_year__fiscal_year")
    )


class OfficeApplicationsView(APIView):
    api_scopes = (ApiScope.READ,)
    user_roles = (Role.OFFICE_ADMIN,)


class ApplicationList(OfficeApplicationsView):
    @extend_schema(
        operation_id="subsidy_applications_list",
        summary="自事業所の助成金申請の状態",
        description="API キー（read スコープ）の事業所の、年度ごとの助成金申請と状態の履歴を返します。",
        responses=ApplicationListOut,
        tags=["subsidies"],
    )
    def get(self, request):
        office = _office_of(request)
        return Response(ApplicationListOut({"office": office, "applications": _applications(office)}).data)


class ApplicationDetail(OfficeApplicationsView):
    @extend_schema(
        operation_id="subsidy_application_retrieve",
        summary="自事業所の助成金申請1件",
        description="他の事業所の申請は 404 です。",
        responses=ApplicationOut,
        tags=["subsidies"],
    )
    def get(self, request, application_id: int):
        application = _applications(_office_of(request)).filter(pk=application_id).first()
        if application is None:
            raise Http404
        return Response(ApplicationOut(application).data)


application_list = ApplicationList.as_view()
application_detail = ApplicationDetail.as_view()
