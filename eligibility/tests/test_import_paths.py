"""The COPY path (PostgreSQL) and the portable path give identical data for the same file."""

from __future__ import annotations

import pytest

from conftest import make_org
from eligibility.imports import pipeline, synthetic
from eligibility.models import (
    BurdenRatioVersion,
    CertificationVersion,
    ImportJob,
    InsuredPerson,
    LedgerLineVersion,
    PersonVersion,
)
from eligibility.tests.importing import upload
from kaigo_portal.accounts.models import OrganisationKind

MODELS = [PersonVersion, CertificationVersion, BurdenRatioVersion, LedgerLineVersion]
LEDGER = [
    {
        "record_type": "ledger",
        "action": "add",
        "effective_date": "2026-07-01",
        "line_id": f"H-{n}",
        "kind": "housing",
        "service_date": "2026-06-20",
        "amount": "150000",
        "dwelling": "東京都千代田区",
    }
    for n in range(3)
]


def content_for(insurer_number: str) -> bytes:
    rows = list(synthetic.rows(insurer_number, 40))
    rows += [line | {"insurer_number": insurer_number, "insured_number": "0000000001"} for line in LEDGER]
    rows.append(
        rows[0]
        | {"action": "change", "effective_date": "2026-10-01", "address": "東京都千代田区九段南一丁目"}
    )
    rows.append(rows[1] | {"action": "delete", "effective_date": "2026-11-01"})
    import csv
    import io

    columns = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def snapshot(insurer) -> dict:
    """Every version of an insurer's persons, without ids, jobs or times."""
    data = {}
    skip = {"id", "person", "job", "recorded_at"}
    for model in MODELS:
        fields = [f.name for f in model._meta.concrete_fields if f.name not in skip]
        data[model.__name__] = sorted(
            (row[0], *row[1:])
            for row in model.objects.filter(person__insurer=insurer).values_list(
                "person__insured_number", *fields
            )
        )
    data["persons"] = sorted(
        InsuredPerson.objects.filter(insurer=insurer).values_list(
            "insured_number", "name", "name_kana", "birth_date"
        )
    )
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("use_copy", [True, False])
def test_both_paths_give_identical_data(use_copy, settings):
    from django.db import connection

    if use_copy and connection.vendor != "postgresql":
        pytest.skip("COPY needs PostgreSQL (CI runs this on PostgreSQL)")
    reference = make_org(OrganisationKind.INSURER, "基準", insurer_number="131011")
    other = make_org(OrganisationKind.INSURER, "比較", insurer_number="011007")
    results = {}
    for insurer, copy in ((reference, False), (other, use_copy)):
        job = ImportJob.objects.create(
            insurer=insurer, uploaded_by="t", file_name="x.csv", sha256="0" * 64, format="csv", mode="commit"
        )
        job.file.save("x.csv", upload(content_for(insurer.insurer_number)))
        result = pipeline.run(job, progress=lambda values: None, use_copy=copy)
        assert result.applied and result.rows_failed == 0
        results[insurer.pk] = snapshot(insurer)
    assert results[reference.pk] == results[other.pk]
    assert len(results[reference.pk]["PersonVersion"]) == 41  # 40 adds and a change
    deleted = [row for rows in results[reference.pk].values() for row in rows if True in row[2:3]]
    assert len(deleted) == 1  # the deletion (rows[1]) is there on both paths
