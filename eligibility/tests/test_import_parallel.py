"""A large CSV is validated in two processes; the result is exactly that of one process."""

from __future__ import annotations

import pytest

from conftest import make_org
from eligibility.imports import synthetic
from eligibility.models import CertificationVersion, InsuredPerson, PersonVersion
from eligibility.tests.importing import HEADER, csv_file, issues_of, run_job
from kaigo_portal.accounts.models import OrganisationKind

pytestmark = pytest.mark.django_db


def rows_with_errors(insurer_number: str) -> list[dict]:
    rows = [{key: row.get(key, "") for key in HEADER} for row in synthetic.rows(insurer_number, 300)]
    for index in (5, 200, 500, 790):  # errors in both halves
        rows[index] = rows[index] | {"effective_date": "2026-02-30"}
    rows[300] = rows[300] | {
        "address": "複数行の\n住所",
        "record_type": "person",
    }  # a quoted cell over two lines
    return rows


def snapshot(insurer) -> list:
    return sorted(
        PersonVersion.objects.filter(person__insurer=insurer).values_list(
            "person__insured_number", "effective_date", "name", "address", "line"
        )
    )


def test_two_processes_report_exactly_what_one_process_does(settings):
    settings.KAIGO_IMPORT_PARALLEL_MIN_BYTES = 10**12  # one process: the reference
    reference_insurer = make_org(OrganisationKind.INSURER, "基準", insurer_number="131011")
    reference = run_job(reference_insurer, csv_file(rows_with_errors("131011")))
    settings.KAIGO_IMPORT_PARALLEL_MIN_BYTES = 0  # two processes
    other_insurer = make_org(OrganisationKind.INSURER, "比較", insurer_number="011007")
    other = run_job(other_insurer, csv_file(rows_with_errors("011007")))
    assert (other.rows_total, other.rows_ok, other.rows_failed, other.warnings) == (
        reference.rows_total,
        reference.rows_ok,
        reference.rows_failed,
        reference.warnings,
    )
    assert [issue[3] for issue in issues_of(reference)].count(
        "date.invalid"
    ) == 4  # (and rows of those persons)
    assert issues_of(other) == issues_of(reference)


def test_a_valid_file_split_in_two_applies_the_same_data(settings):
    content = synthetic.csv_bytes("131011", 400)
    settings.KAIGO_IMPORT_PARALLEL_MIN_BYTES = 10**12
    one = make_org(OrganisationKind.INSURER, "一", insurer_number="131011")
    assert run_job(one, content).status == "succeeded"
    settings.KAIGO_IMPORT_PARALLEL_MIN_BYTES = 0
    two = make_org(OrganisationKind.INSURER, "二", insurer_number="011007")
    assert run_job(two, content.replace(b"131011", b"011007")).status == "succeeded"
    assert snapshot(one) == snapshot(two)
    assert InsuredPerson.objects.filter(insurer=two).count() == 400
    assert (
        CertificationVersion.objects.filter(person__insurer=two).count()
        == CertificationVersion.objects.filter(person__insurer=one).count()
    )
