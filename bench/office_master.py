"""The national office master's import (issue 22): BENCH_OFFICES offices (default 40,000, about the size of
the largest service's national file) in the open data's layout, read, checked and written as a snapshot.

The floor is PostgreSQL's own COPY of the same file into a table of its 24 text columns: the least that
holding the file in the database costs. `ratio office_master_import_vs_copy_floor` compares the two, in the
same run. A second snapshot half a year later, with 1% of the offices changed and 1% gone, is the cost the
portal pays twice a year (`bench office_master_update_s`).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator

from django.db import connection


def _copy_floor(content: bytes) -> float:
    from kaigo_portal.offices import master

    columns = ", ".join(f"c{i} text" for i in range(len(master.COLUMNS)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_office_copy")
        cursor.execute(f"CREATE TABLE bench_office_copy ({columns})")
        start = time.perf_counter()
        with cursor.copy("COPY bench_office_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(content.decode("utf-8-sig").encode("utf-8"))
        seconds = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_office_copy")
    return seconds


def _half_a_year_later(content: bytes) -> bytes:
    """The same file with 1% of the offices moved (a new address) and 1% gone."""
    rng = random.Random(7)  # noqa: S311  (made-up data)
    lines = content.decode("utf-8-sig").split("\r\n")
    header, rows = lines[0], [line for line in lines[1:] if line]
    kept = []
    for line in rows:
        draw = rng.random()
        if draw < 0.01:
            continue
        kept.append(line.replace("-", "-1", 1) if draw < 0.02 else line)  # the first "-" is the address's
    return ("\ufeff" + "\r\n".join([header, *kept]) + "\r\n").encode("utf-8")


def run() -> Iterator[str]:
    from kaigo_portal.offices import services
    from kaigo_portal.offices.synthetic import open_data_csv

    count = int(os.environ.get("BENCH_OFFICES", "40000"))
    content = open_data_csv("110", count, seed=1)
    yield f"bench office_master_offices: {count} ({len(content) / 1e6:.1f} MB)"
    start = time.perf_counter()
    services.import_files([("jigyosho_110_all_20260715093000.csv", content)], dry_run=True)
    yield f"bench office_master_check_s: {time.perf_counter() - start:.2f} (a dry run: read and checked, nothing written)"
    start = time.perf_counter()
    result = services.import_files([("jigyosho_110_all_20260715093000.csv", content)], by="bench")
    seconds = time.perf_counter() - start
    if result.errors:
        yield f"bench office_master_import_s: failed ({result.errors[0].code})"
        return
    yield f"bench office_master_import_s: {seconds:.2f} ({result.added} offices added)"
    if connection.vendor == "postgresql":
        floor = _copy_floor(content)
        yield f"bench office_master_copy_floor_s: {floor:.2f}"
        yield f"ratio office_master_import_vs_copy_floor: {seconds / floor:.2f}"
    else:
        yield "ratio office_master_import_vs_copy_floor: n/a (the COPY floor needs PostgreSQL)"
    later = _half_a_year_later(content)
    start = time.perf_counter()
    update = services.import_files([("jigyosho_110_all_20270120100000.csv", later)], by="bench")
    yield (
        f"bench office_master_update_s: {time.perf_counter() - start:.2f} (updated {update.updated}, "
        f"unchanged {update.unchanged}, not seen {update.not_seen})"
    )
