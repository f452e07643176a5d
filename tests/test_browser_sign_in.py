"""Browser journey: a care manager signs in with password and TOTP and lands on their home page."""

from conftest import make_user, totp_now
from kaigo_portal.accounts.models import Role

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_care_manager_signs_in_with_password_and_totp(browser_page, live_server, orgs):
    make_user(
        "kimura@example.jp",
        org=orgs["kyotaku"],
        role=Role.CARE_MANAGER,
        totp_secret=SECRET,
        name="木村 さくら",
    )
    page = browser_page

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.get_by_label("メールアドレス").fill("kimura@example.jp")
    page.get_by_label("パスワード").fill("correct-horse-battery")
    page.get_by_role("button", name="サインイン").click()

    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_now(SECRET))
    page.locator("form button[type=submit]").first.click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "ケアプランセンター神田"
    assert "木村 さくら" in page.locator("header").inner_text()
    assert page.locator("html").get_attribute("lang") == "ja"
