"""The office's draft: starting it, saving what is typed, attaching and removing receipts."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation, User
from kaigo_portal.errors import ApplicationError

from .. import bank
from ..models import (
    AccountType,
    Application,
    ApplicationStatus,
    ProgramYear,
    Receipt,
)
from ..receipts import check_receipt
from .history import lock, not_now, record
from .rules import (
    AMOUNT_FIELDS,
    BANK_FIELDS,
    check_office,
    check_once_only,
    require_office_admin,
    window_text,
)

logger = logging.getLogger("subsidies.services")
Status = ApplicationStatus


def application_create(*, office: Organisation, program_year: ProgramYear, by: User) -> Application:
    """Starts the office's draft for a program year (before or during the window, not after it)."""
    require_office_admin(by, office)
    check_office(office)
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
    check_once_only(office, program_year)
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
            record(application, "", Status.DRAFT, by)
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
    require_office_admin(by, application.office)
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
        application = lock(application)
        if not application.is_editable:
            raise not_now(application, "変更")
        for name, value in updates.items():
            setattr(application, name, value)
        application.updated_at = timezone.now()
        application.full_clean(validate_constraints=False)
        application.save(update_fields=[*updates, "updated_at"])
    return DraftResult(application, errors)


def receipt_add(*, application: Application, by: User, name: str, content: bytes) -> Receipt:
    """Attaches a receipt, checked by content (subsidies/receipts.py)."""
    require_office_admin(by, application.office)
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
            application = lock(application)
            if not application.is_editable:
                raise not_now(application, "領収書の追加")
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
    require_office_admin(by, receipt.application.office)
    with transaction.atomic():
        application = lock(receipt.application)
        if not application.is_editable:
            raise not_now(application, "領収書の削除")
        storage, path = receipt.file.storage, receipt.file.name
        receipt.delete()
        application.updated_at = timezone.now()
        application.save(update_fields=["updated_at"])
        transaction.on_commit(lambda: storage.delete(path))
