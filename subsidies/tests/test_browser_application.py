"""Browser journey: an office admin signs in with TOTP, starts a draft, leaves and comes back to find it
saved, attaches a receipt, sees the grant computed as they type, and submits."""

from __future__ import annotations

import datetime as dt
import importlib
import time
from contextlib import contextmanager

from django.apps import apps
from django.core import mail
from django.utils import timezone

from conftest import make_user, totp_now
from kaigo_portal.accounts.models import Role
from subsidies.models import Application, ApplicationStatus, ProgramYear

from .factories import pdf_bytes

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def open_window_today() -> ProgramYear:
    """The master data (a transactional test starts from an empty database), with FY2026's window moved
    around today, so that the journey runs on the real clock."""
    importlib.import_module("subsidies.migrations.0002_master_data").load(apps, None)
    today = timezone.localdate()
    year = ProgramYear.objects.get(fiscal_year=2026)
    year.window_start, year.window_end = today - dt.timedelta(days=10), today + dt.timedelta(days=30)
    year.save(update_fields=["window_start", "window_end"])
    return year


def fresh_code(secret: str) -> str:
    """A TOTP code with time left in its 30-second step: allauth accepts the current step only, so a code
    typed in the last moments of a step can expire before the server checks it."""
    remaining = 30 - time.time() % 30
    if remaining < 5:
        time.sleep(remaining + 0.5)
    return totp_now(secret)


@contextmanager
def autosaved(page):
    """Waits for the autosave that the typing inside the block sets off (800 ms after the last key)."""
    with page.expect_response(lambda response: response.url.endswith("/autosave/") and response.ok):
        yield


def test_office_admin_signs_in_and_submits_an_application(browser_page, live_server, orgs, tmp_path):
    open_window_today()
    make_user(
        "kanda.admin@example.jp",
        org=orgs["kyotaku"],
        role=Role.OFFICE_ADMIN,
        totp_secret=SECRET,
        name="神田 管理",
    )
    page = browser_page

    # Sign in: password, then the TOTP code.
    page.goto(f"{live_server.url}/")
    page.get_by_label("メールアドレス").fill("kanda.admin@example.jp")
    page.get_by_label("パスワード").fill("correct-horse-battery")
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(fresh_code(SECRET))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")

    # Home → my-page → start the application.
    page.get_by_role("link", name="助成金の申請（マイページ）").click()
    assert "居宅介護支援" in page.locator("main").inner_text()
    page.get_by_role("button", name="令和8年度の申請を始める").click()
    page.wait_for_url("**/subsidies/applications/*/")
    application = Application.objects.get(office=orgs["kyotaku"])

    # Type the purchase: the grant follows, and autosave keeps it.
    with autosaved(page):
        page.get_by_label("カードリーダー購入台数").fill("4")
        page.get_by_label("カードリーダー1台の価格（円・税込）").fill("２５，０００")
        page.get_by_label("接続サポート等経費（円・税込、ない場合は 0）").fill("10000")
    assert "下書きを自動保存しました" in page.locator("#autosave-status").inner_text()
    assert page.locator('[data-calc="grant_amount"]').inner_text() == "64,000"
    assert page.locator('[data-calc="readers_over_cap"]').inner_text() == "1"
    assert page.locator("[data-calc-over]").is_visible()

    # Leave and come back: nothing typed is lost.
    with autosaved(page):
        page.get_by_label("金融機関コード（4桁）").fill("0001")
        page.get_by_label("口座名義（カナ）").fill("ケアプランセンター")
    page.get_by_role("link", name="← 助成金 マイページ").click()
    page.get_by_role("link", name=f"{application.reference}：下書き").click()
    assert page.get_by_label("カードリーダー購入台数").input_value() == "4"
    assert page.get_by_label("金融機関コード（4桁）").input_value() == "0001"
    assert page.get_by_label("口座名義（カナ）").input_value() == "ｹｱﾌﾟﾗﾝｾﾝﾀ-"

    # A wrong value is flagged as it is typed.
    with autosaved(page):
        page.get_by_label("支店コード（3桁）").fill("01")
    assert page.locator("#branch_code-errors").inner_text() == "支店コードは半角数字3桁で入力してください。"
    assert page.get_by_label("支店コード（3桁）").get_attribute("aria-invalid") == "true"
    with autosaved(page):
        page.get_by_label("支店コード（3桁）").fill("001")
        page.get_by_label("口座番号（7桁）").fill("1234567")
    with autosaved(page):
        page.get_by_label("預金種目").select_option("1")
    assert page.locator("#branch_code-errors").is_hidden()

    # Attach the receipt (the page reloads, the form keeps its values).
    receipt = tmp_path / "領収書.pdf"
    receipt.write_bytes(pdf_bytes())
    page.get_by_label("領収書ファイル").set_input_files(str(receipt))
    page.get_by_role("button", name="アップロード").click()
    page.get_by_role("link", name="領収書.pdf").wait_for()
    assert page.locator("#missing").is_hidden()

    # Submit: a question first, with the amount, and nothing sent until it is answered.
    page.get_by_role("button", name="申請する").click()
    assert page.locator("h1").inner_text() == "補助金を申請しますか"
    assert "64,000円" in page.locator("main").inner_text()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    page.get_by_role("button", name="申請する").click()
    page.locator(".status").filter(has_text="申請済み").wait_for()
    assert "申請しました。" in page.locator("main").inner_text()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert (application.reader_cap, application.eligible_cost, application.grant_amount) == (
        3,
        85_000,
        64_000,
    )
    assert application.account_holder == "ｹｱﾌﾟﾗﾝｾﾝﾀ-"
    assert [m.subject for m in mail.outbox] == [
        "【介護情報基盤ポータル】令和8年度 助成金の申請を受け付けました"
    ]
