"""The municipal staff screens: search, a person's page and the 被保険者証 PDF, end to end through the
client, with the access-log rows each one must write."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import pdf_fonts, pdf_text
from kaigo_portal.audit.models import AccessLogEntry, Category, Channel, Outcome

from .. import pdf
from ..models import CareLevel, LedgerKind, RestrictionKind
from . import factories as f

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
SEARCH = "/persons/"


def search(client, terms: dict, page: int | None = None):
    """Posts the terms (held in the session, never in a URL), then reads the result page."""
    posted = client.post(SEARCH, terms)
    assert posted.status_code in (200, 302)
    if posted.status_code == 200:  # refused before anything was held
        return posted
    return client.get(SEARCH, {"page": page} if page else {})


def page_of(number: str, insurer: str = "131011") -> str:
    return f"/persons/{insurer}/{number}/"


def log_rows() -> list[tuple]:
    return list(
        AccessLogEntry.objects.order_by("id").values_list("insured_number", "category", "channel", "outcome")
    )


@pytest.fixture
def hanako(orgs):
    """A 千代田区 person with a full card, a ledger and some history."""
    chiyoda = orgs["chiyoda"]
    job = f.import_job(insurer=chiyoda, file_name="jukyusha_202604.csv")
    person = f.person(
        insurer=chiyoda,
        insured_number="1310000001",
        name="介護 花子",
        name_kana="カイゴ　ハナコ",
        birth_date=D(1940, 5, 3),
        effective_date=D(2005, 5, 3),
        job=job,
        line=2,
    )
    f.person_version(
        person=person, effective_date=D(2026, 5, 1), address="東京都千代田区麹町二丁目2番地", job=job, line=3
    )
    f.certification(
        person=person, care_level=CareLevel.KAIGO1, valid_from=D(2025, 4, 1), valid_to=D(2026, 3, 31)
    )
    f.certification(
        person=person,
        care_level=CareLevel.KAIGO2,
        valid_from=D(2026, 4, 1),
        valid_to=D(2027, 3, 31),
        panel_opinion="通所リハビリテーションの利用が望ましい。",
        job=job,
        line=4,
    )
    f.burden_ratio(person=person, ratio=2, valid_from=D(2025, 8, 1), valid_to=D(2026, 7, 31))
    f.cost_limit(person=person, residence_cap=1_310, food_cap=650)
    f.restriction(person=person, kind=RestrictionKind.REDUCTION, valid_from=D(2026, 6, 1), detail="給付率7割")
    f.ledger_line(
        person=person, line_id="H-001", kind=LedgerKind.HOUSING, service_date=D(2026, 4, 20), amount=120_000
    )
    f.ledger_line(
        person=person, line_id="E-001", kind=LedgerKind.EQUIPMENT, service_date=D(2026, 5, 10), amount=35_000
    )
    f.ledger_line(
        person=person, line_id="E-002", kind=LedgerKind.EQUIPMENT, service_date=D(2026, 5, 12), amount=9_000
    )
    f.ledger_line(
        person=person,
        line_id="E-002",
        kind=LedgerKind.EQUIPMENT,
        service_date=D(2026, 5, 12),
        amount=0,
        effective_date=D(2026, 5, 20),
        deleted=True,
    )
    return person


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


# --- who gets in ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bob", "carol", "pat", "pia", "olive", "dan"])
def test_everyone_but_municipal_staff_is_refused(login, cast, hanako, who):
    client = login(cast[who])
    assert client.post(SEARCH, {"insured_number": "131"}).status_code == 403
    for url in (SEARCH, page_of("1310000001"), page_of("1310000001") + "card.pdf"):
        assert client.get(url).status_code == 403, url
    assert log_rows() == []  # refused at the door of the screen, before any person's data is read


def test_an_anonymous_visitor_is_sent_to_sign_in(client, hanako):
    response = client.get(page_of("1310000001"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_home_page_offers_the_search_to_municipal_roles_only(login, cast):
    assert "被保険者の検索" in login(cast["amy"]).get("/").content.decode()
    assert "被保険者の検索" not in login(cast["bob"]).get("/").content.decode()


# --- search -----------------------------------------------------------------------------------------


def test_before_a_search_nothing_is_listed_or_logged(login, cast, hanako):
    body = login(cast["alice"]).get(SEARCH).content.decode()
    assert "いずれかを入力して検索してください" in body
    assert "1310000001" not in body
    assert log_rows() == []


def test_alice_finds_her_insurers_person_by_number_and_each_shown_person_is_logged(login, cast, hanako):
    response = search(login(cast["alice"]), {"insured_number": "1310"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "介護 花子" in body and "カイゴ　ハナコ" in body
    assert "昭和15年5月3日（1940年5月3日）" in body
    assert f'href="{page_of("1310000001")}"' in body
    assert log_rows() == [("1310000001", Category.ELIGIBILITY, Channel.PAGE, Outcome.GRANTED)]
    row = AccessLogEntry.objects.get()
    assert (row.actor_user_id, row.purpose, row.role) == (
        cast["alice"].pk,
        "insurer_administration",
        "municipal_staff",
    )


@pytest.mark.parametrize("typed", ["カイゴ", "かいご", "ｶｲｺﾞ", "かいご　は", "ｶｲｺﾞ ﾊﾅ", "  カイゴ  "])
def test_a_kana_search_accepts_hiragana_and_half_width_kana(login, cast, hanako, typed):
    body = search(login(cast["alice"]), {"name_kana": typed}).content.decode()
    assert "1310000001" in body


@pytest.mark.parametrize("typed", ["介護", "介護 花", "介護　花子", "介護  花"])
def test_a_kanji_name_search_finds_the_person_and_logs_each_shown(login, cast, hanako, typed):
    body = search(login(cast["alice"]), {"name": typed}).content.decode()
    assert "1310000001" in body and "検索結果（1 人）" in body
    assert log_rows() == [("1310000001", Category.ELIGIBILITY, Channel.PAGE, Outcome.GRANTED)]


@pytest.mark.parametrize(
    "typed", ["1940-05-03", "1940/5/3", "昭和15年5月3日", "S15.5.3", "１９４０年５月３日"]
)
def test_a_birth_date_search_accepts_seireki_and_wareki(login, cast, hanako, typed):
    body = search(login(cast["alice"]), {"birth_date": typed}).content.decode()
    assert "1310000001" in body


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("birth_date", "1940-02-30", "存在しない日付です"),
        ("birth_date", "昭和65年1月1日", "昭和の期間外です"),
        ("birth_date", "きのう", "の形で入力してください"),
        ("insured_number", "13A", "10桁以内の数字"),
        ("name_kana", "介護", "カタカナまたはひらがな"),
        ("name", "介護2", "被保険者番号の欄で検索"),
    ],
)
def test_a_bad_criterion_says_why_and_lists_nobody(login, cast, hanako, field, typed, message):
    body = search(login(cast["alice"]), {field: typed}).content.decode()
    assert message in body
    assert "1310000001" not in body
    assert log_rows() == []


def test_a_search_without_matches_says_so(login, cast, hanako):
    body = search(login(cast["alice"]), {"name_kana": "ヤマダ"}).content.decode()
    assert "条件に一致する被保険者はいません" in body
    assert log_rows() == []


def test_hank_of_another_insurer_never_sees_chiyodas_persons(login, cast, orgs, hanako):
    own = f.person(
        insurer=orgs["hitachi"],
        insured_number="0820000001",
        name="日立 一郎",
        name_kana="ヒタチ　イチロウ",
        birth_date=D(1950, 1, 1),
    )
    client = login(cast["hank"])
    for criteria in ({"insured_number": "1"}, {"name_kana": "カイゴ"}, {"birth_date": "1940-05-03"}):
        body = search(client, criteria).content.decode()
        assert "1310000001" not in body and "介護 花子" not in body
    body = search(client, {"insured_number": "0820"}).content.decode()
    assert own.insured_number in body
    assert log_rows() == [("0820000001", Category.ELIGIBILITY, Channel.PAGE, Outcome.GRANTED)]


def test_results_are_paginated_by_25_and_only_the_shown_page_is_logged(login, cast, orgs):
    for i in range(30):
        f.person(
            insurer=orgs["chiyoda"],
            insured_number=f"13200000{i:02}",
            name_kana=f"サトウ　{'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホ'[i]}",
        )
    client = login(cast["alice"])
    first = search(client, {"name_kana": "さとう"}).content.decode()
    assert "検索結果（30 人）" in first and "1 / 2 ページ" in first
    assert first.count('href="/persons/131011/') == 25
    assert 'href="?page=2"' in first and "name_kana" not in first.split("<table")[1]  # no term in a link
    assert AccessLogEntry.objects.count() == 25
    second = search(client, {"name_kana": "さとう"}, page=2).content.decode()
    assert second.count('href="/persons/131011/') == 5
    assert AccessLogEntry.objects.count() == 30
    assert AccessLogEntry.objects.values("insured_number").distinct().count() == 30


def test_the_search_runs_a_fixed_number_of_queries(login, cast, orgs, django_assert_max_num_queries):
    client = login(cast["alice"])
    client.get("/")  # the session's first-request work is not the search's
    for i in range(3):
        f.person(insurer=orgs["chiyoda"], insured_number=f"13300000{i:02}", name_kana="スズキ　イチロウ")
    client.post(SEARCH, {"name_kana": "スズキ"})  # the terms are held; the result page runs the search
    with django_assert_max_num_queries(17) as few:
        client.get(SEARCH)
    for i in range(3, 25):
        f.person(insurer=orgs["chiyoda"], insured_number=f"13300000{i:02}", name_kana="スズキ　イチロウ")
    with django_assert_max_num_queries(len(few.captured_queries)):  # 25 rows cost what 3 did
        client.get(SEARCH)
    assert AccessLogEntry.objects.count() == 3 + 25


# --- a person's page --------------------------------------------------------------------------------


def test_alice_sees_the_three_panels_the_ledger_and_the_history(login, cast, hanako, frozen):
    response = login(cast["alice"]).get(page_of("1310000001"))
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    assert "令和8年6月15日（2026年6月15日） 現在" in body
    # 一面
    for text in (
        "介護 花子",
        "カイゴ　ハナコ",
        "昭和15年5月3日（1940年5月3日）",
        "東京都千代田区麹町二丁目2番地",
        "131011　千代田区",
    ):
        assert text in body, text
    # 二面: the level, its limit from the master, the opinion and the 居宅介護支援事業所
    for text in (
        "要介護2",
        "1月当たり 19,705 単位",
        "令和8年4月1日 〜 令和9年3月31日",
        "通所リハビリテーションの利用が望ましい。",
        "ケアプランセンター神田（事業所番号 1370100016）",
    ):
        assert text in body, text
    # 三面, 負担割合, 負担限度額
    assert "給付額減額" in body and "給付率7割" in body
    assert "2割（適用期間 令和7年8月1日 〜 令和8年7月31日）" in body
    assert "居住費（滞在費） 1,310円/日、食費 650円/日" in body
    # 住宅改修 and 福祉用具購入 (E-002 was deleted: it is in the history only)
    assert "残り <strong>80,000 円</strong>" in body
    assert "残り <strong>65,000 円</strong>" in body
    assert "E-001" in body
    # the history: every version, the deletion marked, the import job and line
    assert "令和8年5月1日" in body and "東京都千代田区神田神保町一丁目1番地" in body
    assert "<strong>削除</strong>" in body
    assert f"取込 #{hanako.versions.first().job_id}（jukyusha_202604.csv） 3 行目" in body
    assert log_rows() == [
        ("1310000001", Category.ELIGIBILITY, Channel.PAGE, Outcome.GRANTED),
        ("1310000001", Category.HOME_MODIFICATION, Channel.PAGE, Outcome.GRANTED),
    ]


def test_the_municipal_admin_sees_the_page_too(login, cast, hanako):
    assert login(cast["amy"]).get(page_of("1310000001")).status_code == 200


def test_hank_gets_a_logged_404_for_another_insurers_person(login, cast, hanako):
    client = login(cast["hank"])
    response = client.get(page_of("1310000001"))
    assert response.status_code == 404
    assert "介護 花子" not in response.content.decode()
    assert log_rows() == [("1310000001", Category.ELIGIBILITY, Channel.PAGE, Outcome.DENIED)]
    assert client.get(page_of("1310000001") + "card.pdf").status_code == 404
    assert log_rows()[-1] == ("1310000001", Category.ELIGIBILITY, Channel.PDF, Outcome.DENIED)


def test_unknown_persons_and_insurers_are_404(login, cast, hanako):
    client = login(cast["alice"])
    assert client.get(page_of("1319999999")).status_code == 404
    assert client.get(page_of("1310000001", insurer="999999")).status_code == 404
    assert client.get("/persons/131011/131/").status_code == 404  # not a 10-digit number: no such page


def test_the_card_can_be_shown_as_of_another_date(login, cast, hanako, frozen):
    body = login(cast["alice"]).get(page_of("1310000001"), {"on": "2026-03-31"}).content.decode()
    assert "令和8年3月31日（2026年3月31日） 現在" in body and "（今日ではありません）" in body
    assert "要介護1" in body and "1月当たり 16,765 単位" in body
    assert "東京都千代田区神田神保町一丁目1番地" in body  # the address before the 5/1 move
    assert "この日付の給付制限はありません" in body


def test_today_is_the_date_in_japan(login, cast, hanako):
    # 2026-03-31 15:30 UTC is already 4/1 in Japan: the new certification (要介護2) is the one in force.
    with time_machine.travel(dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC), tick=False):
        body = login(cast["alice"]).get(page_of("1310000001")).content.decode()
    assert "令和8年4月1日（2026年4月1日） 現在" in body and "（今日ではありません）" not in body
    assert "要介護2" in body and "1月当たり 19,705 単位" in body


def test_a_bad_as_of_date_says_so_and_shows_today(login, cast, hanako, frozen):
    body = login(cast["alice"]).get(page_of("1310000001"), {"on": "2026-02-30"}).content.decode()
    assert "YYYY-MM-DD の形で入力してください" in body
    assert "令和8年6月15日（2026年6月15日） 現在" in body


def test_a_person_without_a_certification_shows_empty_panels(login, cast, orgs):
    f.person(insurer=orgs["chiyoda"], insured_number="1310000009")
    body = login(cast["alice"]).get(page_of("1310000009")).content.decode()
    assert "この日付に有効な要介護認定はありません" in body
    assert "残り <strong>200,000 円</strong>" in body and "残り <strong>100,000 円</strong>" in body


def test_a_level_without_a_benefit_limit_says_so(login, cast, orgs, frozen):
    person = f.person(insurer=orgs["chiyoda"], insured_number="1310000008")
    f.certification(person=person, care_level=CareLevel.JIGYOTAISHO)
    body = login(cast["alice"]).get(page_of("1310000008")).content.decode()
    assert "事業対象者" in body and "この区分には区分支給限度基準額がありません" in body


def test_the_page_runs_a_bounded_number_of_queries(login, cast, orgs, hanako, django_assert_max_num_queries):
    client = login(cast["alice"])
    client.get("/")
    with django_assert_max_num_queries(40) as few:
        client.get(page_of("1310000001"))
    for i in range(10):  # much more data: the count must not grow with it
        f.ledger_line(person=hanako, line_id=f"H-1{i:02}", service_date=D(2026, 5, 1 + i), amount=1_000)
        f.person_version(person=hanako, effective_date=D(2026, 5, 2 + i), address=f"住所{i}")
        f.certification(person=hanako, valid_from=D(2010 + i, 4, 1), valid_to=D(2011 + i, 3, 31))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(page_of("1310000001"))


# --- the PDF ----------------------------------------------------------------------------------------


def test_the_pdf_has_the_name_and_number_and_embeds_an_ipaex_font(login, cast, hanako, tmp_path, frozen):
    response = login(cast["alice"]).get(page_of("1310000001") + "card.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="hihokenshasho_131011_1310000001_20260615.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "介護 花子" in text and "1310000001" in text
    assert "介護保険被保険者証" in text and "要介護2" in text and "昭和15年5月3日" in text
    fonts = [line.split() for line in pdf_fonts(response.content, tmp_path).splitlines()[2:]]
    embedded = [cols[0] for cols in fonts if "IPAex" in cols[0] and cols[-5] == "yes"]  # the "emb" column
    assert embedded, fonts
    assert log_rows() == [("1310000001", Category.ELIGIBILITY, Channel.PDF, Outcome.GRANTED)]


def test_the_pdf_follows_the_as_of_date(login, cast, hanako):
    response = login(cast["alice"]).get(page_of("1310000001") + "card.pdf", {"on": "2026-03-31"})
    text = pdf_text(response.content)
    assert "要介護1" in text and "令和8年3月31日現在" in text


def test_without_weasyprint_the_pdf_link_explains_in_japanese(login, cast, hanako, monkeypatch):
    monkeypatch.setattr(pdf, "_weasyprint", lambda: (None, "OSError: no library called 'libpango-1.0-0'"))
    client = login(cast["alice"])
    response = client.get(page_of("1310000001") + "card.pdf")
    assert response.status_code == 503
    assert "PDF を作成できません" in response.content.decode()
    assert log_rows() == []  # no PDF was made, so no PDF read is logged
    page = client.get(page_of("1310000001")).content.decode()
    assert "このサーバーでは PDF を作成できません" in page and "card.pdf" not in page


def test_the_terms_never_reach_a_url_and_a_my_number_is_refused_before_the_search(login, cast, hanako):
    client = login(cast["alice"])
    posted = client.post(SEARCH, {"name_kana": "カイゴ"})
    assert posted.status_code == 302 and posted["Location"] == SEARCH  # no term in the redirect
    assert "介護 花子" in client.get(SEARCH).content.decode()
    log_rows_before = AccessLogEntry.objects.count()
    refused = client.post(SEARCH, {"birth_date": "1234 5678 9018"})  # a valid 個人番号 in 4-4-4 groups
    body = refused.content.decode()
    assert (
        refused.status_code == 200
        and "マイナンバー（個人番号）と思われる12桁の番号では検索できません" in body
    )
    assert "9018" not in body  # not echoed back
    assert AccessLogEntry.objects.count() == log_rows_before  # nothing ran
    assert "介護 花子" not in client.get(SEARCH).content.decode()  # and nothing was held
    assert "介護 花子" not in client.get(SEARCH + "?clear=1").content.decode()
