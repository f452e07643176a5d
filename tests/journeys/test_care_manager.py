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
