"""Field parsers for import rows: each takes the cell text and returns a value or raises RowErrors.

These are the one rule set: the PostgreSQL and SQLite paths both call them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable

from django.db import models

from kaigo_portal import numbers
from kaigo_portal.numbers import contains_my_number
from kaigo_portal.validators import MY_NUMBER_CODE, MY_NUMBER_MESSAGE

from .registry import RowErrors

_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
# 全角カタカナ, the long-vowel mark and spaces (both widths): how names in フリガナ are written.
_KANA = re.compile(r"^[\u30A0-\u30FF\u3000 ・]+$")
_POSTAL = re.compile(r"^\d{3}-?\d{4}$")


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise RowErrors("field.too_long", f"{max_length}文字以内で入力してください（{len(value)}文字）。")
        if contains_my_number(value):  # never stored (kaigo_portal.validators)
            raise RowErrors(MY_NUMBER_CODE, MY_NUMBER_MESSAGE)
        return value

    return parse


@functools.lru_cache(maxsize=1 << 16)  # dates repeat across rows; a bad one raises and is not cached
def date(value: str) -> dt.date:
    match = _DATE.match(value)
    if not match:
        raise RowErrors("date.format", "日付は YYYY-MM-DD の形式で入力してください。")
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        raise RowErrors("date.invalid", "存在しない日付です。") from None


def month_end(value: str) -> dt.date:
    day = date(value)
    if day.day != calendar.monthrange(day.year, day.month)[1]:
        raise RowErrors("date.not_month_end", "終了日は月末日でなければなりません。")
    return day


def july_31(value: str) -> dt.date:
    day = date(value)
    if (day.month, day.day) != (7, 31):
        raise RowErrors("date.not_july_31", "有効期限は7月31日でなければなりません。")
    return day


def choice(choices: type[models.Choices]) -> Callable[[str], object]:
    allowed = {str(value): value for value in choices.values}
    listing = "、".join(f"{value}（{label}）" for value, label in choices.choices)

    def parse(value: str) -> object:
        if value not in allowed:
            raise RowErrors("code.unknown", f"コードが正しくありません。使えるのは {listing} です。")
        return allowed[value]

    return parse


def yen(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise RowErrors("number.format", "金額は0以上の整数（円）で入力してください。")
    if len(value) > 9:
        raise RowErrors("number.too_large", "金額が大きすぎます。")
    return int(value)


def kana(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        text(max_length)(value)
        if not _KANA.match(value):
            raise RowErrors("kana.format", "フリガナは全角カタカナで入力してください。")
        return value

    return parse


def postal_code(value: str) -> str:
    if not _POSTAL.match(value):
        raise RowErrors("postal_code.format", "郵便番号は 123-4567 の形式で入力してください。")
    return value if "-" in value else f"{value[:3]}-{value[3:]}"


def insurer_number(value: str) -> str:
    """Another insurer's 保険者番号 (転入前, 施設所在): its form is checked; its check digit is the every-row
    column's business (a warning there), not repeated here."""
    errors = [i for i in numbers.check_insurer_number(value) if i.severity == "error"]
    if errors:
        raise RowErrors(errors[0].code, errors[0].message)
    return value


def insured_number(value: str) -> str:
    if not re.fullmatch(r"[0-9]{10}", value):
        raise RowErrors("insured_number.format", "被保険者番号は10桁の半角数字で入力してください。")
    return value


def office_number(value: str) -> str:
    issues = numbers.check_office_number(value)
    errors = [issue for issue in issues if issue.severity == "error"]
    if errors:
        raise RowErrors(errors[0].code, errors[0].message)
    return value


def line_id(value: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,20}", value):
        raise RowErrors("line_id.format", "明細番号は英数字・ハイフン・下線の20文字以内です。")
    return value


def months_of(start: dt.date, end: dt.date) -> int:
    """The validity period in months as the 施行規則 counts it: from the 1st, N whole months; from any
    other day, the rest of that month plus N months (domain.md, "Decisions where the spec is silent")."""
    first = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (end.year - first.year) * 12 + end.month - first.month + 1
