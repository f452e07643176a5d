"""Reading and writing the 4.1 files, and their names.

The rules (shared/careplan-standard.md §1.2-1.3, §5), and where the sources leave a point open, the
reading taken: both readings are accepted on import, the stricter one is written on export.
- MS932 (cp932; strict Shift_JIS would refuse ①, ㈱, 髙), no 外字: a character MS932 cannot hold is an error.
- Free text is quoted, with "" for a quote; line breaks and commas inside stay. Other cells: quoting is not
  specified, so it is accepted on import and written only where a value needs it.
- No header row is specified: none is written; a first row whose first cell is not a 6-digit version is
  taken as a header and skipped on import.
- Line ends are not specified: CRLF is written; CR, LF and CRLF are read. A BOM is dropped.
- Lengths are maxima (the annex does not say fixed): a longer value is an error, a shorter one is kept.
- One file holds one CSV version: a second value is an error.
- Names: the 4.1 rule with both offices' 2-digit service-type codes is written; the 3.x rule without them is
  read too (the types then come from elsewhere).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from eligibility.imports.registry import Issue

from .layouts import CSV_VERSION, Column, Layout

ENCODING = "cp932"
GETA = "〓"
_DATE = re.compile(r"^\d{8}$")
_GAIJI = re.compile("[\ue000-\uf8ff]")
_MONTH = re.compile(r"^\d{6}$")
_TIME = re.compile(r"^(?:[01]\d|2[0-3])[0-5]\d$|^9999$|^2400$")
_NAME = re.compile(
    r"^(?P<prefix>UPHOSOKU|UP1KYO|DLT1KYO|UP2KYO|UP3KYO|UPPLAN|DLTPLAN|UPJSK|DLTJSK|UPSIKYU)"
    r"(?:_(?P<month>\d{6}))?_(?P<sender>[0-9A-Z]{9,10})(?:_(?P<sender_type>[0-9A-Z]{2}))?"
    r"_(?P<receiver>[0-9A-Z]{9,10})(?:_(?P<receiver_type>[0-9A-Z]{2}))?_(?P<stamp>\d{14})\.CSV$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FileName:
    """What a file's name says: which file, the month (None where the name has none), who sends to whom,
    and the 14-digit timestamp that every file of one send unit shares (its ファイル連番)."""

    prefix: str
    month: str | None
    sender: str
    sender_type: str
    receiver: str
    receiver_type: str
    stamp: str

    def __str__(self) -> str:
        month = f"_{self.month}" if self.month is not None else ""
        return (
            f"{self.prefix}{month}_{self.sender}_{self.sender_type}_{self.receiver}_{self.receiver_type}"
            f"_{self.stamp}.CSV"
        )


def parse_name(name: str, layouts: dict[str, Layout]) -> FileName | None:
    """The parts of a file name (4.1, or 3.x without service types), or None if it is no file of the
    standard. A name must carry a month exactly when its layout does."""
    match = _NAME.match(name.rsplit("/", 1)[-1])
    if match is None:
        return None
    parts = match.groupdict()
    prefix = parts["prefix"].upper()
    if layouts[prefix].monthly != (parts["month"] is not None):
        return None
    if (parts["sender_type"] is None) != (parts["receiver_type"] is None):
        return None
    return FileName(
        prefix,
        parts["month"],
        parts["sender"].upper(),
        (parts["sender_type"] or "").upper(),
        parts["receiver"].upper(),
        (parts["receiver_type"] or "").upper(),
        parts["stamp"],
    )


def _cell_issue(column: Column, value: str) -> tuple[str, str] | None:
    """(code, Japanese message) when the cell breaks its column's rule."""
    if value == "":
        return ("required", f"{column.name}は必須です。") if column.required else None
    if column.length is not None and len(value) > column.length:
        return "too_long", f"{column.name}は{column.length}文字以内です（{len(value)}文字）。"
    match column.kind:
        case "digits" if not (value.isascii() and value.isdigit()):
            return "digits", f"{column.name}は半角数字で入力してください。"
        case "date" if not _DATE.match(value) or not _real_date(value):
            return "date", f"{column.name}はYYYYMMDD形式の正しい日付です。"
        case "month" if not _MONTH.match(value) or not (value == "000000" or 1 <= int(value[4:]) <= 12):
            return "month", f"{column.name}はYYYYMM形式の年月です。"
        case "time" if not _TIME.match(value):
            return "time", f"{column.name}はHHMM形式（表示しない時刻は9999）です。"
        case "code" if value not in (column.codes or {}):
            return "code", f"{column.name}の値「{value}」はコード表にありません。"
    return None


def _real_date(value: str) -> bool:
    if value == "00000000":  # the key's filler where a 補足 row belongs to 第6表 (§1.5)
        return True
    try:
        dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


def read(layout: Layout, data: bytes, *, file_name: str) -> tuple[list[dict[str, str]], list[Issue]]:
    """The file's records, keyed by column name with their line (`_line`), and every issue found, each
    with the file, line and column. Records with issues are returned too: the caller applies nothing
    while any issue is an error."""
    issues: list[Issue] = []
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM some software puts before the MS932
    try:
        text = data.decode(ENCODING)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [
            Issue.make(
                line,
                "",
                "",
                "careplan_csv.encoding",
                f"{file_name}: Shift_JIS（MS932）として読めない文字があります。",
            )
        ]
    if gaiji := _GAIJI.search(text):  # cp932's user-defined area (F040-F9FC) decodes to private use
        line = text[: gaiji.start()].count("\n") + 1
        return [], [
            Issue.make(
                line,
                "",
                "",
                "careplan_csv.gaiji",
                f"{file_name} {line}行目: 外字（利用者定義文字）は使えません。",
            )
        ]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[dict[str, str]] = []
    versions: set[str] = set()
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not cells or cells == [""]:
                continue
            if start == 1 and not _MONTH.match(cells[0]):
                continue  # a header row (none is specified; some software writes one)
            if len(cells) != len(layout.columns):
                issues.append(
                    Issue.make(
                        start,
                        "",
                        "",
                        "careplan_csv.columns",
                        f"{file_name} {start}行目: 項目数が"
                        f"{len(cells)}です（{layout.title}は{len(layout.columns)}項目）。",
                    )
                )
                continue
            record = {"_line": str(start)}
            for column, value in zip(layout.columns, cells, strict=True):
                record[layout.key(column)] = value
                problem = _cell_issue(column, value)
                if problem:
                    issues.append(
                        Issue.make(
                            start,
                            f"{column.no}:{column.name}",
                            value,
                            f"careplan_csv.{problem[0]}",
                            f"{file_name} {start}行目 {column.no}列目（{column.name}）: {problem[1]}",
                        )
                    )
            versions.add(cells[0])
            records.append(record)
    except csv.Error as error:
        issues.append(
            Issue.make(
                line,
                "",
                "",
                "careplan_csv.quoting",
                f"{file_name} {line}行目: 引用符の対応が正しくありません（{error}）。",
            )
        )
    if len(versions) > 1:
        issues.append(
            Issue.make(
                1,
                "1:CSVバージョン",
                "",
                "careplan_csv.versions",
                f"{file_name}: 1つのファイルに複数のCSVバージョンがあります（{'、'.join(sorted(versions))}）。",
            )
        )
    elif versions and versions != {CSV_VERSION}:
        issues.append(
            Issue.make(
                1,
                "1:CSVバージョン",
                "",
                "careplan_csv.version",
                f"{file_name}: CSVバージョン{versions.pop()}は読み込めません（4.1は{CSV_VERSION}）。",
            )
        )
    return records, issues


def encodable(ch: str) -> bool:
    try:
        ch.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def ms932(value: str) -> tuple[str, str]:
    """The text as MS932 will give it back (〜 U+301C becomes ～ U+FF5E, − becomes －, and so on), and the
    characters MS932 cannot hold at all ("" when there are none)."""
    bad = "".join(dict.fromkeys(ch for ch in value if not encodable(ch)))
    if bad:
        return value, bad
    return value.encode(ENCODING).decode(ENCODING), ""


def geta(value: str) -> str:
    """A name or address from the municipality as MS932 can hold it: a character outside MS932 (外字, or
    𠮷) becomes 〓 (ゲタ), as Japanese systems customarily write it. Plan text never needs this: the editor
    refuses such characters before they are stored."""
    return "".join(ch if encodable(ch) else GETA for ch in value)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def write(layout: Layout, records: list[dict[str, str]]) -> bytes:
    """The file: CRLF, free text always quoted, other cells quoted only where the value needs it. A record
    names its cells by `layout.key`; a missing cell is empty. Raises
    UnicodeEncodeError for a character outside MS932 (the editor refuses those before they are stored)."""
    lines = []
    for record in records:
        cells = []
        for column in layout.columns:
            value = record.get(layout.key(column), "")
            if column.no == 1:
                value = value or CSV_VERSION
            needs = column.kind == "free" or any(ch in value for ch in ',"\r\n')
            cells.append(_quoted(value) if needs else value)
        lines.append(",".join(cells) + "\r\n")
    return "".join(lines).encode(ENCODING)
