"""Browser journey (Playwright, Debian's Chromium): a care manager writes a plan, the person agrees on
their own page, and the care manager delivers it to a 訪問介護 office, which finds it in its inbox."""

import datetime as dt

from careplans.models import CarePlan, PlanStatus
from conftest import make_user, totp_now
from consent.models import PersonAccount
from consent.tests.factories import consent, relationship
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import Role, UserKind

# One secret per user; each user signs in once, in a browser context of their own.
SECRETS = {
    "kimura@example.jp": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "homon@example.jp": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    "hanako@example.jp": "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK",
}


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill("correct-horse-battery")
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_now(SECRETS[email]))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def another_browser(page):
    """A second person at another computer: a fresh browser context (its own cookies)."""
    other = page.context.browser.new_page(locale="ja-JP")
    other.set_default_timeout(10_000)
    return other


def test_a_plan_is_written_agreed_and_delivered_to_a_homon_office(browser_page, live_server, orgs):
    base = live_server.url
    make_user(
        "kimura@example.jp",
        org=orgs["kyotaku"],
        role=Role.CARE_MANAGER,
        totp_secret=SECRETS["kimura@example.jp"],
        name="木村 さくら",
    )
    make_user(
        "homon@example.jp",
        org=orgs["homon"],
        role=Role.PROVIDER_STAFF,
        totp_secret=SECRETS["homon@example.jp"],
        name="訪問 一郎",
    )
    person_user = make_user(
        "hanako@example.jp", kind=UserKind.PERSON, totp_secret=SECRETS["hanako@example.jp"], name="髙﨑 花子"
    )
    person = ef.person(insurer=orgs["chiyoda"], insured_number="0000000501", name="髙﨑 花子")
    ef.certification(
        person=person,
        valid_from=dt.date(2026, 4, 1),
        valid_to=dt.date(2027, 3, 31),
        panel_opinion="通所リハビリテーションの利用が望ましい。",
    )
    relationship(orgs["kyotaku"], person)
    relationship(orgs["homon"], person)
    consent(person, on=dt.date(2026, 4, 1))
    PersonAccount.objects.create(user=person_user, person=person)
    page = browser_page

    # The care manager writes the plan: person, certification and offices come from the platform.
    sign_in(page, base, "kimura@example.jp")
    page.goto(f"{base}/care/persons/131011/0000000501/")
    page.get_by_role("link", name="ケアプラン", exact=True).click()
    page.get_by_role("link", name="新しいケアプランを作成").click()
    assert "通所リハビリテーションの利用が望ましい。" in page.locator("dl.facts").inner_text()
    page.get_by_label("利用者及び家族の生活に対する意向").fill("自宅で暮らし続けたい。")
    page.locator("textarea[name=rows-0-need]").fill("一人で安全に入浴したい")
    page.locator("input[name=rows-0-long_goal]").fill("安全に入浴できる")
    page.locator("input[name=rows-0-short_goal]").fill("介助で週2回入浴する")
    page.locator("input[name=rows-0-service_content]").fill("入浴介助")
    page.locator("input[name=rows-0-service_kind]").fill("訪問介護")
    page.locator("select[name=rows-0-office_number]").select_option("1370100024")
    page.locator("input[name=rows-0-frequency]").fill("週2回")
    page.locator("select[name=weekly-0-weekday]").select_option("1")
    page.locator("input[name=weekly-0-starts_at]").fill("10:00")
    page.locator("input[name=weekly-0-ends_at]").fill("11:00")
    page.locator("input[name=weekly-0-content]").fill("入浴介助")
    # The tables grow: a fourth 第2表 row is added (what was typed stays), and a second row is removed.
    page.get_by_role("button", name="第2表に行を追加").click()
    assert page.locator("fieldset.row-form").count() == 4
    assert page.locator("textarea[name=rows-0-need]").input_value() == "一人で安全に入浴したい"
    page.locator("textarea[name=rows-1-need]").fill("消す行")
    page.locator("input[name=rows-1-DELETE]").check()
    page.get_by_role("button", name="第3表に行を追加").click()
    assert page.locator("p.weekly-form").count() == 4
    page.get_by_role("button", name="原案を保存").last.click()
    assert page.locator("#plan-status").inner_text() == "原案"
    assert "消す行" not in page.locator("main").inner_text()
    page.get_by_role("button", name="同意・確認用登録（本人に同意を依頼）").click()
    assert page.locator("#plan-status").inner_text() == "同意・確認用登録"

    # The person agrees on their own page.
    hanako = another_browser(page)
    sign_in(hanako, base, "hanako@example.jp")
    hanako.goto(f"{base}/me/")
    hanako.get_by_role("link", name="ケアプラン", exact=True).first.click()
    hanako.get_by_role("link", name="第1版").click()
    assert "入浴介助" in hanako.locator("#t2").locator("xpath=..").inner_text()
    hanako.get_by_role("button", name="この計画に同意する").click()
    assert hanako.locator("h1").inner_text() == "このケアプランに同意しますか"  # asked first
    hanako.get_by_role("button", name="この計画に同意する").click()
    assert "ケアプランに同意しました" in hanako.locator(".messages").inner_text()

    # The care manager delivers it and sends it to the 訪問介護 office.
    page.goto(f"{base}/")
    page.get_by_role("link", name="ケアプラン一覧").click()
    page.get_by_role("link", name="髙﨑 花子").click()
    assert page.locator("#plan-status").inner_text() == "同意済み（交付前）"
    page.get_by_role("button", name="交付用登録").click()
    page.get_by_role("button", name="交付用登録をする").click()  # after the question
    assert page.locator("#plan-status").inner_text() == "交付用登録"
    page.get_by_label("送付先（1回に1事業所）").select_option("1370100024")
    page.get_by_role("button", name="送付", exact=True).click()
    page.get_by_role("button", name="送付する").click()  # after the question
    assert "訪問介護ステーション九段 に送付しました。" in page.locator(".messages").inner_text()

    # The 訪問介護 office finds it in its inbox.
    homon = another_browser(page)
    sign_in(homon, base, "homon@example.jp")
    homon.get_by_role("link", name="ケアプラン受信箱").click()
    assert "未読" in homon.locator("table").inner_text()
    homon.get_by_role("link", name="髙﨑 花子").click()
    assert "入浴介助" in homon.locator("#t2").locator("xpath=..").inner_text()
    plan = CarePlan.objects.get()
    assert (plan.status, plan.agreement_method, plan.deliveries.get().office) == (
        PlanStatus.DELIVERED,
        "portal",
        orgs["homon"],
    )
