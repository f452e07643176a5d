"""The transfer files for approved grants: the 全銀協 総合振込 fixed-length file, and a plain CSV.

The layout, its sources and the choices made where banks differ are in docs/subsidy-payments.md.
In short: 120-byte records (header 1, data 2, trailer 8, end 9) each followed by CRLF, numbers
right-aligned and zero-filled, text left-aligned and space-filled, encoded in JIS X 0201 (half-width
katakana are single bytes; cp932 encodes them so, and ASCII as ASCII).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from kaigo_portal.errors import ApplicationError
from kaigo_portal.wareki import to_wareki

from . import bank
from .models import Application

RECORD_LENGTH = 120
ENCODING = "cp932"
PAYER_ACCOUNT_TYPES = ("1", "2", "9")  # 依頼人の預金種目: 普通, 当座, その他


@dataclass(frozen=True)
class Payer:
    """振込依頼人 — the operator's own account the grants are paid from (KAIGO_SUBSIDY_PAYER_*)."""

    code: str
    name: str
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str


def payer_problems(values: dict[str, str]) -> list[str]:
    """What is wrong with the payer settings (empty when they make a valid header)."""
    problems = []
    digits = {"code": 10, "bank_code": 4, "branch_code": 3, "account_number": 7}
    for key, length in digits.items():
        value = values.get(key, "")
        if not (len(value) == length and value.isascii() and value.isdigit()):
            problems.append(f"KAIGO_SUBSIDY_PAYER_{key.upper()} は半角数字{length}桁です。")
    if values.get("account_type", "") not in PAYER_ACCOUNT_TYPES:
        problems.append(
            "KAIGO_SUBSIDY_PAYER_ACCOUNT_TYPE は 1（普通）、2（当座）、9（その他）のいずれかです。"
        )
    for key, length in (("name", 40), ("bank_name", 15), ("branch_name", 15)):
        value = values.get(key, "")
        if key == "name" and not value:
            problems.append("KAIGO_SUBSIDY_PAYER_NAME（振込依頼人名・半角カナ）を設定してください。")
        elif value and bank.check_bank_fields({"account_holder": value}, required=False):
            problems.append(
                f"KAIGO_SUBSIDY_PAYER_{key.upper()} は半角カナ・英大文字・数字で入力してください。"
            )
        elif len(value) > length:
            problems.append(f"KAIGO_SUBSIDY_PAYER_{key.upper()} は{length}文字以内です。")
    return problems


def payer_from_settings() -> Payer:
    values = {key: value or "" for key, value in settings.KAIGO_SUBSIDY_PAYER.items()}
    problems = payer_problems(values)
    if problems:
        raise ApplicationError(
            "振込元口座（KAIGO_SUBSIDY_PAYER_*）が設定されていないか誤っているため、全銀協形式のファイルを作成できません："
            + " ".join(problems),
            code="payments.payer_not_configured",
        )
    return Payer(**values)


def _n(value: int | str, length: int) -> str:
    """N(length): right-aligned, zero-filled digits."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > length:
        raise ValueError(f"{text!r} does not fit N({length})")
    return text.rjust(length, "0")


def _c(value: str, length: int) -> str:
    """C(length): left-aligned, space-filled single-byte text."""
    if len(value) > length or len(value.encode(ENCODING)) != len(value):
        raise ValueError(f"{value!r} does not fit C({length})")
    return value.ljust(length, " ")


def _record(*fields: str) -> str:
    record = "".join(fields)
    if len(record) != RECORD_LENGTH:  # a layout error is a bug, never a file for the bank
        raise AssertionError(f"record is {len(record)} characters, not {RECORD_LENGTH}")
    return record


def header_record(payer: Payer, transfer_date: dt.date) -> str:
    return _record(
        "1",  # データ区分: ヘッダー
        "21",  # 種別コード: 総合振込
        "0",  # コード区分: JIS
        _n(payer.code, 10),
        _c(payer.name, 40),
        transfer_date.strftime("%m%d"),  # 振込指定日 MMDD
        _n(payer.bank_code, 4),
        _c(payer.bank_name, 15),
        _n(payer.branch_code, 3),
        _c(payer.branch_name, 15),
        _n(payer.account_type, 1),
        _n(payer.account_number, 7),
        _c("", 17),  # ダミー
    )


def data_record(application: Application) -> str:
    return _record(
        "2",  # データ区分: データ
        _n(application.bank_code, 4),
        _c(application.bank_name, 15),
        _n(application.branch_code, 3),
        _c(application.branch_name, 15),
        "0000",  # 手形交換所番号: 未使用
        _n(application.account_type, 1),
        _n(application.account_number, 7),
        _c(application.account_holder, 30),
        _n(application.grant_amount, 10),
        "0",  # 新規コード: その他
        _n(application.pk, 10),  # 顧客コード1: the application, to match the bank's result file
        _n(0, 10),  # 顧客コード2
        "7",  # 振込指定区分: 電信扱
        " ",  # 識別表示: 顧客コードを使う
        _c("", 7),  # ダミー
    )


def trailer_record(count: int, total: int) -> str:
    return _record("8", _n(count, 6), _n(total, 12), _c("", 101))


def end_record() -> str:
    return _record("9", _c("", 119))


def zengin_transfer_file(
    applications: Iterable[Application], *, transfer_date: dt.date, payer: Payer
) -> bytes:
    """The 総合振込 file for these approved applications, to pay on `transfer_date`."""
    applications = list(applications)
    if not applications:
        raise ApplicationError(
            "振込の対象となる交付決定済みの申請がありません。", code="payments.nothing_to_pay"
        )
    if transfer_date < timezone.localdate():
        raise ApplicationError(
            "振込指定日は今日以降の日付にしてください。", code="payments.bad_transfer_date"
        )
    records = [header_record(payer, transfer_date)]
    records += [data_record(application) for application in applications]
    records.append(trailer_record(len(applications), sum(a.grant_amount for a in applications)))
    records.append(end_record())
    return "".join(record + "\r\n" for record in records).encode(ENCODING)


CSV_COLUMNS = [
    ("申請番号", lambda a: a.reference),
    ("年度", lambda a: a.program_year.fiscal_year),
    ("年度（和暦）", lambda a: a.program_year.name),
    ("事業所番号", lambda a: a.office.office_number),
    ("事業所名", lambda a: a.office.name),
    ("都道府県", lambda a: a.office.prefecture_name),
    # Excel reads the first as a date (sortable); people read the second.
    ("交付決定日", lambda a: timezone.localdate(a.approved_at).isoformat()),
    ("交付決定日（和暦）", lambda a: to_wareki(timezone.localdate(a.approved_at))),
    ("助成額", lambda a: a.grant_amount),
    ("金融機関コード", lambda a: a.bank_code),
    ("金融機関名", lambda a: a.bank_name),
    ("支店コード", lambda a: a.branch_code),
    ("支店名", lambda a: a.branch_name),
    ("預金種目", lambda a: a.get_account_type_display() if a.account_type else ""),
    ("口座番号", lambda a: a.account_number),
    ("口座名義", lambda a: a.account_holder),
]


def _cell(value: object) -> object:
    # A spreadsheet would run a text cell starting with = + - @ as a formula (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def payments_csv(applications: Iterable[Application]) -> bytes:
    """The same payments as a UTF-8 CSV (with BOM, so that Excel reads it), one row per application."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title for title, _ in CSV_COLUMNS])
    for application in applications:
        writer.writerow([_cell(get(application)) for _, get in CSV_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
