"""The eligibility read API under gunicorn on PostgreSQL against a bare JSON view of the same server.

Loads BENCH_API_PERSONS insured persons (default 1,000,000; set-based SQL), gives an office a live
relationship with BENCH_API_CASELOAD of them, starts gunicorn (gthread workers) on the bench database,
and drives each URL with 32 keep-alive connections from an asyncio client:

    ratio eligibility_api_vs_bare: <throughput api / throughput bare>
    bench eligibility_api_p99_ms: <ms>

Every API request is a full read: the key check, the policy, the durable access-log row, the card query.

The URLs take turns in BENCH_API_ROUNDS rounds of BENCH_API_SECONDS / rounds each, so that every one sees
the same machine: on these shared machines the bare view's throughput alone drifts by a third within a
minute, which sequential runs would read as a change of the ratio. Two floors are measured the same way
(bench/urls.py): a view that only writes the access-log row, and one that writes it and reads the card in
one statement. No logged read can be cheaper than the first, nor one that shows the card than the second.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

CONNECTIONS = int(os.environ.get("BENCH_API_CONNECTIONS", "32"))
REQUEST_TIMEOUT = 30.0  # seconds; a request not answered by then is an error
ROOT = Path(__file__).resolve().parents[1]
SERVER_SECRET_KEY = "bench-" + "x" * 60  # the bench servers' key (sessions made for them are signed with it)


def _load(persons: int, caseload: int) -> tuple[str, list[str], list[str]]:
    from kaigo_portal.accounts.models import ApiScope, OfficeService, Organisation, OrganisationKind
    from kaigo_portal.accounts.services import api_key_create

    insurer, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.INSURER,
        insurer_number="131011",
        defaults={"name": "千代田区", "prefecture": "13", "go_live_date": "2026-04-01"},
    )
    office, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.CARE_OFFICE,
        office_number="1370100016",
        defaults={"name": "ケアプランセンター神田", "prefecture": "13"},
    )
    OfficeService.objects.get_or_create(organisation=office, code="43")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO eligibility_insuredperson (insurer_id, insured_number, name_kana, name, birth_date, created_at) "
            "SELECT %s, lpad(n::text, 10, '0'), 'カイゴ　ハナコ', '介護 花子', date '1940-05-03', now() "
            "FROM generate_series(1, %s) n",
            [insurer.pk, persons],
        )
        cursor.execute(
            "INSERT INTO eligibility_personversion (person_id, effective_date, deleted, recorded_at, name, name_kana, "
            "birth_date, sex, postal_code, address, qualified_on, category) "
            "SELECT id, date '2005-05-03', false, now(), name, name_kana, birth_date, '2', '101-0051', "
            "'東京都千代田区神田神保町一丁目1番地', date '2005-05-03', '1' FROM eligibility_insuredperson WHERE insurer_id = %s",
            [insurer.pk],
        )
        cursor.execute(
            "INSERT INTO eligibility_certificationversion (person_id, effective_date, deleted, recorded_at, care_level, "
            "certified_on, valid_from, valid_to, panel_opinion, care_plan_office_number, care_plan_office_name) "
            "SELECT id, date '2026-04-01', false, now(), '22', date '2026-04-01', date '2026-04-01', date '2027-03-31', "
            "'', '1370100016', 'ケアプランセンター神田' FROM eligibility_insuredperson WHERE insurer_id = %s",
            [insurer.pk],
        )
        cursor.execute(
            "INSERT INTO consent_relationship (office_id, person_id, method, verified_at, verified_by_name, anchor_on, "
            "reason, review_note, end_reason) SELECT %s, id, 'mynumber_card', now(), 'bench', current_date, '', '', '' "
            "FROM eligibility_insuredperson WHERE insurer_id = %s ORDER BY id LIMIT %s",
            [office.pk, insurer.pk, caseload],
        )
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT id, insured_number FROM eligibility_insuredperson WHERE insurer_id = %s ORDER BY id LIMIT %s",
            [insurer.pk, caseload],
        )
        keyed = [f"{pk}/{number}" for pk, number in cursor.fetchall()]
    _key, raw = api_key_create(organisation=office, scope=ApiScope.READ, name="bench", by=None)
    return raw, [f"{n:010d}" for n in range(1, caseload + 1)], keyed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    port: int, workers: int, threads: int, *, log_path: Path | None = None
) -> subprocess.Popen:
    """gunicorn on the bench database; its log in `log_path` (kept, to read after the run) or a temporary file."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": SERVER_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "LOG_LEVEL": "WARNING",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    # The server's log goes to a file, not a pipe: a pipe nobody reads fills up (64 KB, a warning per 404)
    # and then blocks every worker that logs.
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()
    process = subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
        [
            gunicorn,
            "-c",
            "python:kaigo_portal.gunicorn_conf",
            "bench.wsgi_bench:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    with log:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return process
            except OSError:
                time.sleep(0.2)
        process.kill()
        log.seek(0)
        raise RuntimeError(f"gunicorn did not start: {log.read().decode(errors='replace')[-2000:]}")


async def _exchange(reader, writer, request: bytes) -> tuple[int, bool]:
    """One request and its whole answer (Django's CommonMiddleware gives every answer its length): the
    status, and whether the server closes the connection."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return status, b"connection: close" in head.lower()


async def _connection(port: int, paths, headers: str, until: float, latencies: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            request = f"GET {paths()} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode()
            start = time.perf_counter()
            try:
                status, closed = await asyncio.wait_for(_exchange(reader, writer, request), REQUEST_TIMEOUT)
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                status, closed = 0, True  # counted as an error, never waited on for ever
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
            if closed:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


def _drive(port: int, paths, headers: str, seconds: float) -> tuple[int, float, list[float], int]:
    """Requests served, seconds taken, their latencies and the non-200 answers, over `seconds`."""

    async def main():
        latencies: list[float] = []
        errors: list[int] = []
        until = time.perf_counter() + seconds
        start = time.perf_counter()
        await asyncio.gather(
            *(_connection(port, paths, headers, until, latencies, errors) for _ in range(CONNECTIONS))
        )
        return time.perf_counter() - start, latencies, errors

    elapsed, latencies, errors = asyncio.run(main())
    return len(latencies), elapsed, latencies, len(errors)


@dataclass
class _Tally:
    """One URL's requests, time and latencies, summed over the rounds."""

    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    per_round: list[float] = field(default_factory=list)

    def add(self, requests: int, seconds: float, latencies: list[float], errors: int) -> None:
        self.requests += requests
        self.seconds += seconds
        self.errors += errors
        self.latencies += latencies
        self.per_round.append(requests / seconds)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def p99_ms(self) -> float:
        return (
            statistics.quantiles(self.latencies, n=100)[98] * 1000
            if len(self.latencies) > 100
            else float("nan")
        )


def run() -> Iterator[str]:
    if connection.vendor != "postgresql":
        yield "bench eligibility_api: n/a (needs PostgreSQL; set DATABASE_URL)"
        return
    persons = int(os.environ.get("BENCH_API_PERSONS", "1000000"))
    caseload = int(os.environ.get("BENCH_API_CASELOAD", "10000"))
    seconds = float(os.environ.get("BENCH_API_SECONDS", "10"))
    rounds = int(os.environ.get("BENCH_API_ROUNDS", "10"))
    workers = int(os.environ.get("BENCH_API_WORKERS", str(2 * (os.cpu_count() or 1))))
    threads = int(os.environ.get("BENCH_API_THREADS", "8"))
    start = time.perf_counter()
    raw, numbers, keyed = _load(persons, caseload)
    yield f"bench eligibility_api_persons: {persons} (loaded in {time.perf_counter() - start:.0f} s; caseload {caseload})"
    connection.close()
    port = _free_port()
    server = start_gunicorn(port, workers, threads)
    rng = random.Random(1)  # noqa: S311  (which persons to ask for, not a secret)
    urls = {
        "bare": lambda: "/bench/bare/",
        "api": lambda: f"/api/v1/persons/131011/{rng.choice(numbers)}/eligibility/",
        "log_row": lambda: "/bench/log-row/",
        "log_row_and_card": lambda: f"/bench/log-row-and-card/{rng.choice(keyed)}/",
        "door_and_card": lambda: f"/bench/door-and-card/131011/{rng.choice(numbers)}/",
    }
    auth = f"Authorization: Api-Key {raw}\r\n"
    tallies = {name: _Tally() for name in urls}
    try:
        for url in urls.values():  # warm up every path (connections, prepared statements)
            _drive(port, url, auth, 1.5)
        for _round in range(rounds):
            for name, url in urls.items():
                tallies[name].add(*_drive(port, url, auth, seconds / rounds))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    bare, api = tallies["bare"], tallies["api"]
    per_round = " ".join(f"{a / b:.2f}" for a, b in zip(api.per_round, bare.per_round, strict=True))
    yield f"bench bare_json_rps: {bare.rps:.0f} (p99 {bare.p99_ms:.1f} ms, errors {bare.errors})"
    yield f"bench eligibility_api_rps: {api.rps:.0f} (errors {api.errors}; gunicorn gthread {workers}x{threads}, {CONNECTIONS} connections)"
    yield f"ratio eligibility_api_vs_bare: {api.rps / bare.rps:.2f} (per round: {per_round})"
    yield f"bench eligibility_api_p99_ms: {api.p99_ms:.1f}"
    for name in ("log_row", "log_row_and_card"):
        floor = tallies[name]
        yield f"ratio {name}_vs_bare: {floor.rps / bare.rps:.2f} (floor: {floor.rps:.0f} rps, errors {floor.errors})"
    # The goal's reference: a read that logs its row and shows the card, and nothing else (issue 18).
    yield f"ratio eligibility_api_vs_card_floor: {api.rps / tallies['log_row_and_card'].rps:.2f}"
    # What lies between: the policy's lookup (door vs card floor) and DRF's layers and the body (API vs door).
    door = tallies["door_and_card"]
    yield f"ratio door_vs_card_floor: {door.rps / tallies['log_row_and_card'].rps:.2f} (door: {door.rps:.0f} rps, errors {door.errors})"
    yield f"ratio eligibility_api_vs_door: {api.rps / door.rps:.2f}"
