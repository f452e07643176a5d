"""The import API for municipal systems (API key scope `imports`)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal.accounts.models import ApiKey, OrganisationKind, Role
from kaigo_portal.errors import ApplicationError

from .. import services
from ..models import ImportFormat, ImportJob, ImportMode


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


def job_body(request, job: ImportJob) -> dict:
    progress = services.import_progress(job)
    return {
        "id": job.pk,
        "status": job.status,
        "mode": job.mode,
        "format": job.format,
        "file_name": job.file_name,
        "message": job.message,
        "rows": {
            "total": job.rows_total,
            "done": progress.get("done", 0),
            "ok": job.rows_ok,
            "failed": job.rows_failed,
            "warnings": job.warnings,
        },
        "phase": progress.get("phase"),
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "status_url": request.build_absolute_uri(reverse("api_import_detail", args=[job.pk])),
        "errors_url": request.build_absolute_uri(reverse("api_import_errors", args=[job.pk]))
        if job.errors_file
        else None,
    }


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportFormat.choices)
    mode = serializers.ChoiceField(choices=ImportMode.choices)


JOB_SCHEMA = inline_serializer(
    "ImportJob",
    {
        "id": serializers.IntegerField(),
        "status": serializers.CharField(),
        "mode": serializers.CharField(),
        "format": serializers.CharField(),
        "file_name": serializers.CharField(),
        "message": serializers.CharField(),
        "rows": serializers.DictField(child=serializers.IntegerField()),
        "phase": serializers.CharField(allow_null=True),
        "created_at": serializers.DateTimeField(),
        "finished_at": serializers.DateTimeField(allow_null=True),
        "status_url": serializers.URLField(),
        "errors_url": serializers.URLField(allow_null=True),
    },
)


class ImportListCreate(APIView):
    api_scopes = ("imports",)
    user_roles = (Role.MUNICIPAL_STAFF, Role.MUNICIPAL_ADMIN)
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="取込ファイルの登録",
        description="CSV または JSON Lines のファイルを登録し、取込ジョブを作ります（202）。形式は docs/import-format.md。",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: JOB_SCHEMA, 400: OpenApiResponse(description="入力エラー")},
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

    @extend_schema(summary="取込ジョブの状態", responses={200: JOB_SCHEMA})
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
