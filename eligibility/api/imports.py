"""The import API for municipal systems (API key scope `imports`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal.accounts.models import ApiKey, OrganisationKind, Role
from kaigo_portal.errors import ApplicationError
from kaigo_portal.middleware import accepts_large_body

from .. import services
from ..models import ImportFormat, ImportJob, ImportMode, ImportStatus


def insurer_of(request):
    """The insurer an import caller acts for: the key's organisation, or the signed-in staff's insurer."""
    org = (
        request.auth.organisation
        if isinstance(request.auth, ApiKey)
        else request._request.membership.organisation
    )
    if org.kind != OrganisationKind.INSURER:
        raise ApplicationError("取込は保険者だけが行えます。", code="import.not_insurer", status=403)
    return org


class _Instant(serializers.DateTimeField):
    """An instant as the API has always written it: ISO 8601 in UTC (2026-12-07T13:30:39.858311+00:00)."""

    def to_representation(self, value):
        return value.isoformat() if value is not None else None


class ImportRowsOut(serializers.Serializer):
    total = serializers.IntegerField(source="job.rows_total")
    done = serializers.IntegerField(help_text="検証を終えた行数（実行中の進み具合）")
    ok = serializers.IntegerField(source="job.rows_ok")
    failed = serializers.IntegerField(source="job.rows_failed")
    warnings = serializers.IntegerField(source="job.warnings")


class ImportJobOut(serializers.Serializer):
    """An import job as the API returns it (what the OpenAPI document describes)."""

    id = serializers.IntegerField(source="job.pk")
    status = serializers.ChoiceField(source="job.status", choices=ImportStatus.choices)
    mode = serializers.ChoiceField(source="job.mode", choices=ImportMode.choices)
    format = serializers.ChoiceField(source="job.format", choices=ImportFormat.choices)
    file_name = serializers.CharField(source="job.file_name")
    message = serializers.CharField(source="job.message")
    rows = ImportRowsOut(source="*")
    phase = serializers.CharField(allow_null=True, help_text="実行中の段階（validate, check, apply）")
    created_at = _Instant(source="job.created_at")
    finished_at = _Instant(source="job.finished_at", allow_null=True)
    status_url = serializers.URLField()
    errors_url = serializers.URLField(allow_null=True)


@dataclass(frozen=True)
class _JobView:
    job: ImportJob
    done: int
    phase: str | None
    status_url: str
    errors_url: str | None


def job_body(request, job: ImportJob) -> dict:
    progress = services.import_progress(job)
    absolute = request.build_absolute_uri
    view = _JobView(
        job=job,
        done=progress.get("done", 0),
        phase=progress.get("phase"),
        status_url=absolute(reverse("api_import_detail", args=[job.pk])),
        errors_url=absolute(reverse("api_import_errors", args=[job.pk])) if job.errors_file else None,
    )
    return ImportJobOut(view).data


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportFormat.choices)
    mode = serializers.ChoiceField(choices=ImportMode.choices)


@accepts_large_body(lambda: settings.KAIGO_IMPORT_MAX_BYTES + 1_000_000)  # the file and its form
class ImportListCreate(APIView):
    api_scopes = ("imports",)
    user_roles = (Role.MUNICIPAL_STAFF, Role.MUNICIPAL_ADMIN)
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="取込ファイルの登録",
        description="CSV または JSON Lines のファイルを登録し、取込ジョブを作ります（202）。形式は docs/import-format.md。",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobOut, 400: OpenApiResponse(description="入力エラー")},
    )
    def post(self, request):
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = request.auth.name if isinstance(request.auth, ApiKey) else request.user.email
        job = services.import_job_create(
            insurer=insurer_of(request),
            upload=data.validated_data["file"],
            file_format=data.validated_data["format"],
            mode=data.validated_data["mode"],
            uploaded_by=actor,
        )
        return Response(job_body(request, job), status=status.HTTP_202_ACCEPTED)


class ImportDetail(APIView):
    api_scopes = ("imports",)
    user_roles = (Role.MUNICIPAL_STAFF, Role.MUNICIPAL_ADMIN)

    @extend_schema(summary="取込ジョブの状態", responses={200: ImportJobOut})
    def get(self, request, job_id: int):
        job = get_object_or_404(ImportJob, pk=job_id, insurer=insurer_of(request))
        return Response(job_body(request, job))


class ImportErrors(APIView):
    api_scopes = ("imports",)
    user_roles = (Role.MUNICIPAL_STAFF, Role.MUNICIPAL_ADMIN)

    @extend_schema(
        summary="取込エラー一覧（CSV）",
        responses={(200, "text/csv"): OpenApiResponse(description="行・項目・値・コード・内容・種別")},
    )
    def get(self, request, job_id: int):
        job = get_object_or_404(ImportJob, pk=job_id, insurer=insurer_of(request))
        return errors_download(job)


def errors_download(job: ImportJob) -> FileResponse:
    if not job.errors_file:
        raise Http404("no error file")
    response = FileResponse(
        job.errors_file.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-store"  # values of the insurer's own file, which name persons
    return response
