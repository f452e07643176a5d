"""The registry of import record types.

A record type is a small class: its columns, how a row's values are validated, the version model it
writes and the key of a record. Other apps (certification, consent) register their own types from their
AppConfig.ready() without eligibility importing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models

MAX_VALUE_IN_REPORT = 60  # characters of a bad value repeated in an error report


@dataclass(frozen=True)
class Issue:
    """One problem of one row: where, why (Japanese for people, a stable code for machines)."""

    line: int
    field: str
    value: str
    code: str
    message: str
    severity: str = "error"  # or "warning"

    @classmethod
    def make(
        cls, line: int, field: str, value: object, code: str, message: str, severity: str = "error"
    ) -> Issue:
        text = "" if value is None else str(value)
        if len(text) > MAX_VALUE_IN_REPORT:
            text = text[:MAX_VALUE_IN_REPORT] + f"…（{len(text)}文字）"
        return cls(line, field, text, code, message, severity)


class RowErrors(Exception):
    """Raised by a field parser; the row collects it and goes on with the other fields."""

    def __init__(self, code: str, message: str, severity: str = "error"):
        super().__init__(message)
        self.code, self.message, self.severity = code, message, severity


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    parse: Callable[[str], Any]
    required: bool = True


@dataclass
class ParsedRow:
    line: int
    record_type: RecordType
    action: str
    effective_date: dt.date | None
    insurer_number: str
    insured_number: str
    values: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(issue.severity == "error" for issue in self.issues)

    def error(self, field_name: str, value: object, code: str, message: str, severity: str = "error") -> None:
        self.issues.append(Issue.make(self.line, field_name, value, code, message, severity))

    @property
    def key(self) -> tuple:
        return (
            self.record_type.name,
            self.insured_number,
            *(self.values.get(name) for name in self.record_type.key_fields),
        )


class RecordType:
    """Subclass and `register()` to add a record type to the import."""

    name: ClassVar[str]
    label: ClassVar[str]
    model: ClassVar[type[models.Model]]
    columns: ClassVar[tuple[Column, ...]]
    key_fields: ClassVar[tuple[str, ...]] = ()
    creates_person: ClassVar[bool] = False  # rows of this type may bring a person into existence

    def check(self, row: ParsedRow) -> None:
        """Cross-field rules of one row; call row.error(...) for each problem."""

    def check_in_sequence(self, row: ParsedRow, context: dict) -> list[Issue]:
        """Rules across the rows of one file, called in file order for each row that passed the other
        checks (for example: a step after the steps it needs). `context` is this record type's own dict
        for the whole file. Return the row's issues; the default has none."""
        return []

    def version_values(self, row: ParsedRow) -> dict[str, Any]:
        """The version model's field values from a valid row."""
        return dict(row.values)

    def after_apply(self, job) -> None:
        """Called in the import's transaction after this type's rows of `job` are written (commit mode
        only), for a type whose rows also act on its app's own tables. The default does nothing."""


_REGISTRY: dict[str, RecordType] = {}


def register(record_type: type[RecordType]) -> type[RecordType]:
    instance = record_type()
    if instance.name in _REGISTRY and type(_REGISTRY[instance.name]) is not record_type:
        raise ValueError(f"record type {instance.name!r} is registered twice")
    _REGISTRY[instance.name] = instance
    return record_type


def get(name: str) -> RecordType | None:
    return _REGISTRY.get(name)


def all_types() -> list[RecordType]:
    return list(_REGISTRY.values())


# The columns every record type has (validate.COMMON), and what a problem of the whole row names.
COMMON_LABELS = {
    "record_type": "レコード種別",
    "action": "処理区分",
    "effective_date": "異動日",
    "insurer_number": "保険者番号",
    "insured_number": "被保険者番号",
    "": "行全体",
}


def field_label(name: str) -> str:
    """The Japanese name of a file column, for the people who read an import's errors. A column that two
    record types share has one meaning (and so one label): the first registered type's."""
    if name in COMMON_LABELS:
        return COMMON_LABELS[name]
    for record_type in _REGISTRY.values():
        for column in record_type.columns:
            if column.name == name:
                return column.label
    return name
