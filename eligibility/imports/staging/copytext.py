"""The COPY text codec: a valid row as one line of PostgreSQL COPY text (and back), spooled per record type."""

from __future__ import annotations

import datetime as dt
from typing import IO

from ..registry import ParsedRow, RecordType
from .layout import _names, columns

# --- COPY text ---------------------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format (SQLite's loader reads the same text back)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if isinstance(value, bool):
        return "1" if value else "0"  # PostgreSQL reads 1/0 as booleans; SQLite stores them as Django does
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_ENCODED: dict = {None: "\\N"}  # dates repeat across rows: each is formatted once


def _encode(value) -> str:
    text = copy_text(value)
    if type(value) is dt.date and len(_ENCODED) < 20_000:  # bounded: a worker runs many jobs
        _ENCODED[value] = text
    return text


def _from_copy_text(text: str):
    if text == "\\N":
        return None
    if "\\" not in text:
        return text
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(escaped, escaped))
        else:
            out.append(char)
    return "".join(out)


class Spool:
    """The valid rows of each record type as COPY text lines, in files (temporary, or in `folder`)."""

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder
        self.files: dict[str, IO[bytes]] = {}
        self.rows: dict[str, int] = {}
        self.formats: dict[str, tuple] = {}

    def _file(self, name: str) -> IO[bytes]:
        if name not in self.files:
            import tempfile

            self.files[name] = (
                open(f"{self.folder}/{name}.copy", "w+b") if self.folder else tempfile.TemporaryFile()
            )
            self.rows[name] = 0
        return self.files[name]

    def add(self, row: ParsedRow) -> None:
        record_type = row.record_type
        if row.action == "delete":
            values = {name: row.values[name] for name in record_type.key_fields}
            values |= placeholders(record_type.model, values, row.effective_date)
        elif type(record_type).version_values is RecordType.version_values:
            values = row.values  # the default version_values is a copy of them: not needed here
        else:
            values = record_type.version_values(row)
        get_value = values.get
        raw = [get_value(name, default) for name, default in _names(record_type.model)]
        cells = [str(row.line), row.action, row.insured_number, row.effective_date.isoformat()]
        encoded = _ENCODED
        cells += [value if type(value) is str else encoded.get(value) or _encode(value) for value in raw]
        text = "\t".join(cells)
        # Nearly every line needs no escaping: check the whole line once, escape cell by cell if it does.
        # (Each NULL is one backslash, "\\N"; any other backslash, a tab or a line break needs escaping.)
        if (
            "\n" in text
            or "\r" in text
            or text.count("\\") != raw.count(None)
            or text.count("\t") != len(cells) - 1
        ):
            text = "\t".join([*cells[:4], *map(copy_text, raw)])
        name = record_type.name
        handle = self.files.get(name) or self._file(name)
        handle.write((text + "\n").encode())
        self.rows[name] += 1

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


def placeholders(model, values: dict, day) -> dict:
    """A deletion version carries the key and placeholders for the other required columns: empty text,
    zero, and its own effective date for dates (a real date, so nothing that formats it can fail)."""
    filler = {}
    for _, _, _, model_field in columns(model):
        name = model_field.name
        if name in values or model_field.null:
            continue
        internal = model_field.get_internal_type()
        filler[name] = day if internal == "DateField" else 0 if "Integer" in internal else ""
    return filler
