"""Municipal screens: consents (paper applications, withdrawals on request), disaster periods, the
break-glass review queue, the dispute queue, invitations and representatives. Own insurer only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from eligibility.models import InsuredPerson
from kaigo_portal import access
from kaigo_portal.accounts.decorators import municipal_required
from kaigo_portal.audit.models import AccessLogEntry, Category
from kaigo_portal.errors import ApplicationError
from kaigo_portal.wareki import to_wareki_with_seireki
from kaigo_portal.web import confirm
from kaigo_portal.web.search import held_search

from .. import selectors, services
from ..models import (
    ConsentStatus,
    DisasterPeriod,
    RepresentativeDocument,
)


def _log_shown(request, persons) -> None:
    """Municipal screens that show persons (a consent history, queues, registers) log each person shown,
    like every other read of a person's data."""
    unique = list({person.pk: person for person in persons}.values())
    access.log_listed(
        access.Actor.for_request(request), unique, Category.ELIGIBILITY, access.Purpose.INSURER_ADMINISTRATION
    )


def _own_person(request, insured_number: str) -> InsuredPerson | None:
    return selectors.own_person_for(access.Actor.for_request(request), insured_number)


class PersonPick(forms.Form):
    insured_number = forms.RegexField(label="被保険者番号（10桁）", regex=r"^\d{10}$")


class PaperConsentForm(forms.Form):
    status = forms.ChoiceField(label="申出の内容", choices=ConsentStatus.choices)
    note = forms.CharField(label="備考", max_length=200, required=False)


@municipal_required
def consents(request):
    """Find a person by 被保険者番号 (posted and held in the session, never in a URL); see the consent
    history; record a paper application or withdrawal."""
    recording = request.method == "POST" and request.POST.get("action") == "record"
    search = held_search(
        request, "consent:municipal_consents", PersonPick, posted=request.method == "POST" and not recording
    )
    if search.redirect:
        return search.redirect
    pick = search.form
    person = _own_person(request, search.terms["insured_number"]) if search.terms else None
    form = PaperConsentForm(request.POST if recording else None)
    if person is not None and recording and form.is_valid():
        status = ConsentStatus(form.cleaned_data["status"])
        if not confirm.confirmed(request):
            _log_shown(request, [person])
            return confirm.ask(
                request,
                title=f"「{status.label}」を記録しますか",
                question=(
                    "紙の申請書・申出書のとおりか確かめてください。記録は取り消せず、履歴に残ります"
                    "（誤りは新しい記録を重ねて正します）。記録した日から、事業所の閲覧に反映されます。"
                ),
                details=[
                    ("被保険者番号", person.insured_number),
                    ("氏名", person.name),
                    ("記録する内容", status.label),
                    ("備考", form.cleaned_data["note"] or "—"),
                ],
                button=f"「{status.label}」を記録する",
                back=request.path,
            )
        consent = services.consent_record_paper(
            person=person, status=status, by=request.user, note=form.cleaned_data["note"]
        )
        messages.success(
            request,
            f"{to_wareki_with_seireki(consent.effective_date)}付けで「{consent.get_status_display()}」を"
            "記録しました。これが現在の同意の状況です。",
        )
        return redirect(request.path)
    if person is not None:
        _log_shown(request, [person])
    context = {
        "pick": pick,
        "person": person,
        "form": form,
        "history": person.consents.order_by("-effective_date", "-id") if person else [],
        "current": selectors.consent_current(person) if person else None,
        "searched": pick.is_bound,
    }
    return render(request, "consent/municipal/consents.html", context)


class DisasterForm(forms.Form):
    starts_on = forms.DateField(label="開始日", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="終了日", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="災害名・理由", max_length=500)


@municipal_required
def disaster_periods(request):
    form = DisasterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disaster_period_declare(
                insurer=request.membership.organisation, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "災害時の特例期間を宣言しました。")
            return redirect("consent:municipal_disasters")
    periods = DisasterPeriod.objects.filter(insurer=request.membership.organisation)
    return render(request, "consent/municipal/disasters.html", {"form": form, "periods": periods})


@municipal_required
def break_glass_queue(request):
    queue = list(selectors.break_glass_queue_for(access.Actor.for_request(request)))
    _log_shown(request, [relationship.person for relationship in queue])
    return render(request, "consent/municipal/break_glass.html", {"queue": queue})


@municipal_required
@require_POST
def break_glass_close(request, pk: int):
    return _close(
        request,
        lambda actor: services.break_glass_review_close(
            relationship=selectors.break_glass_for(actor, pk),
            by=request.user,
            note=request.POST.get("note", ""),
        ),
        done="確認済みにしました。",
        back="consent:municipal_break_glass",
    )


def _close(request, close, *, done: str, back: str):
    """Closes a queue's item (the break-glass review, a dispute) with the staff's note, and goes back."""
    try:
        close(access.Actor.for_request(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(back)


@municipal_required
def disputes(request):
    rows = list(selectors.open_disputes_for(access.Actor.for_request(request)))
    entries = AccessLogEntry.objects.in_bulk([d.entry_id for d in rows])
    _log_shown(request, [d.person for d in rows])
    return render(
        request, "consent/municipal/disputes.html", {"rows": [(d, entries.get(d.entry_id)) for d in rows]}
    )


@municipal_required
@require_POST
def dispute_close(request, pk: int):
    return _close(
        request,
        lambda actor: services.dispute_close(
            dispute=selectors.dispute_for(actor, pk),
            by=request.user,
            resolution=request.POST.get("resolution", ""),
        ),
        done="対応済みにしました。",
        back="consent:municipal_disputes",
    )


class InvitationForm(PersonPick):
    email = forms.EmailField(label="送付先メールアドレス（任意）", required=False)


@municipal_required
def invitations(request):
    """After checking identity at the counter: a one-time code for the person (shown once, to print)."""
    form = InvitationForm(request.POST or None)
    code = None
    if request.method == "POST" and form.is_valid():
        person = _own_person(request, form.cleaned_data["insured_number"])
        if person is None:
            form.add_error("insured_number", "この保険者の被保険者ではありません。")
        else:
            try:
                _invitation, code = services.invitation_create(
                    person=person, by=request.user, email=form.cleaned_data["email"]
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
    return render(request, "consent/municipal/invitations.html", {"form": form, "code": code})


class RepresentativeForm(PersonPick):
    name = forms.CharField(label="代理人の氏名", max_length=100)
    email = forms.EmailField(label="代理人のメールアドレス")
    document = forms.ChoiceField(label="確認書類", choices=RepresentativeDocument.choices)
    valid_from = forms.DateField(label="有効期間（開始）", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label="有効期間（終了）", widget=forms.DateInput(attrs={"type": "date"}))


@municipal_required
def representatives(request):
    form = RepresentativeForm(request.POST or None)
    code = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person = _own_person(request, data.pop("insured_number"))
        if person is None:
            form.add_error("insured_number", "この保険者の被保険者ではありません。")
        else:
            try:
                _rep, code = services.representative_register(person=person, by=request.user, **data)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "代理人を登録しました。")
    reps = list(selectors.representatives_for(access.Actor.for_request(request)))
    _log_shown(request, [rep.person for rep in reps])
    return render(
        request, "consent/municipal/representatives.html", {"form": form, "code": code, "reps": reps}
    )


class CardCertificateForm(PersonPick):
    certificate = forms.FileField(label="利用者証明用電子証明書（PEM または DER）")


@municipal_required
def card_certificates(request):
    """The registry of card certificates → persons (J-LIS's link in the real system; loaded in bulk with the
    `card_certificate` import record type, or one at a time here after the counter's 本人確認)."""
    from .. import identity

    form = CardCertificateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        person = _own_person(request, form.cleaned_data["insured_number"])
        if person is None:
            form.add_error("insured_number", "この保険者の被保険者ではありません。")
        else:
            try:
                identity.card_certificate_register(
                    person=person,
                    certificate_der=form.cleaned_data["certificate"].read(65536),
                    by=request.user,
                )
            except ApplicationError as error:
                form.add_error("certificate", error.message)
            else:
                messages.success(request, f"{person.name} さんのカード証明書を登録しました。")
                return redirect("consent:municipal_card_certificates")
    rows = list(
        selectors.card_certificates_for(access.Actor.for_request(request)).order_by("-recorded_at")[:100]
    )
    _log_shown(request, [row.person for row in rows])
    return render(request, "consent/municipal/card_certificates.html", {"form": form, "rows": rows})
