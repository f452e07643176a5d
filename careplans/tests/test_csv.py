"""第1表・第2表 CSV: the round trip in MS932 (with 髙 and 﨑), formula escaping, and every bad row reported."""

import datetime as dt

import pytest

from careplans import csv_format, imports, services
from careplans.models import CarePlan, PlanStatus
from consent.models import ConsentStatus
from consent.tests.factories import consent

from .factories import delivered, draft

pytestmark = pytest.mark.django_db
NAME = "UPPLAN_202611_1370100016_1370100024_20261120100000.CSV"


def export(plan) -> bytes:
    return csv_format.export(plan, first_created_on=plan.created_on)


def test_the_export_is_ms932_with_crlf_and_keeps_the_ms932_only_characters(hanako, bob):
    body = export(draft(actor=bob, person=hanako, intentions="髙﨑の実家に行きたい"))
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    with pytest.raises(UnicodeEncodeError):
        "髙﨑".encode("shift_jis")  # plain Shift_JIS lacks them: the file must be MS932
    text = body.decode("cp932")
    assert "髙﨑 花子" in text and "髙﨑の実家に行きたい" in text
    assert text.count("\r\n") == 4 and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0].startswith(
        "1,P1,131011,0000000501,髙﨑 花子,20261120,20261120,1,1,22,20260401,20260401,20270331,1370100016,bob,"
    )
    assert lines[1] == ("2,P1,131011,0000000501,20261120,20261120,1,一人で安全に入浴したい,1,安全に入浴できる,"
                        "介助で週2回入浴する,2026/12～2027/05,2026/12～2027/02,1,入浴介助,1,訪問介護,1370100024,"
                        "訪問介護ステーション九段,週2回,2026/12～2027/02")  # fmt: skip


def test_a_cell_that_looks_like_a_formula_is_escaped_and_comes_back_as_text(hanako, bob):
    text = export(draft(actor=bob, person=hanako)).decode("cp932")
    assert ",'=見守り（家族）," in text
    assert csv_format.unescape("'=見守り") == "=見守り" and csv_format.unescape("'普通") == "'普通"
    for cell in ("=1+1", "+81", "-1", "@SUM(A1)"):
        assert csv_format.escape(cell) == "'" + cell


def test_the_round_trip_gives_the_same_plan(hanako, bob):
    plan = draft(
        actor=bob, person=hanako, intentions="髙﨑の実家に行きたい", living_support_reason="家族が遠方"
    )
    plan.service_rows.filter(position=1).update(office_name="髙﨑訪問介護")
    body = export(CarePlan.objects.get(pk=plan.pk))
    CarePlan.objects.filter(pk=plan.pk).update(intentions="書き換え")
    plan.service_rows.update(need="書き換え")
    result = imports.import_plans(actor=bob, data=body, file_name=NAME)
    assert result.ok, result.issues
    assert result.plans == [plan]
    again = CarePlan.objects.get(pk=plan.pk)
    assert export(again) == body
    assert again.intentions == "髙﨑の実家に行きたい"
    assert again.service_rows.get(position=2).service_content == "=見守り（家族）"
    assert again.weekly_entries.count() == 2  # 第3表 is not in the CSV: kept
    assert list(again.events.values_list("kind", flat=True)) == ["created", "imported"]


def test_importing_over_a_delivered_plan_makes_the_next_version(hanako, bob):
    plan = delivered(actor=bob, person=hanako)
    result = imports.import_plans(actor=bob, data=export(plan), file_name=NAME)
    assert result.ok, result.issues
    (new,) = result.plans
    assert (new.version, new.series_id, new.status) == (2, plan.pk, PlanStatus.DRAFT)


def test_a_new_person_in_the_file_starts_a_plan(hanako, bob):
    plan = draft(actor=bob, person=hanako)
    body = export(plan)
    CarePlan.objects.update(series=None)
    CarePlan.objects.all().delete()
    result = imports.import_plans(actor=bob, data=body, file_name=NAME)
    assert result.ok and result.plans[0].intentions == plan.intentions


def _bad(body: bytes, **kwargs):
    result = imports.import_plans(actor=kwargs.pop("actor"), data=body, file_name=kwargs.pop("name", NAME))
    assert not result.ok and result.plans == []
    return [(i.line, i.field, i.value, i.code) for i in result.issues]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_applied(hanako, bob):
    plan = draft(actor=bob, person=hanako)
    lines = export(plan).decode("cp932").split("\r\n")
    lines[1] = lines[1].replace(",1,訪問介護,1370100024,", ",3,訪問介護,1370100024,")  # 保険対象区分
    lines[2] = lines[2].replace(
        "2,P1,131011,0000000501,20261120,20261120,1,", "2,P1,131011,0000000501,20261131,20261131,x,"
    )
    lines[3] = lines[3].replace("1370100024", "1370100015")
    lines.insert(4, "9,P1")
    body = "\r\n".join(lines).encode("cp932")
    issues = _bad(body, actor=bob)
    assert issues == [
        (2, "保険対象区分", "3", "csv.insured"),
        (3, "居宅サービス計画作成(変更)日", "20261131", "csv.date_invalid"),
        (3, "課題NO", "x", "csv.number"),
        (4, "サービス事業者コード", "1370100015", "csv.office_number"),
        (5, "帳票種別", "9", "csv.table_kind"),
    ]
    assert CarePlan.objects.get(pk=plan.pk).service_rows.count() == 3


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda t: t.replace(",P1,", ",P9,", 1), (1, "CSVバージョン", "P9", "csv.version")),
        (lambda t: t.replace("1,P1,131011,0000000501", "1,P1,131011,000000050", 1), (1, "被保険者番号", "000000050", None)),
        (lambda t: t.split("\r\n", 1)[1], (0, "帳票種別", "", "csv.no_table1")),
        (lambda t: t.replace(",20261120,20261120,1,1,22,", ",20261120,2026-11-20,1,1,22,", 1),
         (1, "居宅サービス計画作成(変更)日", "2026-11-20", "csv.date_format")),
        (lambda t: t.replace(",1,1,22,", ",7,1,22,", 1), (1, "初回・紹介・継続", "7", "csv.plan_kind")),
        (lambda t: t + "2,P1\r\n", (5, "", "2項目", "csv.columns")),
        (lambda t: t + '2,"P1\r\n', (5, "", "", "csv.malformed")),
    ],
)  # fmt: skip
def test_table_of_bad_files(hanako, bob, mutate, expected):
    text = export(draft(actor=bob, person=hanako)).decode("cp932")
    issues = _bad(mutate(text).encode("cp932"), actor=bob)
    line, field, value, code = expected
    assert any(i[:3] == (line, field, value) and (code is None or i[3] == code) for i in issues), issues


def test_a_line_that_is_not_ms932_is_reported(hanako, bob):
    body = export(draft(actor=bob, person=hanako)).replace("髙".encode("cp932"), b"\x85\x40", 1)
    assert any(i[3] == "csv.encoding" for i in _bad(body, actor=bob))


def test_the_file_name_must_follow_the_standard_and_name_this_office(hanako, bob):
    body = export(draft(actor=bob, person=hanako))
    assert _bad(body, actor=bob, name="plan.csv")[0][3] == "csv.file_name"
    other = NAME.replace("_1370100016_", "_1370100032_")
    assert _bad(body, actor=bob, name=other)[0][3] == "csv.file_from_other_office"


def test_a_person_without_consent_is_refused_on_import(hanako, bob):
    body = export(draft(actor=bob, person=hanako))
    consent(hanako, ConsentStatus.WITHDRAWN, on=dt.date(2026, 11, 20))
    assert _bad(body, actor=bob) == [(1, "被保険者番号", "0000000501", "csv.person_not_visible")]


def test_a_plan_awaiting_agreement_is_not_overwritten(hanako, bob):
    plan = draft(actor=bob, person=hanako)
    body = export(plan)
    services.plan_request_agreement(actor=bob, plan=plan)
    assert _bad(body, actor=bob) == [(1, "被保険者番号", "0000000501", "csv.plan_not_draft")]


def test_the_file_name_of_an_export(hanako, bob):
    plan = draft(actor=bob, person=hanako)
    now = dt.datetime(2026, 11, 20, 1, 2, 3, tzinfo=dt.UTC)
    assert csv_format.file_name(plan, to_office_number="1370100024", now=now) == (
        "UPPLAN_202611_1370100016_1370100024_20261120100203.CSV"
    )
    assert csv_format.FILE_NAME.match(csv_format.file_name(plan, to_office_number="1370100024"))


def test_text_is_stored_as_ms932_gives_it_back_and_gaiji_are_refused(hanako, bob):
    plan = draft(actor=bob, person=hanako, intentions="毎日〜週末は家族と", policy="−1kg")
    assert (plan.intentions, plan.policy) == (
        "毎日～週末は家族と",
        "－1kg",
    )  # U+FF5E, U+FF0D as MS932 gives back
    from kaigo_portal.errors import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        draft(actor=bob, person=hanako, intentions="𠮷野家に行きたい — 毎週")
    assert caught.value.fields == {"intentions": ["Shift_JIS（MS932）で表せない文字があります（𠮷—）。"]}


def test_a_name_ms932_cannot_hold_is_exported_as_geta(hanako, bob):
    hanako.name = "𠮷田 花子"
    hanako.save(update_fields=["name"])
    plan = draft(actor=bob, person=hanako)
    assert ",〓田 花子," in export(CarePlan.objects.select_related("person").get(pk=plan.pk)).decode("cp932")
