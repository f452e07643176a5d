"""Runs an import job: validate every row (streaming), check the set rules, then apply all or nothing.

Pass 1 streams the file, validates each row (a large CSV in two processes: `parallel`), and spools the valid rows
as COPY text per record type and every issue to temporary files, so memory does not grow with the file.
Pass 2, in one transaction, loads the spools into temporary staging tables and checks what needs the
database or the whole file with set-based SQL (see `staging`): persons that exist neither in the file
nor in the database, and add/change/delete against the records' current state; duplicates and the
persons whose keys repeat are checked in Python in file order. In commit mode with no error, the same
transaction applies the staging tables with one INSERT … SELECT per table. Progress goes to the cache
as the work goes, outside that transaction, so that the page's progress bar moves while the import runs.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation
from kaigo_portal.validators import MY_NUMBER_CODE

from ..models import ImportJob, InsuredPerson, PersonVersion
from . import parallel, reader, sequence, staging
from .registry import Issue, field_label, get
from .validate import validate

CHUNK = 2000
Progress = Callable[[dict], None]


@dataclass
class Result:
    rows_total: int = 0
    rows_ok: int = 0
    rows_failed: int = 0
    warnings: int = 0
    applied: bool = False
    errors_csv: bytes = b""
    held_my_number: bool = False  # a cell held a 個人番号: the uploaded file is not kept
    failed_lines: set[int] = field(default_factory=set)


class IssueSpool:
    """Every issue, written to a temporary CSV as found; the job keeps it as its error file."""

    # The first six columns are the machines' (the API documents them); 項目名 is the column in Japanese.
    HEADER = ["行", "項目", "値", "コード", "内容", "種別", "項目名"]

    def __init__(self, *, header: bool = True) -> None:
        self.file = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file)
        if header:
            self.writer.writerow(self.HEADER)
        self.errors = self.warnings = 0

    def add(self, issue: Issue) -> None:
        if issue.severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
        # A cell refused for holding a 個人番号 is not repeated here: the error file is kept and downloaded.
        value = "（表示しません）" if issue.code == MY_NUMBER_CODE else escape_formula(issue.value)
        self.writer.writerow(
            [
                issue.line,
                issue.field,
                value,
                issue.code,
                issue.message,
                "エラー" if issue.severity == "error" else "警告",
                field_label(issue.field),
            ]
        )

    def text(self) -> str:
        self.file.seek(0)
        return self.file.read()

    def append(self, text: str, *, errors: int, warnings: int) -> None:
        """Issues found by another process, already as CSV rows (they come after these by line)."""
        self.file.seek(0, os.SEEK_END)
        self.file.write(text)
        self.errors += errors
        self.warnings += warnings

    def csv_bytes(self) -> bytes:
        return "\ufeff".encode() + self.text().encode()  # BOM, so that Excel reads UTF-8


def escape_formula(value: str) -> str:
    """A cell starting with =, +, - or @ would run as a formula in a spreadsheet: prefix a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def run(job: ImportJob, *, progress: Progress, use_copy: bool | None = None) -> Result:
    """`use_copy`: COPY on PostgreSQL (the default there); False loads the staging tables with
    executemany (the portable path, as on SQLite).

    The cyclic garbage collector is paused meanwhile: a job makes millions of short-lived objects and no
    cycles, and its full collections would otherwise grow with the file (measured: superlinear time)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(job, progress=progress, use_copy=use_copy)
    finally:
        if collecting:
            gc.enable()


def _run(job: ImportJob, *, progress: Progress, use_copy: bool | None) -> Result:
    use_copy = connection.vendor == "postgresql" if use_copy is None else use_copy
    result = Result()
    issues = IssueSpool()
    spools: list[staging.Spool] = []
    with tempfile.TemporaryDirectory(prefix="kaigo-import-") as folder, job.file.open("rb") as stream:
        try:
            _validate_rows(job, stream, folder, spools, issues, result, progress)
            if result.rows_total:  # the set checks run even after row errors: every problem is reported
                _check_and_apply(job, spools, issues, result, progress, use_copy=use_copy)
        finally:
            for spool in spools:
                spool.close()
    result.rows_ok = result.rows_total - len(result.failed_lines)
    result.rows_failed = len(result.failed_lines)
    result.warnings = issues.warnings
    result.errors_csv = issues.csv_bytes() if issues.errors or issues.warnings else b""
    result.held_my_number = MY_NUMBER_CODE.encode() in result.errors_csv
    return result


def _check_and_apply(job, spools, issues, result, progress, *, use_copy: bool) -> None:
    """One transaction: staging, the set checks, and in commit mode with no error the writes. One error
    anywhere rolls everything back: the whole file or nothing. A dry run always rolls back."""
    commit = job.mode == "commit" and not issues.errors  # a row error already keeps the file out
    phase = "apply" if commit else "check"
    with transaction.atomic():
        if commit:
            # One import per insurer at a time: a second job waits here until the first commits.
            Organisation.objects.select_for_update().filter(pk=job.insurer_id).first()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: millions of deferred checks would
                # queue up for the COMMIT (measured: most of a 1M-person import). Check them as rows go in.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL work_mem = '64MB'")  # the hash joins and sorts of the set checks
        staging.create_tables()
        names = _load(spools, progress, phase=phase, use_copy=use_copy)
        staging.analyze(names)
        _check_sets(job, names, issues, result)
        progress({"phase": phase, "done": result.rows_total, "failed": len(result.failed_lines)})
        if commit and not issues.errors:
            _apply(job, names, progress)
            staging.drop_tables()
            result.applied = True
        else:
            transaction.set_rollback(True)


def _load(spools, progress, *, phase: str, use_copy: bool) -> list[str]:
    """The spools into the staging tables; the names of the record types with rows."""
    done = 0

    def loaded(rows: int) -> None:
        nonlocal done
        done += rows
        progress({"phase": phase, "done": done, "failed": 0})

    names: list[str] = []
    for spool in spools:
        for name, handle in spool.files.items():
            if name not in names:
                names.append(name)
            staging.load(get(name), handle, use_copy=use_copy, loaded=loaded)
    return names


def _check_sets(job, names: list[str], issues, result) -> None:
    """The rules across rows and against the database. Simple persons in SQL, the others in Python; the
    issues go through a staging table so that they come out in line order whatever found them."""
    complex_count = staging.find_complex(names)
    found: list[tuple] = []
    for name in names:
        for line, seq, field_name, value, code in staging.check_simple(get(name), insurer_id=job.insurer_id):
            found.append((line, seq, field_name, value, code, staging.MESSAGES[code][1], "error"))
            if len(found) >= CHUNK:
                staging.save_issues(found)
                found = []
    staging.save_issues(found)
    if complex_count:
        sequence.check_complex(job)
    for issue in staging.read_issues():
        _record_issue(issue, issues, result)


def _apply(job, names: list[str], progress) -> None:
    now = timezone.now()
    staging.mark_stale(insurer_id=job.insurer_id)
    staging.create_persons(names, insurer_id=job.insurer_id, now=now)
    progress({"phase": "apply", "done": 0, "failed": 0, "step": "persons"})
    for name in names:
        staging.insert_versions(get(name), job_id=job.pk, insurer_id=job.insurer_id, now=now)
        progress({"phase": "apply", "done": 0, "failed": 0, "step": name})
    for name in names:
        get(name).after_apply(job)
    _refresh(staging.stale_person_ids_sql(), [job.insurer_id])


def _record_issue(issue: Issue, issues: IssueSpool, result: Result) -> None:
    issues.add(issue)
    if issue.severity == "error":
        result.failed_lines.add(issue.line)


def _validate_rows(job, stream, folder, spools, issues, result, progress) -> None:
    spool = staging.Spool()
    spools.append(spool)
    if not _validate_in_two_processes(job, folder, spools, issues, result, progress):
        _validate_records(job, reader.read(stream, job.format), spool, issues, result, progress)


def _validate_records(job, records, spool: staging.Spool, issues, result, progress) -> None:
    insurer_number = job.insurer.insurer_number
    for record in records:
        result.rows_total += 1
        if record.problem:
            code, message = record.problem
            _record_issue(Issue.make(record.line, "", "", code, message), issues, result)
            continue
        row = validate(record, insurer_number=insurer_number)
        for issue in row.issues:
            _record_issue(issue, issues, result)
        if row.ok:
            spool.add(row)
        if result.rows_total % CHUNK == 0:
            progress({"phase": "validate", "done": result.rows_total, "failed": len(result.failed_lines)})


def _validate_in_two_processes(job, folder, spools, issues, result, progress) -> bool:
    """Validation is pure Python and CPU-bound: a large CSV is split at a line boundary and its second half
    validated by a forked child on the other core, while this process validates the first half (see
    `parallel`). The child touches no database; its spools are files in `folder`. Returns False where
    splitting does not apply (then one process does it)."""
    if job.format != "csv" or (os.cpu_count() or 1) < 2:
        return False
    if not isinstance(job.file.storage, FileSystemStorage):  # the halves are read from a local file
        return False
    path = job.file.path
    if os.path.getsize(path) < settings.KAIGO_IMPORT_PARALLEL_MIN_BYTES:
        return False
    halves = parallel.csv_halves(path)
    if halves is None:
        return False
    child_folder = os.path.join(folder, "second-half")
    os.mkdir(child_folder)

    def second_half():
        part, part_issues, part_spool = Result(), IssueSpool(header=False), staging.Spool(child_folder)
        _validate_records(job, halves.second(), part_spool, part_issues, part, lambda values: None)
        part_spool.close()
        return (
            part.rows_total,
            part.failed_lines,
            part_issues.errors,
            part_issues.warnings,
            part_issues.text(),
            part_spool.rows,
        )

    def first_half():
        _validate_records(job, halves.first(), spools[0], issues, result, progress)

    summary = parallel.in_two_processes(first_half, second_half, folder=folder, what=f"import {job.pk}")
    total, failed_lines, errors, warnings, text, rows = summary
    result.rows_total += total
    result.failed_lines |= failed_lines
    issues.append(text, errors=errors, warnings=warnings)
    second = staging.Spool()
    for name in rows:
        second.files[name] = open(os.path.join(child_folder, f"{name}.copy"), "rb")
    second.rows = dict(rows)
    spools.append(second)
    return True


def refresh_search_fields(person_ids: list[int], *, today=None) -> None:
    """The name, kana and birth date copied onto InsuredPerson for search: those of the person's version in
    force today (or the earliest, if all are future-dated). Set-based, the same SQL on PostgreSQL and SQLite."""
    for start in range(0, len(person_ids), CHUNK):
        batch = person_ids[start : start + CHUNK]
        _refresh(", ".join(["%s"] * len(batch)), batch, today=today)


def _refresh(ids_sql: str, params: list, *, today=None) -> None:
    """`refresh_search_fields` for the persons whose ids `ids_sql` lists or selects."""
    person, version = InsuredPerson._meta.db_table, PersonVersion._meta.db_table
    # Table and column names come from the models; the values are parameters.
    latest = (
        f"SELECT {{column}} FROM {version} v WHERE v.person_id = {person}.id AND NOT v.deleted "  # noqa: S608
        f"ORDER BY CASE WHEN v.effective_date <= %s THEN 0 ELSE 1 END, "
        f"CASE WHEN v.effective_date <= %s THEN v.effective_date END DESC, v.effective_date, v.id DESC LIMIT 1"
    )
    today = today or timezone.localdate()
    sets = ", ".join(
        f"{column} = ({latest.format(column='v.' + column)})"
        for column in ("name", "name_kana", "birth_date")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {person} SET {sets} WHERE id IN ({ids_sql})", [today, today] * 3 + params)  # noqa: S608


def read_errors(job: ImportJob, limit: int = 100) -> list[list[str]]:
    """The first rows of a job's error file: 行, 項目, 値, コード, 内容, 種別 (files written before 項目名 was
    added have only these)."""
    if not job.errors_file:
        return []
    with job.errors_file.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig")
        rows = csv.reader(text)
        next(rows, None)
        return [row[:6] for _, row in zip(range(limit), rows, strict=False)]
