"""API of the careplans app, mounted at /api/v1/careplans/ (and LIFE under /api/v1/life/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.PlanList.as_view(), name="careplans-api-list"),
    path("inbox/", api.Inbox.as_view(), name="careplans-api-inbox"),
    path("schema.json", api.Schema.as_view(), name="careplans-api-schema"),
    path("units/", api.UnitImport.as_view(), name="careplans-api-unit-import"),
    path("units/export/", api.UnitExport.as_view(), name="careplans-api-unit-export"),
    path("<int:pk>/", api.PlanDetail.as_view(), name="careplans-api-detail"),
    path("<int:pk>/request-agreement/", api.request_agreement, name="careplans-api-request-agreement"),
    path("<int:pk>/withdraw-request/", api.withdraw_request, name="careplans-api-withdraw-request"),
    path("<int:pk>/paper-agreement/", api.paper_agreement, name="careplans-api-paper-agreement"),
    path("<int:pk>/deliver/", api.deliver, name="careplans-api-deliver"),
    path("<int:pk>/revise/", api.revise, name="careplans-api-revise"),
    path("<int:pk>/send/", api.PlanSend.as_view(), name="careplans-api-send"),
]
