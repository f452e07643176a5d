"""The clinic's day: the requests, an opinion finished and sent, the municipality receiving it."""

from __future__ import annotations

import re


def _field(page, path: str):
    return page.locator(f"#f-{path.replace('.', '-')}")


def test_a_doctor_finishes_the_draft_submits_it_and_the_municipality_receives_it(journey):
    from opinions.models import Opinion, OpinionStatus

    page = journey.page
    journey.sign_in("doctor@example.jp")
    journey.click("意見書の依頼一覧")
    journey.click("下書き（1件）")
    draft = page.get_by_role("link", name=re.compile("^下書きを続ける"))
    name = re.search(r"（(.+)）", draft.inner_text()).group(1)
    draft.click()
    main = journey.look()
    assert f"主治医意見書の作成（{name}）" in main
    _field(page, "diagnoses.course_and_medication").fill("左片麻痺。降圧薬を内服中。")
    journey.click("意見書を提出する", role="button")
    assert "意見書を提出しますか" in journey.look()
    assert not Opinion.objects.filter(status=OpinionStatus.SUBMITTED, request__person__name=name).exists()
    journey.click("意見書を提出する", role="button")
    main = journey.look()
    assert f"主治医意見書（{name}）第1版" in main
    assert "提出後は変更できません" in page.locator(".messages").inner_text()
    journey.click("← 意見書の依頼一覧へ")
    journey.click("下書き（0件）")

    clerk = journey.as_another()
    clerk.sign_in("municipal@example.jp")
    clerk.click("意見書の受付")
    clerk.click(name)
    clerk.click("受け付ける（意見書入手）", role="button")
    assert "意見書入手を完了しました" in clerk.page.locator(".messages").inner_text()


def test_clinic_staff_begin_the_overdue_request_as_a_draft(journey):
    page = journey.page
    journey.sign_in("clinic.staff@example.jp")
    journey.click("意見書の依頼一覧")
    assert "期限超過" in journey.look()
    page.locator("tr.overdue").get_by_role("link", name=re.compile("^意見書を作成")).click()
    journey.look()
    _field(page, "basic.last_examined_on").fill("2026-12-01")  # a date picker: the browser takes ISO
    _field(page, "basic.times").select_option("1")
    _field(page, "basic.other_departments").select_option("2")
    page.locator("#section-basic").get_by_role("button", name="下書き保存（この項目を確認）").click()
    journey.look()
    assert "「0 基本情報」に誤りはありません" in page.locator(".messages").inner_text()
    journey.click("意見書の依頼一覧")
    journey.click("下書き（2件）")  # the demo's draft and this one
    assert page.locator("tr.overdue").get_by_role("link", name=re.compile("^下書きを続ける")).count() == 1
