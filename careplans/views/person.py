"""The person's (or their representative's) pages: their delivered plans, the draft awaiting their
agreement, and agreeing to it. The `careplan` gate (insurer live) and the object rule decide."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from consent.views import person_required
from kaigo_portal import access
from kaigo_portal.errors import ApplicationError
from kaigo_portal.web import confirm

from .. import selectors, services
from ..life.views import acting_for
from ..models import PlanStatus
from .plans import weekly_grid

PURPOSE = access.Purpose.OWN_DATA


@person_required
def my_plans(request, pk: int):
    person = acting_for(request, pk)
    actor = access.Actor.for_request(request)
    try:
        access.authorize(actor, person, selectors.CAREPLAN, PURPOSE)
    except access.Forbidden:
        return render(request, "careplans/not_yet.html", {"person": person}, status=403)
    plans = list(selectors.plans_for(actor).filter(person=person).order_by("-created_at", "-id")[:100])
    awaiting = [p for p in plans if p.status == PlanStatus.FOR_CONSENT]
    delivered = [p for p in plans if p.is_delivered]
    return render(
        request, "careplans/my_plans.html", {"person": person, "awaiting": awaiting, "delivered": delivered}
    )


@person_required
def my_plan(request, pk: int, plan_pk: int):
    person = acting_for(request, pk)
    plan = selectors.plan_for(access.Actor.for_request(request), pk=plan_pk, purpose=PURPOSE)
    if plan.person_id != person.pk:
        raise access.NotVisible("another person's plan")
    return render(
        request, "careplans/my_plan.html", {"person": person, "plan": plan, "weekly_grid": weekly_grid(plan)}
    )


@person_required
@require_POST
def my_plan_agree(request, pk: int, plan_pk: int):
    person = acting_for(request, pk)
    actor = access.Actor.for_request(request)
    plan = selectors.plan_for(actor, pk=plan_pk, purpose=PURPOSE)
    if plan.person_id != person.pk:
        raise access.NotVisible("another person's plan")
    if not confirm.confirmed(request) and plan.status == PlanStatus.FOR_CONSENT:
        return confirm.ask(
            request,
            title="このケアプランに同意しますか",
            question=(
                "同意すると、この計画がケアマネジャーから交付され、計画に書かれたサービスの事業所に送られます。"
                "同意は取り消せません。内容を変えたいときは、同意せずにケアマネジャーにご相談ください。"
            ),
            details=[("計画", f"第{plan.version}版（作成：{plan.author_office.name}）")],
            button="この計画に同意する",
            back=reverse("careplans:my_plan", args=[person.pk, plan.pk]),
        )
    try:
        services.plan_agree(actor=actor, plan=plan)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "ケアプランに同意しました。ケアマネジャーが交付の手続きをします。")
    return redirect("careplans:my_plans", pk=person.pk)
