"""The access log: the cost of one logged read, of logging a listed page, and what sharding buys.

Figures:
- `authorize()` of one read (decide + one hash-chained row, committed): median of many runs;
- `log_listed()` of a 50-person page: median per page and per row;
- concurrent writers on 1 chain (the baseline) and on 16 chains, 4 threads: the ratio of throughputs.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import connection

from kaigo_portal import access
from kaigo_portal.accounts.models import Organisation, OrganisationKind, Role
from kaigo_portal.audit.models import Category

INSURERS = ["131011", "082024", "011007", "271007", "141003", "231002", "401005", "011114"]


def _median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def _setup() -> tuple[list[Organisation], list[access.Actor]]:
    insurers = [
        Organisation.objects.get_or_create(
            kind=OrganisationKind.INSURER,
            insurer_number=number,
            defaults={"name": f"保険者{number}", "prefecture": number[:2]},
        )[0]
        for number in INSURERS
    ]
    actors = [access.Actor(user=None, organisation=org, role=Role.MUNICIPAL_STAFF) for org in insurers]
    return insurers, actors


def _one_read(runs: int, insurers, actors) -> float:
    samples = []
    for i in range(runs):
        person = access.PersonRef(insurers[i % len(insurers)], f"{i:010d}")
        start = time.perf_counter()
        access.authorize(actors[i % len(actors)], person, Category.ELIGIBILITY, "bench")
        samples.append(time.perf_counter() - start)
    return _median_us(samples)


def _page(runs: int, insurers, actors) -> float:
    samples = []
    for i in range(runs):
        people = [access.PersonRef(insurers[0], f"{i * 50 + n:010d}") for n in range(50)]
        start = time.perf_counter()
        access.log_listed(actors[0], people, Category.ELIGIBILITY, "bench")
        samples.append(time.perf_counter() - start)
    return _median_us(samples)


def _throughput(chains: int, threads: int, per_thread: int, insurers, actors) -> float:
    settings.KAIGO_AUDIT_CHAINS = chains
    barrier = threading.Barrier(threads + 1)

    def writer(t: int) -> None:
        barrier.wait()
        try:
            for i in range(per_thread):
                k = (t + i) % len(insurers)
                access.authorize(
                    actors[k], access.PersonRef(insurers[k], f"{t:04d}{i:06d}"), Category.ELIGIBILITY, "bench"
                )
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    return threads * per_thread / (time.perf_counter() - start)


def run() -> Iterator[str]:
    insurers, actors = _setup()
    saved = settings.KAIGO_AUDIT_CHAINS
    yield f"audit: authorize() one logged read, median of 500: {_one_read(500, insurers, actors):.0f} µs"
    page = _page(100, insurers, actors)
    yield f"audit: log_listed() 50-person page, median of 100: {page:.0f} µs ({page / 50:.0f} µs/row)"
    if connection.vendor == "postgresql":
        one = _throughput(1, 4, 200, insurers, actors)
        many = _throughput(16, 4, 200, insurers, actors)
        yield f"audit: 4 concurrent writers: 1 chain {one:.0f} rows/s (baseline), 16 chains {many:.0f} rows/s, ratio {many / one:.2f}x"
    else:
        yield "audit: concurrent-writer ratio needs PostgreSQL (SQLite serialises every write); set DATABASE_URL"
    settings.KAIGO_AUDIT_CHAINS = saved
