"""Send units of the 4.1 files: hand-made files (written here from the layout annex, cell by cell, not
from the portal's export) imported and checked field by field; the cascades; a bad cell that applies
nothing; the same unit twice; and the round trip export → fresh database → export."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from careplans import months
from careplans.models import (
    CarePlan,
    DailyActivity,
    Delivery,
    ExchangeUnit,
    LineKind,
    PlanEvent,
    PlanServiceRow,
    PlanStatus,
    ServiceLine,
    ServiceMonth,
    Table7Row,
    WeeklyEntry,
)
from careplans.standard import exports, imports
from careplans.tests import factories as f
from kaigo_portal.audit.models import AccessLogEntry as AccessLog

STAMP = "20261120093000"
K, H = "1370100016", "1370100024"  # the 居宅 (43) and the 訪問介護 office (11)
HEAD = "202407,131011,0000000501"


def crlf(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("cp932")


def blanks(n: int) -> list[str]:
    return [""] * n


# 補足 of a plan unit: 63 items. No.20-55 (nine slots of 種類別支給限度) are empty.
HOSOKU_PLAN = ",".join(
    [
        HEAD,
        "20261115",
        '"タカサキ　ハナコ"',
        '"髙﨑 花子"',
        "2",
        "19400503",
        "101-0051",
        '"東京都千代田区神田神保町一丁目1番地"',
        '""',
        "",
        "20260401",
        "20260401",
        "20270331",
        "2",
        "",
        "22",
        "19705",
        *blanks(36),
        "",
        "",
        "",
        "",
        "",
        K,
        "",
        "000000",
    ]
)
# 第1表: 28 items; 第22項 holds a line break inside its quotes.
UP1KYO = ",".join(
    [
        HEAD,
        "20261115",
        "101-0051",
        '"東京都千代田区神田神保町一丁目1番地"',
        '""',
        '"髙橋 一郎"',
        '"ケアプランセンター神田"',
        "101-0052",
        '"東京都千代田区神田小川町1-1"',
        '""',
        K,
        "20261115",
        "20260401",
        "21",
        "2",
        "20260401",
        "20260401",
        "20270331",
        "22",
        '"自宅で暮らし続けたい。\r\n﨑の実家にも行きたい。"',
        '"通所リハビリテーションの利用が望ましい。"',
        '"転倒を防ぎ、入浴を安全に続けられるよう支援します。"',
        "3",
        '"日中独居のため"',
        K,
        "",
    ]
)
# 第2表: 22 items a row; the 2nd row leaves 課題NO・課題・目標 blank, as the annex's example prints them once.
UP2KYO_ROWS = (
    ",".join(
        [
            HEAD,
            "20261115",
            "20261115",
            "1",
            '"一人で安全に入浴したい"',
            "1",
            '"安全に入浴できる"',
            '"介助で週2回入浴する"',
            '"2026/12～2027/05"',
            '"2026/12～2027/02"',
            "1",
            '"入浴介助"',
            "Y",
            '"訪問介護"',
            H,
            '"訪問介護ステーション九段"',
            '"週2回"',
            '"2026/12～2027/02"',
            K,
            "",
        ]
    ),
    ",".join(
        [
            HEAD,
            "20261115",
            "20261115",
            "",
            '""',
            "",
            '""',
            '""',
            '""',
            '""',
            "2",
            '"見守り（家族）"',
            "N",
            '""',
            "",
            '"家族（長女）"',
            '"毎日"',
            '"2026/12～2027/02"',
            K,
            "",
        ]
    ),
    ",".join(
        [
            HEAD,
            "20261115",
            "20261115",
            "2",
            '"買い物に行けるようになりたい"',
            "1",
            '"近所のスーパーまで歩ける"',
            '"屋内を杖で歩ける"',
            '""',
            '""',
            "1",
            '"生活援助（買い物）"',
            "Y",
            '"訪問介護"',
            H,
            '"訪問介護ステーション九段"',
            '"週1回"',
            '""',
            K,
            "",
        ]
    ),
)
# 第3表: 13 items; a record is one weekly service and one daily activity side by side.
UP3KYO_ROWS = (
    ",".join(
        [
            HEAD,
            "20261115",
            "20261115",
            '"訪問介護（入浴介助）"',
            "2",
            "1000",
            "1100",
            '"起床"',
            "0700",
            "0730",
            '"福祉用具貸与（手すり）"',
        ]
    ),
    ",".join(
        [
            HEAD,
            "20261115",
            "20261115",
            '"訪問介護（入浴介助）"',
            "5",
            "1000",
            "1100",
            '"就寝"',
            "2100",
            "9999",
            '""',
        ]
    ),
    ",".join([HEAD, "20261115", "20261115", '""', "", "", "", '"昼食"', "1200", "1230", '""']),
)


def name(
    prefix: str,
    month: str | None = None,
    sender=K,
    sender_type="43",
    receiver=H,
    receiver_type="11",
    stamp=STAMP,
) -> str:
    middle = f"_{month}" if month else ""
    return f"{prefix}{middle}_{sender}_{sender_type}_{receiver}_{receiver_type}_{stamp}.CSV"


def plan_unit_files(stamp=STAMP) -> list[tuple[str, bytes]]:
    return [
        (name("UPHOSOKU", "000000", stamp=stamp), crlf(HOSOKU_PLAN)),
        (name("UP1KYO", stamp=stamp), crlf(UP1KYO)),
        (name("UP2KYO", stamp=stamp), crlf(*UP2KYO_ROWS)),
        (name("UP3KYO", stamp=stamp), crlf(*UP3KYO_ROWS)),
    ]


@pytest.fixture
def serving(hanako):
    return hanako


def test_a_hand_made_plan_unit_is_stored_field_by_field_and_lands_in_the_inbox(serving, carol):
    report = imports.import_files(actor=carol, files=plan_unit_files())
    assert report.ok, report.issues
    plan = CarePlan.objects.get(person=serving)
    assert (plan.status, plan.version, plan.author_office.office_number) == (PlanStatus.DELIVERED, 1, K)
    assert plan.created_on == dt.date(2026, 11, 15)
    assert (plan.plan_kind, plan.certification_status, plan.care_level) == (
        "3",
        "1",
        "22",
    )  # 21 継続, 2 認定済
    assert (plan.certified_on, plan.valid_from, plan.valid_to) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 1),
        dt.date(2027, 3, 31),
    )
    assert plan.care_manager_name == "髙橋 一郎"
    assert plan.intentions == "自宅で暮らし続けたい。\r\n﨑の実家にも行きたい。"
    assert plan.panel_opinion == "通所リハビリテーションの利用が望ましい。"
    assert plan.policy == "転倒を防ぎ、入浴を安全に続けられるよう支援します。"
    assert plan.living_support_reason == "日中独居のため"  # 3 その他, with its reason
    assert plan.non_weekly_services == "福祉用具貸与（手すり）"
    rows = list(plan.service_rows.order_by("position"))
    assert [(r.need_no, r.goal_no, r.service_no) for r in rows] == [(1, 1, 1), (1, 1, 2), (2, 1, 1)]
    # the blank 課題 and 目標 of row 2 are row 1's, carried forward
    assert rows[1].need == "一人で安全に入浴したい" and rows[1].long_goal == "安全に入浴できる"
    assert (rows[1].short_goal, rows[1].long_period, rows[1].short_period) == (
        "介助で週2回入浴する",
        "2026/12～2027/05",
        "2026/12～2027/02",
    )
    assert (rows[1].insured, rows[1].office_number, rows[1].office_name, rows[1].frequency) == (
        False,
        "",
        "家族（長女）",
        "毎日",
    )
    assert (rows[0].insured, rows[0].service_kind, rows[0].office.office_number, rows[0].period) == (
        True,
        "訪問介護",
        H,
        "2026/12～2027/02",
    )
    assert rows[2].need == "買い物に行けるようになりたい" and rows[2].short_goal == "屋内を杖で歩ける"
    weekly = list(plan.weekly_entries.order_by("weekday"))
    assert [(e.weekday, e.starts_at, e.ends_at, e.content) for e in weekly] == [
        (1, dt.time(10), dt.time(11), "訪問介護（入浴介助）"),
        (4, dt.time(10), dt.time(11), "訪問介護（入浴介助）"),
    ]
    daily = list(plan.daily_activities.all())
    assert [(a.starts_at, a.ends_at, a.content) for a in daily] == [
        (dt.time(7), dt.time(7, 30), "起床"),
        (dt.time(21), None, "就寝"),
        (dt.time(12), dt.time(12, 30), "昼食"),
    ]
    delivery = Delivery.objects.get(plan=plan)
    assert delivery.office.office_number == H  # the provider's inbox
    unit = ExchangeUnit.objects.get(direction="in")
    assert (unit.kind, unit.stamp, unit.persons, len(unit.files)) == ("plans", STAMP, 1, 4)
    assert AccessLog.objects.filter(
        insured_number=serving.insured_number, category="careplan", outcome="granted"
    ).exists()


def test_the_same_unit_twice_changes_nothing_and_says_so(serving, carol):
    assert imports.import_files(actor=carol, files=plan_unit_files()).ok
    before = (CarePlan.objects.count(), PlanServiceRow.objects.count(), PlanEvent.objects.count())
    again = imports.import_files(actor=carol, files=plan_unit_files())
    assert again.ok and again.repeated == [STAMP] and again.applied == []
    assert (CarePlan.objects.count(), PlanServiceRow.objects.count(), PlanEvent.objects.count()) == before


def test_the_same_content_in_a_new_unit_makes_no_new_version(serving, carol):
    assert imports.import_files(actor=carol, files=plan_unit_files()).ok
    report = imports.import_files(actor=carol, files=plan_unit_files(stamp="20261120100000"))
    assert report.ok and report.counts["plans_unchanged"] == 1
    assert CarePlan.objects.filter(person=serving).count() == 1


def test_a_changed_plan_is_a_new_version_and_the_old_one_is_superseded(serving, carol):
    assert imports.import_files(actor=carol, files=plan_unit_files()).ok
    files = plan_unit_files(stamp="20261121090000")
    files[1] = (
        files[1][0],
        files[1][1].replace("転倒を防ぎ".encode("cp932"), "転ばないよう".encode("cp932")),
    )
    assert imports.import_files(actor=carol, files=files).ok
    old, new = CarePlan.objects.filter(person=serving).order_by("version")
    assert (old.status, new.status, new.version, new.series_id) == (
        PlanStatus.SUPERSEDED,
        PlanStatus.DELIVERED,
        2,
        old.pk,
    )
    assert new.policy.startswith("転ばないよう") and new.service_rows.count() == 3


def test_1表削除_withdraws_the_plan_with_its_2nd_and_3rd_tables(serving, carol):
    assert imports.import_files(actor=carol, files=plan_unit_files()).ok
    deletion = [(name("DLT1KYO", stamp="20261122090000"), crlf(f"{HEAD},20261115"))]
    report = imports.import_files(actor=carol, files=deletion)
    assert report.ok and report.counts["plans_withdrawn"] == 1
    plan = CarePlan.objects.get(person=serving)
    assert plan.status == PlanStatus.WITHDRAWN
    assert not PlanServiceRow.objects.filter(plan=plan).exists()
    assert (
        not WeeklyEntry.objects.filter(plan=plan).exists()
        and not DailyActivity.objects.filter(plan=plan).exists()
    )


def test_a_2nd_table_without_its_1st_table_applies_nothing(serving, carol):
    files = plan_unit_files()
    del files[1]
    report = imports.import_files(actor=carol, files=files)
    assert not report.ok and {i.code for i in report.issues} == {"careplan_unit.orphan"}
    assert not CarePlan.objects.exists()


def test_a_person_the_importer_does_not_serve_is_refused_and_logged(orgs, cast, carol):
    f.person(insurer=orgs["chiyoda"])  # nobody's relationship
    files = [(n, body.replace(b"0000000501", b"9000000001")) for n, body in plan_unit_files()]
    report = imports.import_files(actor=carol, files=files)
    assert not report.ok and "careplan_unit.not_visible" in {i.code for i in report.issues}
    assert AccessLog.objects.filter(insured_number="9000000001", outcome="denied").exists()


def test_a_supplement_of_another_birth_date_is_refused(serving, carol):
    files = plan_unit_files()
    files[0] = (files[0][0], files[0][1].replace(b"19400503", b"19410503"))
    report = imports.import_files(actor=carol, files=files)
    assert [(i.code, i.line) for i in report.issues] == [("careplan_unit.person_mismatch", 1)]
    assert "生年月日" in report.issues[0].message and not CarePlan.objects.exists()


# --- 第6表・第7表 ------------------------------------------------------------------------------------

HOSOKU_MONTH = ",".join(
    [
        HEAD,
        "00000000",
        '"タカサキ　ハナコ"',
        '"髙﨑 花子"',
        "2",
        "19400503",
        "101-0051",
        '"東京都千代田区神田神保町一丁目1番地"',
        '""',
        "",
        "20260401",
        "20260401",
        "20270331",
        "2",
        "",
        "22",
        "19705",
        *blanks(36),
        "0",
        "",
        "",
        "",
        "",
        K,
        "",
        "202612",
    ]
)


def line(
    day: str,
    code: str,
    units: str,
    starts="1000",
    ends="1100",
    office=H,
    kind_office_name="訪問介護ステーション九段",
    created="20261125",
) -> str:
    """第6表: 25 items."""
    return ",".join(
        [
            HEAD,
            created,
            "202612",
            K,
            '"髙橋 一郎"',
            units,
            "",
            day,
            "",
            starts,
            ends,
            "1",
            code,
            "",
            "",
            '""',
            "",
            office,
            f'"{kind_office_name}"',
            "",
            "0",
            K,
            "",
        ]
    )


WEDNESDAYS = ("20261202", "20261209", "20261216", "20261223", "20261230")
FRIDAYS = ("20261204", "20261211", "20261218", "20261225")
UPPLAN = [line(d, "111211", "387") for d in WEDNESDAYS] + [
    line(d, "112111", "179", "1400", "1445") for d in FRIDAYS
]


def table7_row(
    code: str,
    units: str,
    count: str,
    amount: str,
    managed: str,
    over="",
    within="",
    office=H,
    office_name='"訪問介護ステーション九段"',
) -> str:
    """第7表: 37 items."""
    return ",".join(
        [
            HEAD,
            "20261125",
            "202612",
            office_name,
            office,
            "",
            code,
            "",
            "",
            '""',
            units,
            "",
            "",
            count,
            amount,
            managed,
            "",
            "",
            over,
            within,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "0",
            "",
            "",
            K,
            "",
        ]
    )


UPSIKYU = [
    table7_row("111211", "387", "5", "1935", "1935"),
    table7_row("112111", "179", "4", "716", "716"),
    table7_row("11AAAA", "0", "0", "2651", "2651", "0", "2651"),
    table7_row("999999", "0", "0", "2651", "2651", "0", "2651", office="9999999999", office_name='""'),
]


def month_unit_files(stamp=STAMP, table7=UPSIKYU) -> list[tuple[str, bytes]]:
    return [
        (name("UPHOSOKU", "202612", stamp=stamp), crlf(HOSOKU_MONTH)),
        (name("UPPLAN", "202612", stamp=stamp), crlf(*UPPLAN)),
        (name("UPSIKYU", "202612", stamp=stamp), crlf(*table7)),
    ]


def test_a_hand_made_month_unit_stores_every_line_and_the_7th_table(serving, carol):
    report = imports.import_files(actor=carol, files=month_unit_files())
    assert report.ok, report.issues
    month = ServiceMonth.objects.get(person=serving)
    assert (month.month, month.author_office.office_number, month.created_on, month.care_manager_name) == (
        dt.date(2026, 12, 1),
        K,
        dt.date(2026, 11, 25),
        "髙橋 一郎",
    )
    assert (month.care_level, month.limit_units, month.limit_from, month.limit_to) == (
        "22",
        19705,
        dt.date(2026, 4, 1),
        dt.date(2027, 3, 31),
    )
    lines = sorted(month.lines.filter(kind=LineKind.PLAN), key=months.line_order)
    assert len(lines) == 9
    first = lines[0]
    assert (first.day, first.starts, first.ends, first.count, first.service_code, first.units) == (
        dt.date(2026, 12, 2),
        "1000",
        "1100",
        1,
        "111211",
        387,
    )
    assert (first.office.office_number, first.office_name, first.over_30_days, first.updater_code) == (
        H,
        "訪問介護ステーション九段",
        False,
        K,
    )
    rows = list(month.table7.order_by("position"))
    assert [(r.service_code, r.units, r.count, r.unit_amount, r.managed_units) for r in rows] == [
        ("111211", 387, 5, 1935, 1935),
        ("112111", 179, 4, 716, 716),
        ("11AAAA", 0, 0, 2651, 2651),
        ("999999", 0, 0, 2651, 2651),
    ]
    assert (rows[-1].office_number, rows[-1].limit_within, rows[-1].limit_over) == ("9999999999", 2651, 0)
    assert rows[0].discount_rate is None and rows[0].unit_price == ""


def test_one_bad_cell_in_line_40_of_the_7th_table_applies_nothing(serving, carol):
    rows = [table7_row("111211", "387", "5", "1935", "1935") for _ in range(39)]
    rows += [
        table7_row("112111", "17９", "4", "716", "716"),
        table7_row("999999", "0", "0", "2651", "2651", office="9999999999"),
    ]
    report = imports.import_files(actor=carol, files=month_unit_files(table7=rows))
    assert not report.ok
    (issue,) = report.issues
    assert (issue.line, issue.field, issue.code) == (40, "13:単位数", "careplan_csv.digits")
    assert (
        issue.message.startswith("UPSIKYU_202612_")
        and "40行目" in issue.message
        and "13列目（単位数）" in issue.message
    )
    assert not ServiceMonth.objects.exists() and not ExchangeUnit.objects.filter(direction="in").exists()


def test_a_line_of_another_month_is_refused(serving, carol):
    files = month_unit_files()
    files[1] = (files[1][0], crlf(*UPPLAN, line("20270105", "111211", "387").replace(",202612,", ",202701,")))
    report = imports.import_files(actor=carol, files=files)
    assert [i.code for i in report.issues] == ["careplan_unit.month_mismatch"]


def test_予定削除_removes_the_receivers_lines_and_their_7th_table(serving, carol):
    assert imports.import_files(actor=carol, files=month_unit_files()).ok
    deletion = [(name("DLTPLAN", "202612", stamp="20261126090000"), crlf(f"{HEAD},202612"))]
    report = imports.import_files(actor=carol, files=deletion)
    assert report.ok and report.counts["months_deleted"] == 1
    month = ServiceMonth.objects.get(person=serving)
    assert not month.lines.filter(kind=LineKind.PLAN).exists() and not month.table7.exists()


def actual(day: str, code: str, units: str, count="1", starts="1000", ends="1105") -> str:
    return ",".join(
        [
            HEAD,
            "20261231",
            "202612",
            K,
            '"髙橋 一郎"',
            units,
            "",
            day,
            "",
            starts,
            ends,
            count,
            code,
            "",
            "",
            '""',
            "",
            H,
            '"訪問介護ステーション九段"',
            "",
            "0",
            H,
            "",
        ]
    )


def test_a_providers_actuals_are_recorded_against_the_plan_and_deleted_per_type(serving, bob, carol):
    assert imports.import_files(actor=carol, files=month_unit_files()).ok
    jsk = [actual(d, "111211", "387") for d in WEDNESDAYS[:4]] + [
        actual(d, "112111", "179", "1", "1400", "1450") for d in FRIDAYS
    ]
    files = [(name("UPJSK", "202612", H, "11", K, "43", "20261231180000"), crlf(*jsk))]
    report = imports.import_files(actor=bob, files=files)
    assert report.ok, report.issues
    month = ServiceMonth.objects.get(person=serving)
    actuals = sorted(month.lines.filter(kind=LineKind.ACTUAL), key=months.line_order)
    assert len(actuals) == 8 and month.lines.filter(kind=LineKind.PLAN).count() == 9
    assert (actuals[0].day, actuals[0].ends, actuals[0].reported_on, actuals[0].updater_code) == (
        dt.date(2026, 12, 2),
        "1105",
        dt.date(2026, 12, 31),
        H,
    )
    deletion = [(name("DLTJSK", "202612", H, "11", K, "43", "20261231190000"), crlf(f"{HEAD},202612,{H},11"))]
    assert imports.import_files(actor=bob, files=deletion).ok
    assert not month.lines.filter(kind=LineKind.ACTUAL).exists()


def test_actuals_of_another_office_are_refused(serving, bob, carol):
    jsk = [actual(WEDNESDAYS[0], "111211", "387").replace(f",{H},", ",1370100032,", 1)]
    files = [(name("UPJSK", "202612", H, "11", K, "43", "20261231180000"), crlf(*jsk))]
    report = imports.import_files(actor=bob, files=files)
    assert "careplan_unit.actual_office" in {i.code for i in report.issues}
    assert not ServiceLine.objects.exists()


def test_a_zip_of_a_unit_is_opened(serving, carol):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for file_name, body in plan_unit_files():
            archive.writestr(file_name, body)
    report = imports.import_files(actor=carol, files=[("unit.zip", out.getvalue())])
    assert report.ok and report.counts["plans"] == 1


def test_a_file_name_outside_the_standard_is_reported(serving, carol):
    report = imports.import_files(actor=carol, files=[("plan.csv", crlf(UP1KYO))])
    assert [i.code for i in report.issues] == ["careplan_unit.file_name"]


# --- the round trip --------------------------------------------------------------------------------


def _wipe_care_plans() -> None:
    """The careplans tables emptied: the persons and offices stay, as a fresh portal's would."""
    PlanEvent.objects.all().delete()
    Delivery.objects.all().delete()
    ExchangeUnit.objects.all().delete()
    CarePlan.objects.update(series=None)
    CarePlan.objects.all().delete()
    ServiceMonth.objects.all().delete()


def _month_with_lines(bob, person) -> ServiceMonth:
    lines = [
        months.LineInput(
            day=dt.date(2026, 12, d),
            service_code="111211",
            office_number=H,
            starts="1000",
            ends="1100",
            units=387,
        )
        for d in (2, 9, 16, 23, 30)
    ]
    lines.append(
        months.LineInput(
            day=dt.date(2026, 12, 4), service_code="151111", office_number="1370100032", units=655
        )
    )  # another office's line: not in the 訪問介護 office's files
    return months.plan_lines_add(actor=bob, person=person, month=dt.date(2026, 12, 1), lines=lines)


def test_export_import_into_a_fresh_portal_and_export_again_is_byte_identical(serving, bob, carol):
    f.delivered(actor=bob, person=serving)
    _month_with_lines(bob, serving)
    homon = carol.organisation
    first = [
        exports.plans_unit(actor=bob, receiver=homon, receiver_type="11", stamp=STAMP),
        exports.month_unit(
            actor=bob, receiver=homon, receiver_type="11", month=dt.date(2026, 12, 1), stamp=STAMP
        ),
    ]
    assert [n for unit in first for n, _ in unit.files] == [
        name("UPHOSOKU", "000000"),
        name("UP1KYO"),
        name("UP2KYO"),
        name("UP3KYO"),
        name("UPHOSOKU", "202612"),
        name("UPPLAN", "202612"),
        name("UPSIKYU", "202612"),
    ]
    upplan = dict(first[1].files)[name("UPPLAN", "202612")].decode("cp932")
    assert "151111" not in upplan and upplan.count("\r\n") == 5  # the receiver's rows only
    _wipe_care_plans()
    report = imports.import_files(actor=carol, files=[file for unit in first for file in unit.files])
    assert report.ok, report.issues
    again = [
        exports.plans_unit(actor=bob, receiver=homon, receiver_type="11", stamp=STAMP),
        exports.month_unit(
            actor=bob, receiver=homon, receiver_type="11", month=dt.date(2026, 12, 1), stamp=STAMP
        ),
    ]
    for before, after in zip(first, again, strict=True):
        assert after.files == before.files
    new = exports.plans_unit(actor=bob, receiver=homon, receiver_type="11")
    assert new.stamp != STAMP and [body for _, body in new.files] == [body for _, body in first[0].files]


def test_every_exported_file_logs_one_row_per_person(serving, bob, carol):
    f.delivered(actor=bob, person=serving)
    before = AccessLog.objects.filter(insured_number=serving.insured_number, channel="export").count()
    unit = exports.plans_unit(actor=bob, receiver=carol.organisation, receiver_type="11")
    after = AccessLog.objects.filter(insured_number=serving.insured_number, channel="export").count()
    assert after - before == len(unit.files) == 4


def test_a_unit_is_not_made_for_an_office_that_does_not_serve_the_person(serving, bob, orgs):
    f.delivered(actor=bob, person=serving)
    from kaigo_portal.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        exports.plans_unit(
            actor=bob,
            receiver=orgs["kyotaku2"],
            receiver_type="43",
            plans=list(CarePlan.objects.filter(person=serving)),
        )
    assert refused.value.code == "careplans.receiver_not_serving"


def test_the_zip_is_named_as_the_unit_and_holds_its_files(serving, bob, carol):
    f.delivered(actor=bob, person=serving)
    unit = exports.plans_unit(actor=bob, receiver=carol.organisation, receiver_type="11", stamp=STAMP)
    assert unit.zip_name == f"KEIKAKU_{K}_43_{H}_11_{STAMP}.zip"
    with zipfile.ZipFile(io.BytesIO(unit.zip_bytes())) as archive:
        assert archive.namelist() == [n for n, _ in unit.files]


# --- 第7表's sums: worked examples with the limits of domain.md ------------------------------------


def _month(level: str, limit: int) -> ServiceMonth:
    from kaigo_portal.accounts.models import Organisation

    return ServiceMonth(
        author_office=Organisation(office_number=K),
        created_on=dt.date(2026, 11, 25),
        care_level=level,
        limit_units=limit,
    )


def _lines(*specs) -> list[ServiceLine]:
    out = []
    for office, code, units, days in specs:
        for day in range(1, days + 1):
            out.append(
                ServiceLine(
                    kind=LineKind.PLAN,
                    position=len(out) + 1,
                    day=dt.date(2026, 12, day),
                    starts="1000",
                    ends="1100",
                    count=1,
                    service_code=code,
                    units=units,
                    office_number=office,
                )
            )
    return out


def test_7th_table_within_the_limit_of_要介護2():
    rows = months.table7_compute(
        _month("22", 19705),
        _lines((H, "111211", 387, 8), (H, "112111", 179, 4), ("1370100032", "151111", 655, 8)),
        {},
    )
    assert [(r.office_number, r.service_code, r.count, r.unit_amount, r.managed_units) for r in rows] == [
        (H, "111211", 8, 3096, 3096),
        (H, "112111", 4, 716, 716),
        (H, "11AAAA", 0, 3812, 3812),
        ("1370100032", "151111", 8, 5240, 5240),
        ("9999999999", "999999", 0, 9052, 9052),
    ]
    total = rows[-1]
    assert (total.limit_within, total.limit_over) == (9052, 0)
    assert (rows[2].limit_within, rows[3].limit_within) == (3812, 5240)


def test_7th_table_over_the_limit_of_要介護1_puts_the_excess_on_the_last_service():
    # 要介護1: 16,765. 訪問介護 30 × 387 = 11,610; 通所介護 10 × 655 = 6,550; sum 18,160, over by 1,395.
    rows = months.table7_compute(
        _month("21", 16765), _lines((H, "111211", 387, 30), ("1370100032", "151111", 655, 10)), {}
    )
    homon, day_care, total = rows
    assert (total.managed_units, total.limit_within, total.limit_over) == (18160, 16765, 1395)
    assert (day_care.limit_over, day_care.limit_within) == (1395, 5155)
    assert (homon.limit_over, homon.limit_within) == (0, 11610)


def test_7th_table_over_by_more_than_the_last_service_spills_to_the_one_before():
    # 要支援1: 5,032. 訪問介護 20 × 387 = 7,740; 通所 2 × 655 = 1,310; sum 9,050, over by 4,018.
    rows = months.table7_compute(
        _month("12", 5032), _lines((H, "111211", 387, 20), ("1370100032", "151111", 655, 2)), {}
    )
    homon, day_care, total = rows
    assert (day_care.limit_over, day_care.limit_within) == (1310, 0)
    assert (homon.limit_over, homon.limit_within) == (2708, 5032)
    assert (total.limit_over, total.limit_within) == (4018, 5032)


def test_7th_table_leaves_a_service_outside_the_limit_out_of_the_managed_units():
    from careplans.models import ServiceCode

    codes = {"116275": ServiceCode(code="116275", name="訪問介護処遇改善加算", units=500, in_limit=False)}
    lines = _lines((H, "111211", 387, 4)) + _lines((H, "116275", None, 1))
    rows = months.table7_compute(_month("22", 19705), lines, codes)
    addition = next(r for r in rows if r.service_code == "116275")
    assert (addition.units, addition.unit_amount, addition.managed_units) == (500, 500, None)
    assert rows[-1].managed_units == 1548 and rows[-1].unit_amount == 2048


def test_a_known_limit_comes_from_the_card(serving, bob):
    month = _month_with_lines(bob, serving)
    assert (month.care_level, month.limit_units) == ("22", 19705)
    assert Table7Row.objects.filter(month=month, service_code="999999").get().managed_units == 387 * 5 + 655


def test_a_send_unit_goes_only_to_an_office_listed_for_its_service_type(serving, bob, carol):
    from kaigo_portal.errors import ApplicationError
    from kaigo_portal.offices.tests.factories import master

    f.delivered(actor=bob, person=serving)
    homon = carol.organisation
    master({"1370100016": ["43"], homon.office_number: ["13"]})  # the master lists it for 訪問看護 only
    with pytest.raises(ApplicationError) as refused:
        exports.plans_unit(actor=bob, receiver=homon, receiver_type="11", stamp=STAMP)
    assert (
        refused.value.code == "office.wrong_service"
        and "訪問介護（11）の指定がありません" in refused.value.message
    )
    master({homon.office_number: ["11"]}, made="20270120100000")  # the next data lists it for 訪問介護
    assert exports.plans_unit(actor=bob, receiver=homon, receiver_type="11", stamp=STAMP).files
