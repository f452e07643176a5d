"""Import of send units of the 4.1 files (an upload of files or ZIPs, or the API of care software).

The order (careplan-standard.md §1.4-1.5, §6):
1. ZIPs are opened (size and count checked), every name is parsed: the prefix routes the file, the name
   gives the month, the two offices and the 14-digit timestamp that groups files into units;
2. every file is read by the codec, every record checked against the platform: the person exists and
   passes the importer's careplan gate, the other office serves them, the 補足's birth date and sex are
   the platform's, the offices are the file name's;
3. any error anywhere: nothing is applied, and the report names file, line and column of each;
4. else the units are applied in timestamp order, in one transaction, each unit once: the same files
   imported again by the same office are recognised by their digest and change nothing.

What a unit does (the cascades of §1.5):
- 1・2・3表: a new delivered version of the author office's plan for the person (unchanged content: none),
  and the plan in the receiver's inbox. Blank 2表 課題・目標 cells carry the row above forward.
- 1表削除: the plan of that 作成（変更）日 is withdrawn, with its 2表 and 3表.
- 6表 (予定) + 7表: the receiver's 予定 lines and 第7表 rows of the month are the file's; the 補足's
  limit figures are kept with the month.
- 6表削除: the receiver's 予定 lines of the month go, and their 第7表 rows.
- 実績 / 実績削除: the provider's 実績 of the month and service type, against the care manager's month.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from eligibility.imports.registry import Issue
from eligibility.models import InsuredPerson
from eligibility.selectors import identities_as_of
from kaigo_portal import access
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.numbers import contains_my_number

from .. import months, selectors
from ..models import (
    DELIVERED_STATES,
    CarePlan,
    DailyActivity,
    Delivery,
    ExchangeUnit,
    LineKind,
    PlanEvent,
    PlanEventKind,
    PlanKind,
    PlanServiceRow,
    PlanStatus,
    ServiceLine,
    ServiceMonth,
    Table7Row,
    UnitKind,
    WeeklyEntry,
)
from . import records as r
from .codec import FileName, parse_name, read
from .exports import digest_of
from .layouts import LAYOUTS

PURPOSE = access.Purpose.CARE_MANAGEMENT
MAX_FILES = 500
MAX_BYTES = 50_000_000  # uncompressed, the whole upload
ORDER = (
    "DLT1KYO",
    "UPHOSOKU",
    "UP1KYO",
    "UP2KYO",
    "UP3KYO",
    "DLTPLAN",
    "UPPLAN",
    "UPSIKYU",
    "DLTJSK",
    "UPJSK",
)
TEXT_LIMITS = {
    "long_period": 60,
    "short_period": 60,
    "service_kind": 60,
    "office_name": 200,
    "frequency": 60,
    "period": 60,
}
FREE_TEXT_FIELDS = (
    "need",
    "long_goal",
    "short_goal",
    "service_content",
    "intentions",
    "panel_opinion",
    "policy",
    "non_weekly_services",
    "living_support_reason",
    "content",
)


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)
    applied: list[ExchangeUnit] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)  # stamps of units this office had imported already
    counts: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not any(issue.severity == "error" for issue in self.issues)

    def error(self, file_name: str, line: int, column: str, value, code: str, message: str) -> None:
        where = (
            file_name + (f" {line}行目" if line else "") + (f" {column.split(':', 1)[-1]}" if column else "")
        )
        self.issues.append(
            Issue.make(
                line,
                f"{file_name}:{column}" if column else file_name,
                value,
                f"careplan_unit.{code}",
                f"{where}: {message}",
            )
        )

    def summary(self) -> str:
        parts = [f"{label} {self.counts[key]}人" for key, label in SUMMARY if self.counts[key]]
        return "、".join(parts)


SUMMARY = (
    ("plans", "計画（第1〜3表）"),
    ("plans_unchanged", "変更のない計画"),
    ("plans_withdrawn", "計画の削除"),
    ("months", "利用票（予定）"),
    ("months_deleted", "予定の削除"),
    ("actuals", "実績"),
    ("actuals_deleted", "実績の削除"),
)


@dataclass
class Piece:
    """One file of a unit: its name's parts, its name as uploaded, and its records."""

    name: FileName
    file_name: str
    data: bytes
    records: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Staged:
    """One unit, checked and ready to apply."""

    stamp: str
    sender: Organisation
    receiver: Organisation
    pieces: list[Piece]
    persons: dict[tuple[str, str], InsuredPerson] = field(default_factory=dict)
    plans: list[dict] = field(default_factory=list)
    plan_deletes: list[tuple[InsuredPerson, dt.date]] = field(default_factory=list)
    months: dict[tuple[int, dt.date], dict] = field(default_factory=dict)
    month_deletes: list[tuple[InsuredPerson, dt.date]] = field(default_factory=list)
    actuals: dict[tuple[int, dt.date], dict] = field(default_factory=dict)
    actual_deletes: list[tuple[InsuredPerson, dt.date, str, str]] = field(default_factory=list)
    supplements: dict[tuple[int, str], dict] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return digest_of([(p.file_name.rsplit("/", 1)[-1], p.data) for p in self.pieces])

    @property
    def kind(self) -> str:
        prefixes = {p.name.prefix for p in self.pieces}
        for prefix, kind in (
            ("UP1KYO", UnitKind.PLANS),
            ("UPPLAN", UnitKind.MONTH),
            ("DLT1KYO", UnitKind.PLAN_DELETE),
            ("DLTPLAN", UnitKind.MONTH_DELETE),
            ("UPJSK", UnitKind.ACTUALS),
        ):
            if prefix in prefixes:
                return kind
        return UnitKind.ACTUAL_DELETE


def expand(files: list[tuple[str, bytes]], report: Report) -> list[tuple[str, bytes]]:
    """The CSV files of an upload, ZIPs opened (only their CSV members; no member is written to disk)."""
    out, total = [], 0
    for name, data in files:
        if data[:4] == b"PK\x03\x04":
            try:
                archive = zipfile.ZipFile(io.BytesIO(data))
                members = [info for info in archive.infolist() if not info.is_dir()]
                total += sum(info.file_size for info in members)
                if total > MAX_BYTES or len(members) + len(out) > MAX_FILES:
                    report.error(
                        name,
                        0,
                        "",
                        "",
                        "too_large",
                        "ZIPの中身が大きすぎます（5,000万バイト・500ファイルまで）。",
                    )
                    continue
                for info in members:
                    base = info.filename.rsplit("/", 1)[-1]
                    if base.upper().endswith(".CSV"):
                        out.append((base, archive.read(info)))
            except (zipfile.BadZipFile, OSError, ValueError):
                report.error(name, 0, "", "", "zip", "ZIPファイルとして読めません。")
        else:
            total += len(data)
            out.append((name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1], data))
        if total > MAX_BYTES or len(out) > MAX_FILES:
            report.error(
                name, 0, "", "", "too_large", "ファイルが大きすぎます（5,000万バイト・500ファイルまで）。"
            )
            break
    return out


def import_files(*, actor: Actor, files: list[tuple[str, bytes]]) -> Report:
    """Checks every file of the upload and applies its units (all or nothing). See the module's text."""
    report = Report()
    office = actor.organisation
    if office is None or not office.office_number:
        report.error("", 0, "", "", "no_office", "事業所番号のある事業所の職員だけが取り込めます。")
        return report
    csvs = expand(files, report)
    if not csvs and report.ok:
        report.error(
            "",
            0,
            "",
            "",
            "no_files",
            "取り込むファイルがありません（ケアプラン連携のCSVファイルかZIPを選んでください）。",
        )
    units: dict[tuple[str, str, str], list[Piece]] = defaultdict(list)
    for name, data in csvs:
        parsed = parse_name(name, LAYOUTS)
        if parsed is None:
            report.error(
                name,
                0,
                "",
                "",
                "file_name",
                "ファイル名がケアプランデータ連携標準仕様の命名規則に合いません"
                "（例: UP1KYO_送信元事業所番号_43_送信先事業所番号_11_年月日時分秒.CSV）。",
            )
            continue
        units[(parsed.stamp, parsed.sender, parsed.receiver)].append(Piece(parsed, name, data))
    for key in units:
        names = [p.file_name.upper() for p in units[key]]
        for duplicate in {n for n in names if names.count(n) > 1}:
            report.error(duplicate, 0, "", "", "duplicate_file", "同じファイルが2回選ばれています。")
    staged = [_stage(actor, pieces, report) for _key, pieces in sorted(units.items())]
    if not report.ok:
        return report
    with transaction.atomic():
        for unit in staged:
            digest = unit.digest
            if ExchangeUnit.objects.filter(direction="in", office=office, digest=digest).exists():
                report.repeated.append(unit.stamp)
                continue
            _apply(actor, unit, report)
            report.applied.append(
                ExchangeUnit.objects.create(
                    direction="in",
                    kind=unit.kind,
                    office=office,
                    sender_number=unit.sender.office_number,
                    sender_type=unit.pieces[0].name.sender_type,
                    receiver_number=unit.receiver.office_number,
                    receiver_type=unit.pieces[0].name.receiver_type,
                    month=_month_of(unit),
                    stamp=unit.stamp,
                    digest=digest,
                    files=[p.file_name for p in unit.pieces],
                    persons=len(unit.persons),
                    by=actor.user,
                    by_name=actor.name,
                )
            )
    for unit in staged:  # the log is its own durable transaction: after the data's commit
        if unit.stamp not in report.repeated:
            access.log_listed(actor, list(unit.persons.values()), selectors.CAREPLAN, PURPOSE)
    return report


def _month_of(unit: Staged) -> dt.date | None:
    month = next((p.name.month for p in unit.pieces if p.name.month and p.name.month != "000000"), None)
    return dt.date(int(month[:4]), int(month[4:]), 1) if month else None


# --- checking -------------------------------------------------------------------------------------


def _stage(actor: Actor, pieces: list[Piece], report: Report) -> Staged:
    pieces.sort(key=lambda p: ORDER.index(p.name.prefix))
    first = pieces[0]
    offices = {
        o.office_number: o
        for o in Organisation.objects.filter(
            office_number__in=(first.name.sender, first.name.receiver)
        ).prefetch_related("services")
    }
    sender, receiver = offices.get(first.name.sender), offices.get(first.name.receiver)
    unit = Staged(first.name.stamp, sender, receiver, pieces)
    for piece in pieces:
        piece.records, issues = read(LAYOUTS[piece.name.prefix], piece.data, file_name=piece.file_name)
        report.issues += issues
    if sender is None or receiver is None:
        missing = first.name.sender if sender is None else first.name.receiver
        report.error(
            first.file_name,
            0,
            "",
            missing,
            "unknown_office",
            f"事業所番号{missing}の事業所はポータルに登録されていません。",
        )
        return unit
    if actor.organisation.pk not in (sender.pk, receiver.pk):
        report.error(
            first.file_name,
            0,
            "",
            "",
            "not_party",
            "自事業所が送信元でも送信先でもないファイルは取り込めません。",
        )
        return unit
    from_provider = {p.name.prefix for p in pieces} <= {"UPJSK", "DLTJSK"}
    care_manager = receiver if from_provider else sender
    if not care_manager.is_care_management_office:
        side = "送信先" if from_provider else "送信元"
        report.error(
            first.file_name,
            0,
            "",
            care_manager.office_number,
            "not_care_manager",
            f"{side}（{care_manager.office_number}）は居宅介護支援事業所ではありません。",
        )
        return unit
    if not from_provider and {p.name.prefix for p in pieces} & {"UPJSK", "DLTJSK"}:
        report.error(first.file_name, 0, "", "", "mixed", "実績と計画のファイルが同じ送信単位にあります。")
        return unit
    if not report.ok:
        return unit
    _persons(actor, unit, report)
    if not report.ok:
        return unit
    for piece in pieces:
        STAGES[piece.name.prefix](unit, piece, report)
    _orphans(unit, report)
    return unit


def _persons(actor: Actor, unit: Staged, report: Report) -> None:
    """Every person of the unit: found, visible to the importer, served by the other office."""
    keys = {(rec["保険者番号"], rec["被保険者番号"]) for piece in unit.pieces for rec in piece.records}
    found = {
        (p.insurer.insurer_number, p.insured_number): p
        for p in InsuredPerson.objects.filter(insured_number__in={k[1] for k in keys}).select_related(
            "insurer"
        )
        if p.insurer.insurer_number
    }
    found = {k: p for k, p in found.items() if k in keys}
    visible = set(
        access.filter_persons(
            actor, InsuredPerson.objects.filter(pk__in=[p.pk for p in found.values()]), selectors.CAREPLAN
        ).values_list("pk", flat=True)
    )
    other = unit.receiver if actor.organisation.pk == unit.sender.pk else unit.sender
    served = selectors.receivable(other, [p for p in found.values() if p.pk in visible])
    for piece in unit.pieces:
        for rec in piece.records:
            key = (rec["保険者番号"], rec["被保険者番号"])
            person = found.get(key)
            if person is None or person.pk not in visible:
                if key not in unit.persons and not any(
                    i.code == "careplan_unit.not_visible" and i.value == key[1] for i in report.issues
                ):
                    access.log_lookup(
                        actor,
                        key[0],
                        key[1],
                        selectors.CAREPLAN,
                        PURPOSE,
                        granted=False,
                        reason="careplan_import_not_visible",
                    )
                report.error(
                    piece.file_name,
                    int(rec["_line"]),
                    "3:被保険者番号",
                    key[1],
                    "not_visible",
                    "この利用者は見つからないか、自事業所との担当関係・本人の同意がありません。",
                )
            elif person.pk not in served:
                report.error(
                    piece.file_name,
                    int(rec["_line"]),
                    "3:被保険者番号",
                    key[1],
                    "other_not_serving",
                    f"相手の事業所（{other.office_number}）はこの利用者の担当事業所ではありません（担当関係または同意がありません）。",
                )
            else:
                unit.persons[key] = person


def _person(unit: Staged, rec: dict) -> InsuredPerson:
    return unit.persons[(rec["保険者番号"], rec["被保険者番号"])]


def _date(text: str) -> dt.date | None:
    return r.value(LAYOUTS["UP1KYO"], "作成年月日", text, CarePlan._meta.get_field("created_on"))


def _month(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), 1)


def _texts(report: Report, piece: Piece, rec: dict, values: dict, columns: dict[str, str]) -> None:
    """My Number in free text is refused; lengths the portal keeps are checked. `columns`: attribute → key."""
    for name, key in columns.items():
        text = values.get(name)
        if not isinstance(text, str):
            continue
        if name in FREE_TEXT_FIELDS and contains_my_number(text):
            report.error(
                piece.file_name,
                int(rec["_line"]),
                _col(piece, key),
                "",
                "my_number",
                "個人番号（マイナンバー）と思われる数字は取り込めません。",
            )
        limit = TEXT_LIMITS.get(name) or (100 if name in ("content", "care_manager_name") else None)
        if limit and len(text) > limit:
            report.error(
                piece.file_name,
                int(rec["_line"]),
                _col(piece, key),
                text,
                "too_long",
                f"{limit}文字以内です（{len(text)}文字）。",
            )


def _col(piece: Piece, key: str) -> str:
    layout = LAYOUTS[piece.name.prefix]
    column = next(c for c in layout.columns if layout.key(c) == key)
    return f"{column.no}:{column.name}"


def _stage_supplement(unit: Staged, piece: Piece, report: Report) -> None:
    identities = identities_as_of({_person(unit, rec) for rec in piece.records}, timezone.localdate())
    for rec in piece.records:
        person = _person(unit, rec)
        identity = identities[person.pk]
        birth = identity.birth_date if identity else person.birth_date
        if birth and rec["利用者生年月日"] != r.ymd(birth):
            report.error(
                piece.file_name,
                int(rec["_line"]),
                "8:利用者生年月日",
                rec["利用者生年月日"],
                "person_mismatch",
                "生年月日がポータルの被保険者の情報と一致しません（別の方の記録ではありませんか）。",
            )
        if identity and rec["利用者性別"] != identity.sex:
            report.error(
                piece.file_name,
                int(rec["_line"]),
                "7:利用者性別",
                rec["利用者性別"],
                "person_mismatch",
                "性別がポータルの被保険者の情報と一致しません。",
            )
        if piece.name.month not in (None, "000000") and rec["対象年月"] != piece.name.month:
            report.error(
                piece.file_name,
                int(rec["_line"]),
                "63:対象年月",
                rec["対象年月"],
                "month_mismatch",
                f"対象年月がファイル名の年月（{piece.name.month}）と違います。",
            )
        unit.supplements[(person.pk, rec["対象年月"])] = rec


def _stage_plan(unit: Staged, piece: Piece, report: Report) -> None:
    for rec in piece.records:
        person = _person(unit, rec)
        line = int(rec["_line"])
        if rec["介護支援事業者コード"] != unit.sender.office_number:
            report.error(
                piece.file_name,
                line,
                "13:介護支援事業者コード",
                rec["介護支援事業者コード"],
                "author_mismatch",
                f"介護支援事業者コードが送信元の事業所番号（{unit.sender.office_number}）と違います。",
            )
        values = r.values_of("UP1KYO", rec, CarePlan)
        values["created_on"] = _date(rec["居宅サービス計画作成（変更）日"])
        values["plan_kind"] = values["plan_kind"] or PlanKind.FIRST
        if not values["certification_status"]:
            values["certification_status"] = selectors.certification_facts(person, values["created_on"])[
                "certification_status"
            ]
        values["living_support_reason"] = r.living_support_reason(
            rec["生活援助中心型の算定理由"], rec["その他理由"]
        )
        _texts(
            report, piece, rec, values, {**{n: k for k, n in r.PLAN_1}, "living_support_reason": "その他理由"}
        )
        unit.plans.append(
            {
                "person": person,
                "values": values,
                "rows": [],
                "weekly": [],
                "daily": [],
                "non_weekly": [],
                "file": piece.file_name,
                "line": line,
            }
        )


def _plan_of(unit: Staged, piece: Piece, rec: dict, report: Report) -> dict | None:
    person, created = _person(unit, rec), _date(rec["居宅サービス計画作成（変更）日"])
    plan = next(
        (p for p in unit.plans if p["person"] is person and p["values"]["created_on"] == created), None
    )
    if plan is None:
        report.error(
            piece.file_name,
            int(rec["_line"]),
            _col(piece, "居宅サービス計画作成（変更）日"),
            rec["居宅サービス計画作成（変更）日"],
            "orphan",
            "同じ送信単位に、この利用者とこの居宅サービス計画作成（変更）日の第1表がありません。",
        )
    return plan


GOAL = ("long_goal", "short_goal", "long_period", "short_period")


def _stage_rows(unit: Staged, piece: Piece, report: Report) -> None:
    previous: dict[int, dict] = {}
    for rec in piece.records:
        plan = _plan_of(unit, piece, rec, report)
        if plan is None:
            continue
        values = r.values_of("UP2KYO", rec, PlanServiceRow)
        above = previous.get(id(plan))
        if above is None:
            values["need_no"] = values["need_no"] or 1
        else:
            if values["need_no"] is None:  # a blank 課題NO: the need above, unless a new need is written
                values["need_no"] = above["need_no"] if not values["need"] else above["need_no"] + 1
            if not values["need"] and values["need_no"] == above["need_no"]:
                values["need"] = above["need"]
        same_need = above is not None and values["need_no"] == above["need_no"]
        if values["goal_no"] is None:
            goal_given = any(values[name] for name in GOAL)
            values["goal_no"] = (above["goal_no"] + (1 if goal_given else 0)) if same_need else 1
        if same_need and values["goal_no"] == above["goal_no"] and not any(values[name] for name in GOAL):
            values |= {name: above[name] for name in GOAL}
        same_goal = same_need and values["goal_no"] == above["goal_no"]
        if values["service_no"] is None:
            values["service_no"] = above["service_no"] + 1 if same_goal else 1
        if not values["need"]:
            report.error(
                piece.file_name,
                int(rec["_line"]),
                "7:課題",
                "",
                "need_missing",
                "課題が空欄で、上の行から引き継ぐ課題もありません。",
            )
        _texts(report, piece, rec, values, {n: k for k, n in r.PLAN_ROW})
        plan["rows"].append(values)
        previous[id(plan)] = values


def _time(text: str) -> dt.time | None:
    if text in ("", "9999"):
        return None
    return dt.time(int(text[:2]), int(text[2:]))


def _stage_weekly(unit: Staged, piece: Piece, report: Report) -> None:
    for rec in piece.records:
        plan = _plan_of(unit, piece, rec, report)
        if plan is None:
            continue
        line = int(rec["_line"])
        for key in ("開始時間", "終了時間", "開始時間#11", "終了時間#12"):
            if rec[key] == "2400":
                report.error(
                    piece.file_name,
                    line,
                    _col(piece, key),
                    "2400",
                    "time",
                    "第3表の時刻に2400は使えません（0000〜2359）。",
                )
        if rec["介護サービス内容"] or rec["曜日"]:
            starts, ends = _time(rec["開始時間"]), _time(rec["終了時間"])
            if not rec["曜日"] or not rec["介護サービス内容"]:
                report.error(
                    piece.file_name,
                    line,
                    "7:曜日",
                    rec["曜日"],
                    "weekly_incomplete",
                    "介護サービス内容と曜日は両方入力してください。",
                )
            elif starts is None or ends is None or ends <= starts:
                report.error(
                    piece.file_name,
                    line,
                    "9:終了時間",
                    rec["終了時間"],
                    "weekly_times",
                    "週間サービスには開始時間と終了時間（開始より後）が必要です。",
                )
            else:
                entry = {
                    "weekday": int(rec["曜日"]) - 1,
                    "starts_at": starts,
                    "ends_at": ends,
                    "content": rec["介護サービス内容"],
                }
                _texts(report, piece, rec, entry, {"content": "介護サービス内容"})
                plan["weekly"].append(entry)
        if rec["主な日常生活上の活動"]:
            activity = {
                "starts_at": _time(rec["開始時間#11"]) if rec["開始時間#11"] != "2400" else None,
                "ends_at": _time(rec["終了時間#12"]) if rec["終了時間#12"] != "2400" else None,
                "content": rec["主な日常生活上の活動"],
            }
            _texts(report, piece, rec, activity, {"content": "主な日常生活上の活動"})
            plan["daily"].append(activity)
        if rec["週単位以外のサービス"]:
            plan["non_weekly"].append(rec["週単位以外のサービス"])


def _stage_plan_delete(unit: Staged, piece: Piece, report: Report) -> None:
    for rec in piece.records:
        unit.plan_deletes.append((_person(unit, rec), _date(rec["居宅サービス計画作成（変更）日"])))


def _line_input(rec: dict) -> months.LineInput:
    values = r.values_of("UPPLAN", rec, ServiceLine)
    return months.LineInput(**values)


def _stage_lines(unit: Staged, piece: Piece, report: Report) -> None:
    actual = piece.name.prefix == "UPJSK"
    month = _month(piece.name.month)
    care_manager = unit.receiver if actual else unit.sender
    target = unit.actuals if actual else unit.months
    for rec in piece.records:
        person, line = _person(unit, rec), int(rec["_line"])
        if rec["対象年月"] != piece.name.month:
            report.error(
                piece.file_name,
                line,
                "5:対象年月",
                rec["対象年月"],
                "month_mismatch",
                f"対象年月がファイル名の年月（{piece.name.month}）と違います（1ファイル1か月）。",
            )
            continue
        if rec["プラン担当業者コード"] and rec["プラン担当業者コード"] != care_manager.office_number:
            report.error(
                piece.file_name,
                line,
                "6:プラン担当業者コード",
                rec["プラン担当業者コード"],
                "author_mismatch",
                f"プラン担当業者コードが居宅介護支援事業所の番号（{care_manager.office_number}）と違います。",
            )
        if actual and rec["サービス事業者コード"] != unit.sender.office_number:
            report.error(
                piece.file_name,
                line,
                "20:サービス事業者コード",
                rec["サービス事業者コード"],
                "actual_office",
                f"実績のサービス事業者コードが送信元の事業所番号（{unit.sender.office_number}）と違います。",
            )
        data = _line_input(rec)
        for key, problems in months.check_lines(month, [data]).items():
            name = key.split(".")[-1]
            column = {
                "day": "10:サービス利用日",
                "service_code": "15:サービスコード",
                "count": "14:サービス回数",
                "starts": "12:サービス開始時刻",
                "ends": "13:サービス終了時刻",
            }[name]
            for problem in problems:
                report.error(piece.file_name, line, column, rec[column.split(":")[1]], "line", problem)
        if contains_my_number(data.equipment_name):
            report.error(
                piece.file_name,
                line,
                "18:用具名称（機種名）",
                "",
                "my_number",
                "個人番号と思われる数字は取り込めません。",
            )
        entry = target.setdefault(
            (person.pk, month),
            {
                "person": person,
                "created_on": _date(rec["作成年月日"]),
                "care_manager_name": rec["プラン担当者名"],
                "short_stay": r.value(
                    LAYOUTS["UPPLAN"],
                    "前月までの短期入所利用日数",
                    rec["前月までの短期入所利用日数"],
                    ServiceMonth._meta.get_field("short_stay_days_before"),
                ),
                "lines": [],
                "table7": None,
            },
        )
        entry["lines"].append(data)


def _stage_table7(unit: Staged, piece: Piece, report: Report) -> None:
    month = _month(piece.name.month)
    for rec in piece.records:
        person, line = _person(unit, rec), int(rec["_line"])
        if rec["対象年月"] != piece.name.month:
            report.error(
                piece.file_name,
                line,
                "5:対象年月",
                rec["対象年月"],
                "month_mismatch",
                f"対象年月がファイル名の年月（{piece.name.month}）と違います（1ファイル1か月）。",
            )
            continue
        entry = unit.months.get((person.pk, month))
        if entry is None:
            report.error(
                piece.file_name,
                line,
                "3:被保険者番号",
                rec["被保険者番号"],
                "orphan",
                "同じ送信単位に、この利用者とこの対象年月の第6表（予定）がありません。",
            )
            continue
        if entry["table7"] is None:
            entry["table7"] = []
        entry["table7"].append(r.values_of("UPSIKYU", rec, Table7Row))


def _stage_month_delete(unit: Staged, piece: Piece, report: Report) -> None:
    for rec in piece.records:
        if rec["削除対象年月"] != piece.name.month:
            report.error(
                piece.file_name,
                int(rec["_line"]),
                "4:削除対象年月",
                rec["削除対象年月"],
                "month_mismatch",
                f"削除対象年月がファイル名の年月（{piece.name.month}）と違います。",
            )
            continue
        unit.month_deletes.append((_person(unit, rec), _month(rec["削除対象年月"])))


def _stage_actual_delete(unit: Staged, piece: Piece, report: Report) -> None:
    for rec in piece.records:
        line = int(rec["_line"])
        if rec["削除対象年月"] != piece.name.month:
            report.error(
                piece.file_name,
                line,
                "4:削除対象年月",
                rec["削除対象年月"],
                "month_mismatch",
                f"削除対象年月がファイル名の年月（{piece.name.month}）と違います。",
            )
            continue
        if rec["サービス事業者コード"] != unit.sender.office_number:
            report.error(
                piece.file_name,
                line,
                "5:サービス事業者コード",
                rec["サービス事業者コード"],
                "actual_office",
                f"削除する実績の事業者コードが送信元の事業所番号（{unit.sender.office_number}）と違います。",
            )
            continue
        unit.actual_deletes.append(
            (
                _person(unit, rec),
                _month(rec["削除対象年月"]),
                rec["サービス事業者コード"],
                rec["サービス種類コード"],
            )
        )


def _orphans(unit: Staged, report: Report) -> None:
    seen = set()
    for plan in unit.plans:
        key = (plan["person"].pk, plan["values"]["created_on"])
        if key in seen:
            report.error(
                plan["file"],
                plan["line"],
                "14:居宅サービス計画作成（変更）日",
                "",
                "duplicate_plan",
                "同じ利用者・同じ居宅サービス計画作成（変更）日の第1表が2行あります。",
            )
        seen.add(key)


STAGES = {
    "UPHOSOKU": _stage_supplement,
    "UP1KYO": _stage_plan,
    "UP2KYO": _stage_rows,
    "UP3KYO": _stage_weekly,
    "DLT1KYO": _stage_plan_delete,
    "UPPLAN": _stage_lines,
    "UPJSK": _stage_lines,
    "UPSIKYU": _stage_table7,
    "DLTPLAN": _stage_month_delete,
    "DLTJSK": _stage_actual_delete,
}


# --- applying -------------------------------------------------------------------------------------


PLAN_FIELDS = (
    "created_on",
    "plan_kind",
    "certification_status",
    "care_level",
    "certified_on",
    "valid_from",
    "valid_to",
    "care_manager_name",
    "intentions",
    "panel_opinion",
    "policy",
    "living_support_reason",
    "non_weekly_services",
)
ROW_FIELDS = (
    "need_no",
    "need",
    "goal_no",
    "long_goal",
    "long_period",
    "short_goal",
    "short_period",
    "service_no",
    "service_content",
    "insured",
    "service_kind",
    "office_number",
    "office_name",
    "frequency",
    "period",
)


def signature(values: dict, rows: list[dict], weekly: list[dict], daily: list[dict]) -> tuple:
    """What makes two versions of a plan the same content."""
    return (
        tuple(values.get(name) or "" for name in PLAN_FIELDS),
        tuple(tuple(row[name] for name in ROW_FIELDS) for row in rows),
        tuple(sorted((e["weekday"], e["starts_at"], e["ends_at"], e["content"]) for e in weekly)),
        tuple((a["starts_at"], a["ends_at"], a["content"]) for a in daily),
    )


def signature_of(plan: CarePlan) -> tuple:
    return signature(
        {name: getattr(plan, name) for name in PLAN_FIELDS},
        [{name: getattr(row, name) for name in ROW_FIELDS} for row in plan.service_rows.all()],
        [vars(e) for e in plan.weekly_entries.all()],
        [vars(a) for a in plan.daily_activities.all()],
    )


def _apply(actor: Actor, unit: Staged, report: Report) -> None:
    """The unit's changes, in the order of its files, each kind for all its persons at once."""
    _withdraw(actor, unit, report)
    _receive_plans(actor, unit, report)
    _delete_months(unit, report)
    _receive_months(unit, report)
    _delete_actuals(unit, report)
    _receive_actuals(unit, report)


def _count(report: Report, name: str, n: int) -> None:
    if n:
        report.counts[name] += n


def _events(plans: list[CarePlan], kind: str, actor: Actor, unit: Staged) -> None:
    note = f"連携ファイル {unit.stamp}（{unit.sender.office_number}→{unit.receiver.office_number}）"
    PlanEvent.objects.bulk_create(
        [PlanEvent(plan=plan, kind=kind, by=actor.user, by_name=actor.name, note=note) for plan in plans]
    )


def _withdraw(actor: Actor, unit: Staged, report: Report) -> None:
    """1表削除: the plans of those 作成（変更）日 are withdrawn, with their 2表 and 3表 (the cascade)."""
    if not unit.plan_deletes:
        return
    doomed = {(person.pk, created_on) for person, created_on in unit.plan_deletes}
    plans = [
        plan
        for plan in CarePlan.objects.filter(
            person_id__in={pk for pk, _on in doomed},
            created_on__in={on for _pk, on in doomed},
            author_office=unit.sender,
            status__in=DELIVERED_STATES,
        ).order_by("pk")
        if (plan.person_id, plan.created_on) in doomed
    ]
    ids = [plan.pk for plan in plans]
    CarePlan.objects.filter(pk__in=ids).update(status=PlanStatus.WITHDRAWN, updated_at=timezone.now())
    for model in (PlanServiceRow, WeeklyEntry, DailyActivity):
        model.objects.filter(plan_id__in=ids).delete()
    _events(plans, PlanEventKind.WITHDRAWN, actor, unit)
    _count(report, "plans_withdrawn", len(plans))


def _receive_plans(actor: Actor, unit: Staged, report: Report) -> None:
    """1・2・3表: per plan, a new delivered version of the author's series, unless the series already
    holds the same content for that 作成（変更）日; either way the plan goes to the receiver's inbox."""
    if not unit.plans:
        return
    author, now = unit.sender, timezone.now()
    heads: dict[int, CarePlan] = {}  # person pk → the newest series of this author
    for head in CarePlan.objects.filter(
        person_id__in={staged["person"].pk for staged in unit.plans}, author_office=author, series_id=F("pk")
    ).order_by("created_at", "pk"):
        heads[head.person_id] = head
    series = [head.pk for head in heads.values()]
    versions = dict(
        CarePlan.objects.filter(series_id__in=series)
        .values("series_id")
        .order_by()
        .annotate(last=Max("version"))
        .values_list("series_id", "last")
    )
    delivered: dict[int, list[CarePlan]] = defaultdict(list)
    for plan in (
        CarePlan.objects.select_for_update()
        .filter(series_id__in=series, status__in=DELIVERED_STATES)
        .prefetch_related("service_rows", "weekly_entries", "daily_activities")
        .order_by("version")
    ):
        delivered[plan.series_id].append(plan)
    signatures: dict[int, tuple] = {}
    made: list[tuple[CarePlan, dict]] = []
    superseded: list[CarePlan] = []
    to_inbox: list[CarePlan] = []
    for staged in unit.plans:
        person, values = staged["person"], staged["values"]
        values["non_weekly_services"] = "\n".join(staged["non_weekly"])
        new_signature = signature(values, staged["rows"], staged["weekly"], staged["daily"])
        head = heads.get(person.pk)
        if head is not None:
            same = [p for p in delivered[head.pk] if p.created_on == values["created_on"]]
            if same:
                newest = max(same, key=lambda p: p.version)
                if newest.pk not in signatures:
                    signatures[newest.pk] = signature_of(newest)
                if signatures[newest.pk] == new_signature:
                    to_inbox.append(newest)
                    report.counts["plans_unchanged"] += 1
                    continue
        plan_values = {name: values[name] for name in PLAN_FIELDS}
        plan_values["care_manager_name"] = (plan_values["care_manager_name"] or "")[:100]
        plan = CarePlan(
            person=person,
            author_office=author,
            status=PlanStatus.DELIVERED,
            delivered_at=now,
            **plan_values,
        )
        if head is None:
            plan.save(force_insert=True)
            plan.series_id = plan.pk  # stored below, for every new series at once
            heads[person.pk] = head = plan
            versions[head.pk] = 1
        else:
            for old in delivered[head.pk]:
                if old.status == PlanStatus.DELIVERED:
                    old.status = PlanStatus.SUPERSEDED
                    superseded.append(old)
            versions[head.pk] += 1
            plan.series_id, plan.version = head.pk, versions[head.pk]
            plan.save(force_insert=True)
        delivered[head.pk].append(plan)
        signatures[plan.pk] = new_signature
        made.append((plan, staged))
        to_inbox.append(plan)
    CarePlan.objects.filter(pk__in=[plan.pk for plan, _staged in made], series__isnull=True).update(
        series_id=F("pk")
    )
    CarePlan.objects.filter(pk__in=[old.pk for old in superseded]).update(
        status=PlanStatus.SUPERSEDED, updated_at=now
    )
    _events(superseded, PlanEventKind.SUPERSEDED, actor, unit)
    _plan_tables(made)
    _events([plan for plan, _staged in made], PlanEventKind.RECEIVED, actor, unit)
    _deliver(actor, unit, to_inbox)
    _count(report, "plans", len(made))


def _plan_tables(made: list[tuple[CarePlan, dict]]) -> None:
    """第2表's rows, 第3表's weekly entries and daily activities of the plans made (one insert each)."""
    numbers = {
        row["office_number"] for _plan, staged in made for row in staged["rows"] if row["office_number"]
    }
    offices = {o.office_number: o for o in Organisation.objects.filter(office_number__in=numbers)}
    PlanServiceRow.objects.bulk_create(
        [
            PlanServiceRow(plan=plan, position=i, office=offices.get(row["office_number"]), **row)
            for plan, staged in made
            for i, row in enumerate(staged["rows"], start=1)
        ]
    )
    WeeklyEntry.objects.bulk_create(
        [WeeklyEntry(plan=plan, **entry) for plan, staged in made for entry in staged["weekly"]]
    )
    DailyActivity.objects.bulk_create(
        [
            DailyActivity(plan=plan, position=i, **activity)
            for plan, staged in made
            for i, activity in enumerate(staged["daily"], start=1)
        ]
    )


def _deliver(actor: Actor, unit: Staged, plans: list[CarePlan]) -> None:
    """The plans in the receiver's inbox (once per version)."""
    plans = [plan for plan in {p.pk: p for p in plans}.values() if plan.author_office_id != unit.receiver.pk]
    there = set(
        Delivery.objects.filter(plan__in=plans, office=unit.receiver).values_list("plan_id", flat=True)
    )
    name = f"{unit.sender.name}（連携ファイル {unit.stamp}）"
    Delivery.objects.bulk_create(
        [
            Delivery(
                plan=plan,
                office=unit.receiver,
                sent_by=actor.user if actor.organisation.pk == plan.author_office_id else None,
                sent_by_name=name,
            )
            for plan in plans
            if plan.pk not in there
        ]
    )


def _supplement_of(unit: Staged, person: InsuredPerson, month: dt.date) -> dict | None:
    return unit.supplements.get((person.pk, f"{month:%Y%m}"))


MONTH_FIELDS = (
    "created_on",
    "care_manager_name",
    "short_stay_days_before",
    "care_level",
    "limit_units",
    "limit_from",
    "limit_to",
    "updated_at",
)


def _receive_months(unit: Staged, report: Report) -> None:
    """6表 (予定) + 7表: the receiver's 予定 lines and 第7表 rows of each month are the file's."""
    entries = list(unit.months.values())
    if not entries:
        return
    for entry in entries:
        entry["month"] = entry["lines"][0].day.replace(day=1)
    found = months.months_for(
        unit.sender,
        [(e["person"], e["month"], e["created_on"], e["care_manager_name"]) for e in entries],
    )
    layout, get, now = LAYOUTS["UPHOSOKU"], ServiceMonth._meta.get_field, timezone.now()
    for entry in entries:
        service_month = entry["service_month"] = found[(entry["person"].pk, entry["month"])]
        service_month.created_on = entry["created_on"]
        service_month.care_manager_name = entry["care_manager_name"][:100]
        service_month.short_stay_days_before = entry["short_stay"]
        supplement = _supplement_of(unit, entry["person"], entry["month"])
        if supplement is not None:
            service_month.care_level = supplement["要介護状態区分"]
            service_month.limit_units = r.value(
                layout, "区分支給限度基準額", supplement["区分支給限度基準額"], get("limit_units")
            )
            service_month.limit_from = r.value(
                layout, "限度額適用開始年月日", supplement["限度額適用開始年月日"], get("limit_from")
            )
            service_month.limit_to = r.value(
                layout, "限度額適用終了年月日", supplement["限度額適用終了年月日"], get("limit_to")
            )
        service_month.updated_at = now
        entry["numbers"] = {line.office_number for line in entry["lines"]}
    ServiceMonth.objects.bulk_update([e["service_month"] for e in entries], MONTH_FIELDS)
    replaced = {(e["service_month"].pk, number) for e in entries for number in e["numbers"]}
    months.lines_of(
        [e["service_month"] for e in entries],
        LineKind.PLAN,
        lambda line: (line.month_id, line.office_number) in replaced,
    ).delete()
    months.add_lines_many([(e["service_month"], LineKind.PLAN, e["lines"], None) for e in entries])
    months.table7_refresh_many([e["service_month"] for e in entries if e["table7"] is None])
    _store_table7([e for e in entries if e["table7"] is not None])
    _count(report, "months", len(entries))


def _store_table7(entries: list[dict]) -> None:
    """A 第7表 that came in the file: the rows of its offices (and the 全合計) replaced by the file's."""
    if not entries:
        return
    keep = {
        e["service_month"].pk: e["numbers"]
        | {months.TOTAL_OFFICE}
        | {row["office_number"] for row in e["table7"]}
        for e in entries
    }
    rows = list(
        Table7Row.objects.filter(month_id__in=keep).only("pk", "month_id", "office_number", "position")
    )
    Table7Row.objects.filter(
        pk__in=[row.pk for row in rows if row.office_number in keep[row.month_id]]
    ).delete()
    last = defaultdict(int)
    for row in rows:
        if row.office_number not in keep[row.month_id]:
            last[row.month_id] = max(last[row.month_id], row.position)
    Table7Row.objects.bulk_create(
        [
            Table7Row(month=e["service_month"], position=last[e["service_month"].pk] + i, **row)
            for e in entries
            for i, row in enumerate(e["table7"], start=1)
        ]
    )


def _delete_months(unit: Staged, report: Report) -> None:
    """6表削除: the receiver's 予定 lines of the month go, and their 第7表 rows (the cascade)."""
    if not unit.month_deletes:
        return
    found = months.stored_months(unit.sender, unit.month_deletes)
    hits = [found[(p.pk, month)] for p, month in unit.month_deletes if (p.pk, month) in found]
    number = unit.receiver.office_number
    ServiceLine.objects.filter(month__in=hits, kind=LineKind.PLAN, office_number=number).delete()
    months.table7_refresh_many(hits)  # the cascade: 第7表 follows the 予定 that remains
    _count(report, "months_deleted", len(hits))


def _receive_actuals(unit: Staged, report: Report) -> None:
    """実績: the provider's 実績 of the month and service types, against the care manager's month."""
    items = list(unit.actuals.items())
    if not items:
        return
    found = months.months_for(
        unit.receiver,
        [(e["person"], month, e["created_on"], e["care_manager_name"]) for (_pk, month), e in items],
    )
    months.actuals_replace_many(
        [
            (
                found[(e["person"].pk, months.first_of(month))],
                unit.sender.office_number,
                {line.service_code[:2] for line in e["lines"]},
                e["lines"],
                e["created_on"],
            )
            for (_pk, month), e in items
        ]
    )
    _count(report, "actuals", len(items))


def _delete_actuals(unit: Staged, report: Report) -> None:
    """実績削除: the provider's 実績 of the month and service type."""
    if not unit.actual_deletes:
        return
    found = months.stored_months(
        unit.receiver, [(p, month) for p, month, _number, _type in unit.actual_deletes]
    )
    doomed = {
        (found[(p.pk, month)].pk, number, service_type)
        for p, month, number, service_type in unit.actual_deletes
        if (p.pk, month) in found
    }
    hits = sum(1 for p, month, *_rest in unit.actual_deletes if (p.pk, month) in found)
    months.lines_of(
        list(found.values()),
        LineKind.ACTUAL,
        lambda line: (line.month_id, line.office_number, line.service_type) in doomed,
    ).delete()
    _count(report, "actuals_deleted", hits)
