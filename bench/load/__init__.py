"""A city's morning under load (issue 18): Locust against gunicorn on PostgreSQL, with a Celery worker.

Writes the city (data.py: a million persons, 300 offices with caseloads of 30 to 300, 60,000 certification
applications with their opinion requests, a filled access log), starts gunicorn and a worker, and then:

1. each role's pages alone: one simulated user of one role at a time, without pauses, for
   BENCH_LOAD_SINGLE_SECONDS (default 10) each: the single-user time of each page (its median);
2. the morning: every role at once (locustfile.py: 200 care managers, 20 clerks, 10 clinics, 20 persons by
   default, each pausing 2 to 10 s between pages as people do, and one clerk's import running in the worker)
   for BENCH_LOAD_SECONDS (default 120).

Printed: per page the p50 and p95 under load and its errors, `ratio load_p95_vs_single_<page>` (the page's
p95 under load over its single-user median), the worst of those as `ratio load_p95_vs_single`, and the load
itself: sessions and requests per second. The goal (docs/performance.md): no errors, every p95 ≤ 300 ms.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
ROLES = {"CareManager": "CARE_MANAGERS", "Clerk": "CLERKS", "Clinic": "CLINICS", "Person": "PERSON_USERS"}
RAMP_SECONDS = float(os.environ.get("BENCH_LOAD_RAMP_SECONDS", "20"))
IMPORT_AFTER = os.environ.get("BENCH_LOAD_IMPORT_AFTER") or str(RAMP_SECONDS + 5)  # seconds into the morning
DEFAULT_COUNTS = {"CARE_MANAGERS": 200, "CLERKS": 20, "CLINICS": 10, "PERSON_USERS": 20}


def _counts() -> dict[str, int]:
    return {name: int(os.environ.get(f"BENCH_LOAD_{name}", str(n))) for name, n in DEFAULT_COUNTS.items()}


def _locust(
    port: int, fixture: Path, out: Path, *, classes: list[str], users: int, seconds: float, env: dict
) -> dict:
    """Runs Locust headless; the rows of its stats CSV, by request name. The users come in over RAMP_SECONDS
    (a morning's sign-ins spread out, not all in one instant), and the figures count from when all are on."""
    prefix = out / "_".join(classes)
    ramp = RAMP_SECONDS if users > 1 else 0
    spawn_rate = max(users / ramp, 1) if ramp else max(users, 1)
    subprocess.run(  # noqa: S603  (our own locustfile, fixed arguments)
        [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(LOCUSTFILE),
            *classes,
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn_rate),
            "--run-time",
            f"{max(int(seconds + ramp), 1)}s",
            "--reset-stats",  # what is measured starts once every user is on
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--stop-timeout",
            "15",
        ],
        cwd=ROOT,
        env={**os.environ, **env, "BENCH_LOAD_FIXTURE": str(fixture)},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=seconds + ramp + 120,
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    with open(f"{prefix}_failures.csv", encoding="utf-8") as failures:
        rows["Failures"] = [
            f"{row['Occurrences']}x {row['Name']}: {row['Error']}" for row in csv.DictReader(failures)
        ]
    return rows


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(  # noqa: S603  (our own worker)
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "kaigo_portal",
                "worker",
                "--concurrency=1",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def run() -> Iterator[str]:
    if connection.vendor != "postgresql":
        yield "bench load: n/a (needs PostgreSQL; set DATABASE_URL)"
        return
    from bench.eligibility_api import SERVER_SECRET_KEY, _free_port, start_gunicorn
    from eligibility.imports import synthetic

    from . import data

    sizes = data.sizes()
    start = time.perf_counter()
    city = data.load()
    yield (
        f"bench load_city: {sizes['persons']} persons, {sizes['offices']} offices, {sizes['applications']} "
        f"applications, {sizes['log_rows']} access-log rows (written in {time.perf_counter() - start:.0f} s)"
    )
    connection.close()
    work = Path(tempfile.mkdtemp(prefix="kaigo-load-"))
    fixture = work / "fixture.json"
    fixture.write_text(json.dumps(city), encoding="utf-8")
    rows = int(os.environ.get("BENCH_LOAD_IMPORT_ROWS", "20000"))
    import_file = work / "import.csv"
    import_file.write_bytes(synthetic.csv_bytes(data.INSURER, rows, first_number=sizes["persons"] + 1))

    workers = int(os.environ.get("BENCH_LOAD_WORKERS", str(2 * (os.cpu_count() or 1))))
    threads = int(os.environ.get("BENCH_LOAD_THREADS", "4"))
    # Pages name their static files through the manifest that production's collectstatic writes.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "false", "SECRET_KEY": SERVER_SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1"},
        check=True,
    )
    port = _free_port()
    server = start_gunicorn(port, workers, threads, log_path=work / "gunicorn.log")
    db = connection.settings_dict
    worker_env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DEBUG": "false",
        "SECRET_KEY": SERVER_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    worker = _start_worker(worker_env, work / "worker.log")
    single_seconds = float(os.environ.get("BENCH_LOAD_SINGLE_SECONDS", "10"))
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "120"))
    counts = _counts()
    try:
        single: dict[str, dict] = {}
        alone = {"BENCH_LOAD_WAIT_MIN": "0", "BENCH_LOAD_WAIT_MAX": "0", "BENCH_LOAD_IMPORT_FILE": ""}
        for name, count_name in ROLES.items():
            one = {**alone, **{f"BENCH_LOAD_{n}": "1" if n == count_name else "0" for n in DEFAULT_COUNTS}}
            alone_rows = _locust(
                port, fixture, work, classes=[name], users=1, seconds=single_seconds, env=one
            )
            single["Failures"] = single.get("Failures", []) + alone_rows.pop("Failures")
            single |= alone_rows
        users = sum(counts.values())
        loaded = _locust(
            port,
            fixture,
            work,
            classes=list(ROLES),
            users=users,
            seconds=seconds,
            # The import is uploaded once every user is on, so that the worker runs it in the measured window.
            env={
                "BENCH_LOAD_IMPORT_FILE": str(import_file),
                "BENCH_LOAD_IMPORT_AFTER": IMPORT_AFTER,
            },
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
        fixture.unlink(missing_ok=True)  # the users' session cookies: not left behind in /tmp
    yield from _report(single, loaded, counts, seconds)
    if int(loaded["Aggregated"]["Failure Count"]):
        server_log = (work / "gunicorn.log").read_text(errors="replace")
        yield "bench load_server_log (tail): " + server_log[-3000:].replace("\n", "\n    ")
    yield from _import_outcome()


def _report(single: dict, loaded: dict, counts: dict, seconds: float) -> Iterator[str]:
    worst = 0.0
    for failure in (single.get("Failures") or [])[:10] + (loaded.get("Failures") or [])[:10]:
        yield f"bench load_failure: {failure}"
    for name, row in sorted(loaded.items()):
        if name in ("Aggregated", "Failures") or row["50%"] == "N/A":  # N/A: nothing after the stats reset
            continue
        p50, p95, errors = float(row["50%"]), float(row["95%"]), int(row["Failure Count"])
        alone = single.get(name)
        line = f"bench load_{name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, errors {errors} ({row['Request Count']} requests)"
        yield line
        if alone is not None and float(alone["50%"]) > 0:
            ratio = p95 / float(alone["50%"])
            worst = max(worst, ratio)
            yield f"ratio load_p95_vs_single_{name}: {ratio:.2f} (alone: p50 {float(alone['50%']):.0f} ms)"
    total = loaded["Aggregated"]
    sessions = " ".join(f"{name.lower()} {n}" for name, n in counts.items())
    yield f"bench load_sessions: {sum(counts.values())} ({sessions})"
    yield f"bench load_rps: {float(total['Requests/s']):.1f} (over {seconds:.0f} s)"
    yield f"bench load_errors: {total['Failure Count']}"
    yield f"bench load_p95_ms: {float(total['95%']):.0f} (all pages)"
    yield f"ratio load_p95_vs_single: {worst:.2f} (the worst page)"


def _import_outcome() -> Iterator[str]:
    from eligibility.models import ImportJob

    job = ImportJob.objects.order_by("-pk").first()
    if job is None:
        yield "bench load_import: not uploaded"
        return
    took = (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else None
    yield f"bench load_import: {job.status}, {job.rows_total} rows" + (f" in {took:.0f} s" if took else "")
