"""Pages of offices: plan lists, the inbox, a person's plans, the editor, a plan with its actions, the
exchange files are in exchange.py. Every read of a person goes through kaigo_portal.access (selectors)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consent.policy import is_care_manager
from consent.views import office_required
from eligibility import pdf as eligibility_pdf
from kaigo_portal import access
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.errors import ApplicationError
from kaigo_portal.web import confirm

from .. import pdf, selectors, services
from ..forms import PaperAgreementForm, RowFormSet, Table1Form, WeeklyFormSet
from ..models import Delivery, PlanKind, PlanStatus

PURPOSE = access.Purpose.CARE_MANAGEMENT
PAGE_SIZE = 20


def care_manager_required(view):
    """Office staff acting as care manager of a care-management office (who write plans)."""

    @office_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_care_manager(access.Actor.for_request(request)):
            raise PermissionDenied("居宅介護支援事業所などのケアマネジャーだけが利用できます。")
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@office_required
def plan_list(request):
    """The office's plans: its own drafts and the delivered plans of persons it may see."""
    actor = access.Actor.for_request(request)
    page = _page(request, selectors.plans_for(actor).order_by("-updated_at", "-id"))
    selectors.log_plans_listed(actor, page.object_list, PURPOSE)
    return render(request, "careplans/plan_list.html", {"page": page})


@office_required
def inbox(request):
    actor = access.Actor.for_request(request)
    page = _page(request, selectors.inbox_for(actor))
    selectors.log_plans_listed(actor, [d.plan for d in page.object_list], PURPOSE)
    return render(request, "careplans/inbox.html", {"page": page})


@office_required
def person_plans(request, insurer_no: str, insured_no: str):
    actor = access.Actor.for_request(request)
    person = selectors.person_for(
        actor,
        insurer_number=insurer_no,
        insured_number=insured_no,
        category=selectors.CAREPLAN,
        purpose=PURPOSE,
    )
    plans = selectors.plans_for(actor).filter(person=person).order_by("-created_at", "-id")
    return render(
        request,
        "careplans/person_plans.html",
        {
            "person": person,
            "page": _page(request, plans),
            "may_write": is_care_manager(actor),
        },
    )


def _editor_context(request, person, *, plan=None, data=None):
    offices = list(selectors.serving_offices(person))
    if data is None and plan is not None:
        source = services.plan_input_of(plan)
        table1 = Table1Form(initial={n: getattr(source, n) for n in services.CONTENT_FIELDS})
        rows = [vars(r) for r in source.rows]
        weekly = [vars(w) for w in source.weekly]
    elif data is None:
        first = not selectors.plans_for(access.Actor.for_request(request)).filter(person=person).exists()
        table1 = Table1Form(
            initial={
                "created_on": timezone.localdate(),
                "plan_kind": PlanKind.FIRST if first else PlanKind.CONTINUING,
            }
        )
        rows, weekly = [], []
    else:
        table1 = Table1Form(data)
    if data is None:
        row_set = RowFormSet(
            initial=rows + [{"insured": True}] * 3, prefix="rows", form_kwargs={"offices": offices}
        )
        weekly_set = WeeklyFormSet(initial=weekly + [{}] * 3, prefix="weekly")
    else:
        row_set = RowFormSet(data, prefix="rows", form_kwargs={"offices": offices})
        weekly_set = WeeklyFormSet(data, prefix="weekly")
    facts = selectors.certification_facts(person, timezone.localdate())
    return {
        "person": person,
        "plan": plan,
        "table1": table1,
        "rows": row_set,
        "weekly": weekly_set,
        "facts": facts,
        "offices": offices,
    }


def _input_from(context) -> services.PlanInput | None:
    table1, rows, weekly = context["table1"], context["rows"], context["weekly"]
    if not (table1.is_valid() & rows.is_valid() & weekly.is_valid()):
        return None
    kept_rows = [f for f in rows.forms if not f.is_blank() and not f.cleaned_data.get("DELETE")]
    kept_weekly = [f for f in weekly.forms if not f.is_blank() and not f.cleaned_data.get("DELETE")]
    context["kept"] = (kept_rows, kept_weekly)
    return services.PlanInput(
        **table1.cleaned_data,
        rows=[
            services.RowInput(
                **{
                    k: v or ("" if k != "insured" else False)
                    for k, v in f.cleaned_data.items()
                    if k != "DELETE"
                }
            )
            for f in kept_rows
        ],
        weekly=[
            services.WeeklyInput(**{k: v for k, v in f.cleaned_data.items() if k != "DELETE"})
            for f in kept_weekly
        ],
    )


def _with_one_more(data, prefix: str):
    """The posted form with one more empty form in the `prefix` formset (the 「行を追加」 button)."""
    data = data.copy()
    total = f"{prefix}-TOTAL_FORMS"
    data[total] = str(min(int(data.get(total) or 0) + 1, 200))
    if prefix == "rows":
        data[f"rows-{int(data[total]) - 1}-insured"] = "on"  # a new row is an insured service, as at first
    return data


def _error_summary(context) -> list[tuple[str, str]]:
    """Every error of the editor, as (link target, text) for the summary at the top of the form (the
    GOV.UK pattern): each links to its field, and says which row."""
    found: list[tuple[str, str]] = []

    def add(form, where: str = "") -> None:
        for name, problems in form.errors.items():
            target = f"#{form[name].id_for_label}" if name in form.fields else "#editor"
            label = form.fields[name].label if name in form.fields else ""
            for message in problems:
                found.append((target, f"{where}{label}：{message}" if label else f"{where}{message}"))

    add(context["table1"])
    for kind, formset in (("第2表", context["rows"]), ("第3表", context["weekly"])):
        for message in formset.non_form_errors():
            found.append(("#editor", f"{kind}：{message}"))
        for index, form in enumerate(formset.forms, start=1):
            if form.is_bound and not (getattr(form, "cleaned_data", None) or {}).get("DELETE"):
                add(form, f"{kind} {index}行目 ")
    return found


def _report(context, error: ApplicationError) -> None:
    """Puts the service's field errors (`rows.N.field`, `weekly.N.field`) on the editor's forms."""
    kept_rows, kept_weekly = context.get("kept", ([], []))
    for key, problems in error.fields.items():
        parts = key.split(".")
        forms_of = {"rows": kept_rows, "weekly": kept_weekly}.get(parts[0])
        for message in problems:
            if forms_of is not None and len(parts) == 3 and int(parts[1]) < len(forms_of):
                form = forms_of[int(parts[1])]
                form.add_error(parts[2] if parts[2] in form.fields else None, message)
            elif key in context["table1"].fields:
                context["table1"].add_error(key, message)
            else:
                context["table1"].add_error(None, message)
    if not error.fields:
        context["table1"].add_error(None, error.message)


@care_manager_required
def plan_new(request, insurer_no: str, insured_no: str):
    actor = access.Actor.for_request(request)
    person = selectors.person_for(
        actor,
        insurer_number=insurer_no,
        insured_number=insured_no,
        category=selectors.CAREPLAN,
        purpose=PURPOSE,
    )
    return _editor(
        request, person, save=lambda data: services.plan_create(actor=actor, person=person, data=data)
    )


@care_manager_required
def plan_edit(request, pk: int):
    actor = access.Actor.for_request(request)
    plan = selectors.plan_for(actor, pk=pk, purpose=PURPOSE)
    if plan.status != PlanStatus.DRAFT or plan.author_office_id != actor.organisation.pk:
        messages.error(request, "変更できるのは自事業所の原案だけです（同意依頼中なら取り下げてください）。")
        return redirect("careplans:plan_detail", pk=plan.pk)
    return _editor(
        request,
        plan.person,
        plan=plan,
        save=lambda data: services.plan_update(actor=actor, plan=plan, data=data),
    )


def _editor(request, person, *, save, plan=None):
    """The editor of a new plan or of a draft: saved by `save(data)` (which returns the plan), or shown again
    with its errors (400)."""
    posted = request.method == "POST"
    adding = request.POST.get("add") if posted else None
    if adding in ("rows", "weekly"):  # 「行を追加」: the same form again with one more row, nothing saved
        context = _editor_context(request, person, plan=plan, data=_with_one_more(request.POST, adding))
        context["added"] = adding
        return render(request, "careplans/plan_edit.html", context)
    context = _editor_context(request, person, plan=plan, data=request.POST if posted else None)
    if posted and (data := _input_from(context)) is not None:
        try:
            saved = save(data)
        except ApplicationError as error:
            _report(context, error)
        else:
            messages.success(request, "原案を保存しました。")
            return redirect("careplans:plan_detail", pk=saved.pk)
    if posted:
        context["error_summary"] = _error_summary(context)
    return render(request, "careplans/plan_edit.html", context, status=400 if posted else 200)


@office_required
def plan_detail(request, pk: int):
    actor = access.Actor.for_request(request)
    plan = selectors.plan_for(actor, pk=pk, purpose=PURPOSE)
    delivery = Delivery.objects.filter(plan=plan, office=actor.organisation).first()
    if delivery is not None:
        services.delivery_mark_opened(delivery=delivery)
    is_author = is_care_manager(actor) and plan.author_office_id == actor.organisation.pk
    sent_to = set(plan.deliveries.values_list("office_id", flat=True))
    destinations = (
        [
            o
            for o in selectors.serving_offices(plan.person)
            if o.pk != plan.author_office_id and o.pk not in sent_to
        ]
        if is_author
        else []
    )
    return render(
        request,
        "careplans/plan_detail.html",
        {
            "plan": plan,
            "is_author": is_author,
            "destinations": destinations,
            "deliveries": plan.deliveries.select_related("office") if is_author else [],
            "versions": selectors.series_versions(plan),
            "paper_form": PaperAgreementForm(initial={"agreed_on": timezone.localdate()}),
            "weekly_grid": weekly_grid(plan),
            "pdf_available": pdf.available(),
            "pdf_unavailable_reason": pdf.unavailable_reason(),
        },
    )


@office_required
@never_cache
def plan_pdf(request, pk: int):
    """第1表・第2表・第3表 of a plan as the MHLW forms, for handing to the person."""
    if not pdf.available():
        return eligibility_pdf.unavailable_response()
    plan = selectors.plan_for(
        access.Actor.for_request(request, channel=access.Channel.PDF), pk=pk, purpose=PURPOSE
    )
    filename = f"careplan_{plan.person.insured_number}_v{plan.version}.pdf"
    return eligibility_pdf.inline_response(pdf.plan_pdf(plan), filename)


def weekly_grid(plan) -> list[tuple[str, list[list[str]]]]:
    """第3表 as rows of hours (6時〜21時) × weekday cells."""
    entries = list(plan.weekly_entries.all())
    grid = []
    for hour in range(6, 22):
        cells = [
            [
                e.content
                for e in entries
                if e.weekday == day and e.starts_at.hour <= hour < max(e.ends_at.hour, e.starts_at.hour + 1)
            ]
            for day in range(7)
        ]
        grid.append((f"{hour}:00", cells))
    return grid


ACTIONS = {
    "request_agreement": (
        services.plan_request_agreement,
        "同意・確認用登録をしました。ご本人に通知します。",
    ),
    "withdraw_request": (services.plan_withdraw_request, "同意の依頼を取り下げ、原案に戻しました。"),
    "deliver": (services.plan_deliver, "交付用登録をしました。"),
    "revise": (services.plan_revise, "変更のため新しい版の原案を作成しました。"),
}


def _ask_before(request, plan, action: str):
    """The question before 交付用登録 and before a send, asked of the plan's own office only where the step
    can be taken (otherwise the service says why not, at once)."""
    back = reverse("careplans:plan_detail", args=[plan.pk])
    if action == "deliver" and plan.status == PlanStatus.AGREED:
        return confirm.ask(
            request,
            title="交付用登録をしますか",
            question=(
                "登録すると、この版がご本人に交付した計画になり、前に交付した版は置き換わります。"
                "取り消せません（変えるときは、変更の新しい版を作ります）。"
            ),
            details=[("計画", f"{plan.person.name} さん 第{plan.version}版")],
            button="交付用登録をする",
            back=back,
        )
    office = Organisation.objects.filter(office_number=request.POST.get("office_number", "")).first()
    if action == "send" and plan.status == PlanStatus.DELIVERED and office is not None:
        return confirm.ask(
            request,
            title=f"{office.name} に送付しますか",
            question=(
                "送付すると、この計画がその事業所の受信箱に届き、事業所が閲覧できるようになります。"
                "送付は取り消せません。"
            ),
            details=[
                ("計画", f"{plan.person.name} さん 第{plan.version}版"),
                ("送付先", f"{office.name}（{office.office_number}）"),
            ],
            button="送付する",
            back=back,
        )
    return None


@office_required
@require_POST
def plan_action(request, pk: int, action: str):
    actor = access.Actor.for_request(request)
    plan = selectors.plan_for(actor, pk=pk, purpose=PURPOSE)
    authored = plan.author_office_id == actor.organisation.pk
    if not confirm.confirmed(request) and authored and (question := _ask_before(request, plan, action)):
        return question
    try:
        if action in ACTIONS:
            call, done = ACTIONS[action]
            plan = call(actor=actor, plan=plan)
        elif action == "paper_agreement":
            form = PaperAgreementForm(request.POST)
            if not form.is_valid():
                raise ApplicationError("同意日を入力してください。", code="careplans.agreed_on_format")
            services.plan_record_paper_agreement(actor=actor, plan=plan, **form.cleaned_data)
            done = "書面による同意を記録しました。"
        elif action == "send":
            office = Organisation.objects.filter(office_number=request.POST.get("office_number", "")).first()
            if office is None:
                raise ApplicationError("送付先の事業所を選んでください。", code="careplans.unknown_office")
            services.plan_send(actor=actor, plan=plan, office=office)
            done = f"{office.name} に送付しました。"
        else:
            raise ApplicationError("不明な操作です。", code="careplans.unknown_action", status=404)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("careplans:plan_detail", pk=plan.pk)
