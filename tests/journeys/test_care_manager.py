"""A care manager's day: find the person in the caseload, read every category the policy shows, and
write a plan, by links from the home page."""

from __future__ import annotations


def test_a_care_manager_reads_a_person_and_opens_the_plan(journey):
    journey.sign_in("caremanager@example.jp")
    journey.click("担当利用者の一覧")
    main = journey.look()
    assert "担当利用者（20 人）" in main
    journey.page.locator("main table a").first.click()
    main = journey.look()
    assert "伊藤　和子" in main and "資格・被保険者証" in main
    for section in ("認定審査の進捗", "認定調査票", "主治医意見書", "ケアプラン", "LIFE"):
        assert section in main, section
    journey.click("認定審査の進捗（申請から結果まで）")
    journey.click("伊藤　和子 さんのページへ戻る")
    journey.click("ケアプラン", exact=True)
    main = journey.look()
    assert "新しいケアプランを作成" in main
    journey.click("新しいケアプランを作成")
    main = journey.look()
    assert "第2表 居宅サービス計画書（2）" in main
    page = journey.page
    page.get_by_label("利用者及び家族の生活に対する意向").fill("自宅で暮らし続けたい。")
    page.locator("textarea[name=rows-0-need]").fill("一人で安全に入浴したい")
    page.locator("input[name=rows-0-long_goal]").fill("安全に入浴できる")
    page.locator("input[name=rows-0-short_goal]").fill("介助で週2回入浴する")
    page.locator("input[name=rows-0-service_content]").fill("入浴介助")
    page.locator("input[name=rows-0-service_kind]").fill("訪問介護")
    page.locator("select[name=rows-0-office_number]").select_option("1370100024")
    page.locator("input[name=rows-0-frequency]").fill("週2回")
    journey.click("第2表に行を追加", role="button")  # a round trip: what was typed stays
    assert page.locator("input[name=rows-0-long_goal]").input_value() == "安全に入浴できる"
    page.get_by_role("button", name="原案を保存").last.click()
    page.wait_for_load_state()
    main = journey.look()
    assert "一人で安全に入浴したい" in main and "原案" in main


def test_a_care_manager_verifies_a_new_person_by_the_insurance_card(journey):
    """本人確認 with the card's four items: the person joins the caseload and their page opens."""
    from eligibility.models import InsuredPerson
    from kaigo_portal.wareki import to_wareki

    page = journey.page
    person = InsuredPerson.objects.filter(insurer__insurer_number="131011").order_by("insured_number")[25]
    journey.sign_in("caremanager@example.jp")
    journey.click("本人確認（被保険者証）")
    page.get_by_label("保険者番号（6桁）").fill("131011")
    page.get_by_label("被保険者番号（10桁）").fill(person.insured_number)
    page.get_by_label("フリガナ").fill(person.name_kana)
    page.get_by_label("生年月日（例：昭和25年4月1日、1950年4月1日）").fill(to_wareki(person.birth_date))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    main = journey.look()
    assert person.name in main and "資格・被保険者証" in main
    journey.click("担当利用者の一覧へ")
    assert "担当利用者（21 人）" in journey.look()


def test_the_person_agrees_to_the_draft_and_the_care_manager_delivers_and_sends_it(journey):
    """The demo's 第2版 waits for the person's agreement: agreed (after the question), delivered, sent."""
    from careplans.models import CarePlan, PlanStatus

    journey.sign_in("person@example.jp")
    journey.click("私の情報・同意・閲覧記録（マイページ）")
    journey.click("ケアプラン", exact=True)
    journey.click("第2版")
    journey.click("この計画に同意する", role="button")
    assert "このケアプランに同意しますか" in journey.look()
    journey.click("この計画に同意する", role="button")
    assert "ケアプランに同意しました" in journey.look()
    plan = CarePlan.objects.get(version=2)
    assert plan.status == PlanStatus.AGREED

    care_manager = journey.as_another()
    care_manager.sign_in("caremanager@example.jp")
    care_manager.click("ケアプラン一覧")
    row = care_manager.page.locator("main table tr", has_text="第2版").filter(has_text="同意済み（交付前）")
    row.get_by_role("link").click()
    care_manager.look()
    assert care_manager.page.locator("#plan-status").inner_text() == "同意済み（交付前）"
    care_manager.click("交付用登録", role="button")
    assert "交付用登録をしますか" in care_manager.look()
    care_manager.click("交付用登録をする", role="button")
    assert care_manager.page.locator("#plan-status").inner_text() == "交付用登録"
    care_manager.page.get_by_label("送付先（1回に1事業所）").select_option("1370100024")
    care_manager.click("送付", role="button", exact=True)
    assert "訪問介護ステーション九段 に送付しますか" in care_manager.look()
    care_manager.click("送付する", role="button")
    assert "訪問介護ステーション九段 に送付しました。" in care_manager.look()


def test_a_care_manager_finds_a_provider_in_the_persons_town_on_the_map(journey, settings):
    settings.KAIGO_MAP_TILES_URL = ""  # no tiles from outside in the test: the map shows the offices alone
    page = journey.page
    journey.sign_in("caremanager@example.jp")
    journey.click("担当利用者の一覧")
    page.locator("main table a").first.click()
    journey.look()
    journey.click("千代田区の事業所を探す（地図つき）")
    main = journey.look()
    assert "訪問介護ステーション九段" in main and "検索結果（" in main
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.locator(".leaflet-marker-icon").count() >= 2  # the offices of the page, on the map
    page.get_by_label("サービスの種類").select_option("11")
    journey.click("検索", role="button", exact=True)
    journey.click("1370100024")
    main = journey.look()
    assert "11（情報公表 110）" in main and "定員なし" in main
    journey.click("← 事業所の検索へ")
