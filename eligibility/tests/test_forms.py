"""What staff may type into the person search: kana in any width or script, dates in 西暦 or 和暦."""

from __future__ import annotations

import datetime as dt

import pytest

from ..forms import PersonSearchForm, normalise_kana, parse_date

D = dt.date


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("カイゴ", "カイゴ"), ("かいご", "カイゴ"), ("ｶｲｺﾞ", "カイゴ"), ("ｶﾞｯｺｳ", "ガッコウ"), ("ゔぁ", "ヴァ"),
        ("かいご　はなこ", "カイゴ ハナコ"), ("  ｶｲｺﾞ   ﾊﾅｺ ", "カイゴ ハナコ"), ("ゝゞ", "ヽヾ"), ("ｰ", "ー"),
    ],
)  # fmt: skip
def test_kana_is_folded_to_full_width_katakana(typed, expected):
    assert normalise_kana(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1950-04-01", D(1950, 4, 1)), ("1950/4/1", D(1950, 4, 1)), ("1950.04.01", D(1950, 4, 1)),
        ("1950年4月1日", D(1950, 4, 1)), ("19500401", D(1950, 4, 1)), ("１９５０－０４－０１", D(1950, 4, 1)),
        ("昭和25年4月1日", D(1950, 4, 1)), ("昭和25.4.1", D(1950, 4, 1)), ("S25.4.1", D(1950, 4, 1)),
        ("s25/4/1", D(1950, 4, 1)), ("㍼25年4月1日", D(1950, 4, 1)), ("大正14年12月24日", D(1925, 12, 24)),
        ("昭和元年12月25日", D(1926, 12, 25)), ("昭和64年1月7日", D(1989, 1, 7)), ("平成元年1月8日", D(1989, 1, 8)),
        ("H31.4.30", D(2019, 4, 30)), ("令和元年5月1日", D(2019, 5, 1)), ("R8.6.15", D(2026, 6, 15)),
    ],
)  # fmt: skip
def test_dates_in_seireki_and_wareki(typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1950-02-30", "存在しない日付です"), ("昭和25年2月30日", "存在しない日付です"),
        ("昭和64年1月8日", "昭和の期間外です（その日は 平成元年1月8日 です）"), ("平成31年5月1日", "平成の期間外です"),
        ("大正1年1月1日", "大正の期間外です"), ("明治5年1月1日", "和暦に変換できません"),
        ("昨日", "の形で入力してください"), ("1950-4", "の形で入力してください"), ("X25.4.1", "の形で入力してください"),
    ],
)  # fmt: skip
def test_impossible_dates_are_refused_with_a_reason(typed, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_date(typed)


def test_the_form_normalises_every_criterion():
    form = PersonSearchForm(
        {"insured_number": "１３１０", "name": "介護 ", "name_kana": "かいご", "birth_date": "S15.5.3"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "insured_number": "1310",
        "name": "介護",
        "name_kana": "カイゴ",
        "birth_date": D(1940, 5, 3),
    }
    assert form.has_criteria


def test_an_empty_form_has_no_criteria():
    form = PersonSearchForm({"insured_number": " ", "name_kana": "", "birth_date": ""})
    assert form.is_valid() and not form.has_criteria
