"""Tests for kaigo_portal.numbers (domain.md §2.10, §11 items 1-4)."""

from __future__ import annotations

import dataclasses

import pytest

from kaigo_portal.numbers import (
    OFFICE_LETTER_VALUES,
    NumberIssue,
    check_insured_number,
    check_insurer_number,
    check_medical_institution_code,
    check_office_number,
    check_prefecture_number,
    has_errors,
    insurer_check_digit,
    is_community_support_center,
    is_minashi_office_number,
    office_check_digit,
)


def codes(issues: list[NumberIssue]) -> list[str]:
    return [issue.code for issue in issues]


def only(issues: list[NumberIssue]) -> tuple[str, str]:
    """(code, severity) of the single issue; fails if there is not exactly one."""
    assert len(issues) == 1, issues
    return issues[0].code, issues[0].severity


# --- NumberIssue / has_errors ------------------------------------------------------------------------


def test_number_issue_is_frozen() -> None:
    issue = NumberIssue(code="x.y", message="メッセージ", severity="error")
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.code = "z"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], False),
        (["warning"], False),
        (["warning", "warning"], False),
        (["error"], True),
        (["warning", "error"], True),
    ],
)
def test_has_errors(severities: list[str], expected: bool) -> None:
    issues = [NumberIssue(code="c", message="m", severity=s) for s in severities]  # type: ignore[arg-type]
    assert has_errors(issues) is expected


# --- 都道府県番号 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["01", "13", "47"])
def test_prefecture_valid(value: str) -> None:
    assert check_prefecture_number(value) == []


@pytest.mark.parametrize("value", ["00", "48", "99", "1", "013", "", "１３", "1a", " 1"])
def test_prefecture_invalid(value: str) -> None:
    assert only(check_prefecture_number(value)) == ("prefecture.format", "error")


# --- 保険者番号 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first5", "digit"),
    [
        # 01100: 0×2 + 0×1 + 1×2 + 1×1 + 0×2 = 3 → 10 - 3 = 7
        ("01100", 7),
        # 13101: 1×2 + 0×1 + 1×2 + 3×1 + 1×2 = 9 → 1
        ("13101", 1),
        # 27100: 0×2 + 0×1 + 1×2 + 7×1 + 2×2 = 13 → 7
        ("27100", 7),
        # 08202: 2×2 + 0×1 + 2×2 + 8×1 + 0×2 = 16 → 4
        ("08202", 4),
        # 47000: 0 + 0 + 0 + 7×1 + 4×2 = 15 → 5
        ("47000", 5),
        # 19190: 0×2 + 9×1 + 1×2 + 9×1 + 1×2 = 22 → 8 (no two-digit product)
        ("19190", 8),
        # 09090: 9×1 + 9×1 = 18 → 2
        ("09090", 2),
        # 90909: 9×2=18→1+8=9, three times: 27 → 3
        ("90909", 3),
        # 10000: 1×2 = 2 → 8; 00000: sum 0 → (10 - 0) % 10 = 0
        ("10000", 8),
        ("00000", 0),
    ],
)
def test_insurer_check_digit(first5: str, digit: int) -> None:
    assert insurer_check_digit(first5) == digit


@pytest.mark.parametrize("first5", ["1310", "131011", "1310a", "１３１０１"])
def test_insurer_check_digit_rejects_bad_input(first5: str) -> None:
    with pytest.raises(ValueError):
        insurer_check_digit(first5)


@pytest.mark.parametrize("value", ["011007", "131011", "271007", "082024"])
def test_insurer_number_valid(value: str) -> None:
    assert check_insurer_number(value) == []


def test_insurer_number_check_digit_mismatch_is_a_warning() -> None:
    issues = check_insurer_number("131010")
    assert only(issues) == ("insurer_number.check_digit", "warning")
    assert not has_errors(issues)
    assert "1" in issues[0].message  # the expected digit is shown


@pytest.mark.parametrize(
    "value",
    ["13101", "1310110", "13101a", "０１１００７", "", " 131011", "131011 ", "13-101", "13101１"],
)
def test_insurer_number_format(value: str) -> None:
    assert only(check_insurer_number(value)) == ("insurer_number.format", "error")


def test_insurer_number_bad_prefecture() -> None:
    # 48100 → check digit 2 (0×2 + 0×1 + 1×2 + 8×1 + 4×2 = 18 → 2); 481001 also has a wrong digit.
    assert only(check_insurer_number("481002")) == ("insurer_number.prefecture", "error")
    issues = check_insurer_number("481001")
    assert "insurer_number.prefecture" in codes(issues)
    assert has_errors(issues)
    # 00000 → check digit 0
    assert only(check_insurer_number("000000")) == ("insurer_number.prefecture", "error")


def test_insurer_number_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        check_insurer_number(131011)  # type: ignore[arg-type]


# --- 事業所番号 -------------------------------------------------------------------------------------------


def test_office_letter_values() -> None:
    assert OFFICE_LETTER_VALUES["A"] == 10
    assert OFFICE_LETTER_VALUES["H"] == 17
    assert OFFICE_LETTER_VALUES["J"] == 18
    assert OFFICE_LETTER_VALUES["N"] == 22
    assert OFFICE_LETTER_VALUES["P"] == 23
    assert OFFICE_LETTER_VALUES["R"] == 24
    assert OFFICE_LETTER_VALUES["Z"] == 32
    assert len(OFFICE_LETTER_VALUES) == 23
    assert not {"I", "O", "Q"} & OFFICE_LETTER_VALUES.keys()


@pytest.mark.parametrize(
    ("first9", "digit"),
    [
        # 137010001, weights from the right 2,1,2,1,2,1,2,1,2:
        # 1×2=2, 0, 0, 0, 1×2=2, 0, 7×2=14→1+4=5, 3×1=3, 1×2=2 → 14 → 10 - 4 = 6
        ("137010001", 6),
        # 13A123456: 6×2=12→3, 5×1=5, 4×2=8, 3×1=3, 2×2=4, 1×1=1, A=10×2=20→2+0=2, 3×1=3, 1×2=2
        # → 3+5+8+3+4+1+2+3+2 = 31 → 10 - 1 = 9
        ("13A123456", 9),
        # 13A010001: 2 + 0 + 0 + 0 + 2 + 0 + (10×2=20→2) + 3 + 2 = 11 → 9
        ("13A010001", 9),
        # 13Z010001: 2 + 0 + 0 + 0 + 2 + 0 + (32×2=64→6+4=10) + 3 + 2 = 19 → 1
        ("13Z010001", 1),
        # 13H010001: H=17, 17×2=34→7: 2 + 2 + 7 + 3 + 2 = 16 → 4
        ("13H010001", 4),
        # 13J010001: J=18 (I skipped), 18×2=36→9: 2 + 2 + 9 + 3 + 2 = 18 → 2
        ("13J010001", 2),
        # 131010001: 2 + 2 + (1×2=2) + 3 + 2 = 11 → 9
        ("131010001", 9),
        # 130010001: 2 + 2 + 0 + 3 + 2 = 9 → 1
        ("130010001", 1),
        # 137010002: 2×2=4 instead of 2 → 16 → 4
        ("137010002", 4),
        # 135010001: 2 + 2 + (5×2=10→1) + 3 + 2 = 10 → 10 - 0 = 10 → 0
        ("135010001", 0),
    ],
)
def test_office_check_digit(first9: str, digit: int) -> None:
    assert office_check_digit(first9) == digit


@pytest.mark.parametrize(
    "first9",
    [
        "13701000",
        "1370100011",
        "A37010001",
        "1370A0001",
        "13I010001",
        "13O010001",
        "13Q010001",
        "13a010001",
        "１37010001",
    ],
)
def test_office_check_digit_rejects_bad_input(first9: str) -> None:
    with pytest.raises(ValueError):
        office_check_digit(first9)


@pytest.mark.parametrize(
    "value",
    [
        "1370100016",  # §11 item 4
        "13A1234569",  # letter at position 3, hand-checked above
        "13A0100019",
        "1300100011",  # 地域包括支援センター
        "1310100019",  # みなし (医科)
        # 138010001: 1×2=2, 0, 0, 0, 1×2=2, 0, 8×2=16→1+6=7, 3×1=3, 1×2=2 → 16 → 4
        "1380100014",
        # 139010001: 9×2=18→9: 2+2+9+3+2 = 18 → 2
        "1390100012",
        # 477010001: 1×2=2, 0, 0, 0, 1×2=2, 0, 7×2=14→5, 7×1=7, 4×2=8 → 24 → 6
        "4770100016",
    ],
)
def test_office_number_valid(value: str) -> None:
    assert check_office_number(value) == []


def test_office_number_wrong_check_digit_is_an_error() -> None:
    issues = check_office_number("1370100015")  # §11 item 4
    assert only(issues) == ("office_number.check_digit", "error")
    assert has_errors(issues)


@pytest.mark.parametrize("value", ["1310100018", "1330100016", "1340100014", "1350100011", "1360100019"])
def test_minashi_wrong_check_digit_is_only_a_warning(value: str) -> None:
    # Right digits, with position 3 = c, c×2 digit-summed: 2 + 2 + d(c×2) + 3 + 2:
    # 131…: 2 → 11 → 9; 133…: 6 → 15 → 5; 134…: 8 → 17 → 3; 135…: 10→1 → 10 → 0; 136…: 12→3 → 12 → 8.
    # Each value above is off by one.
    assert office_check_digit(value[:9]) != int(value[9])
    issues = check_office_number(value)
    assert only(issues) == ("office_number.check_digit", "warning")
    assert not has_errors(issues)


@pytest.mark.parametrize("value", ["1310100019", "1330100015", "1340100013", "1350100010", "1360100018"])
def test_minashi_with_right_check_digit_is_clean(value: str) -> None:
    assert check_office_number(value) == []


@pytest.mark.parametrize("value", ["13I0100010", "13O0100010", "13Q0100010", "13a0100019", "13z0100011"])
def test_office_number_bad_letter_at_position_3(value: str) -> None:
    assert only(check_office_number(value)) == ("office_number.letter", "error")


@pytest.mark.parametrize(
    "value", ["A370100016", "1A70100016", "137A100016", "13701000A6", "137010001A", "1370100B16"]
)
def test_office_number_letter_at_other_positions(value: str) -> None:
    assert only(check_office_number(value)) == ("office_number.letter", "error")


@pytest.mark.parametrize(
    "value",
    [
        # 132010001: (2×2=4): 2+2+4+3+2 = 13 → 7
        "1320100017",
        # B=11, 11×2=22→4: 2+2+4+3+2 = 13 → 7
        "13B0100017",
        # Z=32 → 64 → 10: 19 → 1
        "13Z0100011",
    ],
)
def test_office_number_category(value: str) -> None:
    assert office_check_digit(value[:9]) == int(value[9])  # only the category is wrong
    assert only(check_office_number(value)) == ("office_number.category", "error")


@pytest.mark.parametrize(
    "value",
    ["137010001", "13701000160", "", "１３７０１０００１６", "1370-10001", "137010001６", " 370100016"],
)
def test_office_number_format(value: str) -> None:
    assert only(check_office_number(value)) == ("office_number.format", "error")


@pytest.mark.parametrize(
    "value",
    [
        # 007010001: 2 + 2 + 5 + 0 + 0 = 9 → 1
        "0070100011",
        # 487010001: 2 + 2 + 5 + 8×1=8 + 4×2=8 = 25 → 5
        "4870100015",
    ],
)
def test_office_number_prefecture(value: str) -> None:
    assert only(check_office_number(value)) == ("office_number.prefecture", "error")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1310100019", True),
        ("1330100015", True),
        ("1340100013", True),
        ("1350100010", True),
        ("1360100018", True),
        ("1370100016", False),
        ("1300100011", False),
        ("1320100017", False),
        ("13A0100019", False),
        ("131010001", False),
    ],
)
def test_is_minashi_office_number(value: str, expected: bool) -> None:
    assert is_minashi_office_number(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1300100011", True),  # serial 0001
        ("1300149990", True),  # serial 4999
        ("1300150000", False),  # serial 5000: 総合事業 (経過措置)
        ("1300199990", False),  # serial 9999
        ("1300100000", False),  # serial 0000
        ("1370100016", False),  # 指定事業所
        ("13A0100019", False),
        ("130010001", False),  # too short
        ("13001ABCD0", False),
    ],
)
def test_is_community_support_center(value: str, expected: bool) -> None:
    assert is_community_support_center(value) is expected


# --- 医療機関コード -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1310112345", "1330112345", "1340112345", "0110000000", "4719999999"])
def test_medical_code_valid(value: str) -> None:
    assert check_medical_institution_code(value) == []


@pytest.mark.parametrize("table", ["0", "2", "5", "6", "7", "8", "9"])
def test_medical_code_score_table(table: str) -> None:
    assert only(check_medical_institution_code(f"13{table}0112345")) == ("medical_code.score_table", "error")


@pytest.mark.parametrize("value", ["0010112345", "4810112345", "9910112345"])
def test_medical_code_prefecture(value: str) -> None:
    assert only(check_medical_institution_code(value)) == ("medical_code.prefecture", "error")


def test_medical_code_prefecture_and_table_both_reported() -> None:
    assert codes(check_medical_institution_code("0020112345")) == [
        "medical_code.prefecture",
        "medical_code.score_table",
    ]


@pytest.mark.parametrize("value", ["131011234", "13101123456", "", "131011234a", "１３１０１１２３４５"])
def test_medical_code_format(value: str) -> None:
    assert only(check_medical_institution_code(value)) == ("medical_code.format", "error")


# --- 被保険者番号 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0000000001", "1234567890", "9999999999"])
def test_insured_number_valid(value: str) -> None:
    assert check_insured_number(value) == []


@pytest.mark.parametrize(
    "value",
    ["123456789", "12345678901", "12345678a0", "１２３４５６７８９０", "", "12345 6789", "1234-56789"],
)
def test_insured_number_invalid(value: str) -> None:
    issues = check_insured_number(value)
    assert only(issues) == ("insured_number.format", "error")
    assert value not in issues[0].message or value == ""  # the number itself is never echoed


# --- messages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "issues",
    [
        check_insurer_number("13101"),
        check_insurer_number("131010"),
        check_office_number("1370100015"),
        check_office_number("1320100017"),
        check_medical_institution_code("1320112345"),
        check_insured_number("1"),
        check_prefecture_number("48"),
    ],
)
def test_messages_are_japanese(issues: list[NumberIssue]) -> None:
    assert issues
    for issue in issues:
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in issue.message)
        assert issue.code.count(".") == 1
