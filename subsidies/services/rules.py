"""Who may act, the rules of the grant, and the calculation as the office and the operator see it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from kaigo_portal import numbers, wareki
from kaigo_portal.accounts.models import Organisation, Role, User
from kaigo_portal.errors import ApplicationError
from kaigo_portal.offices import rules as office_rules

from .. import bank
from ..calculation import Calculation, calculate_grant
from ..models import (
    GRANTED_STATUSES,
    Application,
    ProgramYear,
)

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


# --- who may act ---------------------------------------------------------------------------------------


def is_office_admin_of(user: User, office: Organisation) -> bool:
    return user.memberships.filter(
        organisation=office, role=Role.OFFICE_ADMIN, is_active=True, organisation__is_active=True
    ).exists()


def is_operator(user: User) -> bool:
    return user.memberships.filter(
        role=Role.PLATFORM_OPERATOR, is_active=True, organisation__is_active=True
    ).exists()


def require_office_admin(by: User, office: Organisation) -> None:
    if not is_office_admin_of(by, office):
        raise PermissionDenied("この事業所の管理者ユーザだけが申請できます。")


def require_operator(by: User) -> None:
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


def check_once_only(office: Organisation, program_year: ProgramYear) -> None:
    earlier = granted_elsewhere(office, program_year)
    if earlier is not None:
        raise ApplicationError(
            f"この事業所は{earlier.program_year.name}に助成金の交付を受けています。"
            "助成金の申請は1回限りのため、申請できません。",
            code="application.already_granted",
            status=409,
        )


def check_office(office: Organisation) -> None:
    if not office.office_number or not office.is_active:
        raise ApplicationError(
            "介護保険事業所番号が登録された事業所（みなし事業所を含む）だけが申請できます。",
            code="application.not_an_office",
        )
    # The service types the grant counts must be the ones the national data lists for the office.
    office_rules.require_listed(office.office_number, office.service_type_codes(), what="申請する事業所")


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
