"""The municipal clerk's and admin's days, by links from the home page."""

from __future__ import annotations


def test_a_clerk_searches_by_kanji_reads_the_person_and_follows_an_application(journey):
    page = journey.page
    journey.sign_in("municipal@example.jp")
    journey.click("被保険者の検索")
    page.get_by_label("氏名（漢字。前方一致。例：伊藤、伊藤　和子）").fill("伊藤")
    page.get_by_role("button", name="検索", exact=True).click()
    main = journey.look()
    assert "伊藤　和子" in main and "検索結果（" in main
    page.get_by_role("link", name="0000000001").click()
    main = journey.look()
    assert "伊藤　和子" in main
    journey.home()
    journey.click("要介護認定の申請と進捗")
    page.locator("main table a").first.click()
    main = journey.look()
    assert "段階を完了する" in main or "結果" in main
    journey.click("← 申請の一覧")


def test_a_clerk_imports_and_reads_the_format_and_the_consents(journey):
    page = journey.page
    journey.sign_in("municipal@example.jp")
    journey.click("データ取込（介護保険事務システム）")
    journey.click("取込ファイルの形式")
    main = journey.look()
    assert "すべてのレコードに共通の列" in main
    journey.click("← データ取込の一覧")
    journey.home()
    journey.click("同意の管理")
    page.get_by_label("被保険者番号").fill("0000000001")
    page.get_by_role("button", name="表示").click()
    main = journey.look()
    assert "現在の同意" in main


def test_a_municipal_admin_manages_staff_and_api_keys(journey):
    journey.sign_in("municipal.admin@example.jp")
    journey.click("職員ユーザーの管理")
    main = journey.look()
    assert "千代田 花子" in main
    journey.click("職員を登録する")
    assert "役割" in journey.look()
    page = journey.page
    page.get_by_label("氏名").fill("千代田 次郎")
    page.get_by_label("メールアドレス").fill("jiro@city.chiyoda.example.jp")
    page.get_by_label("役割").select_option(label="市町村職員")
    journey.click("登録して案内を送る", role="button")
    assert "千代田 次郎 さんを登録し、案内メールを送りました。" in journey.look()
    page.locator("tr", has_text="千代田 次郎").get_by_role("button", name="失効").click()
    assert "千代田 次郎 さんは" in journey.look()  # the question: what the revocation does
    journey.click("失効させる", role="button")
    assert "千代田 次郎 さんの所属を失効させました。" in journey.look()
    journey.home()
    journey.click("API キーの管理")


def test_a_clerk_sees_the_offices_of_the_area_first_then_the_whole_country(journey):
    journey.sign_in("municipal@example.jp")
    journey.click("事業所の検索（公表データ）")
    main = journey.look()
    assert "千代田区 の区域の事業所を表示しています" in main and "訪問介護ステーション九段" in main
    assert "日立市" not in main  # the demo master's 日立市 offices: not this area's
    journey.click("全国で探す")
    main = journey.look()
    assert "自分の区域に戻す" in main and "日立市" in main
