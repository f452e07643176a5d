"""What the office and the operator both reach: who may enter, receipts and the two PDFs."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from kaigo_portal.accounts.models import Organisation, OrganisationKind

from .. import pdf, selectors, services
from ..models import ApplicationStatus


def office_admin_required(view):
    """Only the 管理者ユーザ of an office (or みなし事業所) gets in; the view gets the office."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if not selectors.is_applicant(membership):
            raise PermissionDenied("助成金の申請は、事業所の管理者ユーザだけが行えます。")
        return view(request, membership.organisation, *args, **kwargs)

    return wrapper


def operator_required(view):
    """Only the platform operator reviews."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.is_reviewer(getattr(request, "membership", None)):
            raise PermissionDenied("助成金の審査は、プラットフォーム運営者だけが行えます。")
        return view(request, *args, **kwargs)

    return wrapper


def application_for(request, application_id: int):
    """The application as the current user may see it: an office its own (any state), the operator
    any submitted one; everyone else is refused."""
    membership = getattr(request, "membership", None)
    if selectors.is_reviewer(membership):
        return selectors.application_for_review(application_id)
    if selectors.is_applicant(membership):
        return selectors.application_for_office(membership.organisation, application_id)
    raise PermissionDenied("この申請を見る権限がありません。")


@login_required
@require_GET
@xframe_options_sameorigin  # the operator's page shows the receipt beside the amounts
def receipt_file(request, receipt_id: int):
    receipt = selectors.receipt_for(getattr(request, "membership", None), receipt_id)
    response = FileResponse(
        receipt.file.open("rb"),
        content_type=receipt.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=receipt.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _pdf_response(request, render_pdf, filename: str):
    try:
        content = render_pdf()
    except pdf.PdfUnavailable:
        return render(
            request, "subsidies/pdf_unavailable.html", {"message": pdf.PdfUnavailable.message}, status=503
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def application_pdf(request, application_id: int):
    application = application_for(request, application_id)
    if application.status == ApplicationStatus.DRAFT:
        raise Http404("下書きの申請書は PDF にできません。")
    return _pdf_response(
        request,
        lambda: pdf.application_pdf(
            application,
            calculation=services.calculation_for_display(application),
            receipts=list(application.receipts.all()),
            history=list(selectors.history_of(application)),
        ),
        f"subsidy-application-{application.reference}.pdf",
    )


@login_required
@require_GET
def decision_pdf(request, application_id: int):
    application = application_for(request, application_id)
    if not application.is_granted:
        raise Http404("交付決定の前は通知書はありません。")
    issuer = (
        Organisation.objects.filter(kind=OrganisationKind.PLATFORM).values_list("name", flat=True).first()
    )
    return _pdf_response(
        request,
        lambda: pdf.decision_pdf(application, issuer_name=issuer or "介護情報基盤ポータル運営事務局"),
        f"subsidy-decision-{application.reference}.pdf",
    )
