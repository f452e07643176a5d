"""Pages of the national files (ケアプランデータ連携標準仕様 4.1) and of 第6表・第7表:
- the import of a send unit (files or ZIPs), for care managers and providers;
- the export per destination (a ZIP of the unit), for care managers (計画・利用票) and providers (実績);
- a person's month: 予定 and 実績 side by side, 第7表 against the limit; the care manager adds 予定 lines,
  a provider records its 実績.
Every read of a person goes through kaigo_portal.access (selectors), every file written is logged."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
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
from kaigo_portal.wareki import to_wareki_month_with_seireki
from kaigo_portal.web import confirm

from .. import months, pdf, selectors
from ..models import ExchangeUnit, LineKind, ServiceMonth
from ..standard import exports, imports

PURPOSE = access.Purpose.CARE_MANAGEMENT
MAX_UPLOAD = 20_000_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        return (
            [single(d, initial) for d in data] if isinstance(data, list | tuple) else [single(data, initial)]
        )


class UnitUploadForm(forms.Form):
    files = MultipleFileField(label="連携ファイル（CSV または ZIP、複数選択可）")

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        if sum(u.size for u in uploads) > MAX_UPLOAD:
            raise forms.ValidationError("ファイルが大きすぎます（合計2,000万バイトまで）。")
        return uploads


@office_required
def unit_import(request):
    form = UnitUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
        report = imports.import_files(actor=access.Actor.for_request(request), files=files)
        if report.ok:
            if report.applied:
                messages.success(request, f"取り込みました: {report.summary() or '変更はありません'}。")
            if report.repeated:
                messages.info(
                    request,
                    f"この送信単位（{'、'.join(report.repeated)}）は取込済みです。何も変更していません。",
                )
            return redirect("careplans:units")
    status = 400 if report is not None and not report.ok else 200
    return render(request, "careplans/unit_import.html", {"form": form, "report": report}, status=status)


def _month_param(text: str) -> dt.date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return timezone.localdate().replace(day=1)


def _next_month(on: dt.date) -> dt.date:
    return (on.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@office_required
def units(request):
    """The exchange page: what can be sent to whom, and the units sent and received."""
    actor = access.Actor.for_request(request)
    office = actor.organisation
    month = _month_param(request.GET.get("month", ""))
    history = ExchangeUnit.objects.filter(office=office).order_by("-at", "-id")[:50]
    care_manager = is_care_manager(actor)
    destinations = exports.destinations(office)
    if not care_manager:  # a provider sends 実績 to the care-management offices only
        destinations = [(o, t) for o, t in destinations if t in exports.CARE_MANAGEMENT_TYPES]
    return render(
        request,
        "careplans/units.html",
        {
            "destinations": destinations,
            "care_manager": care_manager,
            "month": month,
            "own_types": sorted(office.service_type_codes()),
            "history": history,
            "previous": (month - dt.timedelta(days=1)).replace(day=1),
            "next": _next_month(month),
        },
    )


def _zip(unit: exports.Unit) -> HttpResponse:
    response = HttpResponse(unit.zip_bytes(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{unit.zip_name}"'
    return response


@office_required
@require_POST
def unit_export(request, kind: str):
    actor = access.Actor.for_request(request, channel=access.Channel.EXPORT)
    receiver = Organisation.objects.filter(office_number=request.POST.get("office_number", "")).first()
    service_type = request.POST.get("service_type", "")
    month = _month_param(request.POST.get("month", ""))
    if receiver is None:
        messages.error(request, "送付先の事業所を選んでください。")
        return redirect("careplans:units")
    try:
        match kind:
            case "plans":
                unit = exports.plans_unit(actor=actor, receiver=receiver, receiver_type=service_type)
            case "month":
                unit = exports.month_unit(
                    actor=actor, receiver=receiver, receiver_type=service_type, month=month
                )
            case "actuals":
                unit = exports.actuals_unit(
                    actor=actor, receiver=receiver, month=month, service_type=service_type
                )
            case _:
                raise Http404("no such unit")
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('careplans:units')}?month={month:%Y-%m}")
    return _zip(unit)


class LineForm(forms.Form):
    office_number = forms.ChoiceField(label="サービス事業所")
    service_code = forms.RegexField(
        label="サービスコード",
        regex=r"^[0-9A-Z]{6}$",
        max_length=6,
        error_messages={"invalid": "サービスコードは6桁です。"},
    )
    units = forms.IntegerField(label="単位数", min_value=0, max_value=999999, required=False)
    days = forms.CharField(label="利用日（日にちをカンマ区切り、例: 2,9,16）", max_length=100)
    starts = forms.RegexField(label="開始時刻（HHMM）", regex=r"^\d{4}$", initial="9999")
    ends = forms.RegexField(label="終了時刻（HHMM）", regex=r"^\d{4}$", initial="9999")
    count = forms.IntegerField(label="回数（1日あたり）", min_value=1, max_value=99, initial=1)

    def __init__(self, *args, offices=(), month: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.month = month
        self.fields["office_number"].choices = [
            (o.office_number, f"{o.name}（{o.office_number}）") for o in offices
        ]

    def clean_days(self):
        try:
            days = sorted(
                {
                    int(part)
                    for part in self.cleaned_data["days"].replace("、", ",").split(",")
                    if part.strip()
                }
            )
            return [self.month.replace(day=day) for day in days]
        except ValueError:
            raise forms.ValidationError("利用日は対象月の日にちを数字で入力してください。") from None


def _service_month(actor, *, person, office: Organisation, month: dt.date) -> ServiceMonth | None:
    return (
        ServiceMonth.objects.filter(person=person, author_office=office, month=month)
        .select_related("author_office")
        .prefetch_related("lines", "table7")
        .first()
    )


def _month_of(actor, *, person, month: dt.date) -> tuple[ServiceMonth | None, list, list]:
    """A person's month as `actor` may see it: the care manager's own 第6表 and 第7表 whole; for a provider,
    the month in which it has planned services, holding only its own lines and 第7表 rows (and the total)."""
    number = actor.organisation.office_number
    if is_care_manager(actor):
        service_month = _service_month(actor, person=person, office=actor.organisation, month=month)
    else:
        service_month = (
            ServiceMonth.objects.filter(person=person, month=month, lines__office_number=number)
            .select_related("author_office")
            .prefetch_related("lines", "table7")
            .distinct()
            .first()
        )
    if service_month is None:
        return None, [], []
    lines = sorted(service_month.lines.all(), key=months.line_order)
    table7 = sorted(service_month.table7.all(), key=lambda r: (r.is_total, r.position))
    if not is_care_manager(actor):
        lines = [line for line in lines if line.office_number == number]
        table7 = [r for r in table7 if r.is_total or r.office_number == number]
    return service_month, lines, table7


def _person(actor, insurer_no: str, insured_no: str):
    return selectors.person_for(
        actor,
        insurer_number=insurer_no,
        insured_number=insured_no,
        category=selectors.CAREPLAN,
        purpose=PURPOSE,
    )


@office_required
@never_cache
def person_month_pdf(request, insurer_no: str, insured_no: str):
    """第6表・第7表 of a person's month as the MHLW forms, for handing to the person."""
    if not pdf.available():
        return eligibility_pdf.unavailable_response()
    actor = access.Actor.for_request(request, channel=access.Channel.PDF)
    person = _person(actor, insurer_no, insured_no)
    month = _month_param(request.GET.get("month", ""))
    service_month, lines, table7 = _month_of(actor, person=person, month=month)
    if service_month is None:
        messages.error(request, "この月の利用票はありません。")
        return redirect(
            f"{reverse('careplans:person_month', args=[person.insurer.insurer_number, person.insured_number])}"
            f"?month={month:%Y-%m}"
        )
    document = pdf.month_pdf(service_month, lines=lines, table7=table7, printed_on=timezone.localdate())
    filename = f"riyouhyou_{person.insured_number}_{month:%Y%m}.pdf"
    return eligibility_pdf.inline_response(document, filename)


@office_required
def person_month(request, insurer_no: str, insured_no: str):
    """第6表・第7表 of a person's month: the care manager's own, or (for a provider) the months in which
    the provider has planned services."""
    actor = access.Actor.for_request(request)
    person = _person(actor, insurer_no, insured_no)
    month = _month_param(request.GET.get("month", ""))
    care_manager = is_care_manager(actor)
    offices = list(selectors.serving_offices(person))
    form = LineForm(
        request.POST or None, offices=[o for o in offices if o.pk != actor.organisation.pk], month=month
    )
    if request.method == "POST" and care_manager and form.is_valid():
        data = form.cleaned_data
        lines = [
            months.LineInput(
                day=day,
                service_code=data["service_code"],
                office_number=data["office_number"],
                starts=data["starts"],
                ends=data["ends"],
                count=data["count"],
                units=data["units"],
            )
            for day in data["days"]
        ]
        try:
            months.plan_lines_add(actor=actor, person=person, month=month, lines=lines)
        except ApplicationError as error:
            for problems in (error.fields or {"": [error.message]}).values():
                for problem in problems:
                    form.add_error(None, problem)
        else:
            messages.success(request, f"予定を{len(lines)}行追加し、第7表を計算しました。")
            return redirect(f"{request.path}?month={month:%Y-%m}")
    service_month, lines, table7 = _month_of(actor, person=person, month=month)
    planned = [line for line in lines if line.kind == LineKind.PLAN]
    actual = [line for line in lines if line.kind == LineKind.ACTUAL]
    actual_by_key = {}
    for line in actual:
        actual_by_key.setdefault((line.day, line.service_code, line.office_number), []).append(line)
    pairs = [(p, actual_by_key.get((p.day, p.service_code, p.office_number), [])) for p in planned]
    planned_keys = {(p.day, p.service_code, p.office_number) for p in planned}
    extra_actual = [a for a in actual if (a.day, a.service_code, a.office_number) not in planned_keys]
    return render(
        request,
        "careplans/person_month.html",
        {
            "person": person,
            "month": month,
            "service_month": service_month,
            "pairs": pairs,
            "extra_actual": extra_actual,
            "table7": table7,
            "care_manager": care_manager,
            "form": form,
            "unknown": months.unknown_codes(lines),
            "previous": (month - dt.timedelta(days=1)).replace(day=1),
            "next": _next_month(month),
            "has_actual": bool(actual),
            "pdf_available": pdf.available(),
        },
        status=400 if request.method == "POST" else 200,
    )


@office_required
@require_POST
def person_month_action(request, insurer_no: str, insured_no: str, action: str):
    actor = access.Actor.for_request(request)
    person = _person(actor, insurer_no, insured_no)
    month = _month_param(request.POST.get("month", ""))
    back = redirect(f"{request.path.rsplit('/', 2)[0]}/?month={month:%Y-%m}")
    try:
        if action == "delete_line":
            service_month = _service_month(actor, person=person, office=actor.organisation, month=month)
            if service_month is None:
                raise ApplicationError("利用票がありません。", code="careplans.no_month", status=404)
            line_id = int(request.POST.get("line", 0))
            line = service_month.lines.filter(pk=line_id, kind=LineKind.PLAN).first()
            if line is not None and service_month.author_office_id == actor.organisation.pk:
                if not confirm.confirmed(request):
                    return confirm.ask(
                        request,
                        title="予定を削除しますか",
                        question="この予定を1行削除します。第7表は計算し直されます。",
                        details=[
                            ("利用日", f"{line.day.month}月{line.day.day}日"),
                            ("サービスコード", line.service_code),
                            ("事業所", f"{line.office_name}（{line.office_number}）"),
                        ],
                        button="削除する",
                        back=back.url,
                        danger=True,
                    )
            months.plan_line_delete(actor=actor, service_month=service_month, line_id=line_id)
            messages.success(request, "予定を1行削除し、第7表を計算し直しました。")
        elif action == "record_actuals":
            number = actor.organisation.office_number
            service_month = (
                ServiceMonth.objects.filter(person=person, month=month, lines__office_number=number)
                .distinct()
                .first()
            )
            if service_month is None:
                raise ApplicationError(
                    "自事業所の予定がある利用票がありません。", code="careplans.no_month", status=404
                )
            if not confirm.confirmed(request):
                return confirm.ask(
                    request,
                    title="今月の実績を記録しますか",
                    question=f"{to_wareki_month_with_seireki(month)}の実績を、入力した回数で記録します。"
                    "この事業所が以前に記録した実績は置き換わります。",
                    button="実績を記録する",
                    back=back.url,
                )
            counts = {
                int(key.split("_", 1)[1]): int(value or 0)
                for key, value in request.POST.items()
                if key.startswith("count_")
            }
            recorded = months.actuals_record(actor=actor, service_month=service_month, counts=counts)
            messages.success(
                request, f"実績を{recorded}行記録しました。「連携ファイル」から居宅介護支援事業所へ送れます。"
            )
        else:
            raise Http404("no such action")
    except (ApplicationError, ValueError) as error:
        messages.error(request, getattr(error, "message", "入力内容に誤りがあります。"))
    return back
