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
import functools
import gc
import io
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation

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
    persons_in_file: set[int] = field(
        default_factory=set
    )  # hashes of the numbers a person row adds or changes


class IssueSpool:
    """Every issue, written to a temporary CSV as found; the job keeps it as its error file."""

    HEADER = ["行", "項目", "値", "コード", "内容", "種別"]

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
        self.writer.writerow([issue.line, issue.field, escape_formula(issue.value), issue.code, issue.message,
                              "エラー" if issue.severity == "error" else "警告"])  # fmt: skip

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


def _spooled(spool) -> Iterator[list[ParsedRow]]:
    spool.seek(0)
    chunk: list[ParsedRow] = []
    while True:
        try:
            name, action, effective, insurer, insured, line, values = pickle.load(spool)  # noqa: S301  (our own file)
        except EOFError:
            break
        chunk.append(ParsedRow(line, get(name), action, effective, insurer, insured, values))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(job: ImportJob, *, progress: Progress, use_copy: bool | None = None) -> Result:
    """`use_copy`: COPY on PostgreSQL (the default there); False forces the portable path anywhere.

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
    with tempfile.TemporaryFile() as spool, job.file.open("rb") as stream:
        _validate_rows(job, stream, spool, issues, result, progress)
        if job.mode == "commit" and issues.errors == 0 and result.rows_total:
            # The checks that need the database run in the same transaction as the writes, chunk by chunk;
            # one error anywhere rolls everything back: the whole file or nothing.
            with transaction.atomic():
                # One import per insurer at a time: a second job waits here until the first commits.
                Organisation.objects.select_for_update().filter(pk=job.insurer_id).first()
                if connection.vendor == "postgresql":
                    # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: millions of deferred checks would
                    # queue up for the COMMIT (measured: most of a 1M-person import). Check them as rows go in.
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                writer = Writer(job, use_copy=use_copy)
                _check_sets(job, spool, issues, result, progress, writer=writer)
                if issues.errors:
                    transaction.set_rollback(True)
                else:
                    writer.finish()
                    result.applied = True
        else:
            _check_sets(job, spool, issues, result, progress, writer=None)
        result.rows_ok = result.rows_total - len(result.failed_lines)
        result.rows_failed = len(result.failed_lines)
        result.warnings = issues.warnings
    result.errors_csv = issues.csv_bytes() if issues.errors or issues.warnings else b""
    return result


def _record_issue(issue: Issue, issues: IssueSpool, result: Result) -> None:
    issues.add(issue)
    if issue.severity == "error":
        result.failed_lines.add(issue.line)


def _validate_rows(job, stream, spool, issues, result, progress) -> None:
    if not _validate_in_two_processes(job, spool, issues, result, progress):
        _validate_records(job, reader.read(stream, job.format), spool, issues, result, progress)


def _validate_records(job, records, spool, issues, result, progress) -> None:
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
            if row.record_type.creates_person and row.action != "delete":
                result.persons_in_file.add(hash(row.insured_number))
            spooled = (row.record_type.name, row.action, row.effective_date, row.insurer_number, row.insured_number,
                       row.line, row.values)  # fmt: skip
            pickle.dump(spooled, spool, protocol=pickle.HIGHEST_PROTOCOL)
        if result.rows_total % CHUNK == 0:
            progress({"phase": "validate", "done": result.rows_total, "failed": len(result.failed_lines)})


# --- validating a large CSV in two processes -------------------------------------------------------------


def _lines_between(path: str, start: int, end: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        consumed, length = 0, end - start
        for line in handle:
            if consumed >= length:
                return
            consumed += len(line)
            yield line


def _csv_header(path: str) -> tuple[str, list[str]] | None:
    with open(path, "rb") as handle:
        head = handle.read(65536)
    encoding = reader.detect_encoding(head)
    first = head.split(b"\n", 1)[0]
    if first.count(b'"') % 2:  # a header cell spanning lines: not worth splitting
        return None
    codec = "cp932" if encoding == "cp932" else "utf-8"
    try:
        text = first.removeprefix(b"\xef\xbb\xbf").decode(codec).rstrip("\r")
    except UnicodeDecodeError:
        return None
    header = reader.parse_header(next(csv.reader([text])))
    return (encoding, header) if header else None


def _split_point(path: str, size: int) -> tuple[int, int] | None:
    """A line boundary near the middle that is outside every quoted cell (an even number of quotes before
    it, as valid CSV doubles quotes inside cells), and the number of lines before it."""
    with open(path, "rb") as handle:
        handle.seek(size // 2)
        handle.readline()
        split = handle.tell()
        if split >= size:
            return None
        handle.seek(0)
        quotes = lines = 0
        remaining = split
        while remaining:
            block = handle.read(min(1 << 24, remaining))
            remaining -= len(block)
            quotes += block.count(b'"')
            lines += block.count(b"\n")
    return None if quotes % 2 else (split, lines)


def _validate_in_two_processes(job, spool, issues, result, progress) -> bool:
    """Validation is pure Python and CPU-bound: a large CSV is split at a line boundary and its second
    half validated by a forked child on the other core, while this process validates the first half.
    The child touches no database. Returns False where splitting does not apply (then one process does it)."""
    if job.format != "csv" or (os.cpu_count() or 1) < 2:
        return False
    if not isinstance(job.file.storage, FileSystemStorage):  # the halves are read from a local file
        return False
    path = job.file.path
    size = os.path.getsize(path)
    if size < settings.KAIGO_IMPORT_PARALLEL_MIN_BYTES:
        return False
    header, point = _csv_header(path), _split_point(path, size)
    if header is None or point is None:
        return False
    (encoding, names), (split, lines_before) = header, point
    with tempfile.TemporaryDirectory() as folder:
        child_spool, child_summary = os.path.join(folder, "spool"), os.path.join(folder, "summary")
        pid = os.fork()
        if pid == 0:  # the child: the second half, then exit without any clean-up of the parent's resources
            status = 1
            try:
                part, part_issues = Result(), IssueSpool(header=False)
                records = reader.read_csv(_lines_between(path, split, size), encoding=encoding, header=names,
                                          first_line=lines_before + 1)  # fmt: skip
                with open(child_spool, "wb") as out:
                    _validate_records(job, records, out, part_issues, part, lambda values: None)
                with open(child_summary, "wb") as out:
                    summary = (part.rows_total, part.failed_lines, part.persons_in_file, part_issues.errors,
                               part_issues.warnings, part_issues.text())  # fmt: skip
                    pickle.dump(summary, out, protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            finally:
                os._exit(status)
        records = reader.read_csv(_lines_between(path, 0, split), encoding=encoding)
        _validate_records(job, records, spool, issues, result, progress)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            raise RuntimeError(f"the process validating the second half of import {job.pk} failed ({status})")
        with open(child_summary, "rb") as handle:
            total, failed_lines, persons, errors, warnings, text = pickle.load(handle)  # noqa: S301  (our own file)
        result.rows_total += total
        result.failed_lines |= failed_lines
        result.persons_in_file |= persons
        issues.append(text, errors=errors, warnings=warnings)
        spool.seek(0, os.SEEK_END)
        with open(child_spool, "rb") as handle:
            shutil.copyfileobj(handle, spool)
    return True


class KeyStates:
    """Per record key the file touches: whether it is live, and the effective dates the file gave it.

    Keys are kept as 64-bit hashes and the state packed in one int (date ordinal × 2 + live), so that a
    file of a million persons fits in memory; a collision (odds about 1 in 10^7 at that size) could only
    cause a false error report, never a silent change."""

    def __init__(self) -> None:
        self.packed: dict[int, int] = {}  # hash(key) -> last effective date's ordinal * 2 + live
        self.more_dates: dict[int, set[int]] = {}  # for the rare key the file gives several dates

    def seed(self, key: tuple, live: bool) -> None:
        self.packed.setdefault(hash(key), int(live))  # from the database: no file date yet (ordinal 0)

    def is_live(self, key: tuple) -> bool:
        return bool(self.packed.get(hash(key), 0) & 1)

    def seen(self, key: tuple, day) -> bool:
        """Whether the file already had this key with this effective date."""
        packed = self.packed.get(hash(key))
        if packed is None or packed >> 1 == 0:
            return False
        ordinal = day.toordinal()
        return packed >> 1 == ordinal or ordinal in self.more_dates.get(hash(key), ())

    def record(self, key: tuple, day, live: bool) -> None:
        h, ordinal = hash(key), day.toordinal()
        previous = self.packed.get(h, 0) >> 1
        if previous and previous != ordinal:
            self.more_dates.setdefault(h, set()).add(previous)
        self.packed[h] = ordinal * 2 + int(live)


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


def _person_ids(job, numbers: set[str]) -> dict[str, int]:
    return dict(
        InsuredPerson.objects.filter(insurer=job.insurer, insured_number__in=numbers).values_list(
            "insured_number", "id"
        )
    )


def _check_sets(job, spool, issues, result, progress, *, writer: Writer | None) -> None:
    """Duplicates, unknown persons, and add/change/delete against the current state (file, then database);
    with a writer, each chunk is written once it is checked and no error has been found anywhere."""
    states = KeyStates()
    contexts: dict[str, dict] = {}  # each record type's own, for its rules across the file's rows
    done = 0
    for chunk in _spooled(spool):
        numbers = {row.insured_number for row in chunk}
        ids = _person_ids(job, numbers)
        if ids:  # a bulk first load has no one in the database yet: nothing to look up
            existing = set(ids)
            for name in {row.record_type.name for row in chunk} | {"person"}:  # persons: for the references
                for key, live in _latest_states(job, get(name), existing).items():
                    states.seed(key, live)
        for row in chunk:
            found = _set_issues(row, states, result.persons_in_file)
            if not found:
                found = row.record_type.check_in_sequence(row, contexts.setdefault(row.record_type.name, {}))
            for issue in found:
                _record_issue(issue, issues, result)
        if writer is not None and not issues.errors:
            writer.write(chunk, ids)
        done += len(chunk)
        progress({"phase": "apply" if writer else "check", "done": done, "failed": len(result.failed_lines)})


def _set_issues(row: ParsedRow, states: KeyStates, persons_in_file: set[int]) -> list[Issue]:
    key = row.key
    if states.seen(key, row.effective_date):
        message = "同じレコード・同じ異動日の行がファイル内で重複しています。"
        return [Issue.make(row.line, "", "", "record.duplicate_in_file", message)]
    found: list[Issue] = []
    person_known = hash(row.insured_number) in persons_in_file or states.is_live(
        ("person", row.insured_number)
    )
    if not row.record_type.creates_person and not person_known:
        message = "この被保険者はファイルにもデータベースにも登録されていません。"
        found.append(Issue.make(row.line, "insured_number", row.insured_number, "person.unknown", message))
    live = states.is_live(key)
    if row.action == "add" and live:
        message = "既に登録されています。変更は change で送ってください。"
        found.append(Issue.make(row.line, "action", row.action, "record.exists", message))
    elif row.action in ("change", "delete") and not live:
        found.append(
            Issue.make(row.line, "action", row.action, "record.not_found", "変更・削除する登録がありません。")
        )
    if not found:
        states.record(key, row.effective_date, row.action != "delete")
    return found


class Writer:
    """Appends a checked chunk's versions: COPY on PostgreSQL, executemany elsewhere (the same tuples)."""

    def __init__(self, job: ImportJob, *, use_copy: bool):
        self.job, self.use_copy, self.now = job, use_copy, timezone.now()
        self.refresh: set[int] = set()  # persons whose search fields must be set from their versions

    def write(self, chunk: list[ParsedRow], ids: dict[str, int]) -> None:
        self._create_persons(chunk, ids)
        tuples: dict[type, list[tuple]] = {}
        for row in chunk:
            model = row.record_type.model
            if row.action == "delete":
                values = {name: row.values[name] for name in row.record_type.key_fields}
                values |= _placeholders(model, values, row.effective_date)
            else:
                values = row.record_type.version_values(row)
            person_id = ids[row.insured_number]
            fixed = {"person_id": person_id, "effective_date": row.effective_date, "deleted": row.action == "delete",
                     "job_id": self.job.pk, "line": row.line, "recorded_at": self.now}  # fmt: skip
            tuples.setdefault(model, []).append(_as_tuple(model, fixed | values, use_copy=self.use_copy))
        for model, rows in tuples.items():
            insert_rows(model, rows, use_copy=self.use_copy)

    def _create_persons(self, chunk: list[ParsedRow], ids: dict[str, int]) -> None:
        """New persons, with their search fields from the chunk's person row when it is their only one."""
        new: dict[str, InsuredPerson] = {}
        stale: set[str] = set()  # numbers whose search fields must come from their versions at the end
        for row in chunk:
            number, is_person_row = row.insured_number, row.record_type.creates_person
            if number in ids:
                if is_person_row:
                    stale.add(number)  # an existing person's attributes change
            elif number in new:
                if is_person_row:
                    stale.add(number)  # several person rows for a new person
            else:
                person = new[number] = InsuredPerson(
                    insurer_id=self.job.insurer_id, insured_number=number, created_at=self.now
                )
                if is_person_row and row.action == "add":
                    v = row.values
                    person.name, person.name_kana, person.birth_date = (
                        v["name"],
                        v["name_kana"],
                        v["birth_date"],
                    )
                else:
                    stale.add(number)
        if self.use_copy:  # COPY the new persons, then read their ids back in one query
            rows = [_as_tuple(InsuredPerson, vars(person), use_copy=True) for person in new.values()]
            insert_rows(InsuredPerson, rows, use_copy=True)
            ids.update(_person_ids(self.job, set(new)))
        else:
            for person in InsuredPerson.objects.bulk_create(new.values(), batch_size=CHUNK):
                ids[person.insured_number] = person.pk
        self.refresh.update(ids[number] for number in stale)

    def finish(self) -> None:
        if self.refresh:
            refresh_search_fields(sorted(self.refresh))


@functools.cache
def _columns(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@functools.cache
def _defaults(model) -> tuple:
    return tuple((f.attname, f.get_default()) for f in _columns(model))


def _as_tuple(model, values: dict, *, use_copy: bool) -> tuple:
    """A row in `_columns` order. psycopg's COPY adapts Python values itself; other databases get Django's
    conversion (dates as text on SQLite)."""
    if use_copy:
        return tuple(values.get(attname, default) for attname, default in _defaults(model))
    fields = _columns(model)
    return tuple(
        f.get_db_prep_save(values[f.attname] if f.attname in values else f.get_default(), connection)
        for f in fields
    )


def insert_rows(model, rows: list[tuple], *, use_copy: bool) -> None:
    """Appends rows (in `_columns` order) to a model's table: COPY on PostgreSQL, executemany elsewhere."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = [connection.ops.quote_name(f.column) for f in _columns(model)]
    with connection.cursor() as cursor:
        if use_copy:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)  # noqa: S608


def _placeholders(model, values: dict, day) -> dict:
    """A deletion version carries the key and placeholders for the other required columns: empty text,
    zero, and its own effective date for dates (a real date, so nothing that formats it can fail)."""
    filler = {}
    for model_field in _columns(model):
        name = model_field.name
        if name in values or name in ("person", "effective_date", "deleted", "job", "line", "recorded_at"):
            continue
        if model_field.null:
            continue
        internal = model_field.get_internal_type()
        filler[name] = day if internal == "DateField" else 0 if "Integer" in internal else ""
    return filler


def refresh_search_fields(person_ids: list[int], *, today=None) -> None:
    """The name, kana and birth date copied onto InsuredPerson for search: those of the person's version in
    force today (or the earliest, if all are future-dated). Set-based, the same SQL on PostgreSQL and SQLite."""
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
        for start in range(0, len(person_ids), CHUNK):
            batch = person_ids[start : start + CHUNK]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"UPDATE {person} SET {sets} WHERE id IN ({marks})", [today, today] * 3 + batch)  # noqa: S608


def read_errors(job: ImportJob, limit: int = 100) -> list[list[str]]:
    """The first rows of a job's error file, for its page."""
    if not job.errors_file:
        return []
    with job.errors_file.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig")
        rows = csv.reader(text)
        next(rows, None)
        return [row for _, row in zip(range(limit), rows, strict=False)]
