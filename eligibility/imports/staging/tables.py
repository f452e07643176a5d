"""The staging tables: one temporary table per record type, its columns from the version model, loaded
with COPY on PostgreSQL and executemany elsewhere."""

from __future__ import annotations

from typing import IO

from django.db import connection

from ..registry import RecordType, all_types, get
from .copytext import _from_copy_text
from .layout import HEAD, columns, q, table_of

# --- staging tables ----------------------------------------------------------------------------------------


def _staging_type(model_field) -> str:
    kind = model_field.db_type(connection) or "text"
    return "text" if kind.startswith("varchar") or kind == "text" else kind


def create_tables() -> None:
    with connection.cursor() as cursor:
        for record_type in all_types():
            cells = ["line integer", "action varchar(6)", "insured_number text", "effective_date date"]
            cells += [f"{q(column)} {_staging_type(f)}" for column, _, _, f in columns(record_type.model)]
            cursor.execute(f"CREATE TEMPORARY TABLE {table_of(record_type)} ({', '.join(cells)})")
        cursor.execute("CREATE TEMPORARY TABLE imp_complex (insured_number text PRIMARY KEY)")
        cursor.execute(
            "CREATE TEMPORARY TABLE imp_issues (line integer, seq integer, field text, value text, code text, "
            "message text, severity text)"
        )


def drop_tables() -> None:
    with connection.cursor() as cursor:
        for record_type in all_types():
            cursor.execute(f"DROP TABLE IF EXISTS {table_of(record_type)}")
        cursor.execute("DROP TABLE IF EXISTS imp_complex")
        cursor.execute("DROP TABLE IF EXISTS imp_issues")
        cursor.execute("DROP TABLE IF EXISTS imp_stale")


def load(record_type: RecordType, handle: IO[bytes], *, use_copy: bool, loaded) -> None:
    """One spool file into its staging table; `loaded(rows)` is called as blocks go in."""
    names = [*HEAD, *(column for column, *_ in columns(record_type.model))]
    handle.seek(0)
    with connection.cursor() as cursor:
        if use_copy:
            sql = f"COPY {table_of(record_type)} ({', '.join(q(n) for n in names)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                while block := handle.read(1 << 20):
                    copy.write(block)
                    loaded(block.count(b"\n"))
            return
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {table_of(record_type)} ({', '.join(q(n) for n in names)}) VALUES ({marks})"  # noqa: S608
        batch: list[list] = []
        for raw in handle:
            batch.append([_from_copy_text(cell) for cell in raw.decode().rstrip("\n").split("\t")])
            if len(batch) == 2000:
                cursor.executemany(sql, batch)
                loaded(len(batch))
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            loaded(len(batch))


def analyze(names: list[str]) -> None:
    """Temporary tables have no statistics until analysed: the planner needs their sizes for the joins."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            for record_type in all_types():
                cursor.execute(
                    f"CREATE INDEX {q('imp_number_' + record_type.name)} "
                    f"ON {table_of(record_type)} (insured_number)"
                )
        return
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"ANALYZE {table_of(get(name))}")
