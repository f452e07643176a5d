"""Each step of the workflow after the draft: submit (and resubmit), start review, return, approve, paid."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from kaigo_portal import wareki
from kaigo_portal.accounts.models import Organisation, User
from kaigo_portal.errors import ApplicationError
from kaigo_portal.validators import refuse_my_number

from ..models import (
    Application,
    ApplicationStatus,
)
from .history import lock, move, not_now
from .rules import (
    application_calculation,
    check_office,
    check_once_only,
    require_office_admin,
    require_operator,
    submission_errors,
    window_text,
)

logger = logging.getLogger("subsidies.services")
Status = ApplicationStatus


def application_submit(*, application: Application, by: User) -> Application:
    """Submits a draft inside the window, or resubmits a returned application (its window was met
    when it was first submitted). The grant is computed by the same calculation the form shows."""
    require_office_admin(by, application.office)
    with transaction.atomic():
        application = lock(application)
        if not application.is_editable:
            raise not_now(application, "申請")
        first_time = application.status == Status.DRAFT
        if first_time and not application.program_year.is_open():
            raise ApplicationError(
                f"申請受付期間外のため申請できません。{window_text(application.program_year)}",
                code="application.outside_window",
            )
        check_office(application.office)
        check_once_only(application.office, application.program_year)
        calculation = application_calculation(application)
        errors = submission_errors(application, calculation)
        if errors:
            raise ApplicationError(
                "申請内容に不足または誤りがあります。", code="application.incomplete", fields=errors
            )
        now = timezone.now()
        application.service_codes = sorted(application.office.service_type_codes())
        application.calculation = calculation.as_dict()
        application.reader_cap = calculation.reader_cap
        application.limit_amount = calculation.limit_amount
        application.eligible_cost = calculation.eligible_cost
        application.grant_amount = calculation.grant_amount
        application.submitted_at = now
        application.first_submitted_at = application.first_submitted_at or now
        fields = [
            "service_codes",
            "calculation",
            "reader_cap",
            "limit_amount",
            "eligible_cost",
            "grant_amount",
            "submitted_at",
            "first_submitted_at",
        ]
        move(application, Status.SUBMITTED, by, fields=fields, reason="" if first_time else "再申請")
    logger.info("subsidy application submitted: id=%s grant=%s", application.pk, application.grant_amount)
    return application


# --- the operator's steps ---------------------------------------------------------------------------------


def application_start_review(*, application: Application, by: User) -> Application:
    require_operator(by)
    with transaction.atomic():
        application = lock(application)
        if application.status != Status.SUBMITTED:
            raise not_now(application, "審査開始")
        application.review_started_at = timezone.now()
        move(application, Status.UNDER_REVIEW, by, fields=["review_started_at"])
    return application


def application_return(*, application: Application, by: User, reason: str) -> Application:
    """Sends the application back to the office with the reason; the office fixes it and resubmits."""
    refuse_my_number(reason=reason)
    require_operator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "差戻しの理由を入力してください。",
            code="application.reason_required",
            fields={"reason": ["差戻しの理由を入力してください。"]},
        )
    with transaction.atomic():
        application = lock(application)
        if application.status != Status.UNDER_REVIEW:
            raise not_now(application, "差戻し")
        application.return_reason = reason
        move(application, Status.RETURNED, by, fields=["return_reason"], reason=reason)
    return application


def application_approve(*, application: Application, by: User, note: str = "") -> Application:
    """交付決定 for the amount computed on submission."""
    refuse_my_number(note=note)
    require_operator(by)
    with transaction.atomic():
        # Lock the office first: two approvals of the same office's applications (different years) must not
        # both pass the 1回限り check.
        Organisation.objects.select_for_update().filter(pk=application.office_id).first()
        application = lock(application)
        if application.status != Status.UNDER_REVIEW:
            raise not_now(application, "交付決定")
        check_once_only(application.office, application.program_year)
        application.approved_at = timezone.now()
        move(application, Status.APPROVED, by, fields=["approved_at"], reason=(note or "").strip())
    return application


def application_mark_paid(*, application: Application, by: User, paid_on: dt.date) -> Application:
    """Records the transfer to the office's account (not before the decision, not in the future)."""
    require_operator(by)
    with transaction.atomic():
        application = lock(application)
        if application.status != Status.APPROVED:
            raise not_now(application, "支払済みの登録")
        decided_on = timezone.localdate(application.approved_at)
        if paid_on < decided_on or paid_on > timezone.localdate():
            raise ApplicationError(
                f"支払日は交付決定日（{wareki.to_wareki_with_seireki(decided_on)}）から今日までの日付を入力してください。",
                code="application.bad_paid_on",
                fields={"paid_on": ["交付決定日から今日までの日付を入力してください。"]},
            )
        application.paid_on = paid_on
        move(application, Status.PAID, by, fields=["paid_on"], reason=f"支払日 {paid_on.isoformat()}")
    return application
