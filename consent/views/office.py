"""Office screens: 本人確認 (被保険者証), my caseload, a person's page, ending a relationship, break-glass.

Only office roles get in (403 for everyone else). Which persons they see is the access policy's: the
caseload comes from `access.filter_persons` and is logged with `access.log_listed`; each section of a
person's page is authorised (and logged) on its own, and says why when it is refused.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from eligibility import selectors as eligibility_selectors
from eligibility.models import CareLevel, InsuredPerson
from kaigo_portal import access, links
from kaigo_portal.accounts.models import OFFICE_ROLES
from kaigo_portal.audit.models import Category
from kaigo_portal.errors import ApplicationError
from kaigo_portal.public.ratelimit import client_ip
from kaigo_portal.wareki import to_wareki_with_seireki
from kaigo_portal.web import confirm

from .. import selectors, services
from ..forms import BreakGlassForm, InsuranceCardForm
from ..models import Relationship, VerificationMethod
from ..policy import Reason

PURPOSE = access.Purpose.CARE_MANAGEMENT

# What a refused section says, by reason code.
WHY_NOT = {
    Reason.NO_CONSENT: "同意がありません",
    Reason.NO_RELATIONSHIP: "担当事業所ではありません",
    Reason.INSURER_NOT_LIVE: "保険者の利用開始前のため表示できません",
    Reason.CARE_MANAGERS_ONLY: "ケアマネジャーだけが閲覧できる情報です",
}
SECTIONS = [
    (Category.ELIGIBILITY, "資格・被保険者証"),
    (Category.HOME_MODIFICATION, "住宅改修費・福祉用具購入費"),
    (Category.CERTIFICATION_PROGRESS, "認定審査の進捗"),
    (Category.SURVEY, "認定調査票"),
    (Category.OPINION, "主治医意見書"),
    (Category.CAREPLAN, "ケアプラン"),
    (Category.LIFE, "LIFE"),
]


def office_required(view):
    """Office staff (care managers, provider staff, office admins) of an office with a 事業所番号."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if (
            membership is None
            or membership.role not in OFFICE_ROLES
            or not membership.organisation.office_number
        ):
            raise PermissionDenied("介護事業所の職員だけが利用できます。")
        return view(request, *args, **kwargs)

    return wrapper


@office_required
def verify(request):
    """本人確認（被保険者証）: browser-only; failures are counted and the form locks after a few."""
    office, user = request.membership.organisation, request.user
    address = client_ip(request)
    locked = services.verification_locked(office=office, user=user, address=address)
    form = InsuranceCardForm(request.POST or None)
    status = 200
    if request.method == "POST" and not locked and form.is_valid():
        try:
            relationship = services.relationship_verify_insurance_card(
                office=office,
                by=user,
                address=address,
                actor=access.Actor.for_request(request),
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            locked = error.code == "verification.locked" or services.verification_locked(
                office=office, user=user, address=address
            )
            status = 429 if locked else 400
        else:
            messages.success(request, "本人確認を記録しました。担当事業所として閲覧できます。")
            return redirect(
                "consent:office_person",
                relationship.person.insurer.insurer_number,
                relationship.person.insured_number,
            )
    if locked:
        status = 429 if request.method == "POST" else 200
    return render(request, "consent/verify.html", {"form": form, "locked": locked}, status=status)


CASELOAD_PAGE_SIZE = 50


@office_required
def caseload(request):
    """The office's persons, a page at a time; the persons a page shows are logged as read."""
    actor = access.Actor.for_request(request)
    page = Paginator(selectors.caseload_for(actor), CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    persons = list(page.object_list)
    access.log_listed(actor, persons, Category.ELIGIBILITY, PURPOSE)
    today = timezone.localdate()
    for person in persons:
        person.care_level_label = CareLevel(person.care_level).label if person.care_level else ""
        person.method_label = VerificationMethod(person.relationship_method).label
    rows = [(person, selectors.renewal_due(person.valid_to, today)) for person in persons]
    return render(request, "consent/caseload.html", {"rows": rows, "page": page, "today": today})


def _person_or_404(insurer_number: str, insured_number: str) -> InsuredPerson:
    person = eligibility_selectors.person_by_numbers(insurer_number, insured_number)
    if person is None:
        raise Http404("no such person")
    return person


@office_required
def person_detail(request, insurer_number: str, insured_number: str):
    actor = access.Actor.for_request(request)
    try:
        person, _nothing = access.read(
            actor, access.Numbers(insurer_number, insured_number), Category.ELIGIBILITY, PURPOSE
        )
    except (Http404, access.Forbidden) as refused:
        reason = getattr(refused, "reason", Reason.NO_RELATIONSHIP)
        # No relationship and no such person look the same: 404, "担当事業所ではありません".
        status = 403 if isinstance(refused, access.Forbidden) else 404
        return render(
            request,
            "consent/person_refused.html",
            {"why": WHY_NOT.get(reason, "表示できません")},
            status=status,
        )
    on = timezone.localdate()
    sections = [{"category": Category.ELIGIBILITY, "label": SECTIONS[0][1], "shown": True}]
    for category, label in SECTIONS[1:]:
        try:
            access.authorize(actor, person, category, PURPOSE)
            sections.append(
                {
                    "category": category,
                    "label": label,
                    "shown": True,
                    "links": links.office_person_links(category, insurer_number, insured_number),
                }
            )
        except (access.NotVisible, access.Forbidden) as refused:
            sections.append(
                {
                    "category": category,
                    "label": label,
                    "shown": False,
                    "why": WHY_NOT.get(getattr(refused, "reason", ""), "表示できません"),
                }
            )
    shown = {s["category"] for s in sections if s["shown"]}
    context = {
        "person": person,
        "card": eligibility_selectors.card_as_of(person, on),
        "sections": sections,
        "housing": eligibility_selectors.housing_remainder(person, on)
        if Category.HOME_MODIFICATION in shown
        else None,
        "equipment": eligibility_selectors.equipment_remainder(person, on)
        if Category.HOME_MODIFICATION in shown
        else None,
        "relationship": selectors.open_relationships(request.membership.organisation)
        .filter(person=person)
        .first(),
        "may_take_consent": services.may_take_consent(request.membership.organisation),
        "consent": selectors.consent_current(person, on),
    }
    return render(request, "consent/person_detail.html", context)


def _named_if_visible(request, person) -> list[tuple[str, str]]:
    """Who the question is about, read through the door (logged); an office the policy no longer lets see
    the person may still end the relationship, and is asked without the name."""
    try:
        access.authorize(access.Actor.for_request(request), person, Category.ELIGIBILITY, PURPOSE)
    except (access.Forbidden, access.NotVisible):
        return []
    return [
        ("氏名", person.name),
        ("被保険者番号", f"{person.insurer.insurer_number}-{person.insured_number}"),
    ]


@office_required
@require_POST
def relationship_end(request, pk: int):
    relationship = get_object_or_404(
        Relationship.objects.select_related("person__insurer"), pk=pk, office=request.membership.organisation
    )
    person = relationship.person
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            title="担当を終了しますか",
            question=(
                "終了すると、この事業所はこの方の情報を閲覧できなくなり、担当利用者の一覧からも外れます。"
                "再び担当するには、本人確認からやり直します。"
            ),
            details=[
                *_named_if_visible(request, person),
                ("本人確認の日", to_wareki_with_seireki(timezone.localtime(relationship.verified_at))),
            ],
            button="担当を終了する",
            back=confirm.back_to(request, reverse("consent:caseload")),
            danger=True,
        )
    try:
        relationship = services.relationship_end(relationship=relationship, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        ended = to_wareki_with_seireki(timezone.localtime(relationship.ended_at))
        messages.success(
            request,
            f"被保険者番号 {person.insured_number} の方の担当を{ended}に終了しました。"
            "今後この方の情報は表示されません。",
        )
    return redirect("consent:caseload")


@office_required
@require_POST
def consent_on_behalf(request, insurer_number: str, insured_number: str):
    """Consent taken on the municipality's behalf (居宅介護支援・施設・居住系 only; the service checks).

    The person-free condition first (may this office take consent at all?), then the person: a refusal that
    came after the look-up would tell an office that may not take consent whether the person exists."""
    if not services.may_take_consent(request.membership.organisation):
        raise PermissionDenied("同意の取得は居宅介護支援事業所・施設・居住系の事業所だけが行えます。")
    person = _person_or_404(insurer_number, insured_number)
    granted = request.POST.get("granted") == "1"
    back = reverse("consent:office_person", args=[insurer_number, insured_number])
    if not confirm.confirmed(request):
        try:  # the question only where the answer could be recorded: one answer for a person not served
            services.require_may_take_consent_for(request.membership.organisation, person)
        except ApplicationError as error:
            raise Http404(error.message) from None
        return confirm.ask(
            request,
            title="同意を記録しますか" if granted else "同意しない旨を記録しますか",
            question=(
                "ご本人に統一様式で説明し、意思を確認しましたか。記録は市町村に代わって行うもので、"
                "取り消しはできません（ご本人の意思が変わったときは、新しい記録を重ねます）。"
            ),
            details=[
                ("被保険者番号", f"{insurer_number}-{insured_number}"),
                ("記録する内容", "同意する" if granted else "同意しない"),
            ],
            button="同意を記録する" if granted else "同意しない旨を記録する",
            back=back,
        )
    try:
        consent = services.consent_record_by_office(
            office=request.membership.organisation,
            person=person,
            granted=granted,
            by=request.user,
        )
    except ApplicationError as error:
        if error.status == 404:
            raise Http404(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"市町村に代わり、{to_wareki_with_seireki(consent.effective_date)}付けで"
            f"「{consent.get_status_display()}」を記録しました。",
        )
    return redirect(back)


@office_required
def break_glass(request):
    """災害時の緊急閲覧: only inside a disaster period declared by the person's municipality.

    Every refusal is the same answer (services.break_glass_by_numbers); the declared periods, which are
    public, are listed on the page instead, so that the refusal need not say which check failed.
    """
    office, user = request.membership.organisation, request.user
    address = client_ip(request)
    locked = services.verification_locked(office=office, user=user, address=address)
    form = BreakGlassForm(request.POST or None)
    status = 200
    if request.method == "POST" and not locked and form.is_valid():
        try:
            relationship, opened = services.break_glass_by_numbers(
                office=office,
                by=user,
                address=address,
                actor=access.Actor.for_request(request),
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            locked = error.code == "verification.locked" or services.verification_locked(
                office=office, user=user, address=address
            )
            status = 429 if locked else 400
        else:
            if opened:
                messages.warning(
                    request, "緊急閲覧を記録しました（最長7日間）。市町村に通知され、確認の対象になります。"
                )
            else:
                messages.info(request, "既に担当事業所として閲覧できる方です。緊急閲覧は記録していません。")
            person = relationship.person
            return redirect("consent:office_person", person.insurer.insurer_number, person.insured_number)
    if locked:
        status = 429 if request.method == "POST" else 200
    context = {
        "form": form,
        "locked": locked,
        "periods": selectors.declared_disaster_periods(timezone.localdate()),
    }
    return render(request, "consent/break_glass.html", context, status=status)
