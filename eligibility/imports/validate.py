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
    record_type = get(cells.get("record_type", ""))
    row = ParsedRow(record.line, record_type, cells.get("action", ""), None, cells.get("insurer_number", ""),
                    cells.get("insured_number", ""))  # fmt: skip
    if record_type is None:
        row.error(
            "record_type",
            cells.get("record_type", ""),
            "record_type.unknown",
            "レコード種別が正しくありません。",
        )
        return row
    if row.action not in ACTIONS:
        row.error(
            "action",
            row.action,
            "action.unknown",
            "処理区分は add（追加）、change（変更）、delete（削除）のいずれかです。",
        )
    _common(row, cells, insurer_number)
    key_names = set(record_type.key_fields)
    for column in record_type.columns:
        value = cells.get(column.name, "")
        needed = column.required and (row.action != "delete" or column.name in key_names)
        if value == "":
            if needed:
                row.error(column.name, "", "field.required", f"{column.label}は必須です。")
            continue
        try:
            row.values[column.name] = column.parse(value)
        except RowErrors as error:
            row.error(column.name, value, error.code, error.message, error.severity)
    if row.ok and row.action != "delete":
        record_type.check(row)
    return row


@functools.lru_cache(maxsize=64)
def _insurer_issues(value: str) -> tuple[numbers.NumberIssue, ...]:
    return tuple(numbers.check_insurer_number(value))  # a file names one insurer over and over


def _common(row: ParsedRow, cells: dict[str, str], insurer_number: str) -> None:
    try:
        row.effective_date = f.date(cells.get("effective_date", ""))
    except RowErrors as error:
        row.error("effective_date", cells.get("effective_date", ""), error.code, f"異動日：{error.message}")
    insurer_issues = _insurer_issues(row.insurer_number)
    for issue in insurer_issues:
        row.error("insurer_number", row.insurer_number, issue.code, issue.message, issue.severity)
    if not numbers.has_errors(insurer_issues) and row.insurer_number != insurer_number:
        row.error(
            "insurer_number",
            row.insurer_number,
            "insurer.not_own",
            f"この取込では保険者番号 {insurer_number} の被保険者だけを扱えます。",
        )
    for issue in numbers.check_insured_number(row.insured_number):
        row.error("insured_number", row.insured_number, issue.code, issue.message, issue.severity)
