"""The office's my-page and its application: a form that saves as you go and shows the grant live."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kaigo_portal.errors import ApplicationError
from kaigo_portal.web import confirm

from .. import selectors, services
from ..forms import ApplicationForm, ReceiptForm
from ..models import ProgramYear
from ..receipts import check_size, size_limit_text
from .common import office_admin_required


@office_admin_required
@require_GET
def mypage(request, office):
    """マイページ: the office's registered details, its service types and its applications."""
    year = selectors.current_program_year()
    return render(
        request,
        "subsidies/mypage.html",
        {
            "office": office,
            "current_year": year,
            "service_types": selectors.service_types_of(office, year),
            "years": selectors.years_for_office(office),
        },
    )


@office_admin_required
@require_POST
def application_start(request, office, fiscal_year: int):
    program_year = get_object_or_404(ProgramYear, fiscal_year=fiscal_year)
    try:
        application = services.application_create(office=office, program_year=program_year, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("subsidies:mypage")
    messages.success(
        request, f"{program_year.name}の申請（下書き）を作成しました。入力内容は自動で保存されます。"
    )
    return redirect("subsidies:application", application_id=application.pk)


@office_admin_required
def application(request, office, application_id: int):
    """The application: the form while it is a draft or returned, its state and history otherwise.

    Without JavaScript everything works through the buttons of the one form (save, upload a receipt,
    delete a receipt, submit); with it, autosave.js saves as the office types.
    """
    application = selectors.application_for_office(office, application_id)
    if request.method == "POST" and application.is_editable:
        return _post(request, application)
    form = (
        ApplicationForm(initial=ApplicationForm.initial_from(application))
        if application.is_editable
        else None
    )
    return _render(request, application, form, errors={})


def _post(request, application):
    form = ApplicationForm(request.POST)
    action = request.POST.get("action", "save")
    try:
        result = services.application_save_draft(
            application=application, by=request.user, data=form.draft_data()
        )
    except ApplicationError as error:  # no longer editable (an operator moved it meanwhile)
        messages.error(request, error.message)
        return redirect("subsidies:application", application_id=application.pk)
    application, errors = result.application, dict(result.errors)
    if action == "upload":
        errors.update(_upload(request, application))
    elif action.startswith("delete-receipt-"):
        receipt_id = action.removeprefix("delete-receipt-")
        receipt = get_object_or_404(application.receipts, pk=int(receipt_id) if receipt_id.isdigit() else 0)
        services.receipt_remove(receipt=receipt, by=request.user)
        messages.success(request, f"領収書「{receipt.original_name}」を削除しました。")
    elif action == "submit" and not errors:
        if not confirm.confirmed(request) and (question := _ask_before_submit(request, application)):
            return question
        try:
            services.application_submit(application=application, by=request.user)
        except ApplicationError as error:
            errors = error.fields or {"__all__": [error.message]}
            if error.fields:
                errors.setdefault("__all__", []).insert(0, error.message)
        else:
            messages.success(request, "申請しました。受付のメールをお送りします。")
            return redirect("subsidies:application", application_id=application.pk)
    if errors:
        return _render(request, application, form, errors=errors, status=200)
    if action == "save":
        messages.success(request, "下書きを保存しました。")
    return redirect("subsidies:application", application_id=application.pk)


def _ask_before_submit(request, application):
    """The question before the once-a-year submission; None where the service would refuse it anyway
    (its messages then come at once, not after a question)."""
    calculation = services.application_calculation(application)
    if services.submission_errors(application, calculation):
        return None
    return confirm.ask(
        request,
        title="補助金を申請しますか",
        question=(
            "申請は1事業所につき年度に1回です。申請すると内容は変更できなくなり、審査が始まります"
            "（審査で差し戻されたときは、直して再申請できます）。"
        ),
        details=[
            ("事業所", application.office.name),
            ("補助対象経費", f"{calculation.eligible_cost:,}円"),
            ("交付申請額", f"{calculation.grant_amount:,}円"),
        ],
        button="申請する",
        back=reverse("subsidies:application", args=[application.pk]),
    )


def _upload(request, application) -> dict[str, list[str]]:
    upload = request.FILES.get("receipt")
    if upload is None:
        return {"receipt": ["アップロードするファイルを選んでください。"]}
    try:
        check_size(upload.size)  # before reading an oversized upload into memory
        services.receipt_add(
            application=application, by=request.user, name=upload.name, content=upload.read()
        )
    except ApplicationError as error:
        return error.fields or {"receipt": [error.message]}
    messages.success(request, f"領収書「{upload.name}」を登録しました。")
    return {}


def _render(request, application, form, *, errors, status=200):
    calculation = services.calculation_for_display(application)
    errors = {name: list(messages_) for name, messages_ in errors.items()}
    context = {
        "office": application.office,
        "application": application,
        "form": form,
        "general_errors": errors.get("__all__", []),
        "receipt_errors": errors.get("receipt", []),
        "calculation": calculation,
        "receipts": list(application.receipts.all()),
        "history": list(selectors.history_of(application)),
        "receipt_form": ReceiptForm(),
        "window_text": services.window_text(application.program_year),
        "window_open": application.program_year.is_open(),
        "receipt_limit": size_limit_text(),
        "viewer_is_operator": False,
    }
    if form is not None:
        context["purchase_fields"] = [(form[name], errors.get(name, [])) for name in services.AMOUNT_FIELDS]
        context["bank_fields"] = [(form[name], errors.get(name, [])) for name in services.BANK_FIELDS]
        context["missing"] = _missing(application)
    return render(request, "subsidies/application.html", context, status=status)


def _missing(application) -> list[str]:
    """What still stops submission, as a checklist beside the button."""
    errors = services.submission_errors(application, services.application_calculation(application))
    return [message for messages_ in errors.values() for message in messages_]


@office_admin_required
@require_POST
def application_autosave(request, office, application_id: int):
    """Saves the draft as the office types (autosave.js) and returns the live calculation."""
    application = selectors.application_for_office(office, application_id)
    form = ApplicationForm(request.POST)
    try:
        result = services.application_save_draft(
            application=application, by=request.user, data=form.draft_data()
        )
    except ApplicationError as error:
        return JsonResponse(
            {"error": {"code": error.code, "message": error.message, "fields": {}}}, status=error.status
        )
    application = result.application
    saved_at = timezone.localtime(application.updated_at)
    return JsonResponse(
        {
            "saved_at": saved_at.isoformat(),
            "saved_at_text": saved_at.strftime("%H:%M:%S"),
            "errors": result.errors,
            "calculation": services.application_calculation(application).as_dict(),
            "missing": _missing(application),
            "normalized": {name: getattr(application, name) for name in services.BANK_FIELDS},
        }
    )
