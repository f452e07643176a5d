"""Every write to subsidy applications: drafts, receipts and each step of the workflow.

draft → submitted → under review → returned (the office fixes it and resubmits) or approved → paid.
Each step is one function here: atomic, checked, writing one StatusChange row (who, when, why) and
e-mailing the office once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from kaigo_portal import numbers, wareki
from kaigo_portal.accounts.models import Organisation, Role, User
from kaigo_portal.errors import ApplicationError

from . import bank
from .calculation import Calculation, calculate_grant
from .models import (
    GRANTED_STATUSES,
    AccountType,
    Application,
    ApplicationStatus,
    ProgramYear,
    Receipt,
    StatusChange,
)
from .receipts import check_receipt

logger = logging.getLogger(__name__)

Status = ApplicationStatus

READERS_MAX = 99
AMOUNT_MAX = 9_999_999  # yen, tax included; well under the 全銀 振込金額 N(10)

AMOUNT_FIELDS = {
    "readers_count": ("カードリーダー購入台数", READERS_MAX),
    "reader_unit_price": ("カードリーダー単価", AMOUNT_MAX),
    "connection_support_cost": ("接続サポート等経費", AMOUNT_MAX),
}
BANK_FIELDS = (
    "bank_code",
    "bank_name",
    "branch_code",
    "branch_name",
    "account_type",
    "account_number",
    "account_holder",
)
DRAFT_FIELDS = (*AMOUNT_FIELDS, *BANK_FIELDS)


# --- who may act ---------------------------------------------------------------------------------------


def is_office_admin_of(user: User, office: Organisation) -> bool:
    return user.memberships.filter(
        organisation=office, role=Role.OFFICE_ADMIN, is_active=True, organisation__is_active=True
    ).exists()


def is_operator(user: User) -> bool:
    return user.memberships.filter(
        role=Role.PLATFORM_OPERATOR, is_active=True, organisation__is_active=True
    ).exists()


def _require_office_admin(by: User, office: Organisation) -> None:
    if not is_office_admin_of(by, office):
        raise PermissionDenied("この事業所の管理者ユーザだけが申請できます。")


def _require_operator(by: User) -> None:
    if not is_operator(by):
        raise PermissionDenied("審査はプラットフォーム運営者だけが行えます。")


# --- rules -----------------------------------------------------------------------------------------------


def window_text(program_year: ProgramYear) -> str:
    return (
        f"{program_year.name}の申請受付期間は{wareki.to_wareki_with_seireki(program_year.window_start)}から"
        f"{wareki.to_wareki_with_seireki(program_year.window_end)}までです。"
    )


def granted_elsewhere(office: Organisation, program_year: ProgramYear) -> Application | None:
    """The office's granted application of another year, when this year's rules forbid a second one
    (「今回の助成金の申請は1回限り」, domain.md §6.4)."""
    if program_year.allow_reapply_after_grant:
        return None
    return (
        Application.objects.filter(office=office, status__in=GRANTED_STATUSES)
        .exclude(program_year=program_year)
        .select_related("program_year")
        .first()
    )


def _check_once_only(office: Organisation, program_year: ProgramYear) -> None:
    earlier = granted_elsewhere(office, program_year)
    if earlier is not None:
        raise ApplicationError(
            f"この事業所は{earlier.program_year.name}に助成金の交付を受けています。"
            "助成金の申請は1回限りのため、申請できません。",
            code="application.already_granted",
            status=409,
        )


def _check_office(office: Organisation) -> None:
    if not office.office_number or not office.is_active:
        raise ApplicationError(
            "介護保険事業所番号が登録された事業所（みなし事業所を含む）だけが申請できます。",
            code="application.not_an_office",
        )


# --- drafts ----------------------------------------------------------------------------------------------


def application_create(*, office: Organisation, program_year: ProgramYear, by: User) -> Application:
    """Starts the office's draft for a program year (before or during the window, not after it)."""
    _require_office_admin(by, office)
    _check_office(office)
    if program_year.has_closed():
        raise ApplicationError(
            f"{program_year.name}の申請受付は終了しました。{window_text(program_year)}",
            code="application.window_closed",
        )
    if Application.objects.filter(office=office, program_year=program_year).exists():
        raise ApplicationError(
            f"この事業所の{program_year.name}の申請は既にあります（申請は年度に1件です）。",
            code="application.exists",
            status=409,
        )
    _check_once_only(office, program_year)
    holder = bank.normalize_kana(office.name_kana) if office.name_kana else ""
    application = Application(
        office=office,
        program_year=program_year,
        created_by=by,
        # What the portal already knows: the office's name in kana is usually its account name.
        account_holder=holder
        if not bank.check_bank_fields({"account_holder": holder}, required=False)
        else "",
    )
    try:
        with transaction.atomic():
            application.full_clean(validate_constraints=False)
            application.save()
            _record(application, "", Status.DRAFT, by)
    except IntegrityError:  # two clicks at once: the unique constraint keeps one
        raise ApplicationError(
            f"この事業所の{program_year.name}の申請は既にあります（申請は年度に1件です）。",
            code="application.exists",
            status=409,
        ) from None
    logger.info("subsidy application created: id=%s office=%s", application.pk, office.office_number)
    return application


def parse_amount(raw: str) -> int | None:
    """Accepts what people type for yen or counts: 25,000 / ２５０００ / 25000円 / ¥25,000."""
    text = re.sub(r"[\s,¥￥円台]", "", unicodedata.normalize("NFKC", raw or ""))
    if text == "":
        return None
    if not (text.isascii() and text.isdigit()):
        raise ValueError(raw)
    return int(text)


@dataclass
class DraftResult:
    application: Application
    errors: dict[str, list[str]]


def application_save_draft(*, application: Application, by: User, data: dict[str, str]) -> DraftResult:
    """Saves what the office has typed so far. A value that cannot be stored (letters in a count) is
    reported and the field keeps its earlier value; bank fields are kept as typed (normalised) and
    checked again on submission, so a half-filled form is never lost."""
    _require_office_admin(by, application.office)
    errors: dict[str, list[str]] = {}
    updates: dict[str, object] = {}
    for name, (label, maximum) in AMOUNT_FIELDS.items():
        if name not in data:
            continue
        try:
            value = parse_amount(data[name])
        except ValueError:
            errors[name] = [f"{label}は数字で入力してください。"]
            continue
        if value is not None and value > maximum:
            errors[name] = [f"{label}は {maximum:,} 以下で入力してください。"]
            continue
        updates[name] = value
    bank_values = bank.normalize_bank_fields({k: v for k, v in data.items() if k in BANK_FIELDS})
    for name, messages in bank.check_bank_fields(bank_values, required=False).items():
        errors.setdefault(name, []).extend(messages)
    for name, value in bank_values.items():
        if name == "account_type" and value not in ("", *AccountType.values):
            continue  # not one of the choices: reported above, nothing to keep
        updates[name] = value[: Application._meta.get_field(name).max_length]
    with transaction.atomic():
        application = _lock(application)
        if not application.is_editable:
            raise _not_now(application, "変更")
        for name, value in updates.items():
            setattr(application, name, value)
        application.updated_at = timezone.now()
        application.full_clean(validate_constraints=False)
        application.save(update_fields=[*updates, "updated_at"])
    return DraftResult(application, errors)


def receipt_add(*, application: Application, by: User, name: str, content: bytes) -> Receipt:
    """Attaches a receipt, checked by content (subsidies/receipts.py)."""
    _require_office_admin(by, application.office)
    checked = check_receipt(name=name, content=content)
    receipt = Receipt(
        kind=checked.kind,
        original_name=checked.name,
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        uploaded_by=by,
    )
    try:
        with transaction.atomic():
            application = _lock(application)
            if not application.is_editable:
                raise _not_now(application, "領収書の追加")
            limit = settings.KAIGO_SUBSIDY_RECEIPTS_MAX_COUNT
            if application.receipts.count() >= limit:
                message = f"領収書は1件の申請につき {limit} ファイルまでです。"
                raise ApplicationError(message, code="receipt.too_many", fields={"receipt": [message]})
            receipt.application = application
            receipt.file.save("receipt", ContentFile(checked.content), save=False)
            receipt.full_clean()
            receipt.save()
            application.updated_at = timezone.now()
            application.save(update_fields=["updated_at"])
    except BaseException:
        if receipt.file.name:  # stored, but the row was rolled back: do not leave the file behind
            receipt.file.delete(save=False)
        raise
    logger.info("subsidy receipt added: application=%s kind=%s", application.pk, receipt.kind)
    return receipt


def receipt_remove(*, receipt: Receipt, by: User) -> None:
    _require_office_admin(by, receipt.application.office)
    with transaction.atomic():
        application = _lock(receipt.application)
        if not application.is_editable:
            raise _not_now(application, "領収書の削除")
        storage, path = receipt.file.storage, receipt.file.name
        receipt.delete()
        application.updated_at = timezone.now()
        application.save(update_fields=["updated_at"])
        transaction.on_commit(lambda: storage.delete(path))


# --- the calculation and the submission -------------------------------------------------------------------


def application_calculation(application: Application) -> Calculation:
    """The grant as it stands: live from the office's registered service types while the office can
    still change the application, and from the codes fixed at submission afterwards."""
    codes = application.office.service_type_codes() if application.is_editable else application.service_codes
    return calculate_grant(
        program_year=application.program_year,
        service_codes=codes,
        readers_count=application.readers_count,
        reader_unit_price=application.reader_unit_price,
        connection_support_cost=application.connection_support_cost,
    )


def calculation_for_display(application: Application) -> dict:
    """The calculation to show: live while the office can change the application, and the one fixed
    at submission afterwards (so a later change of master data does not rewrite a submitted amount)."""
    if application.is_editable or not application.calculation:
        return application_calculation(application).as_dict()
    return application.calculation


def submission_errors(application: Application, calculation: Calculation) -> dict[str, list[str]]:
    """What stops this application from being submitted, by field (empty when it can go)."""
    errors: dict[str, list[str]] = {}
    for name, (label, _maximum) in AMOUNT_FIELDS.items():
        if getattr(application, name) is None:
            errors[name] = [f"{label}を入力してください（ない場合は 0）。"]
    if application.readers_count and not application.reader_unit_price:
        errors.setdefault("reader_unit_price", []).append("カードリーダーの単価（税込）を入力してください。")
    if not errors and calculation.eligible_cost == 0:
        errors["__all__"] = [
            "助成の対象となる経費（カードリーダー購入費または接続サポート等経費）がありません。"
        ]
    if not calculation.has_eligible_service:
        errors.setdefault("__all__", []).append(
            "登録されているサービス種類に、この年度の助成区分に当たるものがありません。運営者にお問い合わせください。"
        )
    bank_values = {name: getattr(application, name) for name in BANK_FIELDS}
    errors.update(bank.check_bank_fields(bank_values, required=True))
    if not application.receipts.exists():
        errors["receipt"] = ["領収書を1つ以上登録してください。"]
    office_errors = [
        issue.message
        for issue in numbers.check_office_number(application.office.office_number or "")
        if issue.severity == "error"
    ]
    if office_errors:
        errors.setdefault("__all__", []).extend(office_errors)
    return errors


def application_submit(*, application: Application, by: User) -> Application:
    """Submits a draft inside the window, or resubmits a returned application (its window was met
    when it was first submitted). The grant is computed by the same calculation the form shows."""
    _require_office_admin(by, application.office)
    with transaction.atomic():
        application = _lock(application)
        if not application.is_editable:
            raise _not_now(application, "申請")
        first_time = application.status == Status.DRAFT
        if first_time and not application.program_year.is_open():
            raise ApplicationError(
                f"申請受付期間外のため申請できません。{window_text(application.program_year)}",
                code="application.outside_window",
            )
        _check_office(application.office)
        _check_once_only(application.office, application.program_year)
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
        _move(application, Status.SUBMITTED, by, fields=fields, reason="" if first_time else "再申請")
    logger.info("subsidy application submitted: id=%s grant=%s", application.pk, application.grant_amount)
    return application


# --- the operator's steps ---------------------------------------------------------------------------------


def application_start_review(*, application: Application, by: User) -> Application:
    _require_operator(by)
    with transaction.atomic():
        application = _lock(application)
        if application.status != Status.SUBMITTED:
            raise _not_now(application, "審査開始")
        application.review_started_at = timezone.now()
        _move(application, Status.UNDER_REVIEW, by, fields=["review_started_at"])
    return application


def application_return(*, application: Application, by: User, reason: str) -> Application:
    """Sends the application back to the office with the reason; the office fixes it and resubmits."""
    _require_operator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "差戻しの理由を入力してください。",
            code="application.reason_required",
            fields={"reason": ["差戻しの理由を入力してください。"]},
        )
    with transaction.atomic():
        application = _lock(application)
        if application.status != Status.UNDER_REVIEW:
            raise _not_now(application, "差戻し")
        application.return_reason = reason
        _move(application, Status.RETURNED, by, fields=["return_reason"], reason=reason)
    return application


def application_approve(*, application: Application, by: User, note: str = "") -> Application:
    """交付決定 for the amount computed on submission."""
    _require_operator(by)
    with transaction.atomic():
        application = _lock(application)
        if application.status != Status.UNDER_REVIEW:
            raise _not_now(application, "交付決定")
        _check_once_only(application.office, application.program_year)
        application.approved_at = timezone.now()
        _move(application, Status.APPROVED, by, fields=["approved_at"], reason=(note or "").strip())
    return application


def application_mark_paid(*, application: Application, by: User, paid_on: dt.date) -> Application:
    """Records the transfer to the office's account (not before the decision, not in the future)."""
    _require_operator(by)
    with transaction.atomic():
        application = _lock(application)
        if application.status != Status.APPROVED:
            raise _not_now(application, "支払済みの登録")
        decided_on = timezone.localdate(application.approved_at)
        if paid_on < decided_on or paid_on > timezone.localdate():
            raise ApplicationError(
                f"支払日は交付決定日（{wareki.to_wareki_with_seireki(decided_on)}）から今日までの日付を入力してください。",
                code="application.bad_paid_on",
                fields={"paid_on": ["交付決定日から今日までの日付を入力してください。"]},
            )
        application.paid_on = paid_on
        _move(application, Status.PAID, by, fields=["paid_on"], reason=f"支払日 {paid_on.isoformat()}")
    return application


# --- helpers ---------------------------------------------------------------------------------------------


def _lock(application: Application) -> Application:
    """The row again, locked for this transaction (two operators, or two tabs, cannot both move it)."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("program_year", "office")
        .get(pk=application.pk)
    )


def _not_now(application: Application, action: str) -> ApplicationError:
    return ApplicationError(
        f"この申請は現在「{application.get_status_display()}」のため、{action}はできません。",
        code="application.invalid_transition",
        status=409,
    )


def _move(application: Application, to: str, by: User, *, fields: list[str], reason: str = "") -> None:
    previous = application.status
    application.status = to
    application.updated_at = timezone.now()
    application.full_clean(validate_constraints=False)
    application.save(update_fields=["status", "updated_at", *fields])
    _record(application, previous, to, by, reason)


def _record(application: Application, previous: str, to: str, by: User, reason: str = "") -> StatusChange:
    change = StatusChange.objects.create(
        application=application, from_status=previous, to_status=to, by=by, reason=reason
    )
    if to != Status.DRAFT:  # the office starting its own draft is not news to it
        transaction.on_commit(lambda: _notify(change.pk))
    logger.info("subsidy application %s: %s -> %s by=%s", application.pk, previous or "-", to, by.pk)
    return change


def _notify(change_id: int) -> None:
    from .tasks import send_status_email

    send_status_email.delay(change_id)
