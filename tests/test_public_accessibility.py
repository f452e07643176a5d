"""Accessibility of the public portal in Chromium: axe-core on every public page, and keyboard use.

axe-core comes from the npm registry (package.json; `npm ci` installs node_modules/axe-core). Without
it these tests skip locally and fail under CI=true, like every other missing tool (conftest.require_tool).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from conftest import make_org, make_user, require_tool, totp_now
from kaigo_portal.accounts.models import OrganisationKind, UserKind
from kaigo_portal.public import services
from kaigo_portal.public.models import Inquiry

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

PUBLIC_PAGES = [
    "/portal/",
    "/portal/municipalities/",
    "/portal/offices/",
    "/portal/clinics/",
    "/portal/people/",
    "/portal/people/consent/",
    "/portal/rollout/",
    "/portal/rollout/?prefecture=08&status=preparing",
    "/portal/rollout/?q=no-such-insurer",
    "/portal/news/",
    "/portal/faq/",
    "/portal/inquiry/",
]


@pytest.fixture
def axe():
    require_tool("axe-core", hint="npm ci (axe-core is in package.json)", available=AXE.exists())

    def run(page) -> list[dict]:
        """The serious and critical violations on the page as it is now."""
        page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag, which the CSP refuses
        result = page.evaluate("async () => await axe.run(document)")
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return run


@pytest.fixture
def portal_content(orgs):
    """Content on every page: news, FAQ, and insurers live, preparing and undated."""
    services.seed_demo_content()
    make_org(OrganisationKind.INSURER, "札幌市", insurer_number="011007")
    return orgs


def check(page, axe) -> None:
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").count() == 1, page.url
    assert page.locator("main").count() == 1
    assert axe(page) == [], page.url


def test_every_public_page_passes_axe_core(browser_page, live_server, portal_content, axe):
    page = browser_page
    for path in PUBLIC_PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        check(page, axe)
    # A news article, and the inquiry form showing its errors.
    page.goto(f"{live_server.url}/portal/news/")
    page.locator(".news-list a").first.click()
    page.wait_for_load_state()
    check(page, axe)
    page.goto(f"{live_server.url}/portal/inquiry/")
    page.get_by_role("button", name="送信する").click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() >= 4
    check(page, axe)


def test_signed_in_inquiry_pages_pass_axe_core(browser_page, live_server, portal_content, axe, settings):
    settings.KAIGO_INQUIRY_MIN_SECONDS = 0
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    make_user("person@example.jp", kind=UserKind.PERSON, name="介護 太郎", totp_secret=secret)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("メールアドレス").fill("person@example.jp")
    page.get_by_label("パスワード").fill("correct-horse-battery")
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")  # persons sign in with MFA too
    page.locator("input[name=code]").fill(totp_now(secret))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/portal/inquiry/")
    page.get_by_label("お問い合わせの種類").select_option("consent")
    page.get_by_label("お立場").select_option("person")
    page.get_by_label("お問い合わせ内容").fill("同意の撤回について教えてください。")
    page.get_by_role("button", name="送信する").click()
    page.wait_for_url("**/portal/inquiry/done/")
    check(page, axe)
    for path in ("/portal/my/inquiries/", f"/portal/my/inquiries/{Inquiry.objects.get().ticket_number}/"):
        page.goto(f"{live_server.url}{path}")
        check(page, axe)


def test_the_skip_link_moves_keyboard_focus_to_the_main_content(browser_page, live_server, db):
    page = browser_page
    page.goto(f"{live_server.url}/portal/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "本文へ移動"
    assert page.evaluate("() => document.activeElement.getBoundingClientRect().left >= 0")  # visible on focus
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert page.url.endswith("#main")


def test_the_inquiry_form_works_with_the_keyboard_alone(browser_page, live_server, db, settings, mailoutbox):
    settings.KAIGO_INQUIRY_MIN_SECONDS = 0
    page = browser_page
    page.goto(f"{live_server.url}/portal/inquiry/")

    def focused() -> str:
        return page.evaluate("() => document.activeElement.id || document.activeElement.tagName")

    # From the skip link into the main content, then Tab until the first field of the form.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if focused() == "id_category":
            break
    assert focused() == "id_category"
    page.keyboard.press("ArrowDown")  # 介護情報基盤について
    page.keyboard.press("Tab")
    assert focused() == "id_asker_type"
    page.keyboard.press("ArrowDown")  # 市町村（保険者）
    page.keyboard.press("Tab")
    assert focused() == "id_body"
    page.keyboard.type("利用開始日の登録方法を教えてください。")
    page.keyboard.press("Tab")
    assert focused() == "id_name"
    page.keyboard.type("日立 一郎")
    page.keyboard.press("Tab")
    assert focused() == "id_email"
    page.keyboard.type("ichiro@example.jp")
    page.keyboard.press("Tab")
    assert focused() == "id_phone"
    page.keyboard.press("Tab")
    assert focused() == "id_organisation_name"
    page.keyboard.press("Tab")  # the honeypot is skipped: next is the submit button
    assert focused() == "BUTTON"
    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: "/portal/inquiry/done/" in url)  # the #main of the skip link stays
    ticket = Inquiry.objects.get()
    assert (ticket.category, ticket.asker_type, ticket.email) == (
        "about",
        "municipality",
        "ichiro@example.jp",
    )
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).year
    assert page.locator(".ticket-number").inner_text() == f"INQ-{year}-000001"
    assert [mail.to for mail in mailoutbox] == [["ichiro@example.jp"]]
