"""Pages of LIFE: the office's entry and feedback (its users' distribution beside the other offices'),
a person's months as a chart, and the person's own chart. Submission needs a live relationship (the
`eligibility` gate); reading the months needs the `life` gate (relationship and consent)."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from consent.views import office_required, person_required, persons_acting_for
from eligibility.models import InsuredPerson
from kaigo_portal import access
from kaigo_portal.errors import ApplicationError
from kaigo_portal.wareki import to_wareki_month_with_seireki

from .. import selectors
from ..forms import LifeForm
from . import feedback, services

PURPOSE = access.Purpose.SERVICE_PROVISION


@office_required
def life_home(request):
    """The persons the office serves (to enter or view), and the feedback distribution."""
    actor = access.Actor.for_request(request)
    persons = access.filter_persons(
        actor, InsuredPerson.objects.select_related("insurer"), access.Category.ELIGIBILITY
    )
    page = Paginator(persons.order_by("name_kana", "insured_number"), 20).get_page(request.GET.get("page"))
    access.log_listed(actor, page.object_list, access.Category.ELIGIBILITY, PURPOSE)
    return render(
        request, "careplans/life_home.html", {"page": page, "distribution": feedback.distribution_for(actor)}
    )


def _month(value: str) -> dt.date | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if match and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    return None


FIELD_OF = {"nutrition.height_cm": "height_cm", "nutrition.weight_kg": "weight_kg", "nutrition.risk": "risk"}


@office_required
def life_new(request, insurer_no: str, insured_no: str):
    actor = access.Actor.for_request(request)
    person = selectors.person_for(
        actor,
        insurer_number=insurer_no,
        insured_number=insured_no,
        category=access.Category.ELIGIBILITY,
        purpose=PURPOSE,
    )
    form = LifeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        month = _month(form.cleaned_data["month"])
        if month is None:
            form.add_error("month", "評価月を選んでください。")
        else:
            try:
                services.life_submit(actor=actor, person=person, month=month, **form.sections())
            except ApplicationError as error:
                for key, problems in error.fields.items():
                    name = FIELD_OF.get(key, key.replace(".", "_"))
                    for message in problems:
                        form.add_error(name if name in form.fields else None, message)
                if not error.fields:
                    form.add_error(None, error.message)
            else:
                messages.success(request, f"{to_wareki_month_with_seireki(month)}の評価を登録しました。")
                return redirect("careplans:life_home")
    context = {
        "person": person,
        "form": form,
        "barthel": form.section("barthel_"),
        "dbd13": form.section("dbd13_"),
        "vitality": form.section("vitality_"),
        "nutrition": [form["height_cm"], form["weight_kg"], form["risk"]],
    }
    return render(
        request, "careplans/life_new.html", context, status=400 if request.method == "POST" else 200
    )


@office_required
def life_person(request, insurer_no: str, insured_no: str):
    actor = access.Actor.for_request(request)
    person = selectors.person_for(
        actor, insurer_number=insurer_no, insured_number=insured_no, category=selectors.LIFE, purpose=PURPOSE
    )
    points = feedback.series_of(person)
    return render(
        request,
        "careplans/life_person.html",
        {
            "person": person,
            "points": points,
            "chart": feedback.chart_svg(points, title=f"{person.name} さんの LIFE 評価の推移"),
            "distribution": feedback.distribution_for(actor),
        },
    )


@person_required
def my_life(request, pk: int):
    person = acting_for(request, pk)
    actor = access.Actor.for_request(request)
    try:
        access.authorize(actor, person, selectors.LIFE, access.Purpose.OWN_DATA)
    except access.Forbidden:
        return render(request, "careplans/not_yet.html", {"person": person}, status=403)
    points = feedback.series_of(person)
    return render(
        request,
        "careplans/my_life.html",
        {
            "person": person,
            "points": points,
            "chart": feedback.chart_svg(points, title=f"{person.name} さんの LIFE 評価の推移"),
        },
    )


def acting_for(request, pk: int) -> InsuredPerson:
    for person, _how in persons_acting_for(request.user):
        if person.pk == pk:
            return person
    raise access.NotVisible("not your person")
