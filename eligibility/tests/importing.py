"""Helpers for import tests: build files, run a job through the service as the worker would."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from eligibility import services
from eligibility.models import ImportJob

HEADER = ["record_type", "action", "effective_date", "insurer_number", "insured_number", "name", "name_kana",
          "birth_date", "sex", "postal_code", "address", "qualified_on", "category", "issued_on", "care_level",
          "certified_on", "valid_from", "valid_to", "ratio", "stage", "residence_cap", "food_cap", "kind", "detail",
          "line_id", "service_date", "amount", "dwelling", "disqualified_on", "panel_opinion",
          "care_plan_office_number", "care_plan_office_name", "care_plan_notified_on"]  # fmt: skip

PERSON = {"record_type": "person", "action": "add", "effective_date": "2026-04-01", "insurer_number": "131011",
          "insured_number": "0000000001", "name": "介護　花子", "name_kana": "カイゴ　ハナコ", "birth_date": "1950-05-10",
          "sex": "2", "postal_code": "101-0051", "address": "東京都千代田区神田神保町一丁目1番",
          "qualified_on": "2015-05-09", "category": "1"}  # fmt: skip
CERTIFICATION = {"record_type": "certification", "action": "add", "effective_date": "2026-04-01",
                 "insurer_number": "131011", "insured_number": "0000000001", "care_level": "22",
                 "certified_on": "2026-04-20", "valid_from": "2026-04-01", "valid_to": "2027-03-31"}  # fmt: skip
RATIO = {"record_type": "burden_ratio", "action": "add", "effective_date": "2026-08-01", "insurer_number": "131011",
         "insured_number": "0000000001", "ratio": "1", "valid_from": "2026-08-01", "valid_to": "2027-07-31"}  # fmt: skip


def csv_file(rows: list[dict], *, encoding: str = "utf-8", newline: str = "\r\n", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator=newline)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def upload(content: bytes, name: str = "import.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def run_job(insurer, content: bytes, *, mode: str = "commit", file_format: str = "csv") -> ImportJob:
    """Creates the job and runs it in this process, as the worker's task does."""
    job = services.import_job_create(
        insurer=insurer,
        upload=upload(content, f"x.{file_format}"),
        file_format=file_format,
        mode=mode,
        uploaded_by="test",
    )
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def issues_of(job: ImportJob) -> list[list[str]]:
    from eligibility.imports.pipeline import read_errors

    return read_errors(job, limit=10_000)
