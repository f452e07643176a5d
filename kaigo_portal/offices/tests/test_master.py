"""The national office master (issue 22): a hand-made file in the open data's real layout, then a second
snapshot without one office."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from kaigo_portal.numbers import corporate_number_check_digit, office_check_digit
from kaigo_portal.offices import master, services
from kaigo_portal.offices.models import Listing, Office, Snapshot

pytestmark = pytest.mark.django_db

HEADER = [
    "都道府県コード又は市町村コード",
    "NO（※システム内の固有の番号、連番）",
    "都道府県名",
    "市区町村名",
    "事業所名",
    "事業所名カナ",
    "サービスの種類",
    "住所",
    "方書（ビル名等）",
    "緯度",
    "経度",
    "電話番号",
    "FAX番号",
    "法人番号",
    "法人の名称",
    "事業所番号",
    "利用可能曜日",
    "利用可能曜日特記事項（留意事項なども可）",
    "定員",
    "URL",
    "高齢者の方と障害者の方が同時一体的に利用できるサービス",
    "介護保険の通常の指定基準を満たしている",
    "障害福祉の通常の指定基準を満たしている",
    "備考",
]


def office_number(serial: int, prefix: str = "131") -> str:
    base = f"{prefix}{serial:06d}"
    return base + str(office_check_digit(base))


def corporate_number(base12: str) -> str:
    return f"{corporate_number_check_digit(base12)}{base12}"


def row(number: str, name: str, **cells) -> list[str]:
    values = {
        "都道府県コード又は市町村コード": "131016",
        "NO（※システム内の固有の番号、連番）": "1",
        "都道府県名": "東京都",
        "市区町村名": "千代田区",
        "事業所名": name,
        "事業所名カナ": "ホウモンカイゴ",
        "サービスの種類": "訪問介護",
        "住所": "東京都千代田区九段南1-2-1",
        "方書（ビル名等）": "",
        "緯度": "35.6940",
        "経度": "139.7536",
        "電話番号": "03-1234-5678",
        "FAX番号": "03-1234-5679",
        "法人番号": corporate_number("010001012345"),
        "法人の名称": "社会福祉法人九段会",
        "事業所番号": number,
        "利用可能曜日": "月,火,水,木,金",
        "利用可能曜日特記事項（留意事項なども可）": "祝日は休み",
        "定員": "0",
        "URL": "https://kudan.example.jp/",
        "高齢者の方と障害者の方が同時一体的に利用できるサービス": "",
        "介護保険の通常の指定基準を満たしている": "",
        "障害福祉の通常の指定基準を満たしている": "",
        "備考": "",
    }
    values.update(cells)
    return [values[h] for h in HEADER]


def csv_file(rows: list[list[str]]) -> bytes:
    def quote(cell: str) -> str:
        return f'"{cell}"' if ("," in cell or '"' in cell) else cell

    lines = [",".join(quote(c) for c in HEADER)] + [",".join(quote(c) for c in r) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


KUDAN, SAKURA, HIBARI = office_number(100001), office_number(100002), office_number(100003)
WRONG_DIGIT = office_number(100009, "137")[:9] + str((int(office_number(100009, "137")[9]) + 1) % 10)
FIRST = [
    row(KUDAN, "訪問介護ステーション九段"),
    row(SAKURA, "さくら訪問介護", **{"URL": "info@sakura.example.jp", "方書（ビル名等）": "さくらビル2階"}),
    row(
        HIBARI,
        "ひばりヘルパー",
        **{
            "定員": "12",
            "法人番号": corporate_number("700110005901")[1:] + "0",
            "高齢者の方と障害者の方が同時一体的に利用できるサービス": "○",
            "介護保険の通常の指定基準を満たしている": "○",
            "障害福祉の通常の指定基準を満たしている": "×",
            "備考": "共生型サービス",
        },
    ),
]


def test_a_real_layout_file_is_read_field_by_field_then_a_second_snapshot_marks_the_missing_office():
    first = services.import_files([("jigyosho_110_all_20260715093000.csv", csv_file(FIRST))], by="test")
    assert first.applied and first.added == 3 and not first.errors
    # Warnings, kept with line and column: the e-mail in the URL column, the 法人番号's check digit.
    assert {(i.line, i.column, i.code) for i in first.issues} == {
        (3, "URL", "url.email"),
        (4, "法人番号", "corporate_number.check_digit"),
    }
    snapshot = Snapshot.objects.get()
    assert (snapshot.info_code, snapshot.data_date, snapshot.data_date_inferred) == (
        "110",
        dt.date(2026, 6, 30),
        True,
    )
    assert len(snapshot.sha256) == 64 and snapshot.file_name == "jigyosho_110_all_20260715093000.csv"
    kudan = Office.objects.get(office_number=KUDAN)
    assert (kudan.name, kudan.name_kana, kudan.area_code, kudan.city_name) == (
        "訪問介護ステーション九段",
        "ホウモンカイゴ",
        "131016",
        "千代田区",
    )
    assert (kudan.latitude, kudan.longitude) == (Decimal("35.694000"), Decimal("139.753600"))
    assert kudan.corporate_number == corporate_number("010001012345")  # text, its leading 0 kept
    assert len(kudan.corporate_number) == 13 and kudan.url == "https://kudan.example.jp/"
    assert (kudan.phone, kudan.fax, kudan.corporate_name) == (
        "03-1234-5678",
        "03-1234-5679",
        "社会福祉法人九段会",
    )
    listing = kudan.listings.get()
    assert (listing.info_code, listing.claims_code, listing.service_name) == ("110", "11", "訪問介護")
    assert listing.capacity is None  # 定員 0: a visit service has no capacity, not zero places
    assert (listing.weekdays, listing.weekdays_note) == ("月,火,水,木,金", "祝日は休み")
    sakura = Office.objects.get(office_number=SAKURA)
    assert (sakura.url, sakura.email, sakura.address_extra) == ("", "info@sakura.example.jp", "さくらビル2階")
    hibari = Listing.objects.get(office__office_number=HIBARI)
    assert hibari.capacity == 12 and hibari.remarks == "共生型サービス"
    assert (hibari.kyoseigata, hibari.meets_care_standard, hibari.meets_disability_standard) == (
        "○",
        "○",
        "×",
    )
    assert (kudan.prefecture_name, kudan.address) == ("東京都", "東京都千代田区九段南1-2-1")

    # The same file again: nothing changes.
    again = services.import_files([("jigyosho_110_all_20260715093000.csv", csv_file(FIRST))])
    assert again.already == ["jigyosho_110_all_20260715093000.csv"] and again.added == again.updated == 0
    assert Snapshot.objects.count() == 1

    # Half a year later さくら is gone, 九段 moved: さくら is kept and marked not seen.
    second_rows = [row(KUDAN, "訪問介護ステーション九段", **{"住所": "東京都千代田区九段北1-1-1"}), FIRST[2]]
    second = services.import_files([("jigyosho_110_all_20270120100000.csv", csv_file(second_rows))])
    assert (second.added, second.updated, second.unchanged, second.not_seen) == (0, 1, 1, 1)
    latest = Snapshot.objects.get(data_date=dt.date(2026, 12, 31))
    sakura = Office.objects.get(office_number=SAKURA)
    assert not sakura.is_seen and sakura.last_seen_on == dt.date(2026, 6, 30)
    kudan = Office.objects.get(office_number=KUDAN)
    assert (
        kudan.is_seen
        and kudan.last_seen_on == latest.data_date
        and kudan.address == "東京都千代田区九段北1-1-1"
    )
    assert Office.objects.count() == 3  # never deleted
    # And the second file again changes nothing either.
    services.import_files([("jigyosho_110_all_20270120100000.csv", csv_file(second_rows))])
    assert Snapshot.objects.count() == 2 and not Office.objects.get(office_number=SAKURA).is_seen


def test_bad_rows_are_all_reported_with_line_and_column_and_nothing_is_written():
    rows = [
        row(KUDAN, ""),  # no name
        row(WRONG_DIGIT, "番号違い"),
        row(SAKURA, "さくら", **{"緯度": "135.0", "定員": "三"}),
        row(SAKURA, "さくら（重複）"),
        row(HIBARI, "ひばり", **{"法人番号": "12345"})[:-1],  # a column short
    ]
    result = services.import_files([("jigyosho_110_all_20260715093000.csv", csv_file(rows))])
    assert not result.applied and not Office.objects.exists() and not Snapshot.objects.exists()
    found = {(i.line, i.column, i.code) for i in result.errors}
    assert found == {
        (2, "事業所名", "name.required"),
        (3, "事業所番号", "office_number.check_digit"),
        (4, "緯度", "latitude.range"),
        (4, "定員", "capacity.format"),
        (5, "事業所番号", "office_number.duplicate"),
        (6, "", "row.columns"),
    }
    assert all(i.message and not i.message.isascii() for i in result.errors)  # Japanese, for people


def test_file_level_problems_and_a_dry_run():
    bom_less_sjis = csv_file(FIRST).decode("utf-8").encode("cp932", errors="replace")
    result = services.import_files([("jigyosho_110_all_20260715093000.csv", bom_less_sjis)])
    assert [i.code for i in result.errors] == ["encoding.invalid"]
    nameless = services.import_files([("offices.csv", csv_file(FIRST))])
    assert [i.code for i in nameless.errors] == ["file.service_code"]
    named = services.import_files(
        [("offices.csv", csv_file(FIRST))], info_code="110", data_date=dt.date(2026, 6, 30), dry_run=True
    )
    assert not named.errors and not named.applied and not Office.objects.exists()
    short = csv_file(FIRST).decode("utf-8-sig").replace("緯度,経度,", "")
    columns = services.import_files([("jigyosho_110_all_20260715093000.csv", short.encode())])
    assert columns.errors[0].code == "file.columns" and "緯度、経度" in columns.errors[0].message
    unknown = services.import_files([("jigyosho_999_all_20260715093000.csv", csv_file(FIRST))])
    assert unknown.errors[0].code == "file.unknown_service"


def test_an_older_snapshot_is_refused_and_one_office_carries_several_services():
    services.import_files([("jigyosho_110_all_20270120100000.csv", csv_file(FIRST))])
    older = services.import_files([("jigyosho_110_all_20260715093000.csv", csv_file(FIRST[:1]))])
    assert [i.code for i in older.errors] == ["file.not_newer"]
    kyotaku = [row(KUDAN, "訪問介護ステーション九段", **{"サービスの種類": "居宅介護支援"})]
    services.import_files([("jigyosho_430_all_20270120100000.csv", csv_file(kyotaku))])
    kudan = Office.objects.get(office_number=KUDAN)
    assert sorted(kudan.listings.values_list("claims_code", flat=True)) == ["11", "43"]
    tokutei = [
        row(
            office_number(200001),
            "有料ホームさくら",
            **{"サービスの種類": "特定施設入居者生活介護（サービス付き高齢者向け住宅）"},
        )
    ]
    services.import_files([("jigyosho_336_all_20270120100000.csv", csv_file(tokutei))])
    assert Listing.objects.get(info_code="336").claims_code == "33"  # 331–337 are all 33


def test_an_office_added_by_hand_stays_until_the_national_data_lists_it():
    services.office_add_by_hand(office_number=office_number(300001), name="新規指定の事業所", by="operator")
    services.import_files([("jigyosho_110_all_20260715093000.csv", csv_file(FIRST))])
    assert Office.objects.get(office_number=office_number(300001)).is_seen  # kept, says 手入力
    listed = [row(office_number(300001), "新規指定の事業所")]
    services.import_files([("jigyosho_110_all_20270120100000.csv", csv_file(listed))])
    office = Office.objects.get(office_number=office_number(300001))
    assert not office.added_by_hand and office.is_seen and office.listings.count() == 1


def test_the_command_reads_a_folder_and_reports_in_japanese(tmp_path):
    (tmp_path / "jigyosho_110_all_20260715093000.csv").write_bytes(csv_file(FIRST))
    out = io.StringIO()
    call_command("import_office_master", str(tmp_path), stdout=out)
    assert "追加 3" in out.getvalue() and "url.email" in out.getvalue()
    (tmp_path / "jigyosho_430_all_20260715093000.csv").write_bytes(csv_file([row(KUDAN, "")]))
    with pytest.raises(CommandError, match="何も取り込んでいません"):
        call_command("import_office_master", str(tmp_path), stdout=io.StringIO())


def test_the_data_date_of_a_file_is_the_end_of_june_or_december_before_it():
    assert master.data_date_before(dt.date(2026, 6, 30)) == dt.date(2026, 6, 30)
    assert master.data_date_before(dt.date(2026, 6, 29)) == dt.date(2025, 12, 31)
    assert master.data_date_before(dt.date(2027, 1, 20)) == dt.date(2026, 12, 31)


def test_a_run_beaten_by_another_to_the_same_snapshot_keeps_nothing_and_says_so(monkeypatch):
    from django.db import IntegrityError

    def taken(parsed, result, *, by):
        result.added = 3
        raise IntegrityError("one_snapshot_per_service_and_date")

    monkeypatch.setattr(services, "_apply", taken)
    result = services.import_files([("jigyosho_110_all_20260715093000.csv", csv_file(FIRST))])
    assert not result.applied and result.added == 0
    assert [i.code for i in result.errors] == ["file.concurrent"]
    assert not Office.objects.exists()


def test_an_older_file_is_refused_with_the_date_in_wareki():
    services.import_files([("jigyosho_110_all_20270120100000.csv", csv_file(FIRST))])
    older = services.import_files([("jigyosho_110_all_20260715093000.csv", csv_file(FIRST[:1]))])
    assert "令和8年12月31日（2026年12月31日）" in older.errors[0].message


def test_the_demo_adds_its_offices_to_a_master_that_lacks_them():
    from kaigo_portal.offices import demo

    services.import_files([("jigyosho_110_all_20260715093000.csv", csv_file(FIRST))])  # without the demo's
    assert "2 件を手入力で追加" in demo.seed()
    assert Office.objects.get(office_number="1370100024").is_seen  # added by hand: listed for the rules
    assert "0 件" in demo.seed()
