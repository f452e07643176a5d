"""Screens: municipal staff (applications, steps, the decision, survey entry) and offices (a person's
progress timeline, the survey). Every read of a person goes through kaigo_portal.access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from consent import selectors as consent_selectors
from eligibility import pdf as eligibility_pdf
from eligibility.models import CareLevel, InsuredPerson
from kaigo_portal import access, links
from kaigo_portal.accounts.decorators import municipal_required
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.errors import ApplicationError
from kaigo_portal.wareki import to_wareki_with_seireki
from kaigo_portal.web import confirm

from . import pdf, selectors, services
from .forms import (
    ApplicationForm,
    CertificateIssueForm,
    CertificateLinkForm,
    DecisionForm,
    StepForm,
    SurveyForm,
    TransferDecisionForm,
)
from .models import Application, EligibilityCertificate, StepKind, Survey
from .survey_form import answer_labels
from .timeline import stats_svg, timeline_svg

PAGE_SIZE = 50  # rows of the application list (each shown person is logged as read)

INSURER = access.Purpose.INSURER_ADMINISTRATION


def _own_application(request, pk: int) -> Application:
    return selectors.application_for(access.Actor.for_request(request), pk, purpose=INSURER)


@municipal_required
def application_list(request):
    """Applications by step, overdue first."""
    actor = access.Actor.for_request(request)
    today = timezone.localdate()
    # The oldest first: those are the overdue ones, which the page lists first and must not leave out.
    undecided = selectors.municipal_applications_for(actor).filter(decided_on__isnull=True)
    applications = list(undecided.order_by("applied_on", "pk")[:500])
    rows = sorted(
        selectors.progress_many(applications, today), key=lambda p: (not p.overdue, p.application.applied_on)
    )
    by_step = [
        (label, sum(kind in p.waiting_for for p in rows))
        for kind, label in StepKind.choices
        if kind != StepKind.RECEIVED
    ]
    overdue = sum(p.overdue for p in rows)
    stats = selectors.step_stats_cached(actor, today)
    step = request.GET.get("step", "")
    if step in StepKind.values:
        rows = [p for p in rows if step in p.waiting_for]
    # The counts are of every application above; the table shows a page of them, and only the persons it
    # shows are logged as read.
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    access.log_listed(
        actor,
        {p.application.person_id: p.application.person for p in page.object_list}.values(),
        selectors.CATEGORY_PROGRESS,
        INSURER,
    )
    labels = dict(StepKind.choices)
    shown = [(p, "・".join(labels[kind] for kind in p.waiting_for)) for p in page.object_list]
    return render(
        request,
        "certification/application_list.html",
        {
            "page": page,
            "shown": shown,
            "steps": StepKind.choices,
            "step": step,
            "today": today,
            "by_step": by_step,
            "stats": stats,
            "chart": stats_svg(stats),
            "overdue": overdue,
        },
    )


@municipal_required
def application_new(request):
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = consent_selectors.own_person_for(access.Actor.for_request(request), data["insured_number"])
        proxy = None
        if data["proxy_office_number"]:
            proxy = Organisation.objects.filter(office_number=data["proxy_office_number"]).first()
        if person is None:
            form.add_error("insured_number", "この被保険者番号は見つかりません。")
        elif data["proxy_office_number"] and proxy is None:
            form.add_error("proxy_office_number", "この事業所番号は登録されていません。")
        else:
            try:
                application = services.application_create(
                    person=person,
                    kind=data["kind"],
                    applied_on=data["applied_on"],
                    proxy_office=proxy,
                    physician_institution_name=data["physician_institution_name"],
                    physician_name=data["physician_name"],
                    consent_granted=data["consent_granted"],
                    by=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "申請を受け付けました。")
                return redirect("certification:application_detail", pk=application.pk)
    return render(request, "certification/application_new.html", {"form": form})


def _apply(request, form, call) -> bool:
    try:
        call(**form.cleaned_data)
    except ApplicationError as error:
        form.add_error(None, error.message)
        return False
    messages.success(request, "登録しました。")
    return True


@municipal_required
def application_detail(request, pk: int):
    application = _own_application(request, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    done = set(application.steps.values_list("kind", flat=True))
    step_form = StepForm(
        request.POST if action == "step" else None, prefix="step", done=done, today=timezone.localdate()
    )
    decision_form = DecisionForm(request.POST if action == "decide" else None, prefix="decide")
    link_form = transfer_form = None
    if action == "step" and step_form.is_valid():
        if _apply(
            request,
            step_form,
            lambda **d: services.step_complete(application=application, by=request.user, **d),
        ):
            return redirect(request.path)
    elif action == "decide" and decision_form.is_valid():
        if not confirm.confirmed(request):
            data = decision_form.cleaned_data
            return confirm.ask(
                request,
                title="二次判定を登録しますか",
                question=(
                    "登録すると、認定の結果として被保険者の資格情報（要介護状態区分・有効期間）に反映され、"
                    "担当の事業所にも表示されます。誤りは新しい認定の記録で正します。"
                ),
                details=[
                    ("被保険者", f"{application.person.insured_number} {application.person.name}"),
                    ("要介護状態区分", CareLevel(data["care_level"]).label),
                    ("認定年月日", to_wareki_with_seireki(data["decided_on"])),
                    (
                        "有効期間",
                        f"{data['validity_months']}か月" if data["validity_months"] else "原則どおり",
                    ),
                ],
                button="二次判定を登録する",
                back=request.path,
            )
        if _apply(
            request,
            decision_form,
            lambda **d: services.application_decide(application=application, by=request.user, **d),
        ):
            return redirect(request.path)
    elif action == "certificate":
        link_form = CertificateLinkForm(request.POST, prefix="certificate")
        if link_form.is_valid() and _apply(
            request,
            link_form,
            lambda **d: services.certificate_link(
                application=application, actor=access.Actor.for_request(request), **d
            ),
        ):
            return redirect(request.path)
    elif action == "transfer_decide":
        transfer_form = TransferDecisionForm(request.POST, prefix="transfer")
        if transfer_form.is_valid():
            if not confirm.confirmed(request):
                certificate = application.certificate
                return confirm.ask(
                    request,
                    title="受給資格証明書のとおり認定しますか",
                    question="認定調査と認定審査会を行わずに、受給資格証明書の要介護状態区分で認定します（介護保険法第36条）。"
                    "被保険者の資格情報に反映され、担当の事業所にも表示されます。",
                    details=[
                        ("被保険者", f"{application.person.insured_number} {application.person.name}"),
                        ("要介護状態区分", certificate.get_care_level_display() if certificate else "—"),
                        ("認定年月日", to_wareki_with_seireki(transfer_form.cleaned_data["decided_on"])),
                        ("有効期間", f"{transfer_form.cleaned_data['validity_months']}か月"),
                    ],
                    button="認定する",
                    back=request.path,
                )
            if _apply(
                request,
                transfer_form,
                lambda **d: services.application_decide_by_certificate(
                    application=application, by=request.user, **d
                ),
            ):
                return redirect(request.path)
    elif action == "extension":
        try:
            services.extension_notice_record(
                application=application, sent_on=timezone.localdate(), by=request.user
            )
            messages.success(request, "延期通知を記録しました。")
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(request.path)
    today = timezone.localdate()
    progress = selectors.progress(application, today)
    return render(
        request,
        "certification/application_detail.html",
        {
            "application": application,
            "progress": progress,
            "timeline": timeline_svg(progress, today),
            "step_form": step_form,
            "decision_form": decision_form,
            "steps": StepKind.choices,
            "has_survey": Survey.objects.filter(application=application).exists(),
            "link_form": link_form if action == "certificate" else CertificateLinkForm(prefix="certificate"),
            "transfer_form": transfer_form
            if action == "transfer_decide"
            else TransferDecisionForm(prefix="transfer", initial={"decided_on": timezone.localdate()}),
        },
        status=400 if action in ("certificate", "transfer_decide") else 200,
    )


@municipal_required
def survey_entry(request, pk: int):
    application = _own_application(request, pk)
    if request.method == "POST" and "document" in request.FILES:
        try:
            services.survey_import_json(
                application=application, document=request.FILES["document"].read(), by=request.user
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                messages.error(request, f"{field}: {'、'.join(errors)}")
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "調査票（JSON）を取り込みました。")
            return redirect("certification:application_detail", pk=application.pk)
        return redirect(request.path)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answers, notes = form.answers()
        try:
            services.survey_record(
                application=application,
                answers=answers,
                notes=notes,
                overview=form.overview(),
                by=request.user,
                **{
                    k: form.cleaned_data[k]
                    for k in ("conducted_on", "investigator", "investigator_organisation", "place")
                },
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                candidates = (f"item_{field}", field.replace("overview.", "overview_", 1))
                name = next((c for c in candidates if c in form.fields), None)
                for message in errors:
                    form.add_error(name, message)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "調査票を登録しました。")
            return redirect("certification:application_detail", pk=application.pk)
    return render(request, "certification/survey_entry.html", {"application": application, "form": form})


@login_required
@never_cache
def survey_view(request, pk: int):
    """The 認定調査票, read under the `survey` category (care managers need consent)."""
    survey = selectors.survey_for(
        access.Actor.for_request(request), application_id=pk, purpose=access.Purpose.CARE_MANAGEMENT
    )
    return render(
        request, "certification/survey_view.html", {"survey": survey, "items": answer_labels(survey.answers)}
    )


@login_required
@never_cache
def person_progress(request, insurer_no: str, insured_no: str):
    """A care manager's (or the municipality's) view of a person's applications: a timeline each."""
    insurer = Organisation.objects.filter(insurer_number=insurer_no).first()
    if insurer is None:
        raise access.NotVisible("no such insurer")
    person, applications = selectors.person_progress_for(
        access.Actor.for_request(request),
        insurer_id=insurer.pk,
        insured_number=insured_no,
        purpose=access.Purpose.CARE_MANAGEMENT,
    )
    today = timezone.localdate()
    rows = [(p, timeline_svg(p, today)) for p in selectors.progress_many(applications, today)]
    surveyed = set(
        Survey.objects.filter(application__in=[a.pk for a in applications]).values_list(
            "application_id", flat=True
        )
    )
    back = links.person_page(request, insurer_no, insured_no)
    return render(
        request,
        "certification/person_progress.html",
        {"person": person, "rows": rows, "today": today, "surveyed": surveyed, "back": back},
    )


@login_required
@never_cache
def my_applications(request):
    """An office's (or a person's) list of persons it may see with an application under way."""
    actor = access.Actor.for_request(request)
    persons = access.filter_persons(actor, InsuredPerson.objects.all(), selectors.CATEGORY_PROGRESS)
    applications = list(
        Application.objects.filter(person__in=persons)
        .select_related("person__insurer")
        .prefetch_related("steps")[:200]
    )
    access.log_listed(
        actor,
        {a.person_id: a.person for a in applications}.values(),
        selectors.CATEGORY_PROGRESS,
        access.Purpose.CARE_MANAGEMENT,
    )
    today = timezone.localdate()
    rows = selectors.progress_many(applications, today)
    return render(request, "certification/my_applications.html", {"rows": rows, "today": today})


@login_required
@never_cache
def survey_pdf(request, pk: int):
    """The 認定調査票 as a PDF, under the same `survey` gate as the page (logged, channel PDF)."""
    if not pdf.available():
        return eligibility_pdf.unavailable_response()
    actor = access.Actor.for_request(request, channel=access.Channel.PDF)
    survey = selectors.survey_for(actor, application_id=pk, purpose=access.Purpose.CARE_MANAGEMENT)
    filename = f"chosahyo_{survey.application.person.insured_number}.pdf"
    return eligibility_pdf.inline_response(pdf.survey_pdf(survey), filename)


@municipal_required
def notice_pdf(request, pk: int):
    """認定結果通知書 (decided) or 延期通知書 (past 30 days, undecided), for the municipality to send."""
    application = _own_application(request, pk)
    today = timezone.localdate()
    if application.decided_on is None and not selectors.progress(application, today).overdue:
        messages.error(
            request, "結果通知書も延期通知書もまだ作成できません（判定前で、申請から30日以内です）。"
        )
        return redirect("certification:application_detail", pk=application.pk)
    if not pdf.available():
        return eligibility_pdf.unavailable_response()
    kind, document = pdf.notice_pdf(application, today=today)
    return eligibility_pdf.inline_response(document, f"{kind}_{application.reference}.pdf")


@municipal_required
def certificate_new(request):
    """受給資格証明書の交付: the old insurer, for a certified person who moves out."""
    form = CertificateIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = access.Actor.for_request(request)
        person = consent_selectors.own_person_for(actor, form.cleaned_data["insured_number"])
        if person is None:
            form.add_error("insured_number", "この被保険者番号は見つかりません。")
        else:
            try:
                certificate = services.certificate_issue(
                    person=person, moved_out_on=form.cleaned_data["moved_out_on"], by=request.user
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "受給資格証明書を交付しました。印刷して本人にお渡しください。")
                return redirect("certification:certificate_detail", pk=certificate.pk)
    return render(request, "certification/certificate_new.html", {"form": form})


def _own_certificate(request, pk: int, *, channel: str | None = None) -> EligibilityCertificate:
    """The insurer's own certificate, its read authorised and logged as the person's certification."""
    certificates = EligibilityCertificate.objects.select_related("person__insurer")
    actor = access.Actor.for_request(request, **({"channel": channel} if channel else {}))
    return access.fetch(actor, certificates, selectors.CATEGORY_PROGRESS, INSURER, pk=pk)


@municipal_required
def certificate_detail(request, pk: int):
    return render(
        request, "certification/certificate_detail.html", {"certificate": _own_certificate(request, pk)}
    )


@municipal_required
def certificate_pdf(request, pk: int):
    if not pdf.available():
        return eligibility_pdf.unavailable_response()
    certificate = _own_certificate(request, pk, channel=access.Channel.PDF)
    return eligibility_pdf.inline_response(
        pdf.certificate_pdf(certificate), f"jukyu_{certificate.number}.pdf"
    )
