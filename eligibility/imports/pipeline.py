"""Runs an import job: validate every row (streaming), check the set rules, then apply all or nothing.

Pass 1 streams the file, validates each row, and spools the valid rows and every issue to temporary
files, so memory does not grow with the rows' content. Pass 2 walks the spool in chunks and checks what
needs the database or the whole file: duplicates, persons that exist neither in the file nor in the
database, and add/change/delete against the records' current state. Pass 3 (commit mode, no errors)
applies the spool in one transaction. Progress goes to the cache after every chunk, outside that
transaction, so that the page's progress bar moves while the import runs.
"""

from __future__ import annotations

import csv
import io
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from ..models import ImportJob, InsuredPerson, PersonVersion
from . import reader
from .registry import Issue, ParsedRow, get
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
    failed_lines: set[int] = field(default_factory=set)
    persons_in_file: set[str] = field(default_factory=set)  # added or changed by a person row of the file


class IssueSpool:
    """Every issue, written to a temporary CSV as found; the job keeps it as its error file."""

    HEADER = ["行", "項目", "値", "コード", "内容", "種別"]

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(self.HEADER)
        self.errors = self.warnings = 0

    def add(self, issue: Issue) -> None:
        if issue.severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
        self.writer.writerow([issue.line, issue.field, escape_formula(issue.value), issue.code, issue.message,
                              "エラー" if issue.severity == "error" else "警告"])  # fmt: skip

    def csv_bytes(self) -> bytes:
        self.file.seek(0)
        return "\ufeff".encode() + self.file.read().encode()  # BOM, so that Excel reads UTF-8


def escape_formula(value: str) -> str:
    """A cell starting with =, +, - or @ would run as a formula in a spreadsheet: prefix a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _spooled(spool) -> Iterator[list[ParsedRow]]:
    spool.seek(0)
    chunk: list[ParsedRow] = []
    while True:
        try:
            row = pickle.load(spool)  # noqa: S301  (our own temporary file, written just above)
        except EOFError:
            break
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(job: ImportJob, *, progress: Progress) -> Result:
    result = Result()
    issues = IssueSpool()
    with tempfile.TemporaryFile() as spool, job.file.open("rb") as stream:
        _validate_rows(job, stream, spool, issues, result, progress)
        _check_sets(job, spool, issues, result, progress)
        result.rows_ok = result.rows_total - len(result.failed_lines)
        result.rows_failed = len(result.failed_lines)
        result.warnings = issues.warnings
        if job.mode == "commit" and issues.errors == 0 and result.rows_total:
            _apply(job, spool, result, progress)
            result.applied = True
    result.errors_csv = issues.csv_bytes() if issues.errors or issues.warnings else b""
    return result


def _record_issue(issue: Issue, issues: IssueSpool, result: Result) -> None:
    issues.add(issue)
    if issue.severity == "error":
        result.failed_lines.add(issue.line)


def _validate_rows(job, stream, spool, issues, result, progress) -> None:
    insurer_number = job.insurer.insurer_number
    for record in reader.read(stream, job.format):
        result.rows_total += 1
        if record.problem:
            code, message = record.problem
            _record_issue(Issue.make(record.line, "", "", code, message), issues, result)
            continue
        row = validate(record, insurer_number=insurer_number)
        for issue in row.issues:
            _record_issue(issue, issues, result)
        if row.ok:
            if row.record_type.creates_person and row.action != "delete":
                result.persons_in_file.add(row.insured_number)
            row.issues = []
            pickle.dump(row, spool, protocol=pickle.HIGHEST_PROTOCOL)
        if result.rows_total % CHUNK == 0:
            progress({"phase": "validate", "done": result.rows_total, "failed": len(result.failed_lines)})


def _latest_states(job, record_type, numbers: set[str]) -> dict[tuple, bool]:
    """For the records of these persons in the database: key -> live (True) or deleted (False)."""
    key_fields = record_type.key_fields
    rows = (
        record_type.model.objects.filter(person__insurer=job.insurer, person__insured_number__in=numbers)
        .order_by("effective_date", "id")
        .values_list("person__insured_number", "deleted", *key_fields)
    )
    states: dict[tuple, bool] = {}
    for number, deleted, *key in rows:
        states[(record_type.name, number, *key)] = not deleted
    return states


def _check_sets(job, spool, issues, result, progress) -> None:
    """Duplicates, unknown persons, and add/change/delete against the current state (file, then database)."""
    state: dict[tuple, bool] = {}  # record key -> live, for every key the file touches, in file order
    seen: set[tuple] = set()
    done = 0
    for chunk in _spooled(spool):
        numbers = {row.insured_number for row in chunk}
        for name in {row.record_type.name for row in chunk} | {"person"}:  # persons: for the references
            for key, live in _latest_states(job, get(name), numbers).items():
                state.setdefault(key, live)
        for row in chunk:
            for issue in _set_issues(row, state, seen, result.persons_in_file):
                _record_issue(issue, issues, result)
        done += len(chunk)
        progress({"phase": "check", "done": done, "failed": len(result.failed_lines)})


def _set_issues(
    row: ParsedRow, state: dict[tuple, bool], seen: set[tuple], persons_in_file: set[str]
) -> list[Issue]:
    found: list[Issue] = []
    dated_key = (*row.key, row.effective_date)
    if dated_key in seen:
        return [
            Issue.make(
                row.line,
                "",
                "",
                "record.duplicate_in_file",
                "同じレコード・同じ異動日の行がファイル内で重複しています。",
            )
        ]
    seen.add(dated_key)
    person_known = row.insured_number in persons_in_file or state.get(("person", row.insured_number))
    if not row.record_type.creates_person and not person_known:
        found.append(Issue.make(row.line, "insured_number", row.insured_number, "person.unknown",
                                "この被保険者はファイルにもデータベースにも登録されていません。"))  # fmt: skip
    live = state.get(row.key, False)
    if row.action == "add" and live:
        found.append(
            Issue.make(
                row.line,
                "action",
                row.action,
                "record.exists",
                "既に登録されています。変更は change で送ってください。",
            )
        )
    elif row.action in ("change", "delete") and not live:
        found.append(
            Issue.make(row.line, "action", row.action, "record.not_found", "変更・削除する登録がありません。")
        )
    if not found:
        state[row.key] = row.action != "delete"
    return found


def _apply(job, spool, result, progress) -> None:
    """All or nothing: every version of the file in one transaction."""
    done = 0
    now = timezone.now()
    with transaction.atomic():
        for chunk in _spooled(spool):
            persons = _persons_for(job, chunk, now)
            versions: dict[type, list] = {}
            for row in chunk:
                if row.action == "delete":
                    values = {name: row.values[name] for name in row.record_type.key_fields}
                    values |= _placeholders(row, values)
                else:
                    values = row.record_type.version_values(row)
                version = row.record_type.model(
                    person_id=persons[row.insured_number].pk, effective_date=row.effective_date,
                    deleted=row.action == "delete", job=job, line=row.line, recorded_at=now, **values,
                )  # fmt: skip
                versions.setdefault(row.record_type.model, []).append(version)
            for model, rows in versions.items():
                model.objects.bulk_create(rows, batch_size=CHUNK)
            _refresh_search_fields({p.pk: p for p in persons.values()}, versions.get(PersonVersion, []))
            done += len(chunk)
            progress({"phase": "apply", "done": done, "failed": 0})


def _placeholders(row: ParsedRow, values: dict) -> dict:
    """A deletion version carries the key and empty values for the other (required) columns."""
    filler = {}
    for model_field in row.record_type.model._meta.concrete_fields:
        name = model_field.name
        if name in values or name in (
            "id",
            "person",
            "effective_date",
            "deleted",
            "job",
            "line",
            "recorded_at",
        ):
            continue
        if model_field.null:
            continue
        internal = model_field.get_internal_type()
        filler[name] = date.min if internal == "DateField" else 0 if "Integer" in internal else ""
    return filler


def _persons_for(job, chunk: list[ParsedRow], now) -> dict[str, InsuredPerson]:
    numbers = {row.insured_number for row in chunk}
    InsuredPerson.objects.bulk_create(
        [
            InsuredPerson(insurer=job.insurer, insured_number=number, created_at=now)
            for number in sorted(numbers)
        ],
        ignore_conflicts=True,
    )
    return {
        p.insured_number: p
        for p in InsuredPerson.objects.filter(insurer=job.insurer, insured_number__in=numbers)
    }


def _refresh_search_fields(persons: dict[int, InsuredPerson], versions: list[PersonVersion]) -> None:
    """The name, kana and birth date copied onto InsuredPerson for search: those of the last version."""
    changed = {}
    for version in versions:
        if version.deleted:
            continue
        person = persons[version.person_id]
        person.name, person.name_kana, person.birth_date = version.name, version.name_kana, version.birth_date
        changed[person.pk] = person
    InsuredPerson.objects.bulk_update(changed.values(), ["name", "name_kana", "birth_date"], batch_size=CHUNK)


def read_errors(job: ImportJob, limit: int = 100) -> list[list[str]]:
    """The first rows of a job's error file, for its page."""
    if not job.errors_file:
        return []
    with job.errors_file.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig")
        rows = csv.reader(text)
        next(rows, None)
        return [row for _, row in zip(range(limit), rows, strict=False)]
