"""Streams an uploaded file into (line number, cells) records without loading it whole.

CSV: UTF-8 with or without BOM, or Shift-JIS (MS932); CRLF or LF; quoted fields may span lines.
JSON lines: one object per line. Blank lines are skipped. A line that cannot be decoded or parsed is
yielded as a problem with its line number, never dropped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

MAX_FIELD = 10_000  # characters in one cell; a longer cell is an error of its row
MAX_RECORD_BYTES = 1_000_000  # a record (with its quoted newlines) longer than this is cut off as an error


class RawRecord(NamedTuple):  # a tuple: built once per row, several times cheaper than a dataclass
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


_UNDECODABLE = "\x00undecodable\x00"  # stands in for a line that cannot be decoded (never valid CSV content)


def read_csv(
    stream, *, encoding: str | None = None, header: list[str] | None = None, first_line: int = 1
) -> Iterator[RawRecord]:
    """Records of a CSV stream. A part of a file (see pipeline's parallel validation) is read by giving
    the file's encoding and header, the part's lines as `stream`, and the line number it starts at."""
    if encoding is None:
        head = stream.read(65536)
        stream.seek(0)
        encoding = detect_encoding(head)
    codec = "cp932" if encoding == "cp932" else "utf-8"

    undecodable = has_nul = False

    def text_lines() -> Iterator[str]:
        nonlocal undecodable, has_nul
        for number, raw in enumerate(stream, start=first_line):
            if number == 1 and encoding == "utf-8-sig":
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            has_nul = has_nul or b"\x00" in raw
            try:
                yield raw.decode(codec)
            except UnicodeDecodeError:
                undecodable = True
                yield _UNDECODABLE + "\n"

    # One reader over the whole stream: quoted cells may span lines, and line_num gives the physical line.
    csv.field_size_limit(MAX_RECORD_BYTES)
    reader = csv.reader(text_lines(), strict=True)
    end = first_line - 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            start, end = end + 1, first_line - 1 + reader.line_num
            message = str(error)
            if "field larger" in message:
                yield RawRecord(
                    start,
                    None,
                    ("record.too_long", f"1件のデータが長すぎます（{MAX_RECORD_BYTES:,}文字まで）。"),
                )
            elif "unexpected end of data" in message or "EOF" in message:
                yield RawRecord(
                    start,
                    None,
                    ("record.truncated", "ファイルが途中で終わっています（引用符が閉じられていません）。"),
                )
            else:
                yield RawRecord(
                    start, None, ("record.malformed", f"CSV の形式が正しくありません（{error}）。")
                )
            continue
        start, end = end + 1, first_line - 1 + reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line
        if undecodable and any(_UNDECODABLE in cell for cell in cells):
            label = "Shift_JIS" if codec == "cp932" else "UTF-8"
            yield RawRecord(
                start, None, ("encoding.invalid", f"文字コード（{label}）として読めない文字があります。")
            )
            continue
        if has_nul and (problem := _nul_in(header, cells)):
            yield RawRecord(start, None, problem)
            continue
        if header is None:
            header = parse_header(cells)
            if header is None:
                yield RawRecord(
                    start,
                    None,
                    ("header.invalid", "1行目は項目名の行（record_type を含む）でなければなりません。"),
                )
                return
            continue
        yield _csv_record(cells, start, header)


def _nul_in(header: list[str] | None, cells) -> tuple[str, str] | None:
    """A NUL character in a cell: no text field may hold one (PostgreSQL refuses it in text), so the row is
    refused with the field named, instead of failing the whole import at the database."""
    for index, cell in enumerate(cells):
        if "\x00" in cell:
            name = header[index] if header and index < len(header) else f"{index + 1}列目"
            return ("field.nul", f"項目「{name}」に NUL 文字（制御文字）が含まれています。")
    return None


def parse_header(cells: list[str]) -> list[str] | None:
    names = [name.strip() for name in cells]
    if "record_type" not in names or len(set(names)) != len(names):
        return None
    return names


def _csv_record(cells: list[str], line: int, header: list[str]) -> RawRecord:
    if len(cells) != len(header):
        return RawRecord(
            line, None, ("record.columns", f"項目数が {len(cells)} です（見出しは {len(header)} 項目）。")
        )
    if max(map(len, cells)) > MAX_FIELD:  # rare: then find the first cell that is too long
        for name, cell in zip(header, cells, strict=True):
            if len(cell) > MAX_FIELD:
                return RawRecord(
                    line, None, ("field.too_long", f"項目「{name}」が長すぎます（{MAX_FIELD}文字まで）。")
                )
    return RawRecord(line, dict(zip(header, map(str.strip, cells), strict=True)))


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
        except RecursionError:  # nested deeper than the json module goes
            yield RawRecord(number, None, ("record.malformed", "JSON の入れ子が深すぎます。"))
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
            if "\x00" in str(value):  # "\u0000" in the JSON
                yield RawRecord(number, None, _nul_in([str(name)], [str(value)]))
                break
            cells[str(name)] = str(value).strip()
        else:
            yield RawRecord(number, cells)


def read(stream: BinaryIO, file_format: str) -> Iterator[RawRecord]:
    return read_jsonl(stream) if file_format == "jsonl" else read_csv(stream)
