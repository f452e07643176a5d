"""Reading one file of the 介護サービス情報公表システム open data: its name, its 24 columns, every row.

The ministry publishes one national CSV per service, UTF-8 with a BOM, named
`jigyosho_<3-digit service code>_all_<YYYYMMDDhhmmss>.csv` (the time the file was made, not the date of
its data). Nothing here writes: `read` returns the rows as the portal will hold them and every problem with
its line, its column's Japanese name, a stable code and a severity. An error keeps the whole import from
being applied; a warning is shown and the row is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kaigo_portal import numbers

from . import service_types

# The columns in the ministry's order: (key, the header's name). A header cell matches when, NFKC-folded
# and without spaces, it starts with the name (the ministry adds notes such as 「NO（※システム内の固有の
# 番号、連番）」 and 「利用可能曜日特記事項（留意事項なども可）」).
COLUMNS = [
    ("area_code", "都道府県コード又は市町村コード"),
    ("no", "No"),
    ("prefecture_name", "都道府県名"),
    ("city_name", "市区町村名"),
    ("name", "事業所名"),
    ("name_kana", "事業所名カナ"),
    ("service_name", "サービスの種類"),
    ("address", "住所"),
    ("address_extra", "方書（ビル名等）"),
    ("latitude", "緯度"),
    ("longitude", "経度"),
    ("phone", "電話番号"),
    ("fax", "FAX番号"),
    ("corporate_number", "法人番号"),
    ("corporate_name", "法人の名称"),
    ("office_number", "事業所番号"),
    ("weekdays", "利用可能曜日"),
    ("weekdays_note", "利用可能曜日特記事項"),
    ("capacity", "定員"),
    ("url", "URL"),
    ("kyoseigata", "高齢者の方と障害者の方が同時一体的に利用できるサービス"),
    ("meets_care_standard", "介護保険の通常の指定基準を満たしている"),
    ("meets_disability_standard", "障害福祉の通常の指定基準を満たしている"),
    ("remarks", "備考"),
]
LABELS = dict(COLUMNS)
LISTING_FIELDS = [
    "info_code",
    "claims_code",
    "service_name",
    "weekdays",
    "weekdays_note",
    "capacity",
    "kyoseigata",
    "meets_care_standard",
    "meets_disability_standard",
    "remarks",
    "line",
]
# The office's text fields, kept as the file has them (法人番号 and phone numbers are text, not numbers).
TEXT_FIELDS = [
    "office_number",
    "name",
    "name_kana",
    "area_code",
    "prefecture_name",
    "city_name",
    "address",
    "address_extra",
    "phone",
    "fax",
    "corporate_number",
    "corporate_name",
]
FILE_NAME = re.compile(r"jigyosho_(?P<code>\d{3})_all_(?P<made>\d{14})\.csv", re.IGNORECASE)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_BYTES = 100 * 1024 * 1024  # the largest national file (訪問介護) is about 20 MB


@dataclass(frozen=True)
class Issue:
    file: str
    line: int  # 0: the file as a whole
    column: str  # the column's Japanese name, "" for the file or the row
    code: str
    message: str
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class Row:
    line: int
    office: dict  # the fields of offices.Office
    listing: dict  # the fields of offices.Listing


@dataclass
class MasterFile:
    file_name: str
    sha256: str
    info_code: str = ""
    made_at: dt.datetime | None = None
    data_date: dt.date | None = None
    data_date_inferred: bool = False
    rows: list[Row] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.is_error]


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def data_date_before(made: dt.date) -> dt.date:
    """The data date of a file made on `made`: the last end of June or of December on or before it (the
    ministry's two data dates a year) [I]."""
    june, december = dt.date(made.year, 6, 30), dt.date(made.year - 1, 12, 31)
    return june if made >= june else december


def read(
    file_name: str, content: bytes, *, info_code: str = "", data_date: dt.date | None = None
) -> MasterFile:
    """Reads and checks one open-data file. `info_code` and `data_date` override what the name implies."""
    result = MasterFile(file_name=file_name, sha256=hashlib.sha256(content).hexdigest())

    def fail(code: str, message: str, *, line: int = 0, column: str = "") -> MasterFile:
        result.issues.append(Issue(file_name, line, column, code, message))
        return result

    named = FILE_NAME.fullmatch(file_name)
    result.info_code = info_code or (named.group("code") if named else "")
    if named:
        made = dt.datetime.strptime(named.group("made"), "%Y%m%d%H%M%S")
        result.made_at = made.replace(tzinfo=dt.timezone(dt.timedelta(hours=9)))
    if not result.info_code:
        return fail(
            "file.service_code",
            "ファイル名からサービスコードが分かりません（jigyosho_110_all_20260701000000.csv の形）。"
            "サービスコードを指定してください。",
        )
    if service_types.by_info_code(result.info_code) is None:
        return fail("file.unknown_service", f"サービスコード {result.info_code} は対応表にありません。")
    if data_date is not None:
        result.data_date = data_date
    elif result.made_at is not None:
        result.data_date, result.data_date_inferred = data_date_before(result.made_at.date()), True
    else:
        return fail("file.data_date", "基準日が分かりません。基準日を指定してください。")
    if len(content) > MAX_BYTES:
        return fail("file.too_large", f"ファイルが大きすぎます（上限 {MAX_BYTES // 1024 // 1024} MB）。")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return fail(
            "encoding.invalid",
            f"UTF-8 として読めません（{error.start} バイト目）。公表データは BOM 付き UTF-8 です。",
        )
    lines = csv.reader(io.StringIO(text, newline=""))
    header = next(lines, None)
    if not header:
        return fail("file.empty", "ファイルが空です。")
    positions = _positions(header)
    missing = [LABELS[key] for key, _ in COLUMNS if key not in positions]
    if missing:
        return fail("file.columns", f"見出しに次の列がありません: {'、'.join(missing)}。", line=1)
    seen: dict[str, int] = {}
    for line, cells in enumerate(lines, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            fail("row.columns", f"列の数が{len(cells)}です（見出しは{len(header)}列）。", line=line)
            continue
        row = _row(result, line, {key: cells[i].strip() for key, i in positions.items()})
        number = row.office["office_number"]
        if number in seen:
            fail(
                "office_number.duplicate",
                f"事業所番号 {number} が {seen[number]} 行目にもあります。",
                line=line,
                column=LABELS["office_number"],
            )
            continue
        seen[number] = line
        result.rows.append(row)
    return result


def _positions(header: list[str]) -> dict[str, int]:
    folded = [_fold(cell) for cell in header]
    positions: dict[str, int] = {}
    # Longest names first, so that 利用可能曜日特記事項 is not taken for 利用可能曜日 (and 事業所名カナ for 事業所名).
    for key, name in sorted(COLUMNS, key=lambda column: -len(column[1])):
        wanted = _fold(name)
        for i, cell in enumerate(folded):
            if i not in positions.values() and cell.startswith(wanted):
                positions[key] = i
                break
    return positions


def _row(result: MasterFile, line: int, cells: dict[str, str]) -> Row:
    def issue(key: str, code: str, message: str, severity: str = "error") -> None:
        result.issues.append(Issue(result.file_name, line, LABELS[key], code, message, severity))

    number = cells["office_number"]
    for problem in numbers.check_office_number(number) if number else []:
        issue("office_number", problem.code, problem.message, problem.severity)
    if not number:
        issue("office_number", "office_number.required", "事業所番号がありません。")
    if not cells["name"]:
        issue("name", "name.required", "事業所名がありません。")
    area = cells["area_code"]
    if area and not (area.isdigit() and len(area) in (2, 5, 6)):
        issue(
            "area_code",
            "area_code.format",
            "都道府県コード（2桁）か市町村コード（5桁または6桁）ではありません。",
        )
    coordinates = {}
    for key, low, high in (("latitude", 20, 46), ("longitude", 122, 154)):  # Japan, with its islands
        coordinates[key] = _decimal(cells[key])
        if cells[key] and (coordinates[key] is None or not low <= coordinates[key] <= high):
            issue(key, f"{key}.range", f"{LABELS[key]}が日本の範囲（{low}〜{high}）の数値ではありません。")
            coordinates[key] = None
    corporate = cells["corporate_number"]
    for problem in numbers.check_corporate_number(corporate) if corporate else []:
        issue("corporate_number", problem.code, problem.message, problem.severity)
    capacity = None
    if cells["capacity"]:
        if cells["capacity"].isdigit():
            capacity = int(cells["capacity"]) or None  # 0: a service without a capacity (visits)
        else:
            issue("capacity", "capacity.format", "定員が0以上の整数ではありません。")
    url, email = cells["url"], ""
    if url and EMAIL.fullmatch(url.removeprefix("mailto:")):
        url, email = "", url.removeprefix("mailto:")
        issue(
            "url",
            "url.email",
            "URL欄にメールアドレスがあります（メールアドレスとして保存します）。",
            "warning",
        )
    elif url and not url.lower().startswith(("http://", "https://")):
        issue(
            "url",
            "url.scheme",
            "URLが http:// または https:// で始まっていません（そのまま保存します）。",
            "warning",
        )
    expected = service_types.by_info_code(result.info_code)
    if cells["service_name"] and _fold(cells["service_name"]) != _fold(expected.name):
        issue(
            "service_name",
            "service_name.differs",
            f"サービスの種類「{cells['service_name']}」がサービスコード {result.info_code}"
            f"（{expected.name}）と異なります。",
            "warning",
        )
    office = {key: cells[key] for key in TEXT_FIELDS}
    office.update(coordinates, url=url, email=email)
    listing = {  # LISTING_FIELDS
        "info_code": result.info_code,
        "claims_code": expected.claims_code,
        "service_name": cells["service_name"] or expected.name,
        "weekdays": cells["weekdays"],
        "weekdays_note": cells["weekdays_note"],
        "capacity": capacity,
        "kyoseigata": cells["kyoseigata"],
        "meets_care_standard": cells["meets_care_standard"],
        "meets_disability_standard": cells["meets_disability_standard"],
        "remarks": cells["remarks"],
        "line": line,
    }
    return Row(line, office, listing)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.000001")) if value.is_finite() else None
