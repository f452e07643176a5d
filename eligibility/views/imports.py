"""Municipal staff's import screens: upload, a live progress bar, the error list."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kaigo_portal.accounts.decorators import municipal_required as shared_municipal_required
from kaigo_portal.errors import ApplicationError
from kaigo_portal.middleware import accepts_large_body

from .. import services
from ..api.imports import errors_download
from ..imports.pipeline import read_errors
from ..imports.registry import all_types, field_label
from ..imports.validate import ACTIONS
from ..models import ImportFormat, ImportJob, ImportMode, ImportStatus


def municipal_required(view):
    """The shared guard, and the view gets the staff's own insurer as its second argument."""

    @shared_municipal_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, request.membership.organisation, *args, **kwargs)

    return wrapper


class UploadForm(forms.Form):
    file = forms.FileField(label="ファイル")
    format = forms.ChoiceField(label="形式", choices=ImportFormat.choices, initial=ImportFormat.CSV)
    mode = forms.ChoiceField(
        label="モード",
        choices=ImportMode.choices,
        initial=ImportMode.DRY_RUN,
        widget=forms.RadioSelect,
        help_text="まず「検証のみ」で確かめ、エラーがなければ「取込」を選んでください。",
    )


@accepts_large_body(lambda: settings.KAIGO_IMPORT_MAX_BYTES + 1_000_000)  # the file and its form
@municipal_required
def import_list(request, insurer):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                insurer=insurer,
                upload=form.cleaned_data["file"],
                file_format=form.cleaned_data["format"],
                mode=form.cleaned_data["mode"],
                uploaded_by=request.user.email,
            )
        except ApplicationError as error:
            form.add_error("file" if "file" in error.fields or not error.fields else None, error.message)
        else:
            return redirect("import_detail", job_id=job.pk)
    jobs = Paginator(ImportJob.objects.filter(insurer=insurer), 20).get_page(request.GET.get("page"))
    return render(request, "eligibility/import_list.html", {"form": form, "page": jobs, "insurer": insurer})


@municipal_required
def import_detail(request, insurer, job_id: int):
    job = get_object_or_404(ImportJob, pk=job_id, insurer=insurer)
    sort = request.GET.get("sort", "line")
    errors = _shown_errors(read_errors(job, limit=ERRORS_SHOWN), sort)
    return render(
        request,
        "eligibility/import_detail.html",
        {
            "job": job,
            "progress": services.import_progress(job),
            "errors": errors,
            "sort": sort if sort in ERROR_SORTS else "line",
            "more_errors": job.rows_failed + job.warnings > len(errors),
            "retryable": job.status == ImportStatus.FAILED or services.import_job_is_stalled(job),
        },
    )


ERRORS_SHOWN = 1000  # on the page; every one is in the CSV
ERROR_SORTS = {
    "line": lambda e: (e["line"], e["field"]),
    "field": lambda e: (e["field"], e["line"]),
    "severity": lambda e: (e["severity"] != "エラー", e["line"]),
}


def _shown_errors(rows: list[list[str]], sort: str) -> list[dict]:
    """The error file's rows as people read them: the column's Japanese name, never its code."""
    shown = [
        {
            "line": int(line) if line.isdigit() else 0,
            "field": field_label(field),
            "value": value,
            "message": message,
            "severity": severity,
        }
        for line, field, value, _code, message, severity in rows
    ]
    return sorted(shown, key=ERROR_SORTS.get(sort, ERROR_SORTS["line"]))


@municipal_required
def import_progress(request, insurer, job_id: int):
    job = get_object_or_404(ImportJob, pk=job_id, insurer=insurer)
    return JsonResponse(
        {**services.import_progress(job), "finished": job.is_finished, "message": job.message}
    )


@municipal_required
def import_errors(request, insurer, job_id: int):
    return errors_download(get_object_or_404(ImportJob, pk=job_id, insurer=insurer))


@municipal_required
@require_POST
def import_retry(request, insurer, job_id: int):
    job = get_object_or_404(ImportJob, pk=job_id, insurer=insurer)
    try:
        services.import_job_retry(job=job)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "取込を再実行します。")
    return redirect("import_detail", job_id=job.pk)


@municipal_required
def import_format(request, insurer):
    """取込ファイルの形式: every record type's columns, from the registry the import itself reads."""
    common = [
        ("record_type", "レコード種別", "必須", "下の各表の見出しの英字（例：person）"),
        ("action", "処理区分", "必須", "、".join(f"{code}（{label}）" for code, label in ACTIONS.items())),
        ("effective_date", "異動日", "必須", "西暦の年-月-日（例は下の注）。日付の列はすべてこの形"),
        ("insurer_number", "保険者番号", "必須", f"6桁（この取込では {insurer.insurer_number}）"),
        ("insured_number", "被保険者番号", "必須", "10桁の数字"),
    ]
    types = [
        {
            "name": record_type.name,
            "label": record_type.label,
            "columns": [
                (
                    column.name,
                    column.label,
                    "必須" if column.required else "任意",
                    "キー" if column.name in record_type.key_fields else "",
                )
                for column in record_type.columns
            ],
        }
        for record_type in all_types()
    ]
    return render(request, "eligibility/import_format.html", {"common": common, "types": types})
