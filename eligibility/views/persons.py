"""Municipal staff screens: search the insurer's insured persons, and one person's 被保険者証 (as of a
date), 住宅改修・福祉用具購入 remainders, history, and the card as a PDF.

Only municipal roles get in (403 for every other role). Which persons they see is the access policy's
business: lists come from `selectors.persons_for` and are logged with `access.log_listed`; a person's
page is fetched through `selectors.person_for`, so another insurer's person is a logged 404.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from kaigo_portal import access
from kaigo_portal.accounts.decorators import municipal_required
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.audit.models import Category, Channel
from kaigo_portal.web.search import held_search

from .. import pdf, selectors
from ..display import history_tables
from ..forms import AsOfForm, PersonSearchForm
from ..models import InsuredPerson, LedgerKind, LedgerLineVersion

PAGE_SIZE = 25
PURPOSE = access.Purpose.INSURER_ADMINISTRATION


@municipal_required
def person_search(request):
    """The terms are posted and held in the session (kaigo_portal.web.search): never in a URL or a log."""
    search = held_search(request, "persons", PersonSearchForm)
    if search.redirect:
        return search.redirect
    form, page = search.form, None
    if search.terms is not None and form.has_criteria:
        actor = access.Actor.for_request(request)
        persons = selectors.persons_for(actor, category=Category.ELIGIBILITY, **search.terms)
        # The page's ids first (from the search's index alone where it covers the sort), then its 25 rows:
        # sorting 20,000 佐藤 by フリガナ then reads 20,000 index entries, not 20,000 table pages.
        page = Paginator(persons.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
        shown = persons.in_bulk(list(page.object_list))
        page.object_list = [shown[pk] for pk in page.object_list]
        access.log_listed(actor, page.object_list, Category.ELIGIBILITY, PURPOSE)
    return render(request, "eligibility/person_search.html", {"form": form, "page": page})


def _person(actor: access.Actor, insurer_number: str, insured_number: str, category: str) -> InsuredPerson:
    """The person, fetched and authorised (logged) through the door; unknown insurers are plain 404s."""
    insurer_id = (
        Organisation.objects.filter(insurer_number=insurer_number).values_list("pk", flat=True).first()
    )
    if insurer_id is None:
        raise Http404("no such insurer")
    return selectors.person_for(
        actor, insurer_id=insurer_id, insured_number=insured_number, category=category, purpose=PURPOSE
    )


def _as_of(request) -> tuple[AsOfForm, dt.date]:
    """The ?on= date, or today in Japan when it is absent or not a date (the form then says why)."""
    form = AsOfForm(request.GET)
    on = form.cleaned_data.get("on") if form.is_valid() else None
    return form, on or timezone.localdate()


@municipal_required
def person_detail(request, insurer_number: str, insured_number: str):
    actor = access.Actor.for_request(request)
    person = _person(actor, insurer_number, insured_number, Category.ELIGIBILITY)
    as_of_form, on = _as_of(request)
    card = selectors.card_as_of(person, on)
    ledger = _ledger(actor, person, on)
    context = {
        "person": person,
        "card": card,
        "on": on,
        "today": timezone.localdate(),
        "as_of_form": as_of_form,
        "ledger": ledger,
        "histories": history_tables(person, with_ledger=ledger is not None),
        "pdf_available": pdf.available(),
        "pdf_unavailable_reason": pdf.unavailable_reason(),
    }
    return render(request, "eligibility/person_detail.html", context)


def _ledger(actor: access.Actor, person: InsuredPerson, on: dt.date) -> dict | None:
    """住宅改修・福祉用具購入 is its own category at the door: authorised (and logged) separately, and
    left out of the page, not failed, when it is refused."""
    try:
        access.authorize(actor, person, Category.HOME_MODIFICATION, PURPOSE)
    except (access.NotVisible, access.Forbidden):
        return None
    lines = selectors.current_versions(LedgerLineVersion, person, on)
    lines.sort(key=lambda line: (line.service_date, line.line_id))
    housing = selectors.housing_remainder(person, on)
    equipment = selectors.equipment_remainder(person, on)
    return {
        "housing": housing,
        "housing_lines": _counted(lines, LedgerKind.HOUSING, housing),
        "equipment": equipment,
        "equipment_lines": _counted(lines, LedgerKind.EQUIPMENT, equipment),
    }


def _counted(lines: list, kind: str, remainder: selectors.Remainder) -> list[tuple]:
    """Every current line of a kind, each with whether the remainder counts it (the current allowance)."""
    counted = {line.pk for line in remainder.lines}
    return [(line, line.pk in counted) for line in lines if line.kind == kind]


@municipal_required
def person_card_pdf(request, insurer_number: str, insured_number: str):
    # Checked before the door, so that no granted PDF read is logged for a PDF that is never made.
    if not pdf.available():
        return render(
            request, "eligibility/pdf_unavailable.html", {"reason": pdf.unavailable_reason()}, status=503
        )
    actor = access.Actor.for_request(request, channel=Channel.PDF)
    person = _person(actor, insurer_number, insured_number, Category.ELIGIBILITY)
    _form, on = _as_of(request)
    document = pdf.card_pdf(selectors.card_as_of(person, on))
    filename = f"hihokenshasho_{person.insurer.insurer_number}_{person.insured_number}_{on:%Y%m%d}.pdf"
    return pdf.inline_response(document, filename)
