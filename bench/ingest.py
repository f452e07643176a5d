"""The municipal import against a raw COPY of the same file (issue: eligibility, "Benchmark").

(a) a raw COPY of the CSV into an unindexed, logged table with the file's columns;
(b) the full import in commit mode from the same file (validation, set checks, apply, history);
(c) the write floor: as many persons, person versions, certifications and burden ratios as the file holds,
    made by generate_series (no file, no validation) and inserted in one transaction into copies of the
    real tables, with their indexes and foreign keys. No import of the file can write faster than that.
(d) the same import as a dry run: everything but the write (validation, staging, set checks). Its time plus
    the write floor is the floor of an import that checks the whole file before it writes a row
    (`ratio check_plus_write_floor_vs_write_floor`): what remains above 1.5 of the write floor can only go
    by writing while the file is still being validated (docs/import-format.md, Performance).
The import runs in a child process, so that its peak RSS is its own. BENCH_ROWS sets the number of
persons (default 200,000); each person brings a certification (four in five) and a burden ratio.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import connection, transaction


def _import_in_child(path: str, mode: str, queue) -> None:
    from django.conf import settings
    from django.core.files import File
    from django.db import connections

    from eligibility import services
    from kaigo_portal.accounts.models import Organisation

    settings.DEBUG = False  # as a production worker runs: no query log kept in memory
    connections.close_all()  # the child's own connection, not the parent's socket
    insurer = Organisation.objects.get(insurer_number="131011")
    with open(path, "rb") as handle:  # streamed into storage, never read whole
        job = services.import_job_create(
            insurer=insurer,
            upload=File(handle, name="bench.csv"),
            file_format="csv",
            mode=mode,
            uploaded_by="bench",
        )
    start = time.perf_counter()
    services.import_job_run(job_id=job.pk)
    seconds = time.perf_counter() - start
    job.refresh_from_db()
    # The import's own peak, or that of the process that validated the second half of the file if higher
    # (the largest waited-for descendant: RUSAGE_CHILDREN).
    peak_mb = (
        max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        / 1024
    )
    queue.put((seconds, job.status, job.rows_total, job.rows_failed, peak_mb))


def _import(path: str, mode: str) -> tuple:
    """(seconds, status, rows, failed rows, peak RSS in MB) of an import of `mode` in a child process."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_import_in_child, args=(path, mode, queue))
    child.start()
    figures = queue.get()
    child.join()
    return figures


def _raw_copy(path: str, columns: list[str]) -> float:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        columns_sql = ", ".join(f'"{c}" text' for c in columns)
        cursor.execute(f"CREATE TABLE bench_raw_copy ({columns_sql})")
    start = time.perf_counter()
    with connection.cursor() as cursor, open(path, "rb") as handle:
        with cursor.copy("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_copy")
    return seconds


# The write floor's tables: copies of the real ones (LIKE … INCLUDING ALL: columns, defaults, checks and
# indexes), with the foreign keys Django declares (deferred to the commit, as on the real tables).
_FLOOR_TABLES = (
    ("bench_floor_person", "eligibility_insuredperson", "insurer_id", "accounts_organisation"),
    ("bench_floor_pv", "eligibility_personversion", "person_id", "bench_floor_person"),
    ("bench_floor_cert", "eligibility_certificationversion", "person_id", "bench_floor_person"),
    ("bench_floor_ratio", "eligibility_burdenratioversion", "person_id", "bench_floor_person"),
)
_FLOOR_INSERTS = (
    "INSERT INTO bench_floor_person (insurer_id, insured_number, name_kana, name, birth_date, created_at) "
    "SELECT %(insurer)s, lpad(n::text, 10, '0'), 'カイゴ　ハナコ' || n, '介護　花子' || n, "
    "date '1930-01-01' + n %% 12000, now() FROM generate_series(1, %(persons)s) n ORDER BY n",
    "INSERT INTO bench_floor_pv (person_id, effective_date, deleted, recorded_at, line, name, name_kana, "
    "birth_date, sex, postal_code, address, qualified_on, category) SELECT id, date '2012-07-17', false, now(), "
    "id, name, name_kana, birth_date, '2', '101-8385', '東京都千代田区一番町28番4号', date '2012-07-17', '1' "
    "FROM bench_floor_person ORDER BY id",
    "INSERT INTO bench_floor_cert (person_id, effective_date, deleted, recorded_at, line, care_level, "
    "certified_on, valid_from, valid_to, panel_opinion, care_plan_office_number, care_plan_office_name) "
    "SELECT id, date '2026-04-01', false, now(), id, '22', date '2026-04-01', date '2026-04-01', "
    "date '2027-03-31', '', '', '' FROM bench_floor_person WHERE id %% %(persons)s < %(certifications)s ORDER BY id",
    "INSERT INTO bench_floor_ratio (person_id, effective_date, deleted, recorded_at, line, ratio, valid_from, "
    "valid_to) SELECT id, date '2026-08-01', false, now(), id, 1, date '2026-08-01', date '2027-07-31' "
    "FROM bench_floor_person WHERE id %% %(persons)s < %(ratios)s ORDER BY id",
)


def _write_floor(insurer_id: int, counts: dict[str, int]) -> tuple[float, float]:
    """Seconds for the whole transaction, and of those for its commit (the deferred foreign-key checks)."""
    drop = "DROP TABLE IF EXISTS " + ", ".join(name for name, *_ in reversed(_FLOOR_TABLES))
    with connection.cursor() as cursor:
        cursor.execute(drop)
        for name, like, column, target in _FLOOR_TABLES:
            cursor.execute(f"CREATE TABLE {name} (LIKE {like} INCLUDING ALL)")
            cursor.execute(
                f"ALTER TABLE {name} ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )
    params = {
        "insurer": insurer_id,
        "persons": counts.get("person", 0),
        "certifications": counts.get("certification", 0),
        "ratios": counts.get("burden_ratio", 0),
    }
    try:
        start = time.perf_counter()
        with transaction.atomic():  # the deferred foreign-key checks run at its commit, and are timed
            with connection.cursor() as cursor:
                for sql in _FLOOR_INSERTS:
                    cursor.execute(sql, params)
            inserted = time.perf_counter()
        seconds = time.perf_counter() - start
    finally:  # never left behind: its foreign key to the organisations would stop the next flush
        with connection.cursor() as cursor:
            cursor.execute(drop)
    return seconds, seconds - (inserted - start)


def _count_rows(path: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with open(path, "rb") as handle:
        next(handle)  # the header
        for line in handle:
            record_type = line.split(b",", 1)[0].decode()
            counts[record_type] = counts.get(record_type, 0) + 1
    return counts


def run() -> Iterator[str]:
    from eligibility.imports import synthetic
    from kaigo_portal.accounts.models import Organisation, OrganisationKind

    persons = int(os.environ.get("BENCH_ROWS", "200000"))
    insurer, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.INSURER,
        insurer_number="131011",
        defaults={"name": "千代田区", "prefecture": "13"},
    )
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.csv")
        synthetic.write_csv(path, "131011", persons)
        size_mb = os.path.getsize(path) / 1e6
        counts = _count_rows(path)
        rows = sum(counts.values())
        yield f"bench ingest_persons: {persons}"
        yield f"bench ingest_rows: {rows}"
        yield f"bench ingest_file_mb: {size_mb:.1f}"
        if connection.vendor != "postgresql":
            yield "bench copy_seconds: n/a (COPY needs PostgreSQL; set DATABASE_URL)"
            copy_seconds = None
        else:
            copy_seconds = _raw_copy(path, synthetic.COLUMNS)
            yield f"bench copy_seconds: {copy_seconds:.2f}"
            floor_seconds, commit_seconds = _write_floor(insurer.pk, counts)
            yield f"bench write_floor_seconds: {floor_seconds:.2f} (of which the commit's foreign-key checks {commit_seconds:.2f})"
            yield f"ratio write_floor_vs_copy: {floor_seconds / copy_seconds:.2f}"
        connection.close()
        check_seconds, status, *_ = _import(path, "dry_run")
        yield f"bench ingest_check_seconds: {check_seconds:.2f} (a dry run: {status})"
        seconds, status, total, failed, peak_mb = _import(path, "commit")
        yield f"bench ingest_status: {status} ({total} rows, {failed} failed)"
        yield f"bench ingest_seconds: {seconds:.2f}"
        yield f"bench ingest_rows_per_second: {total / seconds:,.0f}"
        if copy_seconds:
            yield f"ratio ingest_vs_copy: {seconds / copy_seconds:.2f}"
            # The goal's reference: the writing alone, the least the import's work can cost here (issue 18).
            yield f"ratio ingest_vs_write_floor: {seconds / floor_seconds:.2f}"
            # The floor of checking the whole file first and writing after (see (d) above).
            yield f"ratio check_plus_write_floor_vs_write_floor: {(check_seconds + floor_seconds) / floor_seconds:.2f}"
        yield f"bench ingest_peak_rss_mb: {peak_mb:.0f}"
