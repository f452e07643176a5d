"""Writes for the few hot paths (a 本人確認 by card), and reading rows back into model instances.

Reads on hot paths are prepared querysets (kaigo_portal.prepared). What the ORM cannot write in one round
trip is here: `insert` saves a new row with earlier statements in the same statement (data-modifying WITHs
on PostgreSQL: end the open relationship, then open the new one), the earlier ones written by the ORM
(`update_sql`, `insert_sql`). `Reader` turns a row's columns back into a model instance with the backend's
own converters (the card's UNION ALL, an UPDATE … RETURNING), so the results are exactly what the ORM gives.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, models
from django.db.models.sql import UpdateQuery


@dataclass(frozen=True)
class Reader:
    """Turns the columns of one model, at given positions of a row, back into an instance."""

    model: type[models.Model]
    positions: tuple[int, ...]
    attnames: tuple[str, ...]
    converters: tuple[tuple, ...]  # per field: (its column expression, the backend's converters)

    @classmethod
    def of(cls, model: type[models.Model], positions: Iterable[int]) -> Reader:
        fields = model._meta.concrete_fields
        converters = []
        for f in fields:
            col = f.get_col(model._meta.db_table)
            backend = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            converters.append((col, tuple(backend)))
        return cls(model, tuple(positions), tuple(f.attname for f in fields), tuple(converters))

    def read(self, row: Sequence) -> models.Model:
        values = []
        for position, (col, convert_all) in zip(self.positions, self.converters, strict=True):
            value = row[position]
            for convert in convert_all:
                value = convert(value, col, connection)
            values.append(value)
        return self.model.from_db(connection.alias, self.attnames, values)


def columns(model: type[models.Model], alias: str = "") -> str:
    """The model's columns in field order, for a SELECT that a `Reader.of(model, …)` reads back."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields)


def fetch_one(sql: str, params: Sequence = ()) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def execute(sql: str, params: Sequence = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@functools.cache
def _insert_statement(
    model: type[models.Model], vendor: str, earlier: tuple[str, ...] = ()
) -> tuple[str, tuple]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    into = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    returning = f"RETURNING {quote(model._meta.pk.column)}"
    if not earlier:
        return f"{into} VALUES ({', '.join(['%s'] * len(fields))}) {returning}", fields
    # The earlier statements run first because the insert reads their (counted) output.
    ctes = ", ".join(f"e{n} AS ({sql} RETURNING 1)" for n, sql in enumerate(earlier))
    counts = ", ".join(f"(SELECT count(*) FROM e{n}) c{n}" for n in range(len(earlier)))  # noqa: S608
    casts = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    return f"WITH {ctes} {into} SELECT {casts} FROM {counts} {returning}", fields  # noqa: S608


def _values(instance: models.Model, fields: tuple) -> list:
    return [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]


def update_sql(queryset: models.QuerySet, **values) -> tuple[str, list]:
    """The UPDATE the ORM writes for `queryset.update(**values)`, as (sql, params), to run as an earlier
    statement of `insert` (as QuerySet.update builds it)."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    sql, params = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def insert_sql(instance: models.Model) -> tuple[str, list]:
    """The INSERT of a new instance as (sql, params), to run as an earlier statement of `insert`."""
    sql, fields = _insert_statement(type(instance), connection.vendor)
    sql = sql.rsplit(" RETURNING ", 1)[0]
    return sql, _values(instance, fields)


def insert(instance: models.Model, *, before: Sequence[tuple[str, Sequence]] = ()) -> models.Model:
    """Saves a new instance with one statement (defaults and auto_now_add applied, as save() would;
    no signals are sent). Sets and returns it with its primary key.

    `before` are UPDATEs, DELETEs or INSERTs (sql, params) that must happen first: in the same round trip
    on PostgreSQL (data-modifying WITHs), as statements of their own elsewhere.
    """
    if before and connection.vendor != "postgresql":
        for sql, params in before:
            execute(sql, params)
        before = ()
    sql, fields = _insert_statement(type(instance), connection.vendor, tuple(sql for sql, _params in before))
    params = [value for _sql, earlier_params in before for value in earlier_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *_values(instance, fields)])
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def copy_insert(model: type[models.Model], rows: Sequence[dict]) -> None:
    """Inserts many new rows, each a dict of attname → value naming every column the table needs: with
    COPY on PostgreSQL, with bulk_create elsewhere. For bulk loads (the office master), where building an
    INSERT per 2,000 rows costs more than the data. The values are plain ones that psycopg adapts as the
    ORM would (str, int, bool, Decimal, date, aware datetime, None); no field's own conversion runs."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=2_000)
        return
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    names = list(rows[0])
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(by_attname[n].column) for n in names)}) "
        "FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])
