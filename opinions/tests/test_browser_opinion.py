"""Browser journey: a clinic doctor opens a request, saves a draft, submits; the municipality receives it."""

from __future__ import annotations

from playwright.sync_api import expect

from certification.models import StepKind
from conftest import make_user, totp_now
from kaigo_portal.accounts.models import Role
from opinions.models import Opinion, OpinionStatus

from . import factories
from .factories import opinion_request

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def sign_in(page, live_server, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill("correct-horse-battery")
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_now(SECRET))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")


def field(page, path: str):
    return page.locator(f"#f-{path.replace('.', '-')}")


def test_a_doctor_drafts_and_submits_and_the_municipality_receives(browser_page, live_server, orgs):
    make_user(
        "naika@example.jp", org=orgs["clinic"], role=Role.CLINIC_DOCTOR, totp_secret=SECRET, name="内科 医師"
    )
    make_user("kuyakusho@example.jp", org=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF, totp_secret=SECRET)
    person = factories.person(insurer=orgs["chiyoda"], name="意見 花子")
    request = opinion_request(person=person, clinic=orgs["clinic"])
    page = browser_page

    sign_in(page, live_server, "naika@example.jp")
    page.get_by_role("link", name="意見書の依頼一覧").click()
    page.get_by_role("link", name="意見書を作成（意見 花子）").click()
    assert page.locator("h1").inner_text() == "主治医意見書の作成（意見 花子）"
    assert field(page, "basic.physician.medical_institution_code").input_value() == "1310112345"

    # 0 基本情報, saved as a draft on its own: the section is checked, the rest waits.
    field(page, "basic.last_examined_on").fill(request.requested_on.isoformat())
    field(page, "basic.times").select_option("1")
    field(page, "basic.other_departments").select_option("2")
    page.locator("#section-basic").get_by_role("button", name="下書き保存（この項目を確認）").click()
    assert "「0 基本情報」に誤りはありません" in page.locator(".messages").inner_text()
    assert Opinion.objects.get().status == OpinionStatus.DRAFT

    # Submitting too early names what is missing, section by section.
    page.get_by_role("button", name="意見書を提出する").click()
    assert "提出できません" in page.locator(".messages").inner_text()
    assert "食事行為を入力してください。" in page.locator("#section-mental_physical").inner_text()

    field(page, "diagnoses.items.0.name").fill("脳梗塞")
    field(page, "diagnoses.items.0.onset").fill("2024-03-10")
    field(page, "diagnoses.items.0.specified_disease").select_option("13")
    field(page, "diagnoses.stability").select_option("1")
    field(page, "diagnoses.course_and_medication").fill("左片麻痺。降圧薬を内服中。")
    # The draft saves itself as the doctor types.
    # A locator, not wait_for_function: the CSP refuses the string evaluation that one needs.
    expect(page.locator("#autosave-status")).to_contain_text("自動保存しました")
    assert (
        Opinion.objects.get().document["diagnoses"]["course_and_medication"] == "左片麻痺。降圧薬を内服中。"
    )
    for path, value in {
        "physical_independence": "5",
        "dementia_independence": "3",
        "short_term_memory": "2",
        "cognitive_ability": "2",
        "communication": "1",
        "eating": "1",
    }.items():
        field(page, f"mental_physical.{path}").select_option(value)
    for path, value in {"outdoor_walking": "2", "wheelchair": "1", "outlook": "1", "infection": "1"}.items():
        field(page, f"life_function.{path}").select_option(value)
    page.get_by_role("button", name="意見書を提出する").click()
    assert page.locator("h1").inner_text() == "意見書を提出しますか"  # the question, before anything is sent
    assert Opinion.objects.get().status == OpinionStatus.DRAFT
    page.get_by_role("button", name="意見書を提出する").click()
    page.wait_for_url("**/opinions/*/")
    assert page.locator("h1").inner_text() == "主治医意見書（意見 花子）第1版"
    assert "提出後は変更できません" in page.locator(".messages").inner_text()
    opinion = Opinion.objects.get()
    assert (
        opinion.status == OpinionStatus.SUBMITTED
        and opinion.document["diagnoses"]["items"][0]["specified_disease"] == 13
    )

    sign_in(page, live_server, "kuyakusho@example.jp")
    page.get_by_role("link", name="意見書の受付").click()
    page.get_by_role("link", name="意見 花子").click()
    assert "電子署名: 電子署名なし" in page.locator(".card").first.inner_text()
    page.get_by_role("button", name="受け付ける（意見書入手）").click()
    assert "意見書入手を完了しました" in page.locator(".messages").inner_text()
    assert request.application.steps.filter(kind=StepKind.OPINION_RECEIVED).exists()
