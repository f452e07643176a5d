"""Checks for the identifiers of the 介護保険 world (domain.md §2.10, §11 items 1-4).

Every ``check_*`` function takes the value exactly as it will be stored and returns a list of
``NumberIssue`` (empty when the value is fine). Nothing is normalised here: full-width digits, spaces or
hyphens are format errors. Callers that accept typed input normalise it first (NFKC, strip).

Severities:
- ``error``: the value cannot be right and must be refused.
- ``warning``: the value breaks a rule that is only inferred ([I] in the domain notes), so it is shown to
  the person entering it but not refused. This applies to the 保険者番号 check digit, and to the
  事業所番号 check digit of みなし指定 numbers (position 3 is 1, 3, 4, 5 or 6).

Messages are for people (Japanese) and never repeat the value itself, so they can be logged even when the
value is a 被保険者番号.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "OFFICE_CATEGORIES",
    "OFFICE_LETTER_VALUES",
    "NumberIssue",
    "check_insured_number",
    "check_insurer_number",
    "check_medical_institution_code",
    "check_office_number",
    "check_prefecture_number",
    "contains_my_number",
    "has_errors",
    "insurer_check_digit",
    "is_community_support_center",
    "is_minashi_office_number",
    "is_my_number",
    "my_number_check_digit",
    "office_check_digit",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class NumberIssue:
    """One problem found in an identifier; ``code`` is stable and dotted (``office_number.check_digit``)."""

    code: str
    message: str
    severity: Severity


# A=10 … Z=32 over the 23 upper-case letters left once I, O and Q are removed (§2.10.3).
_OFFICE_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ"
OFFICE_LETTER_VALUES: dict[str, int] = {letter: 10 + i for i, letter in enumerate(_OFFICE_ALPHABET)}

# Allowed values of 事業所番号 position 3 (事業所区分番号).
OFFICE_CATEGORIES = frozenset("013456789A")
_MINASHI_CATEGORIES = frozenset("13456")  # みなし指定: 1 医科, 3 歯科, 4 薬局, 5 老健, 6 訪問看護ST

# 点数表番号 of a 医療機関コード: 1 医科, 3 歯科, 4 薬局.
_MEDICAL_SCORE_TABLES = frozenset("134")


def _is_ascii_digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


def _is_prefecture(two: str) -> bool:
    return _is_ascii_digits(two, 2) and 1 <= int(two) <= 47


def _require_str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a str is required, got {type(value).__name__}")
    return value


def _error(code: str, message: str) -> NumberIssue:
    return NumberIssue(code=code, message=message, severity="error")


def _warning(code: str, message: str) -> NumberIssue:
    return NumberIssue(code=code, message=message, severity="warning")


def _digit_sum(n: int) -> int:
    """Sum of the decimal digits of a non-negative int (14 → 5, 64 → 10)."""
    return sum(int(c) for c in str(n))


def _mod10_weights_21(values: list[int]) -> int:
    """Modulus 10, weights 2, 1, 2, 1 … from the rightmost value; digit-sum of each product.

    The products are summed digit by digit for any size. With the inputs used here they have at most
    two digits (9 × 2 = 18 for digits, 32 × 2 = 64 for 事業所番号 letters), so this is the usual
    "add the two digits of a two-digit product".
    """
    total = 0
    for i, v in enumerate(reversed(values)):
        weight = 2 if i % 2 == 0 else 1
        total += _digit_sum(v * weight)
    return (10 - total % 10) % 10


def has_errors(issues: Iterable[NumberIssue]) -> bool:
    """True when at least one issue is an error (warnings alone do not count)."""
    return any(issue.severity == "error" for issue in issues)


# --- 都道府県番号 -----------------------------------------------------------------------------------


def check_prefecture_number(value: str) -> list[NumberIssue]:
    """都道府県番号: exactly two ASCII digits, 01 to 47."""
    if _is_prefecture(_require_str(value)):
        return []
    return [_error("prefecture.format", "都道府県番号は01〜47の2桁の半角数字で入力してください。")]


# --- 保険者番号 (§2.10.2) ------------------------------------------------------------------------------


def insurer_check_digit(first5: str) -> int:
    """検証番号 of a 保険者番号 from its first five digits (prefecture 2 + municipality 3).

    Modulus 10, weights 2-1 from the rightmost data digit, digit-sum of products, ``(10 - s % 10) % 10``.
    Example: 13101 → 1×2 + 0×1 + 1×2 + 3×1 + 1×2 = 9 → 1, so 131011.
    """
    if not _is_ascii_digits(_require_str(first5), 5):
        raise ValueError("first5 must be exactly 5 ASCII digits")
    return _mod10_weights_21([int(c) for c in first5])


def check_insurer_number(value: str) -> list[NumberIssue]:
    """保険者番号: 6 ASCII digits; prefecture 01-47; a check-digit mismatch is only a warning."""
    value = _require_str(value)
    if not _is_ascii_digits(value, 6):
        return [_error("insurer_number.format", "保険者番号は6桁の半角数字で入力してください。")]
    issues: list[NumberIssue] = []
    if not _is_prefecture(value[:2]):
        issues.append(
            _error(
                "insurer_number.prefecture", "保険者番号の先頭2桁（都道府県番号）が01〜47の範囲にありません。"
            )
        )
    expected = insurer_check_digit(value[:5])
    if int(value[5]) != expected:
        issues.append(
            _warning(
                "insurer_number.check_digit",
                f"保険者番号の検証番号（6桁目）が計算結果（{expected}）と一致しません。番号をご確認ください。",
            )
        )
    return issues


# --- 介護保険事業所番号 (§2.10.3) ---------------------------------------------------------------------


def _office_char_value(ch: str, position: int) -> int:
    """Value of one of the first nine characters; ``position`` is 1-based."""
    if ch.isascii() and ch.isdigit():
        return int(ch)
    if position == 3 and ch in OFFICE_LETTER_VALUES:
        return OFFICE_LETTER_VALUES[ch]
    raise ValueError(
        f"position {position}: only ASCII digits are allowed, and at position 3 an upper-case letter "
        f"other than I, O, Q; got {ch!r}"
    )


def office_check_digit(first9: str) -> int:
    """Check digit (position 10) of a 事業所番号 from its first nine characters.

    Position 3 may be a letter, valued A=10, B=11 … H=17, J=18 … N=22, P=23, R=24 … Z=32 (no I, O, Q).
    Then modulus 10 with weights 2-1 from the rightmost of the nine, adding the digits of each product
    (a letter at position 3 always gets weight 2: A → 20 → 2+0), and ``10 - sum % 10`` with 10 → 0.
    Products never exceed two digits (32 × 2 = 64); larger ones would also be digit-summed.
    Raises ValueError if ``first9`` is not 9 characters of that shape.
    """
    first9 = _require_str(first9)
    if len(first9) != 9:
        raise ValueError("first9 must be exactly 9 characters")
    return _mod10_weights_21([_office_char_value(ch, i) for i, ch in enumerate(first9, start=1)])


def is_minashi_office_number(value: str) -> bool:
    """True for a みなし指定 number derived from a 医療機関コード (position 3 is 1, 3, 4, 5 or 6)."""
    return len(value) == 10 and value[2] in _MINASHI_CATEGORIES


def is_community_support_center(value: str) -> bool:
    """True for a 地域包括支援センター number: position 3 is 0 and the serial (positions 6-9) is 0001-4999.

    Structure only: it does not validate the number (use ``check_office_number`` for that).
    """
    if len(value) != 10 or value[2] != "0":
        return False
    serial = value[5:9]
    return _is_ascii_digits(serial, 4) and 1 <= int(serial) <= 4999


def _office_shape_issues(value: str) -> list[NumberIssue]:
    """Errors about characters: what makes the check digit impossible to compute."""
    issues: list[NumberIssue] = []
    others = value[:2] + value[3:]
    if not all(ch.isascii() and ch.isalnum() for ch in value):
        issues.append(_error("office_number.format", "事業所番号は10桁の半角英数字で入力してください。"))
    elif any(ch.isalpha() for ch in others):
        issues.append(_error("office_number.letter", "事業所番号で英字が使えるのは3桁目だけです。"))
    elif value[2].isalpha() and value[2] not in OFFICE_LETTER_VALUES:
        issues.append(
            _error(
                "office_number.letter",
                "事業所番号の3桁目の英字は大文字で、I・O・Qは使えません。",
            )
        )
    return issues


def check_office_number(value: str) -> list[NumberIssue]:
    """介護保険事業所番号: 10 characters; structure, category and check digit per §2.10.3.

    A check-digit mismatch is an error, except for みなし指定 numbers where it is a warning.
    """
    value = _require_str(value)
    if len(value) != 10:
        return [_error("office_number.format", "事業所番号は10桁で入力してください。")]
    issues = _office_shape_issues(value)
    if issues:
        return issues
    if not _is_prefecture(value[:2]):
        issues.append(
            _error(
                "office_number.prefecture", "事業所番号の先頭2桁（都道府県番号）が01〜47の範囲にありません。"
            )
        )
    if value[2] not in OFFICE_CATEGORIES:
        issues.append(
            _error(
                "office_number.category",
                "事業所番号の3桁目（事業所区分）は0、1、3〜9、Aのいずれかです。",
            )
        )
    expected = office_check_digit(value[:9])
    if int(value[9]) != expected:
        if is_minashi_office_number(value):
            issues.append(
                _warning(
                    "office_number.check_digit",
                    f"事業所番号のチェックデジット（10桁目）が計算結果（{expected}）と一致しません。"
                    "みなし指定の番号のため登録はできますが、番号をご確認ください。",
                )
            )
        else:
            issues.append(
                _error(
                    "office_number.check_digit",
                    f"事業所番号のチェックデジット（10桁目）が計算結果（{expected}）と一致しません。",
                )
            )
    return issues


# --- 医療機関コード ------------------------------------------------------------------------------------


def check_medical_institution_code(value: str) -> list[NumberIssue]:
    """医療機関コード (10 digits): prefecture 01-47 + 点数表番号 (1 医科, 3 歯科, 4 薬局) + 7 digits.

    The last of the 7 digits is a check digit, but no rule for it is enforced here.
    """
    value = _require_str(value)
    if not _is_ascii_digits(value, 10):
        return [_error("medical_code.format", "医療機関コードは10桁の半角数字で入力してください。")]
    issues: list[NumberIssue] = []
    if not _is_prefecture(value[:2]):
        issues.append(
            _error(
                "medical_code.prefecture",
                "医療機関コードの先頭2桁（都道府県番号）が01〜47の範囲にありません。",
            )
        )
    if value[2] not in _MEDICAL_SCORE_TABLES:
        issues.append(
            _error(
                "medical_code.score_table",
                "医療機関コードの3桁目（点数表番号）は1（医科）、3（歯科）、4（薬局）のいずれかです。",
            )
        )
    return issues


# --- 被保険者番号 (§2.10.1) ----------------------------------------------------------------------------


def check_insured_number(value: str) -> list[NumberIssue]:
    """被保険者番号: exactly 10 ASCII digits (no public check-digit rule exists)."""
    if _is_ascii_digits(_require_str(value), 10):
        return []
    return [_error("insured_number.format", "被保険者番号は10桁の半角数字で入力してください。")]


# --- 個人番号 (My Number) ---------------------------------------------------------------------------------
# The portal never takes a My Number (番号法 §19 limits who may collect one; the 介護情報基盤 reads the
# card's 利用者証明用電子証明書, never the number). These helpers find one typed into free text, so that it
# is refused before it is stored. The check digit is 行政手続における特定の個人を識別するための番号の
# 利用等に関する法律施行令 §8 / 総務省令第85号 §5: for the first 11 digits P(n), n = 1 … 11 from the right,
# Q(n) = n + 1 (n ≤ 6) or n − 5 (n ≥ 7); check = 11 − (Σ P(n)·Q(n) mod 11), and 0 when the remainder is ≤ 1.

# Twelve digits alone, or written in the card's 4-4-4 groups with a space or hyphen between them.
_MY_NUMBER_RUN = re.compile(r"(?<![0-9])([0-9]{4})[ \-]?([0-9]{4})[ \-]?([0-9]{4})(?![0-9])")
# A cheap first look (import rows and every form field pass here): every form _MY_NUMBER_RUN finds starts
# with four digits in a row (ASCII or full width), so text without them holds no My Number.
_FOUR_DIGITS = re.compile(r"[0-9０-９]{4}")


def my_number_check_digit(first11: str) -> int:
    """The 検査用数字 of a 個人番号 from its first 11 digits."""
    if not _is_ascii_digits(first11, 11):
        raise ValueError("the first 11 digits of a 個人番号 are needed")
    total = sum(
        int(digit) * (n + 1 if n <= 6 else n - 5) for n, digit in enumerate(reversed(first11), start=1)
    )
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(value: str) -> bool:
    """Twelve ASCII digits whose last is the 個人番号 check digit of the first eleven."""
    return _is_ascii_digits(value, 12) and my_number_check_digit(value[:11]) == int(value[11])


def contains_my_number(text: str) -> bool:
    """Whether free text holds a run of 12 digits (full-width too, or in 4-4-4 groups) that is a valid
    個人番号. A 12-digit run with a wrong check digit is not one (a phone or order number, say)."""
    if not _FOUR_DIGITS.search(text):
        return False
    normalised = unicodedata.normalize("NFKC", text)
    return any(is_my_number("".join(match.groups())) for match in _MY_NUMBER_RUN.finditer(normalised))


def corporate_number_check_digit(base12: str) -> int:
    """法人番号の検査用数字 (国税庁「法人番号の指定」): 9 − (Σ Pn × Qn mod 9), Pn the n-th digit of the
    12-digit base counted from the right, Qn 1 where n is odd and 2 where it is even."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def check_corporate_number(value: str) -> list[NumberIssue]:
    """法人番号: 13 digits, the first being the check digit of the other 12."""
    value = _require_str(value)
    if len(value) != 13 or not value.isdigit():
        return [_error("corporate_number.format", "法人番号は13桁の数字です。")]
    expected = corporate_number_check_digit(value[1:])
    if int(value[0]) != expected:
        return [
            _warning(
                "corporate_number.check_digit",
                f"法人番号の検査用数字（先頭の1桁）が計算結果（{expected}）と一致しません。",
            )
        ]
    return []
