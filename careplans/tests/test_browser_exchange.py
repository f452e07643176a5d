"""Browser journey (Playwright, Debian's Chromium) of the monthly exchange in the national files: the care
manager plans 予定 for a 訪問介護 office and exports its send unit as a ZIP, the office imports it, records
its 実績 and sends them back, and the care manager imports the UPJSK unit, sees 予定 and 実績 side by side
and opens the month's PDF."""

import datetime as dt

from django.utils import timezone

from careplans.models import ExchangeUnit, LineKind, ServiceLine
from consent.tests.factories import consent, relationship
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import Role

from .test_browser_plan import SECRETS, another_browser, make_user, sign_in

MONTH_PAGE = "/careplans/persons/131011/0000000501/month/"


def download(page, button) -> str:
    with page.expect_download() as info:
        button.click()
    return info.value.path()


def test_a_month_goes_to_the_homon_office_and_its_actuals_come_back(browser_page, live_server, orgs):
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
    person = ef.person(insurer=orgs["chiyoda"], insured_number="0000000501", name="髙﨑 花子")
    ef.certification(person=person, valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2028, 3, 31))
    relationship(orgs["kyotaku"], person)
    relationship(orgs["homon"], person)
    consent(person, on=dt.date(2026, 4, 1))
    month = timezone.localdate().replace(day=1)
    page = browser_page

    # The care manager plans 訪問介護 on three days of this month, and 第7表 is computed.
    sign_in(page, base, "kimura@example.jp")
    page.goto(f"{base}{MONTH_PAGE}")
    page.get_by_label("サービス事業所").select_option("1370100024")
    page.get_by_label("サービスコード").fill("111211")
    page.get_by_label("単位数").fill("387")
    page.get_by_label("利用日").fill("2,9,16")
    page.get_by_label("開始時刻（HHMM）").fill("1000")
    page.get_by_label("終了時刻（HHMM）").fill("1100")
    page.get_by_role("button", name="予定を追加して第7表を計算").click()
    assert "予定を3行追加し" in page.locator(".messages").inner_text()
    assert "1,161" in page.locator("table").nth(1).inner_text()  # 3 × 387 units in 第7表

    # ... and exports the unit of 第6表・第7表 for the 訪問介護 office.
    page.goto(f"{base}/careplans/units/")
    row = page.locator("tr", has_text="訪問介護ステーション九段")
    plan_zip = download(page, row.get_by_role("button", name=f"第6・7表（{month.month}月）"))

    # The office imports it, sees the month, records 実績 (one visit did not happen) and sends them back.
    homon = another_browser(page)
    sign_in(homon, base, "homon@example.jp")
    homon.goto(f"{base}/careplans/units/import/")
    homon.set_input_files("input[name=files]", plan_zip)
    homon.get_by_role("button", name="取り込む").click()
    assert "取り込みました" in homon.locator(".messages").inner_text()
    homon.goto(f"{base}{MONTH_PAGE}?month={month:%Y-%m}")
    counts = homon.locator("input[type=number]")
    assert counts.count() == 3
    counts.nth(1).fill("0")
    homon.get_by_role("button", name="実績を記録する").click()
    assert homon.locator("h1").inner_text() == "今月の実績を記録しますか"
    homon.get_by_role("button", name="実績を記録する").click()
    assert "実績を2行記録しました" in homon.locator(".messages").inner_text()
    homon.goto(f"{base}/careplans/units/")
    row = homon.locator("tr", has_text="ケアプランセンター神田")
    actuals_zip = download(homon, row.get_by_role("button", name=f"実績（{month.month}月）"))

    # The care manager imports the UPJSK unit and sees 予定 and 実績 side by side.
    page.goto(f"{base}/careplans/units/import/")
    page.set_input_files("input[name=files]", actuals_zip)
    page.get_by_role("button", name="取り込む").click()
    assert "取り込みました" in page.locator(".messages").inner_text()
    page.goto(f"{base}{MONTH_PAGE}?month={month:%Y-%m}")
    table6 = page.locator("table").first.inner_text()
    assert table6.count("1回") == 2 and "なし" in table6 and "未報告" not in table6
    # ... and prints them for the person: the month page links the 第6表・第7表 PDF.
    href = page.get_by_role("link", name="印刷用PDF（第6表・第7表）").get_attribute("href")
    printed = page.request.get(f"{base}{href}")
    assert printed.status == 200 and printed.headers["content-type"] == "application/pdf"
    assert printed.body().startswith(b"%PDF")
    assert ExchangeUnit.objects.filter(direction="in").count() == 2
    assert ServiceLine.objects.filter(kind=LineKind.ACTUAL).count() == 2
