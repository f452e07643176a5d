"""The staging path: COPY text that survives any cell, set checks in SQL and in Python that report in line
order, and memory that does not grow with the file."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest

from eligibility.imports import pipeline, staging, synthetic
from eligibility.models import ImportJob, InsuredPerson, PersonVersion
from eligibility.tests.importing import CERTIFICATION, PERSON, RATIO, csv_file, issues_of, run_job, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\\N"),
        ("plain 住所", "plain 住所"),
        ("a\tb", "a\\tb"),
        ("line\nbreak\r", "line\\nbreak\\r"),
        ("back\\slash", "back\\\\slash"),
        ("\\N", "\\\\N"),  # the text "\N" is not NULL
        (True, "1"),
        (7, "7"),
        (dt.date(2026, 8, 1), "2026-08-01"),
    ],
)
def test_a_value_becomes_copy_text_and_reads_back_the_same(value, text):
    assert staging.copy_text(value) == text
    expected = None if value is None else value if isinstance(value, str) else text
    assert staging._from_copy_text(text) == expected


@pytest.mark.parametrize("use_copy", [True, False])
def test_cells_with_tabs_backslashes_and_line_breaks_are_stored_exactly(orgs, use_copy):
    from django.db import connection

    if use_copy and connection.vendor != "postgresql":
        pytest.skip("COPY needs PostgreSQL")
    addresses = ["東京都\t千代田区", "C:\\住所\\N", "二行の\n住所"]
    rows = [
        PERSON | {"insured_number": f"000000000{n}", "address": address}
        for n, address in enumerate(addresses, start=1)
    ]
    job = ImportJob.objects.create(
        insurer=orgs["chiyoda"],
        uploaded_by="t",
        file_name="x.csv",
        sha256="0" * 64,
        format="csv",
        mode="commit",
    )
    job.file.save("x.csv", upload(csv_file(rows)))
    result = pipeline.run(job, progress=lambda values: None, use_copy=use_copy)
    assert result.applied, result.errors_csv.decode()
    stored = dict(PersonVersion.objects.values_list("person__insured_number", "address"))
    assert stored == {f"000000000{n}": address for n, address in enumerate(addresses, start=1)}


def test_set_issues_from_sql_and_from_the_file_order_check_come_in_line_order(orgs):
    run_job(orgs["chiyoda"], csv_file([PERSON]))  # 0000000001 is in the database
    rows = [
        PERSON,  # line 2: record.exists (SQL: its key appears once)
        PERSON | {"insured_number": "0000000002"},  # lines 3 and 4: the same key twice (Python)
        PERSON | {"insured_number": "0000000002"},
        CERTIFICATION | {"insured_number": "0000000003"},  # line 5: person.unknown (SQL)
        RATIO | {"action": "change"},  # line 6: record.not_found (SQL)
        PERSON | {"insured_number": "0000000004", "action": "add"},  # lines 7 and 8: added, then deleted
        PERSON | {"insured_number": "0000000004", "action": "delete", "effective_date": "2026-05-01"},
        RATIO | {"insured_number": "0000000004", "action": "delete"},  # line 9: record.not_found (Python)
    ]
    job = run_job(orgs["chiyoda"], csv_file(rows), mode="dry_run")
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [
        ("2", "record.exists"),
        ("4", "record.duplicate_in_file"),
        ("5", "person.unknown"),
        ("6", "record.not_found"),
        ("9", "record.not_found"),
    ]
    assert job.rows_failed == 5


def test_a_person_changed_twice_in_one_file_gets_the_latest_search_fields(orgs):
    rows = [
        PERSON,
        PERSON | {"action": "change", "effective_date": "2026-05-01", "name": "介護　春子"},
        PERSON | {"insured_number": "0000000002", "name": "介護　一郎"},
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.localdate", lambda: dt.date(2026, 6, 1))
        job = run_job(orgs["chiyoda"], csv_file(rows))
    assert job.status == "succeeded", issues_of(job)
    assert dict(InsuredPerson.objects.values_list("insured_number", "name")) == {
        "0000000001": "介護　春子",
        "0000000002": "介護　一郎",
    }


def _peak_bytes(insurer, persons: int) -> int:
    content = synthetic.csv_bytes(insurer.insurer_number, persons, first_number=persons * 10)
    job = ImportJob.objects.create(
        insurer=insurer, uploaded_by="t", file_name="x.csv", sha256="0" * 64, format="csv", mode="commit"
    )
    job.file.save("x.csv", upload(content))
    pipeline.run(job, progress=lambda values: None)  # warm the caches of dates and plans
    job = ImportJob.objects.create(
        insurer=insurer, uploaded_by="t", file_name="y.csv", sha256="1" * 64, format="csv", mode="dry_run"
    )
    job.file.save("y.csv", upload(content))
    tracemalloc.start()
    try:
        result = pipeline.run(job, progress=lambda values: None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.rows_failed == result.rows_total  # every row exists now: the error path, too
    return peak


def test_memory_does_not_grow_with_the_rows(orgs, settings):
    settings.KAIGO_IMPORT_PARALLEL_MIN_BYTES = 10**12  # one process, so that tracemalloc sees all of it
    small, large = _peak_bytes(orgs["chiyoda"], 300), _peak_bytes(orgs["chiyoda"], 1200)
    # Four times the rows; what grows is the set of failed line numbers and bounded caches, not the rows.
    assert large - small < 2_000_000, (small, large)


def test_a_committed_file_with_a_bad_row_still_gets_the_set_checks(orgs):
    rows = [PERSON | {"sex": "9"}, CERTIFICATION | {"insured_number": "0000000009"}]
    job = run_job(orgs["chiyoda"], csv_file(rows))
    assert job.status == "rejected"
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [
        ("2", "code.unknown"),
        ("3", "person.unknown"),
    ]
    assert not InsuredPerson.objects.exists()
