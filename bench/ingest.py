"""The municipal import against a raw COPY of the same file (issue: eligibility, "Benchmark").

(a) a raw COPY of the CSV into an unindexed, logged table with the file's columns;
(b) the full import in commit mode from the same file (validation, set checks, apply, history).
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

from django.db import connection


def _import_in_child(path: str, queue) -> None:
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
            mode="commit",
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


def run() -> Iterator[str]:
    from eligibility.imports import synthetic
    from kaigo_portal.accounts.models import Organisation, OrganisationKind

    persons = int(os.environ.get("BENCH_ROWS", "200000"))
    Organisation.objects.get_or_create(
        kind=OrganisationKind.INSURER, insurer_number="131011",
        defaults={"name": "千代田区", "prefecture": "13"},
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.csv")
        synthetic.write_csv(path, "131011", persons)
        size_mb = os.path.getsize(path) / 1e6
        rows = sum(1 for _ in open(path, "rb")) - 1
        yield f"bench ingest_persons: {persons}"
        yield f"bench ingest_rows: {rows}"
        yield f"bench ingest_file_mb: {size_mb:.1f}"
        if connection.vendor != "postgresql":
            yield "bench copy_seconds: n/a (COPY needs PostgreSQL; set DATABASE_URL)"
            copy_seconds = None
        else:
            copy_seconds = _raw_copy(path, synthetic.COLUMNS)
            yield f"bench copy_seconds: {copy_seconds:.2f}"
        connection.close()
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_import_in_child, args=(path, queue))
        child.start()
        seconds, status, total, failed, peak_mb = queue.get()
        child.join()
        yield f"bench ingest_status: {status} ({total} rows, {failed} failed)"
        yield f"bench ingest_seconds: {seconds:.2f}"
        yield f"bench ingest_rows_per_second: {total / seconds:,.0f}"
        if copy_seconds:
            yield f"ratio ingest_vs_copy: {seconds / copy_seconds:.2f}"
        yield f"bench ingest_peak_rss_mb: {peak_mb:.0f}"
