"""Streams an uploaded file into (line number, cells) records without loading it whole.

CSV: UTF-8 with or without BOM, or Shift-JIS (MS932); CRLF or LF; quoted fields may span lines.
JSON lines: one object per line. Blank lines are skipped. A line that cannot be decoded or parsed is
yielded as a problem with its line number, never dropped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_FIELD = 10_000  # characters in one cell; a longer cell is an error of its row
MAX_RECORD_BYTES = 1_000_000  # a record (with its quoted newlines) longer than this is cut off as an error


@dataclass(frozen=True)
class RawRecord:
    line: int
    cells: dict[str, str] | None
    problem: tuple[str, str] | None = None  # (code, Japanese message)


def detect_encoding(head: bytes) -> str:
    """UTF-8 if a BOM says so or a line with non-ASCII text decodes as UTF-8 (Japanese in Shift-JIS
    practically never does); MS932 (Shift-JIS) if non-ASCII lines exist and none decodes as UTF-8."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    lines = head.split(b"\n")[:-1] or [head]  # the sample's last line may be cut
    utf8 = sjis = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            sjis += 1
        else:
            utf8 += 1
    return "cp932" if sjis and not utf8 else "utf-8"


def _physical_lines(stream: BinaryIO) -> Iterator[bytes]:
    for raw in stream:
        yield raw.rstrip(b"\r\n") if raw.endswith(b"\n") else raw.rstrip(b"\r")


def read_csv(stream: BinaryIO) -> Iterator[RawRecord]:
    head = stream.read(65536)
    stream.seek(0)
    encoding = detect_encoding(head)
    lines = _physical_lines(stream)
    header: list[str] | None = None
    number = 0
    pending: list[str] = []
    start = 0
    for raw in lines:
        number += 1
        if number == 1 and encoding == "utf-8-sig":
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            text = raw.decode("cp932" if encoding == "cp932" else "utf-8")
        except UnicodeDecodeError:
            if pending:
                yield RawRecord(start, None, ("record.truncated", "引用符が閉じられていません。"))
                pending = []
            yield RawRecord(
                number,
                None,
                (
                    "encoding.invalid",
                    f"文字コード（{_encoding_label(encoding)}）として読めない文字があります。",
                ),
            )
            continue
        if not pending:
            if text.strip() == "":
                continue
            start = number
        pending.append(text)
        record = "\n".join(pending)
        if record.count('"') % 2 == 1 and len(record) < MAX_RECORD_BYTES:
            continue  # a quoted field goes on on the next line
        pending = []
        if header is None:
            header = _header(record)
            if header is None:
                yield RawRecord(
                    start,
                    None,
                    ("header.invalid", "1行目は項目名の行（record_type を含む）でなければなりません。"),
                )
                return
            continue
        yield _csv_record(record, start, header)
    if pending:
        yield RawRecord(
            start,
            None,
            ("record.truncated", "ファイルが途中で終わっています（引用符が閉じられていません）。"),
        )


def _encoding_label(encoding: str) -> str:
    return "Shift_JIS" if encoding == "cp932" else "UTF-8"


def _header(record: str) -> list[str] | None:
    names = [name.strip() for name in next(csv.reader([record]))]
    if "record_type" not in names or len(set(names)) != len(names):
        return None
    return names


def _csv_record(record: str, line: int, header: list[str]) -> RawRecord:
    if len(record) > MAX_RECORD_BYTES:
        return RawRecord(line, None, ("record.too_long", f"1件のデータが長すぎます（{len(record):,}文字）。"))
    try:
        cells = next(csv.reader([record], strict=True))
    except csv.Error as error:
        return RawRecord(line, None, ("record.malformed", f"CSV の形式が正しくありません（{error}）。"))
    if len(cells) != len(header):
        return RawRecord(
            line, None, ("record.columns", f"項目数が {len(cells)} です（見出しは {len(header)} 項目）。")
        )
    too_long = next((name for name, cell in zip(header, cells, strict=True) if len(cell) > MAX_FIELD), None)
    if too_long:
        return RawRecord(
            line, None, ("field.too_long", f"項目「{too_long}」が長すぎます（{MAX_FIELD}文字まで）。")
        )
    return RawRecord(line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)})


def read_jsonl(stream: BinaryIO) -> Iterator[RawRecord]:
    for number, raw in enumerate(_physical_lines(stream), start=1):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if raw.strip() == b"":
            continue
        if len(raw) > MAX_RECORD_BYTES:
            yield RawRecord(number, None, ("record.too_long", "1行が長すぎます。"))
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield RawRecord(number, None, ("encoding.invalid", "JSON Lines は UTF-8 でなければなりません。"))
            continue
        except json.JSONDecodeError as error:
            yield RawRecord(
                number, None, ("record.malformed", f"JSON の形式が正しくありません（{error.msg}）。")
            )
            continue
        if not isinstance(obj, dict):
            yield RawRecord(
                number, None, ("record.malformed", "各行は JSON オブジェクトでなければなりません。")
            )
            continue
        cells = {}
        for name, value in obj.items():
            if value is None:
                value = ""
            if isinstance(value, bool) or not isinstance(value, str | int):
                yield RawRecord(
                    number, None, ("record.malformed", f"項目「{name}」の値は文字列で指定してください。")
                )
                break
            if len(str(value)) > MAX_FIELD:
                yield RawRecord(
                    number, None, ("field.too_long", f"項目「{name}」が長すぎます（{MAX_FIELD}文字まで）。")
                )
                break
            cells[str(name)] = str(value).strip()
        else:
            yield RawRecord(number, cells)


def read(stream: BinaryIO, file_format: str) -> Iterator[RawRecord]:
    return read_jsonl(stream) if file_format == "jsonl" else read_csv(stream)
