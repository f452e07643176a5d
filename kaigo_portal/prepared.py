"""Querysets compiled once per process: the hot paths' statements, written by the ORM.

Building and compiling a queryset costs 0.5–2 ms of CPU on these machines, several times what sending its
statement costs. So a hot path declares its queryset once, as a function of named values
(`Prepared(build)`). The first call builds it with stand-in values of the same types and lets the ORM
compile it; from then on a call only puts the real values where the stand-ins were (`bind`). The statement
is the one the ORM writes, never one written by hand, and rows come back through the ORM's own converters
(and, for a model queryset, its own row-to-instance code), so a result is exactly what the queryset gives.

What may vary between calls is only what was passed in: a value computed inside `build` from an argument
(a date derived from `today`) would be frozen into the first statement, so the first compilation is done
twice with different stand-ins and must differ only in the stand-ins' places. Values that change the
statement's shape are refused: None (`IS NULL`), booleans (indistinguishable from 0 and 1), lists (`IN`
of a varying length), and a value the ORM rewrites (`startswith` adds `%`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql.compiler import SQLCompiler

_EPOCH = dt.datetime(1001, 2, 3, 4, 5, 6, 7000, tzinfo=dt.UTC)

# psycopg parses a statement's placeholders on every execute, and caches the result only for statements of
# up to 4,096 characters (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH: ORMs write many long one-off
# statements). The statements prepared here are few and repeat on every request, and the ORM writes them
# long: the read API's (the log row's WITHs and the card's UNION ALL) is about 9,000 characters, whose
# parse cost 0.1–0.2 ms a request. So the limit is raised to cover them; tests/test_prepared.py checks
# that such a statement's parse is cached.
STATEMENT_CACHE_LENGTH = 16_384
try:
    from psycopg import _queries as _psycopg_queries
except ImportError:  # SQLite only: no psycopg
    _psycopg_queries = None
if _psycopg_queries is not None and hasattr(_psycopg_queries, "MAX_CACHED_STATEMENT_LENGTH"):
    _psycopg_queries.MAX_CACHED_STATEMENT_LENGTH = max(
        _psycopg_queries.MAX_CACHED_STATEMENT_LENGTH, STATEMENT_CACHE_LENGTH
    )


def _stand_in(value: Any, index: int, variant: int) -> Any:
    """A value of the same type that no query would hold: far-off dates, large negative ids, marked text."""
    step = 2 * index + variant
    if isinstance(value, bool) or value is None:
        raise TypeError("a prepared query takes no None or boolean arguments: they change the statement")
    if isinstance(value, dt.datetime):
        return _EPOCH + dt.timedelta(days=step)
    if isinstance(value, dt.date):
        return _EPOCH.date() + dt.timedelta(days=step)
    if isinstance(value, int):
        return -987_654_000 - step
    if isinstance(value, str):
        return f"\x1fstand-in {step}\x1f"
    raise TypeError(
        f"a prepared query takes int, str, date and datetime arguments, not {type(value).__name__}"
    )


def _as_given(value: Any) -> Any:
    return value


def _as_datetime(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, dt.datetime) else None


def _as_date(value: Any) -> Any:
    is_date = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return connection.ops.adapt_datefield_value(value) if is_date else None


# The ways the ORM turns a value into a parameter: as it is, or adapted by the backend (SQLite: text).
_ADAPTERS = (_as_given, _as_datetime, _as_date)


@dataclass(frozen=True)
class _Slot:
    position: int
    name: str
    adapt: Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[_Slot, ...]
    finish: Callable[[list], Any]


def _compile(queryset: QuerySet) -> tuple[str, tuple, Callable[[list], Any]]:
    """The queryset's statement and parameters, and what turns its raw rows into what the queryset gives."""
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()  # also fills compiler.select, klass_info and annotation_col_map
    return sql, tuple(params), _finisher(queryset, compiler)


def _finisher(queryset: QuerySet, compiler: SQLCompiler) -> Callable[[list], Any]:
    iterable = queryset._iterable_class
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = compiler.get_converters(fields)

    def converted(rows: list) -> list:
        if not converters:
            return [tuple(row) for row in rows]
        return [tuple(row) for row in compiler.apply_converters(rows, converters)]

    if iterable is ModelIterable:
        return _model_finisher(queryset, compiler, converted)
    if iterable is ValuesListIterable:
        return converted
    if iterable is FlatValuesListIterable:
        return lambda rows: [row[0] for row in converted(rows)]
    raise TypeError(f"a prepared query is a model queryset or a values_list, not {iterable.__name__}")


def _model_finisher(queryset: QuerySet, compiler: SQLCompiler, converted) -> Callable[[list], list]:
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        raise TypeError("a prepared queryset cannot prefetch or carry known related objects")
    klass_info, select = compiler.klass_info, compiler.select
    model, start = klass_info["model"], klass_info["select_fields"][0]
    end = klass_info["select_fields"][-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    annotations = dict(compiler.annotation_col_map or {})
    alias = connection.alias
    populators = get_related_populators(klass_info, select, alias)

    def finish(rows: list) -> list:
        # As ModelIterable does (django.db.models.query), from rows already fetched.
        objects = []
        for row in converted(rows):
            obj = model.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    return finish


@dataclass(frozen=True)
class Bound:
    """A statement with its parameters, and what turns its rows into the result (objects, tuples, …)."""

    sql: str
    params: list
    finish: Callable[[list], Any]

    def run(self) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return self.finish(cursor.fetchall())

    def then(self, more: Callable[[Any], Any]) -> Bound:
        """The same statement, its result passed on to `more` (a selector that builds a domain object)."""
        finish = self.finish
        return Bound(self.sql, self.params, lambda rows: more(finish(rows)))


def bound(queryset: QuerySet) -> Bound:
    """Any queryset as a Bound, compiled now (for paths that are not hot)."""
    sql, params, finish = _compile(queryset)
    return Bound(sql, list(params), finish)


class Prepared:
    """A queryset built by `build(**values)` and compiled once per process and database, then bound."""

    def __init__(self, build: Callable[..., QuerySet], *, raw: bool = False):
        self.build = build
        self.raw = raw  # rows as the database gives them (a UNION whose columns the caller reads back)
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def bind(self, **values: Any) -> Bound:
        key = (connection.vendor, tuple(values), tuple(map(type, values.values())))
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(values)
                self._compiled[key] = compiled
        params = list(compiled.params)
        for slot in compiled.slots:
            params[slot.position] = slot.adapt(values[slot.name])
        return Bound(compiled.sql, params, compiled.finish)

    def _compile(self, values: dict[str, Any]) -> _Compiled:
        names = sorted(values)
        variants = []
        for variant in (0, 1):
            stand_ins = {name: _stand_in(values[name], i, variant) for i, name in enumerate(names)}
            sql, params, finish = _compile(self.build(**stand_ins))
            variants.append((sql, params, finish, stand_ins))
        (sql, params, finish, stand_ins), (sql_b, params_b, _f, stand_ins_b) = variants
        if sql != sql_b or len(params) != len(params_b):
            raise ValueError("a prepared query's statement changed with its arguments' values")
        slots = []
        for position, (param, param_b) in enumerate(zip(params, params_b, strict=True)):
            slot = self._slot(position, param, stand_ins)
            if slot is None:
                self._refuse_rewritten(param)
                if param != param_b:
                    raise ValueError(f"parameter {position} is computed from an argument inside build()")
                continue
            if self._slot(position, param_b, stand_ins_b) != _Slot(position, slot.name, slot.adapt):
                raise ValueError(f"parameter {position} does not follow its argument {slot.name}")
            slots.append(slot)
        missing = set(names) - {slot.name for slot in slots}
        if missing:
            raise ValueError(f"arguments not used as parameters as given: {', '.join(sorted(missing))}")
        return _Compiled(sql, params, tuple(slots), (lambda rows: rows) if self.raw else finish)

    @staticmethod
    def _slot(position: int, param: Any, stand_ins: dict[str, Any]) -> _Slot | None:
        for name, stand_in in stand_ins.items():
            for adapt in _ADAPTERS:
                adapted = adapt(stand_in)
                if adapted is not None and type(adapted) is type(param) and adapted == param:
                    return _Slot(position, name, adapt)
        return None

    @staticmethod
    def _refuse_rewritten(param: Any) -> None:
        if isinstance(param, str) and "\x1fstand-in " in param:
            raise ValueError(
                "an argument reaches the statement rewritten (a pattern lookup): pass it as given"
            )
