"""第1表・第2表 as CSV in the style of the ケアプランデータ連携 standard (v4.x): MS932 (cp932), CRLF, no header
row, one record per line whose first column says which table it belongs to. The columns are the portal's
own where the standard's are not public: docs/careplan-csv.md is the reference, and COLUMNS_1/COLUMNS_2
here are the one source of both.

Parsing reports every bad cell with its line, column, value (cut short), a stable code and a Japanese
message (eligibility's Issue shape). Nothing is applied here: imports.py applies a clean file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.utils import timezone

from eligibility.imports.registry import Issue
from kaigo_portal import numbers

from .models import CarePlan, CertificationStatus, PlanKind

CSV_VERSION = "P1"  # the portal's own layout, version 1 (docs/careplan-csv.md)
ENCODING = "cp932"
FILE_NAME = re.compile(r"^UPPLAN_(\d{6})_(\w{10})_(\w{10})_(\d{14})\.CSV$", re.IGNORECASE)
MAX_BYTES = 2_000_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A character MS932 cannot hold (外字) is written as 〓 (ゲタ), as Japanese systems customarily do. Plan
# text never has one (the editor refuses them, see `ms932`); a name from the municipality might.
codecs.register_error("kaigo_geta", lambda error: ("〓", error.start + 1))


def ms932(value: str) -> tuple[str, str]:
    """The text as MS932 will give it back (〜 U+301C becomes ～ U+FF5E, − becomes －, and so on), and the
    characters MS932 cannot hold at all ("" when there are none)."""
    bad = "".join(dict.fromkeys(ch for ch in value if not _encodable(ch)))
    if bad:
        return value, bad
    return value.encode(ENCODING).decode(ENCODING), ""


def _encodable(ch: str) -> bool:
    try:
        ch.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


# (column name, as in the standard where it has one)
COLUMNS_1 = (
    "帳票種別", "CSVバージョン", "保険者番号", "被保険者番号", "利用者氏名", "居宅計画書作成年月日",
    "居宅サービス計画作成(変更)日", "初回・紹介・継続", "認定済・申請中", "要介護状態区分", "認定日",
    "認定の有効期間(開始)", "認定の有効期間(終了)", "居宅介護支援事業者コード", "計画作成者氏名",
    "利用者及び家族の生活に対する意向", "介護認定審査会の意見及びサービスの種類の指定", "総合的な援助の方針",
    "生活援助中心型の算定理由",
)  # fmt: skip
COLUMNS_2 = (
    "帳票種別", "CSVバージョン", "保険者番号", "被保険者番号", "居宅計画書作成年月日", "居宅サービス計画作成(変更)日",
    "課題NO", "課題", "援助目標NO", "長期目標", "短期目標", "長期期間", "短期期間", "援助内容NO", "サービス内容",
    "保険対象区分", "サービス種別", "サービス事業者コード", "サービス事業所名", "頻度", "実施期間",
)  # fmt: skip


def escape(value: str) -> str:
    """A cell that a spreadsheet would run as a formula is written with a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value


def unescape(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def _ymd(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def file_name(plan: CarePlan, *, to_office_number: str, now: dt.datetime | None = None) -> str:
    now = timezone.localtime(now or timezone.now())
    return (
        f"UPPLAN_{plan.created_on:%Y%m}_{plan.author_office.office_number}_{to_office_number}_"
        f"{now:%Y%m%d%H%M%S}.CSV"
    )


def export(plan: CarePlan, *, first_created_on: dt.date) -> bytes:
    """第1表 (one record) and 第2表 (a record per row) of one plan, in MS932 with CRLF."""
    person = plan.person
    head = [CSV_VERSION, person.insurer.insurer_number, person.insured_number]
    records = [[
        "1", *head, person.name, _ymd(first_created_on), _ymd(plan.created_on), plan.plan_kind,
        plan.certification_status, plan.care_level, _ymd(plan.certified_on), _ymd(plan.valid_from),
        _ymd(plan.valid_to), plan.author_office.office_number, plan.care_manager_name, plan.intentions,
        plan.panel_opinion, plan.policy, plan.living_support_reason,
    ]]  # fmt: skip
    for row in plan.service_rows.all():
        records.append([
            "2", *head, _ymd(first_created_on), _ymd(plan.created_on), str(row.need_no), row.need,
            str(row.goal_no), row.long_goal, row.short_goal, row.long_period, row.short_period,
            str(row.service_no), row.service_content, "1" if row.insured else "2", row.service_kind,
            row.office_number, row.office_name, row.frequency, row.period,
        ])  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for record in records:
        writer.writerow([escape(cell) for cell in record])
    return out.getvalue().encode(ENCODING, errors="kaigo_geta")


# --- reading ---------------------------------------------------------------------------------------


@dataclass
class Table1:
    line: int
    insurer_number: str
    insured_number: str
    created_on: dt.date
    plan_kind: str
    intentions: str
    policy: str
    living_support_reason: str


@dataclass
class Table2:
    line: int
    insurer_number: str
    insured_number: str
    values: dict[str, str]


@dataclass
class Parsed:
    tables1: list[Table1] = field(default_factory=list)
    tables2: list[Table2] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def error(self, line: int, column: str, value: object, code: str, message: str) -> None:
        self.issues.append(Issue.make(line, column, value, code, message))


def check_file_name(name: str, office_number: str) -> list[Issue]:
    match = FILE_NAME.match(name or "")
    if match is None:
        return [Issue.make(0, "ファイル名", name, "csv.file_name",
                           "ファイル名は UPPLAN_{年月}_{送信元事業所番号}_{送信先事業所番号}_{年月日時分秒}.CSV の形式にしてください。")]  # fmt: skip
    if match.group(2) != office_number:
        return [Issue.make(0, "ファイル名", name, "csv.file_from_other_office",
                           f"送信元の事業所番号がこの事業所（{office_number}）ではありません。")]  # fmt: skip
    return []


def _lines(data: bytes, parsed: Parsed):
    """Decoded physical lines; a line that is not MS932 is reported and replaced by an empty line."""
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            yield raw.decode(ENCODING)
        except UnicodeDecodeError:
            parsed.error(number, "", "", "csv.encoding", "Shift_JIS（MS932）として読めない文字があります。")
            yield "\r\n"


def _date(parsed: Parsed, line: int, column: str, value: str) -> dt.date | None:
    if not re.fullmatch(r"\d{8}", value):
        parsed.error(
            line, column, value, "csv.date_format", f"{column}は YYYYMMDD の形式で入力してください。"
        )
        return None
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        parsed.error(line, column, value, "csv.date_invalid", f"{column}が存在しない日付です。")
        return None


def _person_columns(parsed: Parsed, line: int, cells: dict[str, str]) -> bool:
    ok = True
    if cells["CSVバージョン"] != CSV_VERSION:
        parsed.error(line, "CSVバージョン", cells["CSVバージョン"], "csv.version",
                     f"CSVバージョンは {CSV_VERSION} だけに対応しています。")  # fmt: skip
        ok = False
    for column, check in (
        ("保険者番号", numbers.check_insurer_number),
        ("被保険者番号", numbers.check_insured_number),
    ):
        for issue in check(cells[column]):
            if issue.severity == "error":
                parsed.error(line, column, cells[column], issue.code, issue.message)
                ok = False
    return ok


def parse(data: bytes) -> Parsed:
    """Every record of the file, or its issues. A file with any issue must not be applied."""
    parsed = Parsed()
    if len(data) > MAX_BYTES:
        parsed.error(0, "", "", "csv.too_large", f"ファイルが大きすぎます（{MAX_BYTES:,}バイトまで）。")
        return parsed
    reader = csv.reader(_lines(data, parsed), strict=True)
    end = 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if not cells or cells == [""]:
                continue
            _record(parsed, start, [unescape(cell) for cell in cells])
    except csv.Error as error:
        parsed.error(end + 1, "", "", "csv.malformed", f"CSV の形式が正しくありません（{error}）。")
    if not parsed.tables1 and not parsed.issues:
        parsed.error(0, "帳票種別", "", "csv.no_table1", "第1表のレコード（帳票種別 1）がありません。")
    return parsed


def _record(parsed: Parsed, line: int, cells: list[str]) -> None:
    kind = cells[0]
    columns = {"1": COLUMNS_1, "2": COLUMNS_2}.get(kind)
    if columns is None:
        parsed.error(line, "帳票種別", kind, "csv.table_kind", "帳票種別は 1（第1表）か 2（第2表）です。")
        return
    if len(cells) != len(columns):
        parsed.error(line, "", f"{len(cells)}項目", "csv.columns",
                     f"第{kind}表のレコードは {len(columns)} 項目です（この行は {len(cells)} 項目）。")  # fmt: skip
        return
    values = dict(zip(columns, cells, strict=True))
    ok = _person_columns(parsed, line, values)
    created_on = _date(parsed, line, "居宅サービス計画作成(変更)日", values["居宅サービス計画作成(変更)日"])
    if kind == "1":
        if values["初回・紹介・継続"] not in PlanKind.values:
            parsed.error(line, "初回・紹介・継続", values["初回・紹介・継続"], "csv.plan_kind",
                         "初回・紹介・継続は 1（初回）、2（紹介）、3（継続）のいずれかです。")  # fmt: skip
            ok = False
        if values["認定済・申請中"] not in ("", *CertificationStatus.values):
            parsed.error(line, "認定済・申請中", values["認定済・申請中"], "csv.certification_status",
                         "認定済・申請中は 1（認定済）か 2（申請中）です。")  # fmt: skip
            ok = False
        if len(values["生活援助中心型の算定理由"]) > 200:
            parsed.error(line, "生活援助中心型の算定理由", values["生活援助中心型の算定理由"], "csv.too_long",
                         "生活援助中心型の算定理由は200文字以内です。")  # fmt: skip
            ok = False
        if ok and created_on is not None:
            parsed.tables1.append(Table1(
                line, values["保険者番号"], values["被保険者番号"], created_on, values["初回・紹介・継続"],
                values["利用者及び家族の生活に対する意向"], values["総合的な援助の方針"], values["生活援助中心型の算定理由"],
            ))  # fmt: skip
        return
    ok = _table2(parsed, line, values) and ok
    if ok and created_on is not None:
        parsed.tables2.append(Table2(line, values["保険者番号"], values["被保険者番号"], values))


def _table2(parsed: Parsed, line: int, values: dict[str, str]) -> bool:
    ok = True
    for column in ("課題NO", "援助目標NO", "援助内容NO"):
        if not values[column].isdigit() or int(values[column]) < 1:
            parsed.error(line, column, values[column], "csv.number", f"{column}は1以上の整数です。")
            ok = False
    if not values["課題"].strip():
        parsed.error(line, "課題", "", "csv.required", "課題は必須です。")
        ok = False
    if values["保険対象区分"] not in ("1", "2"):
        parsed.error(line, "保険対象区分", values["保険対象区分"], "csv.insured",
                     "保険対象区分は 1（保険給付対象）か 2（対象外）です。")  # fmt: skip
        ok = False
    code = values["サービス事業者コード"]
    if code and numbers.has_errors(numbers.check_office_number(code)):
        parsed.error(
            line,
            "サービス事業者コード",
            code,
            "csv.office_number",
            "サービス事業者コード（事業所番号）が正しくありません。",
        )
        ok = False
    if values["保険対象区分"] == "1" and not code:
        parsed.error(
            line,
            "サービス事業者コード",
            "",
            "csv.office_required",
            "保険給付対象のサービスには事業者コードが必要です。",
        )
        ok = False
    for column, limit in (("長期期間", 60), ("短期期間", 60), ("サービス種別", 60), ("サービス事業所名", 200),
                          ("頻度", 60), ("実施期間", 60)):  # fmt: skip
        if len(values[column]) > limit:
            parsed.error(line, column, values[column], "csv.too_long", f"{column}は{limit}文字以内です。")
            ok = False
    return ok
