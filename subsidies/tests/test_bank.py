"""Bank account rules (全銀 data record: 金融機関 N(4), 支店 N(3), 預金種目, 口座番号 N(7), 受取人名 C(30))."""

from __future__ import annotations

import pytest

from subsidies.bank import check_bank_fields, normalize_bank_fields, normalize_kana

VALID = {
    "bank_code": "0001",
    "branch_code": "001",
    "account_type": "1",
    "account_number": "1234567",
    "account_holder": "ｶ)ｹｱﾌﾟﾗﾝｾﾝﾀ-ｶﾝﾀﾞ",
}


def test_a_valid_account_has_no_errors():
    assert check_bank_fields(VALID, required=True) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bank_code", "001", "金融機関コードは半角数字4桁で入力してください。"),
        ("bank_code", "00012", "金融機関コードは半角数字4桁で入力してください。"),
        ("bank_code", "00a1", "金融機関コードは半角数字4桁で入力してください。"),
        (
            "bank_code",
            "０００１",
            "金融機関コードは半角数字4桁で入力してください。",
        ),  # stored values are ASCII
        ("branch_code", "01", "支店コードは半角数字3桁で入力してください。"),
        ("branch_code", "0011", "支店コードは半角数字3桁で入力してください。"),
        (
            "account_number",
            "123456",
            "口座番号は半角数字7桁で入力してください（7桁未満の場合は先頭を0で埋めます）。",
        ),
        (
            "account_number",
            "12345678",
            "口座番号は半角数字7桁で入力してください（7桁未満の場合は先頭を0で埋めます）。",
        ),
        ("account_type", "3", "預金種目は普通・当座・貯蓄から選んでください。"),
        ("account_type", "9", "預金種目は普通・当座・貯蓄から選んでください。"),
        (
            "account_holder",
            "山田太郎",
            "口座名義に使えない文字があります。使えるのは半角カナ（大文字）、半角数字、英大文字、スペースと ( ) . - / です。",
        ),
        (
            "account_holder",
            "ﾔﾏﾀﾞ,ﾀﾛｳ",
            "口座名義に使えない文字があります。使えるのは半角カナ（大文字）、半角数字、英大文字、スペースと ( ) . - / です。",
        ),
        (
            "account_holder",
            "ｷｬﾗ",
            "口座名義に使えない文字があります。使えるのは半角カナ（大文字）、半角数字、英大文字、スペースと ( ) . - / です。",
        ),
        (
            "account_holder",
            "yamada",
            "口座名義に使えない文字があります。使えるのは半角カナ（大文字）、半角数字、英大文字、スペースと ( ) . - / です。",
        ),
        ("account_holder", "ｱ" * 31, "口座名義は30文字以内で入力してください（濁点・半濁点も1文字です）。"),
        (
            "bank_name",
            "ﾐｽﾞﾎｷﾞﾝｺｳ ﾄｳｷﾖｳｴｲｷﾞﾖｳﾌﾞ",
            "金融機関名（カナ）は15文字以内で入力してください（濁点・半濁点も1文字です）。",
        ),
    ],
)
def test_invalid_fields_are_refused(field, value, message):
    assert check_bank_fields({**VALID, field: value}, required=True) == {field: [message]}


@pytest.mark.parametrize(
    "field", ["bank_code", "branch_code", "account_type", "account_number", "account_holder"]
)
def test_required_fields_on_submission(field):
    errors = check_bank_fields({**VALID, field: ""}, required=True)
    assert list(errors) == [field]
    assert check_bank_fields({**VALID, field: ""}, required=False) == {}


@pytest.mark.parametrize(
    "holder",
    ["ﾔﾏﾀﾞ ﾀﾛｳ", "ｶ)ABC", "ABC(ｶ", "ｼﾔ)ﾌｸｼｶｲ.ﾎﾝﾌﾞ", "ﾃｽﾄ-1/2", "ｦﾞｱ", "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "ｱ" * 30],
)
def test_every_zengin_character_is_accepted(holder):
    assert check_bank_fields({**VALID, "account_holder": holder}, required=True) == {}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("カ）ケアプランセンター・カンダ", "ｶ)ｹｱﾌﾟﾗﾝｾﾝﾀ-.ｶﾝﾀﾞ"),  # full width, long vowel, middle dot
        ("やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # hiragana and an ideographic space
        ("キュウヨ イチロウ", "ｷﾕｳﾖ ｲﾁﾛｳ"),  # small kana become large, as banks register them
        ("ｷｬﾗ", "ｷﾔﾗ"),
        ("ヴィラ", "ｳﾞｲﾗ"),
        ("abc　ｄｅｆ１２３", "ABC DEF123"),
        ("  ﾔﾏﾀﾞ   ﾀﾛｳ ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("山田", "山田"),  # nothing to convert: refused by the check instead
    ],
)
def test_what_people_type_is_normalised(typed, stored):
    assert normalize_kana(typed) == stored


def test_digits_are_normalised():
    assert normalize_bank_fields(
        {"bank_code": "０００１", "account_number": "123-4567", "branch_code": " 001 "}
    ) == {
        "bank_code": "0001",
        "account_number": "1234567",
        "branch_code": "001",
    }
