"""Turns raw records into validated rows: the common columns, then the record type's own."""

from __future__ import annotations

import functools

from kaigo_portal import numbers

from . import fields as f
from .reader import RawRecord
from .registry import ParsedRow, RowErrors, get

ACTIONS = {"add": "追加", "change": "変更", "delete": "削除"}
COMMON = ("record_type", "action", "effective_date", "insurer_number", "insured_number")


def validate(record: RawRecord, *, insurer_number: str) -> ParsedRow | None:
    """A ParsedRow with its issues, or None for a record the reader already found broken (see problem)."""
    cells = record.cells or {}
    cell = cells.get
    record_type = get(cell("record_type", ""))
    action = cell("action", "")
    row = ParsedRow(
        record.line, record_type, action, None, cell("insurer_number", ""), cell("insured_number", "")
    )
    if record_type is None:
        row.error(
            "record_type",
            cell("record_type", ""),
            "record_type.unknown",
            "レコード種別が正しくありません。",
        )
        return row
    if action not in ACTIONS:
        row.error(
            "action",
            row.action,
            "action.unknown",
            "処理区分は add（追加）、change（変更）、delete（削除）のいずれかです。",
        )
    _common(row, cells, insurer_number)
    deleting = action == "delete"
    values = row.values
    for name, label, parse, required, is_key in _plan(record_type):
        value = cell(name, "")
        if value == "":
            if required and (not deleting or is_key):
                row.error(name, "", "field.required", f"{label}は必須です。")
            continue
        try:
            values[name] = parse(value)
        except RowErrors as error:
            row.error(name, value, error.code, error.message, error.severity)
    if not deleting and (not row.issues or row.ok):
        record_type.check(row)
    return row


@functools.cache
def _plan(record_type) -> tuple:
    """The record type's columns as plain tuples: (name, label, parse, required, is_key)."""
    keys = set(record_type.key_fields)
    return tuple((c.name, c.label, c.parse, c.required, c.name in keys) for c in record_type.columns)


@functools.lru_cache(maxsize=64)
def _insurer_issues(value: str, insurer_number: str) -> tuple[tuple[str, str, str], ...]:
    """(code, message, severity) of a 保険者番号 in a file of `insurer_number`'s: a file names one insurer
    over and over, so this runs once per file."""
    issues = numbers.check_insurer_number(value)
    found = [(issue.code, issue.message, issue.severity) for issue in issues]
    if not numbers.has_errors(issues) and value != insurer_number:
        found.append(
            (
                "insurer.not_own",
                f"この取込では保険者番号 {insurer_number} の被保険者だけを扱えます。",
                "error",
            )
        )
    return tuple(found)


def _common(row: ParsedRow, cells: dict[str, str], insurer_number: str) -> None:
    try:
        row.effective_date = f.date(cells.get("effective_date", ""))
    except RowErrors as error:
        row.error("effective_date", cells.get("effective_date", ""), error.code, f"異動日：{error.message}")
    for code, message, severity in _insurer_issues(row.insurer_number, insurer_number):
        row.error("insurer_number", row.insurer_number, code, message, severity)
    number = row.insured_number
    if not (len(number) == 10 and number.isascii() and number.isdigit()):  # the valid one needs no more
        for issue in numbers.check_insured_number(number):
            row.error("insured_number", number, issue.code, issue.message, issue.severity)
