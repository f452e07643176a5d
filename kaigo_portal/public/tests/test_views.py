"""The public pages: reachable without signing in, faithful to the source material, and current."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from conftest import make_org, pdf_fonts, pdf_text
from kaigo_portal.accounts.models import OrganisationKind
from kaigo_portal.public import pdf
from kaigo_portal.public.models import Audience

from . import factories
from .factories import jst
from .helpers import table_rows, text

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "public:index",
    "public:municipalities",
    "public:offices",
    "public:clinics",
    "public:people",
    "public:consent",
    "public:rollout",
    "public:news",
    "public:faq",
    "public:inquiry",
]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_each_public_page_opens_without_sign_in_with_one_h1_in_japanese(client, name, settings):
    settings.KAIGO_CONTACT_PHONE = "0570-123-456"
    settings.KAIGO_CONTACT_HOURS = "平日 8時30分〜18時"
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert html.count("<main") == 1
    # The contact centre comes from the settings on every page.
    assert "0570-123-456" in html and "平日 8時30分〜18時" in html


def test_without_a_contact_phone_no_number_is_shown_anywhere(client, settings, mailoutbox):
    settings.KAIGO_CONTACT_PHONE = ""  # production with the number not configured
    from django.apps import apps

    apps.get_app_config("public").ready()  # an unset number is allowed
    for name in PUBLIC_PAGES:
        page = text(client.get(reverse(name)))
        assert "電話：" not in page and "お電話で：" not in page, name


def test_the_sign_in_page_links_to_the_public_portal(client):
    assert 'href="/portal/"' in client.get("/accounts/login/").content.decode()


def test_the_signed_in_home_is_unchanged_and_still_needs_sign_in(client):
    assert client.get("/").status_code == 302


# What each audience page must say: what is shared, what changes, what to prepare.
AUDIENCE_FACTS = {
    "public:municipalities": [
        "被保険者証等の情報",
        "主治医意見書",
        "令和9年1月1日（2027年1月1日）までに",  # standardisation deadline
        "令和10年4月1日（2028年4月1日）までに",  # every municipality live
        "包括同意",
        "多要素認証",
        "既存のデータを移行",
    ],
    "public:offices": [
        "カードリーダー",
        "マイナ資格確認アプリ",
        "クライアント証明書",
        "介護DX証明書",
        "介護保険証明書",
        "多要素認証",
        "本人確認",
        "同意",
        "64,000円まで",
        "55,000円まで",
        "42,000円まで",
        "市町村に代わって同意を得て記録",
    ],
    "public:clinics": [
        "主治医意見書作成依頼書",
        "クライアント証明書",
        "紙の主治医意見書も引き続き有効",
        "多要素認証",
        "カードリーダー",
        "同意",
        "電子署名は任意",
    ],
    "public:people": [
        "同意しないこともできます",
        "撤回することもできます",
        "マイナンバーカード",
        "介護保険証",
        "マイナポータル",
        "令和8年4月1日から",
        "認定調査票・主治医意見書・ケアプラン・LIFE情報の一部",
    ],
}


@pytest.mark.parametrize(("name", "facts"), AUDIENCE_FACTS.items())
def test_each_audience_page_states_what_is_shared_changes_and_to_prepare(client, name, facts):
    page = text(client.get(reverse(name)))
    for heading in ("共有", "変わ", "準備" if name != "public:people" else "お願い"):
        assert heading in page
    missing = [fact for fact in facts if fact not in page]
    assert missing == []


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (jst(2025, 10, 16, 12), "令和7年度の申請受付は令和7年10月17日（2025年10月17日）から"),
        (jst(2026, 4, 30, 12), "令和8年度の申請受付は令和8年5月7日（2026年5月7日）から"),
        (jst(2026, 5, 7, 12), "令和8年度の申請を受け付けています"),
        (jst(2027, 3, 12, 12), "令和8年度の申請を受け付けています"),
        (jst(2027, 3, 13, 12), "令和8年度の申請受付は令和9年3月12日（2027年3月12日）で終了しました。"),
    ],
)
def test_the_subsidy_window_is_stated_as_of_today(client, today, expected):
    with time_machine.travel(today, tick=False):
        page = text(client.get(reverse("public:offices")))
    assert expected in page


def test_the_consent_page_explains_refusal_withdrawal_and_identity_check(client):
    page = text(client.get(reverse("public:consent")))
    assert "同意しないこともできます。" in page
    assert "一度同意した後で、撤回することもできます。" in page
    assert "マイナンバーカード" in page and "介護保険証" in page
    assert "マイナンバー（12桁の個人番号）を受け取らず" in page
    assert 'href="/portal/people/consent.pdf"' in client.get(reverse("public:consent")).content.decode()


def test_the_consent_pdf_is_japanese_with_ipaex_embedded(client, tmp_path, settings):
    settings.KAIGO_CONTACT_PHONE = "0570-123-456"
    response = client.get(reverse("public:consent_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    words = re.sub(r"\s+", "", pdf_text(body))
    for phrase in ("同意しないこともできます", "撤回することもできます", "本人確認について", "0570-123-456"):
        assert phrase in words
    fonts = pdf_fonts(body, tmp_path)
    ipaex = [line for line in fonts.splitlines() if "IPAex" in line]
    assert ipaex, fonts
    assert all(" yes " in line for line in ipaex)  # embedded
    assert "DejaVu" not in fonts


def test_without_weasyprint_the_page_says_so_and_the_pdf_is_503_not_500(client, monkeypatch):
    monkeypatch.setattr(pdf, "pdf_unavailable_reason", lambda: "cannot load library 'pango-1.0-0'")
    page = client.get(reverse("public:consent"))
    assert "現在、PDF版を作成できません" in text(page)
    assert "/portal/people/consent.pdf" not in page.content.decode()
    response = client.get(reverse("public:consent_pdf"))
    assert response.status_code == 503
    assert "現在、PDF版を作成できません" in text(response)


# --- rollout ---------------------------------------------------------------------------------------------


@pytest.fixture
def insurers(orgs):
    """千代田区 live since 2026-04-01, 日立市 from 2028-03-01 (fixtures), 大阪市 from 2026-10-01 and 札幌市
    with no date registered."""
    make_org(
        OrganisationKind.INSURER, "大阪市", insurer_number="271007", go_live_date=jst(2026, 10, 1).date()
    )
    make_org(OrganisationKind.INSURER, "札幌市", insurer_number="011007", name_kana="サッポロシ")
    return orgs


def rollout_rows(client, **params) -> list[list[str]]:
    response = client.get(reverse("public:rollout"), params)
    assert response.status_code == 200
    return table_rows(response.content.decode())


@time_machine.travel(jst(2026, 7, 1, 10), tick=False)
def test_the_rollout_table_lists_every_insurer_from_its_record(client, insurers):
    assert rollout_rows(client) == [
        ["北海道", "011007", "札幌市", "未定", "準備中"],
        ["茨城県", "082024", "日立市", "令和10年3月1日（2028年3月1日）", "準備中"],
        ["東京都", "131011", "千代田区", "令和8年4月1日（2026年4月1日）", "利用開始済"],
        ["大阪府", "271007", "大阪市", "令和8年10月1日（2026年10月1日）", "準備中"],
    ]
    page = text(client.get(reverse("public:rollout")))
    assert "保険者 4 のうち、利用開始済 1、準備中 3（うち利用開始日が未定 1）" in page


def test_the_status_turns_on_the_start_date_in_japan_time(client, insurers):
    # 2028-02-29 23:59 in Tokyo is still before 日立市's date; one minute later it has started.
    with time_machine.travel(jst(2028, 2, 29, 23, 59), tick=False):
        assert ["茨城県", "082024", "日立市", "令和10年3月1日（2028年3月1日）", "準備中"] in rollout_rows(
            client
        )
    with time_machine.travel(jst(2028, 3, 1, 0, 0), tick=False):  # 2028-02-29 15:00 UTC
        assert ["茨城県", "082024", "日立市", "令和10年3月1日（2028年3月1日）", "利用開始済"] in rollout_rows(
            client
        )


@time_machine.travel(jst(2026, 7, 1, 10), tick=False)
@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"prefecture": "08"}, ["日立市"]),
        ({"prefecture": "13"}, ["千代田区"]),
        ({"q": "日立"}, ["日立市"]),
        ({"q": "サッポロ"}, ["札幌市"]),
        ({"q": "271007"}, ["大阪市"]),
        ({"status": "live"}, ["千代田区"]),
        ({"status": "preparing"}, ["札幌市", "日立市", "大阪市"]),
        ({"prefecture": "08", "status": "live"}, []),
        ({"prefecture": "99"}, ["札幌市", "日立市", "千代田区", "大阪市"]),  # an unknown code is ignored
    ],
)
def test_the_rollout_table_is_searchable_by_prefecture_name_and_status(client, insurers, params, names):
    assert [row[2] for row in rollout_rows(client, **params)] == names


def test_inactive_organisations_and_non_insurers_are_not_listed(client, insurers):
    insurers["chiyoda"].is_active = False
    insurers["chiyoda"].save(update_fields=["is_active"])
    assert "千代田区" not in [row[2] for row in rollout_rows(client)]
    assert "ケアプランセンター神田" not in [row[2] for row in rollout_rows(client)]


def test_the_rollout_table_is_paginated_with_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    for number in range(60):
        make_org(
            OrganisationKind.INSURER, f"町{number:02d}", insurer_number=f"13{number:03d}0", prefecture="13"
        )
    with django_assert_max_num_queries(4):
        first = rollout_rows(client)
    assert len(first) == 50
    assert len(rollout_rows(client, page=2)) == 10
    filtered = client.get(reverse("public:rollout"), {"status": "preparing"}).content.decode()
    assert "?status=preparing&amp;page=2" in filtered  # the page links keep the search


# --- news and FAQ ------------------------------------------------------------------------------------------


@pytest.fixture
def news():
    return {
        "published": factories.news_item(title="公開済みのお知らせ", published_at=jst(2026, 5, 1, 9)),
        "draft": factories.news_item(title="下書きのお知らせ", published_at=None),
        "scheduled": factories.news_item(title="予約済みのお知らせ", published_at=jst(2026, 6, 2, 9)),
    }


@time_machine.travel(jst(2026, 6, 1, 10), tick=False)
def test_unpublished_news_is_hidden_from_every_public_page(client, news):
    for name in ("public:news", "public:index"):
        page = text(client.get(reverse(name)))
        assert "公開済みのお知らせ" in page
        assert "下書きのお知らせ" not in page
        assert "予約済みのお知らせ" not in page
    assert client.get(reverse("public:news_detail", args=[news["published"].pk])).status_code == 200
    assert client.get(reverse("public:news_detail", args=[news["draft"].pk])).status_code == 404
    assert client.get(reverse("public:news_detail", args=[news["scheduled"].pk])).status_code == 404


def test_scheduled_news_appears_at_its_publish_time(client, news):
    with time_machine.travel(jst(2026, 6, 2, 8, 59), tick=False):
        assert client.get(reverse("public:news_detail", args=[news["scheduled"].pk])).status_code == 404
    with time_machine.travel(jst(2026, 6, 2, 9, 0), tick=False):
        assert client.get(reverse("public:news_detail", args=[news["scheduled"].pk])).status_code == 200
        assert "予約済みのお知らせ" in text(client.get(reverse("public:news")))


@time_machine.travel(jst(2026, 6, 1, 10), tick=False)
def test_news_shows_its_publish_date_in_wareki_and_seireki(client, news):
    page = text(client.get(reverse("public:news_detail", args=[news["published"].pk])))
    assert "令和8年5月1日（2026年5月1日）" in page


@time_machine.travel(jst(2026, 6, 1, 10), tick=False)
def test_unpublished_faq_is_hidden_on_the_faq_and_audience_pages(client):
    factories.faq_entry(audience=Audience.CARE_OFFICE, question="公開済みの質問ですか。")
    factories.faq_entry(audience=Audience.CARE_OFFICE, question="下書きの質問ですか。", published_at=None)
    factories.faq_entry(
        audience=Audience.CARE_OFFICE, question="予約の質問ですか。", published_at=jst(2026, 7, 1)
    )
    factories.faq_entry(audience=Audience.CLINIC, question="医療機関の質問ですか。")
    for name in ("public:faq", "public:offices"):
        page = text(client.get(reverse(name)))
        assert "公開済みの質問ですか。" in page
        assert "下書きの質問ですか。" not in page
        assert "予約の質問ですか。" not in page
    assert "医療機関の質問ですか。" not in text(client.get(reverse("public:offices")))
    assert "医療機関の質問ですか。" in text(client.get(reverse("public:clinics")))
