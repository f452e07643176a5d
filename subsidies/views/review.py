"""The operator's screens: the review queue, one application beside its receipts, monthly totals,
the payments (transfer file and marking paid) and the master data."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kaigo_portal.errors import ApplicationError
from kaigo_portal.offices import selectors as office_selectors
from kaigo_portal.web import confirm

from .. import payments, selectors, services
from ..forms import (
    ApproveForm,
    MarkPaidForm,
    PaidForm,
    QueueFilterForm,
    ReturnForm,
    TransferFileForm,
    YearFilterForm,
)
from ..models import ApplicationStatus, ProgramYear
from .common import operator_required


@operator_required
@require_GET
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    applications = selectors.review_queue(
        program_year=filters.get("program_year"),
        status=filters.get("status", ""),
        prefecture=filters.get("prefecture", ""),
        search=(filters.get("q") or "").strip(),
    )
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "subsidies/review/queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "total_grant": applications.aggregate(total=Sum("grant_amount"))["total"] or 0,
        },
    )


@operator_required
@require_GET
def detail(request, application_id: int):
    application = selectors.application_for_review(application_id)
    return _render_detail(request, application)


def _render_detail(request, application, *, return_form=None, paid_form=None, status=200):
    return render(
        request,
        "subsidies/review/detail.html",
        {
            "application": application,
            "office": application.office,
            "service_labels": selectors.service_labels(application),
            "master_office": office_selectors.office(application.office.office_number),
            "calculation": services.calculation_for_display(application),
            "receipts": list(application.receipts.all()),
            "history": list(selectors.history_of(application)),
            "return_form": return_form or ReturnForm(),
            "approve_form": ApproveForm(),
            "paid_form": paid_form or PaidForm(),
        },
        status=status,
    )


@operator_required
@require_POST
def act(request, application_id: int, action: str):
    """One step of the workflow: start review, return with a reason, approve, mark paid."""
    application = selectors.application_for_review(application_id)
    by = request.user
    return_form = paid_form = None
    try:
        if action == "start":
            services.application_start_review(application=application, by=by)
            messages.success(request, "審査を開始しました。")
        elif action == "return":
            return_form = ReturnForm(request.POST)
            if not return_form.is_valid():
                return _render_detail(request, application, return_form=return_form, status=400)
            services.application_return(
                application=application, by=by, reason=return_form.cleaned_data["reason"]
            )
            messages.success(request, "差し戻しました。事業所にメールで通知します。")
        elif action == "approve":
            form = ApproveForm(request.POST)
            note = form.cleaned_data["note"] if form.is_valid() else ""
            # The question only where the decision can be made; otherwise the service says why not.
            if not confirm.confirmed(request) and application.status == ApplicationStatus.UNDER_REVIEW:
                return confirm.ask(
                    request,
                    title="交付を決定しますか",
                    question=(
                        "決定すると、事業所に交付決定のメールが送られ、交付決定通知書を発行します。"
                        "決定は取り消せません（支払の前に誤りが分かったときは、運営事務局の手順で正します）。"
                    ),
                    details=[
                        ("申請番号", application.reference),
                        ("事業所", application.office.name),
                        ("交付額", f"{application.grant_amount:,}円"),
                    ],
                    button="交付を決定する",
                    back=reverse("subsidies:review_detail", args=[application.pk]),
                )
            services.application_approve(application=application, by=by, note=note)
            messages.success(request, "交付を決定しました。事業所にメールで通知します。")
        elif action == "paid":
            paid_form = PaidForm(request.POST)
            if not paid_form.is_valid():
                return _render_detail(request, application, paid_form=paid_form, status=400)
            services.application_mark_paid(
                application=application, by=by, paid_on=paid_form.cleaned_data["paid_on"]
            )
            messages.success(request, "支払済みにしました。事業所にメールで通知します。")
        else:
            raise Http404("不明な操作です。")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("subsidies:review_detail", application_id=application.pk)


@operator_required
@require_GET
def totals(request):
    form = YearFilterForm(request.GET or None)
    program_year = form.cleaned_data.get("program_year") if form.is_valid() else None
    rows = selectors.monthly_totals(program_year)
    return render(
        request,
        "subsidies/review/totals.html",
        {
            "form": form,
            "rows": rows,
            "sum": {
                field: sum(getattr(row, field) for row in rows)
                for field in (
                    "submitted_count",
                    "submitted_amount",
                    "approved_count",
                    "approved_amount",
                    "paid_count",
                    "paid_amount",
                )
            },
        },
    )


@operator_required
def payments_page(request):
    """Approved grants waiting for the transfer: download the transfer file, then mark them paid."""
    year_form = YearFilterForm(request.GET or None)
    program_year = year_form.cleaned_data.get("program_year") if year_form.is_valid() else None
    payable = list(selectors.payable(program_year))
    file_form = TransferFileForm(initial={"program_year": program_year})
    paid_form = MarkPaidForm(payable=payable, initial={"applications": [a.pk for a in payable]})
    if request.method == "POST" and request.POST.get("action") == "file":
        file_form = TransferFileForm(request.POST)
        if file_form.is_valid():
            response = _transfer_file(request, file_form.cleaned_data)
            if response is not None:
                return response
    elif request.method == "POST" and request.POST.get("action") == "paid":
        paid_form = MarkPaidForm(request.POST, payable=payable)
        if paid_form.is_valid():
            _mark_paid(request, payable, paid_form.cleaned_data)
            return redirect(request.get_full_path())
    return render(
        request,
        "subsidies/review/payments.html",
        {
            "year_form": year_form,
            "file_form": file_form,
            "paid_form": paid_form,
            "payable": payable,
            "total": sum(a.grant_amount for a in payable),
        },
    )


def _transfer_file(request, data) -> HttpResponse | None:
    applications = list(selectors.payable(data["program_year"]))
    try:
        if data["format"] == "csv":
            content, filename, content_type = (
                payments.payments_csv(applications),
                "csv",
                "text/csv; charset=utf-8",
            )
        else:
            content = payments.zengin_transfer_file(
                applications, transfer_date=data["transfer_date"], payer=payments.payer_from_settings()
            )
            filename, content_type = "txt", "text/plain; charset=Shift_JIS"
    except ApplicationError as error:
        messages.error(request, error.message)
        return None
    response = HttpResponse(content, content_type=content_type)
    name = f"subsidy-transfer-{data['transfer_date']:%Y%m%d}.{filename}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _mark_paid(request, payable, data) -> None:
    chosen = {a.pk: a for a in payable if a.pk in set(data["applications"])}
    done = 0
    for application in chosen.values():
        try:
            services.application_mark_paid(application=application, by=request.user, paid_on=data["paid_on"])
        except ApplicationError as error:
            messages.error(request, f"{application.reference}: {error.message}")
        else:
            done += 1
    if done:
        messages.success(request, f"{done} 件を支払済みにしました。事業所にメールで通知します。")


@operator_required
@require_GET
def master(request):
    """The master data of every program year, read-only (changes go through the admin site)."""
    years = ProgramYear.objects.prefetch_related("categories", "service_types__category")
    return render(request, "subsidies/review/master.html", {"years": years, "statuses": ApplicationStatus})
