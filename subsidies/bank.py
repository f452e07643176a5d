"""The bank account a grant is paid to: normalising what people type, and the 全銀 rules.

The rules follow the 全銀協 総合振込 data record (docs/subsidy-payments.md has the layout and sources):
- 金融機関コード (被仕向銀行番号) N(4), 支店コード (被仕向支店番号) N(3), 口座番号 N(7): digits only;
- 預金種目 1 普通, 2 当座, 4 貯蓄;
- 受取人名 C(30): the characters a 全銀 name field takes — half-width katakana (large kana only, with
  ﾞ and ﾟ as separate characters), digits, upper-case A–Z, space and the half-width symbols ( ) . - /.
  Banks register names in large kana (キュウ is ｷﾕｳ) and write the long vowel as "-".

People type full-width kana, hiragana, full-width digits and lower case; those are converted, so the form
stays quick. Anything else (kanji, small symbols like ・ inside a name are turned into ".") is refused
with a message saying which characters are allowed.
"""

from __future__ import annotations

import re
import unicodedata

from .models import AccountType

HOLDER_MAX = 30  # 受取人名 C(30)
BANK_NAME_MAX = 15  # 被仕向銀行名 / 被仕向支店名 C(15)

_SMALL_TO_LARGE = str.maketrans(
    "ァィゥェォャュョッヮヵヶぁぃぅぇぉゃゅょっゎｧｨｩｪｫｬｭｮｯ",
    "アイウエオヤユヨツワカケアイウエオヤユヨツワｱｲｳｴｵﾔﾕﾖﾂ",
)
_TO_HYPHEN = str.maketrans({"ー": "-", "ｰ": "-", "‐": "-", "−": "-", "－": "-", "―": "-", "—": "-"})
_TO_PERIOD = str.maketrans({"・": ".", "･": "."})


def _half_width_kana_table() -> dict[str, str]:
    """Full-width katakana (plain, voiced and semi-voiced) → half-width, built from Unicode itself."""
    table: dict[str, str] = {}
    for point in range(0xFF66, 0xFF9E):  # ｦ … ﾝ
        half = chr(point)
        table[unicodedata.normalize("NFKC", half)] = half
        for mark in ("ﾞ", "ﾟ"):
            composed = unicodedata.normalize("NFKC", half + mark)
            if len(composed) == 1:
                table[composed] = half + mark
    return table


_KANA = _half_width_kana_table()
# ｦ, ｱ–ﾝ, ﾞ, ﾟ: the small kana ｧ–ｯ and ｰ are not 全銀 name characters.
_HOLDER_RE = re.compile(r"^[\uFF66\uFF71-\uFF9F0-9A-Z ().\-/]+$")


def normalize_kana(value: str) -> str:
    """What a 全銀 name field would carry for `value`: half-width large katakana, upper case."""
    value = value.strip().translate(_SMALL_TO_LARGE).translate(_TO_HYPHEN).translate(_TO_PERIOD)
    out = []
    for char in value:
        if "ぁ" <= char <= "ゖ":  # hiragana → katakana
            char = chr(ord(char) + 0x60)
        if char in _KANA:
            out.append(_KANA[char])
        elif char == "\u3000":
            out.append(" ")
        else:
            folded = unicodedata.normalize("NFKC", char)
            out.append(folded.upper() if len(folded) == 1 and folded.isascii() else char)
    return re.sub(" +", " ", "".join(out))


def normalize_digits(value: str) -> str:
    """Full-width digits to ASCII, spaces and hyphens dropped (people write 123-4567)."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value))


def _digits_error(value: str, length: int, label: str) -> str | None:
    if not (len(value) == length and value.isascii() and value.isdigit()):
        return f"{label}は半角数字{length}桁で入力してください。"
    return None


def _account_number_error(value: str) -> str | None:
    if _digits_error(value, 7, "口座番号"):
        return "口座番号は半角数字7桁で入力してください（7桁未満の場合は先頭を0で埋めます）。"
    return None


def _kana_error(value: str, label: str, max_length: int) -> str | None:
    if len(value) > max_length:
        return f"{label}は{max_length}文字以内で入力してください（濁点・半濁点も1文字です）。"
    if not _HOLDER_RE.match(value):
        return (
            f"{label}に使えない文字があります。使えるのは半角カナ（大文字）、半角数字、英大文字、"
            "スペースと ( ) . - / です。"
        )
    return None


def check_bank_fields(values: dict[str, str], *, required: bool) -> dict[str, list[str]]:
    """Errors by field for already-normalised values; with `required`, empty fields are errors too."""
    errors: dict[str, list[str]] = {}
    required_fields = {
        "bank_code": "金融機関コード",
        "branch_code": "支店コード",
        "account_type": "預金種目",
        "account_number": "口座番号",
        "account_holder": "口座名義",
    }
    checks = {  # in the order of the form, so that messages read top to bottom
        "bank_code": lambda v: _digits_error(v, 4, "金融機関コード"),
        "bank_name": lambda v: _kana_error(v, "金融機関名（カナ）", BANK_NAME_MAX),
        "branch_code": lambda v: _digits_error(v, 3, "支店コード"),
        "branch_name": lambda v: _kana_error(v, "支店名（カナ）", BANK_NAME_MAX),
        "account_type": lambda v: (
            None if v in AccountType.values else "預金種目は普通・当座・貯蓄から選んでください。"
        ),
        "account_number": _account_number_error,
        "account_holder": lambda v: _kana_error(v, "口座名義", HOLDER_MAX),
    }
    for name, check in checks.items():
        value = values.get(name, "")
        if value == "":
            if required and name in required_fields:
                errors[name] = [f"{required_fields[name]}を入力してください。"]
            continue
        message = check(value)
        if message:
            errors[name] = [message]
    return errors


def normalize_bank_fields(values: dict[str, str]) -> dict[str, str]:
    """The bank fields of a form, normalised the way they are stored."""
    out = {}
    for name in ("bank_code", "branch_code", "account_number"):
        if name in values:
            out[name] = normalize_digits(values[name] or "")
    for name in ("bank_name", "branch_name", "account_holder"):
        if name in values:
            out[name] = normalize_kana(values[name] or "")
    if "account_type" in values:
        out["account_type"] = (values["account_type"] or "").strip()
    return out
