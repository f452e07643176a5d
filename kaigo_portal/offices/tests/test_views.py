"""The office master's pages: the operator's import (check first, then apply) and the staff's search."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaigo_portal.offices import services
from kaigo_portal.offices.models import Office, Snapshot

from .test_master import FIRST, KUDAN, csv_file, office_number, row

pytestmark = pytest.mark.django_db
NAME = "jigyosho_110_all_20260715093000.csv"


def upload(content: bytes, name: str = NAME) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def text(response) -> str:
    return response.content.decode()


def test_the_operator_checks_then_imports_and_sees_the_history(login, cast):
    client = login(cast["pat"])
    checked = client.post("/offices/master/", {"files": [upload(csv_file(FIRST))], "action": "check"})
    assert checked.status_code == 200 and "確認しました（まだ取り込んでいません）" in text(checked)
    assert "URL欄にメールアドレスがあります" in text(checked) and not Office.objects.exists()
    applied = client.post("/offices/master/", {"files": [upload(csv_file(FIRST))], "action": "apply"})
    assert "取り込みました" in text(applied) and "追加 3" in text(applied)
    assert Office.objects.count() == 3
    history = text(client.get("/offices/master/"))
    assert "訪問介護（110）" in history and "令和8年6月30日" in history and "（推定）" in history


def test_an_import_with_errors_lists_them_and_writes_nothing(login, cast):
    client = login(cast["pat"])
    bad = csv_file([row(KUDAN, ""), row(office_number(100002), "さくら", **{"定員": "多数"})])
    response = client.post("/offices/master/", {"files": [upload(bad)], "action": "apply"})
    page = text(response)
    assert response.status_code == 400 and "何も取り込んでいません" in page
    assert "事業所名がありません。" in page and "定員が0以上の整数ではありません。" in page
    assert not Office.objects.exists() and not Snapshot.objects.exists()


def test_only_the_operator_imports(login, cast):
    for name in ("alice", "bob"):
        client = login(cast[name])
        assert client.post("/offices/master/", {"files": [upload(csv_file(FIRST))]}).status_code == 403
    assert not Office.objects.exists()


def test_a_care_manager_finds_a_provider_by_name_kana_service_and_town(login, cast):
    services.import_files([(NAME, csv_file(FIRST))])
    kyotaku = [
        row(
            office_number(400001),
            "ケアプランひばり",
            **{"サービスの種類": "居宅介護支援", "住所": "東京都千代田区神田1-1"},
        )
    ]
    services.import_files([("jigyosho_430_all_20260715093000.csv", csv_file(kyotaku))])
    client = login(cast["bob"])
    by_name = text(client.get("/offices/", {"q": "九段"}))
    assert "訪問介護ステーション九段" in by_name and "さくら訪問介護" not in by_name
    by_service = text(client.get("/offices/", {"service": "43"}))
    assert "ケアプランひばり" in by_service and "訪問介護ステーション九段" not in by_service
    by_town = text(client.get("/offices/", {"town": "神田"}))
    assert "ケアプランひばり" in by_town and "九段" not in by_town
    detail = text(client.get(f"/offices/{KUDAN}/"))
    assert "定員なし" in detail and "掲載中（基準日 令和8年6月30日" in detail and "← 事業所の検索へ" in detail


def test_municipal_staff_see_their_area_first(login, cast):
    hitachi = row(
        office_number(500001, "087"), "日立ヘルパー", **{"都道府県コード又は市町村コード": "082023"}
    )
    services.import_files([(NAME, csv_file([*FIRST, hitachi]))])
    alice = text(login(cast["alice"]).get("/offices/"))  # 千代田区 (131011): 13101…
    assert "訪問介護ステーション九段" in alice and "日立ヘルパー" not in alice
    hank = text(login(cast["hank"]).get("/offices/"))  # 日立市 (082024): 08202…
    assert "日立ヘルパー" in hank and "訪問介護ステーション九段" not in hank
    everywhere = text(login(cast["hank"]).get("/offices/", {"area": "all"}))
    assert "日立ヘルパー" in everywhere and "訪問介護ステーション九段" in everywhere


def test_persons_and_visitors_do_not_search_offices(client, login, cast):
    assert client.get("/offices/").status_code == 302  # to the sign-in
    assert login(cast["pia"]).get("/offices/").status_code == 403


def test_the_office_page_takes_the_same_queries_however_many_services(
    login, cast, django_assert_max_num_queries
):
    from .test_master import row as open_data_row

    for code, name in (("110", "訪問介護"), ("130", "訪問看護"), ("150", "通所介護")):
        rows = [open_data_row(KUDAN, "訪問介護ステーション九段", **{"サービスの種類": name})]
        services.import_files([(f"jigyosho_{code}_all_20260715093000.csv", csv_file(rows))])
    client = login(cast["bob"])
    # 9 for the page and its listings, 2 for the portal's organisation of the number and its services;
    # a query per listed service would make it 17.
    with django_assert_max_num_queries(11):
        page = client.get(f"/offices/{KUDAN}/").content.decode()
    assert page.count("掲載中（基準日 令和8年6月30日") == 3


def test_the_office_page_compares_the_portals_registration_with_the_master(login, cast, orgs):
    """ケアプランセンター神田 (1370100016) is registered in the portal for 43; the master lists it for 43 and 11,
    then for 11 only (43 dropped): the page says which service the rules will now refuse."""
    from .factories import master

    number = orgs["kyotaku"].office_number
    master({number: ["43", "11"]})
    client = login(cast["bob"])
    page = text(client.get(f"/offices/{number}/"))
    assert "ポータルの組織「ケアプランセンター神田」に登録されています" in page
    assert "公表データにあり、ポータルに登録されていないサービス種類：訪問介護（11）" in page
    assert "公表データにないサービス種類" not in page
    master({number: ["11"], orgs["kyotaku2"].office_number: ["43"]}, made="20270115093000")
    page = text(client.get(f"/offices/{number}/"))
    assert "公表データにないサービス種類が登録されています：居宅介護支援（43）" in page
    other = orgs["kyotaku2"].office_number
    assert "登録されたサービス種類は、公表データと一致しています" in text(client.get(f"/offices/{other}/"))
