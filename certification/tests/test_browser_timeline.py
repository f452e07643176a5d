"""Browser journey: a care manager signs in and opens an application's timeline."""

import datetime as dt

from django.utils import timezone

from conftest import make_user, totp_now
from consent.models import Relationship
from consent.tests.factories import relationship
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import Role

from .factories import application, through_panel

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_care_manager_walks_from_sign_in_to_an_application_timeline(browser_page, live_server, orgs):
    kimura = make_user(
        "kimura@example.jp",
        org=orgs["kyotaku"],
        role=Role.CARE_MANAGER,
        totp_secret=SECRET,
        name="木村 さくら",
    )
    person = ef.person(insurer=orgs["chiyoda"], name="介護 花子")
    today = timezone.localdate()
    through_panel(
        application(person=person, applied_on=today - dt.timedelta(days=35)), on=today - dt.timedelta(days=10)
    )
    relationship(orgs["kyotaku"], person)
    Relationship.objects.filter(person=person).update(care_manager=kimura)
    page = browser_page

    page.goto(f"{live_server.url}/")
    page.get_by_label("メールアドレス").fill("kimura@example.jp")
    page.get_by_label("パスワード").fill("correct-horse-battery")
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_now(SECRET))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="要介護認定の進捗").click()
    page.get_by_role("link", name="介護 花子").click()
    assert page.locator("h1").inner_text() == "認定審査の進捗（介護 花子）"
    svg = page.locator("figure svg")
    assert "期限超過" in svg.get_attribute("aria-label")
    assert svg.locator("circle").count() == 7  # 申請受付 … 審査会割付
    assert "審査会割付" in page.locator("section").inner_text()
