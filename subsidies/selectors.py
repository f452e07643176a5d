"""Reads for subsidies, already scoped to who is asking: an office sees its own applications, the
platform operator sees all of them, nobody else sees any."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from kaigo_portal.accounts.models import Membership, Organisation, Role

from .models import Application, ApplicationStatus, ProgramYear, Receipt, ServiceTypeCategory, StatusChange
from .services import granted_elsewhere

JST = ZoneInfo("Asia/Tokyo")


def is_applicant(membership: Membership | None) -> bool:
    """The 管理者ユーザ of an organisation with a 事業所番号 (a care office or a みなし事業所)."""
    return bool(
        membership is not None
        and membership.role == Role.OFFICE_ADMIN
        and membership.organisation.office_number
    )


def is_reviewer(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.PLATFORM_OPERATOR


# --- the office's side -------------------------------------------------------------------------------------


def applications_of(office: Organisation) -> QuerySet[Application]:
    return Application.objects.filter(office=office).select_related("program_year", "office")


def application_for_office(office: Organisation, application_id: int) -> Application:
    """The office's own application, or 404 (another office's application does not exist for it)."""
    application = applications_of(office).filter(pk=application_id).first()
    if application is None:
        raise Http404("申請が見つかりません。")
    return application


@dataclass(frozen=True)
class YearRow:
    """One program year on the office's my-page: its window, the office's application, or why not."""

    program_year: ProgramYear
    application: Application | None
    phase: str  # before, open, closed
    can_start: bool
    blocked_by: Application | None  # the granted application of another year (1回限り)

    @property
    def is_open(self) -> bool:
        return self.phase == "open"

    @property
    def is_before(self) -> bool:
        return self.phase == "before"


def years_for_office(office: Organisation, today: dt.date | None = None) -> list[YearRow]:
    today = today or timezone.localdate()
    applications = {a.program_year_id: a for a in applications_of(office)}
    rows = []
    for year in ProgramYear.objects.all():
        phase = "open" if year.is_open(today) else ("closed" if year.has_closed(today) else "before")
        application = applications.get(year.pk)
        blocked_by = granted_elsewhere(office, year) if application is None else None
        if application is None and phase == "closed":
            continue  # a past year the office did not apply for is not worth a row
        can_start = application is None and phase != "closed" and blocked_by is None
        rows.append(YearRow(year, application, phase, can_start, blocked_by))
    return rows


def service_types_of(office: Organisation, program_year: ProgramYear | None) -> list[dict]:
    """The office's registered サービス種類コード with their category in a program year."""
    codes = sorted(office.service_type_codes())
    mapping = {}
    if program_year is not None:
        rows = ServiceTypeCategory.objects.filter(program_year=program_year, service_code__in=codes)
        mapping = {row.service_code: row for row in rows.select_related("category")}
    return [{"code": code, "row": mapping.get(code)} for code in codes]


def current_program_year(today: dt.date | None = None) -> ProgramYear | None:
    """The year whose window is open, else the next to open, else the latest."""
    today = today or timezone.localdate()
    years = list(ProgramYear.objects.order_by("window_start"))
    for year in years:
        if year.window_end >= today:
            return year
    return years[-1] if years else None


# --- receipts: the office itself and the operator --------------------------------------------------------


def receipt_for(membership: Membership | None, receipt_id: int) -> Receipt:
    receipts = Receipt.objects.select_related("application__office")
    if is_reviewer(membership):  # a draft is the office's own business until it is submitted
        receipt = receipts.filter(pk=receipt_id).exclude(application__status=ApplicationStatus.DRAFT).first()
    elif is_applicant(membership):
        receipt = receipts.filter(pk=receipt_id, application__office=membership.organisation).first()
    else:
        receipt = None
    if receipt is None:
        raise Http404("領収書が見つかりません。")
    return receipt


def history_of(application: Application) -> QuerySet[StatusChange]:
    return application.history.select_related("by").order_by("at", "id")


# --- the operator's side -----------------------------------------------------------------------------------


def review_queue(
    *, program_year: ProgramYear | None = None, status: str = "", prefecture: str = "", search: str = ""
) -> QuerySet[Application]:
    """Applications for review, oldest submission first. Drafts are the office's own business."""
    queryset = (
        Application.objects.exclude(status=ApplicationStatus.DRAFT)
        .select_related("program_year", "office")
        .annotate(receipt_count=Count("receipts"))
        .order_by("submitted_at", "id")
    )
    if program_year is not None:
        queryset = queryset.filter(program_year=program_year)
    if status:
        queryset = queryset.filter(status=status)
    if prefecture:
        queryset = queryset.filter(office__prefecture=prefecture)
    if search:
        queryset = queryset.filter(Q(office__name__icontains=search) | Q(office__office_number=search))
    return queryset


def application_for_review(application_id: int) -> Application:
    application = (
        Application.objects.exclude(status=ApplicationStatus.DRAFT)
        .select_related("program_year", "office")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404("申請が見つかりません。")
    return application


def payable(program_year: ProgramYear | None = None) -> QuerySet[Application]:
    """Approved applications waiting for the transfer, in decision order."""
    queryset = Application.objects.filter(status=ApplicationStatus.APPROVED).select_related(
        "program_year", "office"
    )
    if program_year is not None:
        queryset = queryset.filter(program_year=program_year)
    return queryset.order_by("approved_at", "id")


@dataclass
class MonthTotals:
    month: dt.date
    submitted_count: int = 0
    submitted_amount: int = 0
    approved_count: int = 0
    approved_amount: int = 0
    paid_count: int = 0
    paid_amount: int = 0


def monthly_totals(program_year: ProgramYear | None = None) -> list[MonthTotals]:
    """Per month (Japan time): applications first submitted, decisions made and transfers made, with
    their grant amounts. Three grouped queries, merged by month."""
    base = Application.objects.all()
    if program_year is not None:
        base = base.filter(program_year=program_year)
    months: dict[dt.date, MonthTotals] = {}

    def merge(queryset, field: str, prefix: str) -> None:
        rows = (
            queryset.annotate(
                month=TruncMonth(field, tzinfo=JST) if field != "paid_on" else TruncMonth(field)
            )
            .values("month")
            .annotate(n=Count("id"), total=Sum("grant_amount"))
            .order_by("month")
        )
        for row in rows:
            month = row["month"]
            key = dt.date(month.year, month.month, 1)
            totals = months.setdefault(key, MonthTotals(key))
            setattr(totals, f"{prefix}_count", row["n"])
            setattr(totals, f"{prefix}_amount", row["total"] or 0)

    merge(base.filter(first_submitted_at__isnull=False), "first_submitted_at", "submitted")
    merge(base.filter(approved_at__isnull=False), "approved_at", "approved")
    merge(base.filter(paid_on__isnull=False), "paid_on", "paid")
    return [months[key] for key in sorted(months)]


def service_labels(application) -> list[str]:
    """The office's サービス種類 at submission as people read them: 「居宅介護支援（43）」, from the program
    year's master (a code the master lacks is shown as it is, marked 未登録)."""
    names = dict(
        ServiceTypeCategory.objects.filter(program_year=application.program_year_id).values_list(
            "service_code", "service_name"
        )
    )
    return [
        f"{names[code]}（{code}）" if code in names else f"未登録の種類（{code}）"
        for code in application.service_codes
    ]
