"""The staging tables' columns, shared by the codec, the tables and the set rules."""

from __future__ import annotations

import functools

from django.db import connection

from ..registry import RecordType

FIXED = ("person_id", "effective_date", "deleted", "job_id", "line", "recorded_at")
HEAD = ("line", "action", "insured_number", "effective_date")  # the staging columns before the values


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def table_of(record_type: RecordType) -> str:
    return q(f"imp_stage_{record_type.name}")


@functools.cache
def columns(model) -> tuple:
    """The version model's value columns: (column, attname, default, field), in the order of its fields."""
    return tuple(
        (f.column, f.attname, f.get_default(), f)
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in FIXED
    )


@functools.cache
def _names(model) -> tuple:
    """(name, default) of the value columns; a version's values are keyed by field name (attname for a
    foreign key such as office_id, which no import sets)."""
    return tuple(
        (f.name if f.attname == f.name else f.attname, default) for _, _, default, f in columns(model)
    )


def has_own_sequence_rules(record_type: RecordType) -> bool:
    return type(record_type).check_in_sequence is not RecordType.check_in_sequence
