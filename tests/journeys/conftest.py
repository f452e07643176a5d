"""The role journeys: Chromium against the live test server holding seed_demo's data.

Each journey starts at the home page after signing in (the real form and the TOTP step) and goes on by
clicking links only. `Journey.look()` checks the page as its user reads it: the site's layout, one h1,
no raw code or ISO date in the text, and axe-core with no serious or critical violation.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command

from conftest import require_tool, totp_now
from tests.people_text import problems_in, visible_text

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "kaigo-demo-2026"  # seed_demo's
SEEDED_ON = dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@dataclass
class Journey:
    page: object
    base: str
    secrets: dict[str, str]
    seen: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The browser reports every Content-Security-Policy violation on the console.
        self.page.on("console", lambda message: self.console.append(message.text))

    def sign_in(self, email: str) -> None:
        page = self.page
        page.goto(f"{self.base}/accounts/login/")
        page.get_by_label("メールアドレス").fill(email)
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="サインイン").click()
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.locator("input[name=code]").fill(totp_now(self.secrets[email]))
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(lambda url: "/accounts/" not in url)
        self.look()

    def as_another(self) -> Journey:
        """A second person at another computer: a browser context of their own (its own cookies)."""
        page = self.page.context.browser.new_page(locale="ja-JP")
        page.set_default_timeout(10_000)
        return Journey(page, self.base, self.secrets)

    def home(self) -> str:
        """Back to the home page by the site's name in the header, as a person does."""
        self.page.locator("header a.site-name").click()
        self.page.wait_for_load_state()
        return self.look()

    def click(self, name: str, *, role: str = "link", exact: bool = False) -> None:
        """Follows a link (or presses a button) by its visible name, and looks at the page it leads to."""
        self.page.get_by_role(role, name=name, exact=exact).first.click()
        self.page.wait_for_load_state()
        self.look()

    def look(self) -> str:
        page = self.page
        html = page.content()
        assert 'class="skip-link"' in html, f"not in the site's layout: {page.url}"
        assert page.locator("h1").count() == 1, f"one h1: {page.url}"
        problems = problems_in(visible_text(html))
        assert not problems, f"{page.url}: {problems}"
        page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag, which the CSP refuses
        result = page.evaluate("async () => await axe.run(document)")
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"axe-core on {page.url}: {serious}"
        refused = [text for text in self.console if "Content Security Policy" in text]
        assert not refused, f"CSP on {page.url}: {refused}"
        self.seen.append(page.url)
        return page.locator("main").inner_text()


def _load_master_data() -> None:
    """The migrations' data (the benefit limits, the subsidy's program years), which a live-server test's
    flush empties: loaded again by the migrations' own idempotent functions."""
    import importlib

    from django.apps import apps

    for module in (
        "eligibility.migrations.0002_benefit_limits_2019",
        "subsidies.migrations.0002_master_data",
    ):
        importlib.import_module(module).load(apps, None)


@pytest.fixture
def journey(browser_page, live_server, settings):
    require_tool("axe-core", hint="npm ci (axe-core is in package.json)", available=AXE.exists())
    require_tool("chromium", hint="apt-get install chromium", available=shutil.which("chromium") is not None)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from kaigo_portal.accounts.models import User

    _load_master_data()
    settings.DEBUG = True  # seed_demo loads known passwords only with DEBUG on
    # The demo as seeded on one day (a subsidy window open, applications at each step); the pages then run
    # at the real time.
    with time_machine.travel(SEEDED_ON, tick=False):
        call_command("seed_demo", "--quiet", stdout=io.StringIO())
    settings.DEBUG = False
    secrets = {}
    for user in User.objects.all():
        secrets[user.email] = generate_totp_secret()
        TOTP.activate(user, secrets[user.email])
    return Journey(browser_page, live_server.url, secrets)
