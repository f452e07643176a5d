"""Every validation rule, table-driven: a bad row is reported with its line, field, value, code and a
Japanese message, and a file with an error applies nothing."""

from __future__ import annotations

import json

import pytest

from eligibility.models import CertificationVersion, InsuredPerson, PersonVersion
from eligibility.tests.importing import CERTIFICATION, PERSON, RATIO, csv_file, issues_of, run_job

pytestmark = pytest.mark.django_db

COST = {"record_type": "cost_limit", "action": "add", "effective_date": "2026-08-01", "insurer_number": "131011",
        "insured_number": "0000000001", "stage": "2", "residence_cap": "490", "food_cap": "390",
        "valid_from": "2026-08-01", "valid_to": "2027-07-31"}  # fmt: skip
RESTRICTION = {"record_type": "restriction", "action": "add", "effective_date": "2026-06-01", "insurer_number": "131011",
               "insured_number": "0000000001", "kind": "1", "valid_from": "2026-06-01", "valid_to": "2027-05-31"}  # fmt: skip
LEDGER = {"record_type": "ledger", "action": "add", "effective_date": "2026-07-01", "insurer_number": "131011",
          "insured_number": "0000000001", "line_id": "H-0001", "kind": "housing", "service_date": "2026-06-20",
          "amount": "150000", "dwelling": "東京都千代田区神田神保町一丁目1番"}  # fmt: skip

# (label, the bad row, the field, the code): each row is the second line of a file whose first data
# line is a valid person, so line numbers are 3.
ERRORS = [
    ("unknown record type", RATIO | {"record_type": "insurance"}, "record_type", "record_type.unknown"),
    ("unknown action", RATIO | {"action": "upsert"}, "action", "action.unknown"),
    ("date format", RATIO | {"effective_date": "2026/08/01"}, "effective_date", "date.format"),
    ("impossible date", RATIO | {"effective_date": "2026-02-30"}, "effective_date", "date.invalid"),
    ("insured number too short", RATIO | {"insured_number": "000000001"}, "insured_number", "insured_number.format"),
    ("insured number with a letter", RATIO | {"insured_number": "00000000A1"}, "insured_number", "insured_number.format"),
    ("insured number full-width", RATIO | {"insured_number": "０００００００００１"}, "insured_number", "insured_number.format"),
    ("insurer number malformed", RATIO | {"insurer_number": "13101"}, "insurer_number", "insurer_number.format"),
    ("another insurer's person", RATIO | {"insurer_number": "082024"}, "insurer_number", "insurer.not_own"),
    ("required column empty", RATIO | {"ratio": ""}, "ratio", "field.required"),
    ("burden ratio 4割", RATIO | {"ratio": "4"}, "ratio", "code.unknown"),
    ("burden ratio not ending 7/31", RATIO | {"valid_to": "2027-06-30"}, "valid_to", "date.not_july_31"),
    ("burden ratio over a year", RATIO | {"valid_from": "2025-07-01"}, "valid_from", "period.too_long"),
    ("burden ratio reversed", RATIO | {"valid_from": "2027-08-01", "valid_to": "2027-07-31"}, "valid_to", "period.reversed"),
    ("cost limit stage", COST | {"stage": "4"}, "stage", "code.unknown"),
    ("cost limit yen", COST | {"food_cap": "-390"}, "food_cap", "number.format"),
    ("cost limit not ending 7/31", COST | {"valid_to": "2027-08-31"}, "valid_to", "date.not_july_31"),
    ("care level", CERTIFICATION | {"care_level": "26"}, "care_level", "code.unknown"),
    ("end not a month end", CERTIFICATION | {"valid_to": "2027-03-30"}, "valid_to", "date.not_month_end"),
    ("period reversed", CERTIFICATION | {"valid_from": "2027-04-01"}, "valid_to", "period.reversed"),
    ("care-plan office check digit", CERTIFICATION | {"care_plan_office_number": "1370100015", "care_plan_office_name": "x"},
     "care_plan_office_number", "office_number.check_digit"),
    ("care-plan office without name", CERTIFICATION | {"care_plan_office_number": "1370100016"}, "care_plan_office_name", "field.required"),
    ("restriction kind", RESTRICTION | {"kind": "9"}, "kind", "code.unknown"),
    ("restriction reversed", RESTRICTION | {"valid_to": "2026-05-31"}, "valid_to", "period.reversed"),
    ("ledger kind", LEDGER | {"kind": "car"}, "kind", "code.unknown"),
    ("ledger amount", LEDGER | {"amount": "15万"}, "amount", "number.format"),
    ("ledger housing without dwelling", LEDGER | {"dwelling": ""}, "dwelling", "field.required"),
    ("ledger line id", LEDGER | {"line_id": "H 0001"}, "line_id", "line_id.format"),
    ("person kana in hiragana", PERSON | {"insured_number": "0000000002", "name_kana": "かいご　はなこ"}, "name_kana", "kana.format"),
    ("person sex", PERSON | {"insured_number": "0000000002", "sex": "3"}, "sex", "code.unknown"),
    ("person postal code", PERSON | {"insured_number": "0000000002", "postal_code": "1010051x"}, "postal_code", "postal_code.format"),
    ("person qualified before birth", PERSON | {"insured_number": "0000000002", "qualified_on": "1949-01-01"},
     "qualified_on", "person.qualified_before_birth"),
    ("person name too long", PERSON | {"insured_number": "0000000002", "name": "名" * 101}, "name", "field.too_long"),
    ("certification of an unknown person", CERTIFICATION | {"insured_number": "0000000099"}, "insured_number", "person.unknown"),
    ("change of a record that does not exist", RATIO | {"action": "change"}, "action", "record.not_found"),
    ("delete of a record that does not exist", RATIO | {"action": "delete"}, "action", "record.not_found"),
    ("same record twice", PERSON, "", "record.duplicate_in_file"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "row", "field", "code"), ERRORS, ids=[case[0] for case in ERRORS])
def test_a_bad_row_is_reported_and_nothing_is_applied(orgs, label, row, field, code):
    job = run_job(orgs["chiyoda"], csv_file([PERSON, row]))
    assert job.status == "rejected", label
    errors = [issue for issue in issues_of(job) if issue[5] == "エラー"]
    assert [(line, issue_field, issue_code) for line, issue_field, _v, issue_code, _m, _s in errors] == [
        ("3", field, code)
    ]
    assert errors[0][4]  # a Japanese message
    assert (job.rows_total, job.rows_ok, job.rows_failed) == (2, 1, 1)
    assert not InsuredPerson.objects.exists() and not PersonVersion.objects.exists()


WARNINGS = [
    ("period beyond 48 months", CERTIFICATION | {"valid_to": "2031-03-31"}, "certification.period_range"),
    ("period under 3 months", CERTIFICATION | {"valid_to": "2026-05-31"}, "certification.period_range"),
    (
        "第1号 younger than 65",
        PERSON | {"insured_number": "0000000002", "birth_date": "1970-01-01", "qualified_on": "2026-04-01"},
        "person.category_age",
    ),
]


@pytest.mark.parametrize(("label", "row", "code"), WARNINGS, ids=[case[0] for case in WARNINGS])
def test_a_warning_is_reported_and_the_file_still_applies(orgs, label, row, code):
    job = run_job(orgs["chiyoda"], csv_file([PERSON, row]))
    assert job.status == "succeeded", issues_of(job)
    assert [(issue[3], issue[5]) for issue in issues_of(job)] == [(code, "警告")]
    assert job.warnings == 1


def test_an_insurer_number_check_digit_mismatch_is_a_warning(db):
    from conftest import make_org
    from kaigo_portal.accounts.models import OrganisationKind

    odd = make_org(OrganisationKind.INSURER, "検証番号不一致市", insurer_number="131010")
    job = run_job(odd, csv_file([PERSON | {"insurer_number": "131010"}]))
    assert job.status == "succeeded"
    assert [(issue[2], issue[3], issue[5]) for issue in issues_of(job)] == [
        ("131010", "insurer_number.check_digit", "警告")
    ]


def test_every_error_of_a_file_is_reported_not_just_the_first(orgs):
    rows = [PERSON] + [RATIO | {"ratio": "9", "valid_from": f"2026-08-{day:02d}"} for day in range(1, 21)]
    job = run_job(orgs["chiyoda"], csv_file(rows))
    assert job.rows_failed == 20
    assert [issue[0] for issue in issues_of(job)] == [str(line) for line in range(3, 23)]


def test_shift_jis_crlf_and_utf8_bom_lf_give_the_same_result(orgs):
    variants = [("cp932", "\r\n", False), ("utf-8", "\n", True), ("utf-8", "\r\n", False)]
    for number, (encoding, newline, bom) in enumerate(variants, start=1):
        content = csv_file(
            [PERSON | {"insured_number": f"{number:010d}"}], encoding=encoding, newline=newline, bom=bom
        )
        job = run_job(orgs["chiyoda"], content)
        assert job.status == "succeeded", (encoding, issues_of(job))
    assert set(PersonVersion.objects.values_list("name", "name_kana")) == {("介護　花子", "カイゴ　ハナコ")}
    assert PersonVersion.objects.count() == 3


def test_blank_lines_are_skipped_and_line_numbers_stay_physical(orgs):
    content = (
        csv_file([PERSON]).replace(b"\r\n", b"\r\n\r\n", 1)
        + b"\r\n\r\n"
        + csv_file([RATIO | {"ratio": "9"}]).split(b"\r\n", 1)[1]
    )
    job = run_job(orgs["chiyoda"], content)
    assert job.rows_total == 2
    # header 1, blank 2, person 3, blank 4 and 5, the bad ratio 6
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [("6", "code.unknown")]


def test_a_truncated_last_line_is_an_error_not_a_silent_drop(orgs):
    content = csv_file([PERSON]) + b'burden_ratio,add,2026-08-01,131011,0000000001,"unterminated'
    job = run_job(orgs["chiyoda"], content)
    assert job.status == "rejected"
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [("3", "record.truncated")]


def test_a_short_row_is_reported(orgs):
    job = run_job(orgs["chiyoda"], csv_file([PERSON]) + b"burden_ratio,add,2026-08-01\r\n")
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [("3", "record.columns")]


def test_a_10_mb_field_is_an_error_of_its_row(orgs):
    huge = PERSON | {"insured_number": "0000000002", "address": "あ" * 10_000_000}
    job = run_job(orgs["chiyoda"], csv_file([PERSON, huge, RATIO]))
    assert job.status == "rejected"
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [("3", "record.too_long")]
    assert job.rows_total == 3 and job.rows_ok == 2


def test_undecodable_bytes_are_reported_with_their_line(orgs):
    content = (
        csv_file([PERSON])
        + b"burden_ratio,add,2026-08-01,131011,0000000001,\xff\xfe,,,,,,,,,,,2026-08-01,2027-07-31,1"
        + b",," * 7
        + b"\r\n"
    )
    job = run_job(orgs["chiyoda"], content)
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [("3", "encoding.invalid")]


def test_a_header_without_record_type_is_refused(orgs):
    job = run_job(orgs["chiyoda"], b"type,action\r\nperson,add\r\n")
    assert job.status == "rejected"
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [("1", "header.invalid")]


def test_a_formula_cell_is_stored_as_text_and_escaped_in_the_error_file(orgs):
    formula = '=HYPERLINK("http://evil.example/","x")'
    job = run_job(orgs["chiyoda"], csv_file([PERSON | {"address": formula}, RATIO | {"ratio": "=1+1"}]))
    assert [(issue[2], issue[3]) for issue in issues_of(job)] == [("'=1+1", "code.unknown")]
    raw = job.errors_file.open("rb").read().decode("utf-8-sig")
    assert "'=1+1" in raw and ",=1+1" not in raw
    ok = run_job(orgs["chiyoda"], csv_file([PERSON | {"address": formula}]))
    assert ok.status == "succeeded"
    assert PersonVersion.objects.get().address == formula  # kept as text, never evaluated


def test_json_lines_are_validated_by_the_same_rules(orgs):
    lines = [
        json.dumps(PERSON, ensure_ascii=False),
        "",
        json.dumps(RATIO | {"ratio": "5"}),
        "{not json",
        "[1, 2]",
        json.dumps(RATIO | {"ratio": 1, "valid_from": "2026-09-01"}),
    ]
    job = run_job(orgs["chiyoda"], "\n".join(lines).encode(), file_format="jsonl")
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [
        ("3", "code.unknown"),
        ("4", "record.malformed"),
        ("5", "record.malformed"),
    ]
    valid = run_job(orgs["chiyoda"], "\n".join([lines[0], lines[5]]).encode(), file_format="jsonl")
    assert valid.status == "succeeded"


def test_rows_may_refer_to_persons_later_in_the_file_or_in_the_database(orgs):
    first = run_job(orgs["chiyoda"], csv_file([CERTIFICATION, PERSON]))
    assert first.status == "succeeded", issues_of(first)
    later = run_job(orgs["chiyoda"], csv_file([RATIO]))
    assert later.status == "succeeded"
    assert CertificationVersion.objects.get().person.insured_number == "0000000001"
