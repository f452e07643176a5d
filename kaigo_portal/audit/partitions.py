"""The access log partitioned by month, on PostgreSQL (native declarative partitioning).

`audit_accesslogentry` is partitioned by RANGE (`at`): one partition per month,
`audit_accesslogentry_y2026m12`, created ahead by Celery beat (`ensure`), and a DEFAULT partition that
should stay empty: it catches a row whose month has no partition yet, so that a missed maintenance run
never stops reads (which must log before they answer). `ensure` reports a default partition with rows.

What changes against one table:
- The primary key is (id, at) and the chain's unique key is (chain, chain_seq, at): PostgreSQL's unique
  keys on a partitioned table must hold the partition key. A second row with the same (chain, chain_seq)
  in another month cannot come from the application (the chain head is locked for each append), and
  `audit_verify` would find it as a broken chain.
- The append-only trigger is on the parent, and PostgreSQL clones it onto every partition.
- Old months are detached and archived (`archive.py`), never deleted without an archive.

SQLite (the demo) keeps one table; nothing here runs there.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)
TABLE = "audit_accesslogentry"
DEFAULT = f"{TABLE}_default"


@dataclass(frozen=True)
class Partition:
    name: str
    start: dt.date
    end: dt.date  # exclusive

    @property
    def month(self) -> str:
        return f"{self.start:%Y-%m}"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def name_of(start: dt.date) -> str:
    return f"{TABLE}_y{start:%Y}m{start:%m}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cursor.fetchone() is not None


def partitions() -> list[Partition]:
    """The attached monthly partitions, oldest first (the default partition is not one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname <> %s ORDER BY c.relname",
            [TABLE, DEFAULT],
        )
        names = [row[0] for row in cursor.fetchall()]
    out = []
    for name in names:
        start = dt.date(int(name[-7:-3]), int(name[-2:]), 1)
        out.append(Partition(name, start, next_month(start)))
    return out


def _create(cursor, start: dt.date) -> None:
    end = next_month(start)
    cursor.execute(
        f'CREATE TABLE "{name_of(start)}" PARTITION OF {TABLE} '
        f"FOR VALUES FROM ('{start.isoformat()} 00:00:00+09') TO ('{end.isoformat()} 00:00:00+09')"
    )


def ensure(*, ahead: int = 3, today: dt.date | None = None) -> list[str]:
    """Creates the partitions of this month and the next `ahead` months that are missing; returns their
    names. Months run in JST, the portal's time zone. A month whose rows already went to the default
    partition is not created (PostgreSQL refuses); it is logged as an error for the operator."""
    if not is_partitioned():
        return []
    today = today or timezone.localdate()
    existing = {partition.name for partition in partitions()}
    created, start = [], month_start(today)
    for _ in range(ahead + 1):
        if name_of(start) not in existing:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    _create(cursor, start)
                created.append(name_of(start))
            except DatabaseError as error:
                logger.error("access log partition %s not created: %s", name_of(start), error)
        start = next_month(start)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT}")  # noqa: S608
        stray = cursor.fetchone()[0]
    if stray:
        logger.error("access log: %d rows in the default partition (a month had no partition)", stray)
    if created:
        logger.info("access log partitions created: %s", ", ".join(created))
    return created


def convert(schema_editor) -> None:
    """The one-time change of the plain table into the partitioned one (migration audit.0004): the rows are
    copied into monthly partitions in one transaction, with the same index and constraint names."""
    execute = schema_editor.execute
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(at), max(id) FROM {TABLE}")  # noqa: S608
        oldest, max_id = cursor.fetchone()
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE '%%(at)'", [TABLE]
        )
        at_indexes = [row[0] for row in cursor.fetchall()]
    execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_flat")
    execute(
        f"CREATE TABLE {TABLE} (LIKE {TABLE}_flat INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE) "
        "PARTITION BY RANGE (at)"
    )
    execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
    first = month_start(timezone.localtime(oldest).date()) if oldest else month_start(timezone.localdate())
    with connection.cursor() as cursor:
        start, stop = first, next_month(next_month(next_month(next_month(month_start(timezone.localdate())))))
        while start < stop:
            _create(cursor, start)
            start = next_month(start)
    execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_flat")  # noqa: S608
    execute(f"DROP TABLE {TABLE}_flat")
    if max_id:
        execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), {int(max_id)})")
    execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, at)")
    execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT audit_chain_seq_unique UNIQUE (chain, chain_seq, at)")
    execute(f"CREATE INDEX audit_person_at ON {TABLE} (insurer_number, insured_number, at)")
    for name in at_indexes or [f"{TABLE}_at_idx"]:
        execute(f'CREATE INDEX "{name}" ON {TABLE} (at)')
    execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
    )
