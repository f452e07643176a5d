"""Fixtures shared by every test: the named cast of organisations and users, one per role."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.db import connections

from kaigo_portal.accounts.models import (
    Membership,
    OfficeService,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserKind,
)
from kaigo_portal.celery import app as celery_app


@pytest.fixture(autouse=True, scope="session")
def _media_root(tmp_path_factory):
    """Uploaded files of the test session go to a folder of its own (worker processes get it too)."""
    from django.conf import settings

    root = tmp_path_factory.mktemp("media")
    settings.STORAGES["default"]["OPTIONS"]["location"] = str(root)
    from django.core.files.storage import storages

    storages._storages.clear()  # forget storages built with the old location
    return root


@pytest.fixture(autouse=True)
def _isolated(settings, _media_root):
    if not settings.REDIS_URL:  # keep tests off the demo's file cache under var/
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    """Each test starts with an empty cache (rate limits, used TOTP codes), the MFA rule on, and a fast
    password hasher."""
    cache.clear()
    settings.KAIGO_REQUIRE_MFA = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, in tests only
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _celery_in_process(tmp_path_factory):
    """Tasks queued in tests run in-process when their transaction commits (tests that start a real
    worker turn this off). Without Redis, the file broker gets a folder of the test session's own, set
    before anything connects, so that no test message lands in the demo's queue under var/."""
    from django.conf import settings

    if not settings.REDIS_URL:
        queue = tmp_path_factory.mktemp("celery-queue")
        control = queue.parent / "control"  # where settings.py puts it for a queue folder
        control.mkdir(exist_ok=True)
        celery_app.conf.broker_transport_options = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(control),
        }
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


def make_org(kind: str, name: str, *, services: tuple[str, ...] = (), **numbers) -> Organisation:
    prefecture = numbers.pop("prefecture", None) or next(iter(numbers.values()), "13")[:2]
    org = Organisation.objects.create(kind=kind, name=name, prefecture=prefecture, **numbers)
    OfficeService.objects.bulk_create([OfficeService(organisation=org, code=code) for code in services])
    return org


def make_user(
    email: str,
    *,
    org: Organisation | None = None,
    role: str | None = None,
    mfa: bool = True,
    kind: str = UserKind.STAFF,
    name: str = "",
    totp_secret: str | None = None,
) -> User:
    """A user with the password `correct-horse-battery` and TOTP set up (with `totp_secret`
    if given, so that a browser test can type the current code: see `totp_now`)."""
    user = User.objects.create_user(
        email=email, password="correct-horse-battery", name=name or email.split("@")[0], kind=kind
    )
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    if role == Role.PLATFORM_OPERATOR:  # the operator's model permissions in Django admin
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if mfa:  # persons need MFA too (TOTP, or a My Number card sign-in)
        TOTP.activate(user, totp_secret or generate_totp_secret())
    return user


def totp_now(secret: str) -> str:
    """The TOTP code an authenticator app would show now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def require_tool(name: str, *, hint: str, available: bool | None = None) -> None:
    """Skips a test that needs a system tool missing here, with the reason; under CI=true, fails instead,
    because .ci/run must have installed it."""
    if available is None:
        available = shutil.which(name) is not None
    if available:
        return
    message = f"{name} is not installed ({hint})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; .ci/run must install it", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_pids(pid: int) -> set[int]:
    """The processes `pid` started (a gunicorn's or a Celery worker's children), from /proc."""
    try:
        return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except FileNotFoundError:
        return set()


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, by poppler's pdftotext."""
    require_tool("pdftotext", hint="apt-get install poppler-utils")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def pdf_fonts(pdf: bytes, tmp_path) -> str:
    """poppler's pdffonts table for a PDF (to check that a Japanese font is embedded)."""
    require_tool("pdffonts", hint="apt-get install poppler-utils")
    path = tmp_path / "fonts-check.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture
def browser_page(live_server, transactional_db):
    """A Playwright page in Debian's Chromium, against the live test server (`live_server.url`)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    require_tool("chromium", hint="apt-get install chromium", available=chromium is not None)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="ja-JP")
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            browser.close()
            # While Playwright's loop runs, Django sees another async context with connections of its own:
            # close them here, or they outlive the test and block dropping the test database.
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class WorkerProcess:
    """A real `celery worker` process on the test database and the test broker."""

    def __init__(self, tmp_path):
        from django.conf import settings
        from django.db import connection

        db = connection.settings_dict
        if db["ENGINE"].endswith("sqlite3"):
            database_url = f"sqlite:///{db['NAME']}"
        else:
            database_url = (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            )
        self.mail_dir = tmp_path / "mail"
        self.log = tmp_path / "worker.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "KAIGO_VAR_DIR": str(tmp_path / "var"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DEBUG": "true",
        }
        self.env["KAIGO_EMAIL_FILE_PATH"] = str(self.mail_dir)
        self.env["KAIGO_MEDIA_ROOT"] = settings.STORAGES["default"]["OPTIONS"]["location"]
        if settings.REDIS_URL:
            self.env["REDIS_URL"] = settings.REDIS_URL
        else:
            self.env.pop("REDIS_URL", None)
            self.env["KAIGO_CELERY_QUEUE_DIR"] = celery_app.conf.broker_transport_options["data_folder_in"]
        self.process: subprocess.Popen | None = None

    def start(self, *, pool: str = "solo") -> WorkerProcess:
        """`pool="prefork"` runs the task in a child process, as production does: killing that child is a
        worker lost mid-task, which the main process notices."""
        celery = str(Path(sys.executable).parent / "celery")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    celery,
                    "-A",
                    "kaigo_portal",
                    "worker",
                    f"--pool={pool}",
                    "--concurrency=1",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel=INFO",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_for(self, condition, *, seconds: float = 60) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def worker_process(tmp_path, transactional_db):
    """Starts real Celery worker processes (`.start()`); eager mode is off while the test runs."""
    celery_app.conf.task_always_eager = False
    workers: list[WorkerProcess] = []

    def make() -> WorkerProcess:
        worker = WorkerProcess(tmp_path / f"worker{len(workers)}")
        (tmp_path / f"worker{len(workers)}").mkdir()
        workers.append(worker)
        return worker

    try:
        yield make
    finally:
        for worker in workers:
            worker.stop()
        celery_app.conf.task_always_eager = True


@pytest.fixture
def orgs(db):
    """千代田区 (live), 日立市 (not live yet), a 居宅介護支援事業所, a 訪問介護 office, another 居宅, a clinic,
    a 国保連 and the platform operator."""
    return {
        "chiyoda": make_org(
            OrganisationKind.INSURER, "千代田区", insurer_number="131011", go_live_date=dt.date(2026, 4, 1)
        ),
        "hitachi": make_org(
            OrganisationKind.INSURER, "日立市", insurer_number="082024", go_live_date=dt.date(2028, 3, 1)
        ),
        "kyotaku": make_org(
            OrganisationKind.CARE_OFFICE,
            "ケアプランセンター神田",
            office_number="1370100016",
            services=("43",),
        ),
        "homon": make_org(
            OrganisationKind.CARE_OFFICE,
            "訪問介護ステーション九段",
            office_number="1370100024",
            services=("11",),
        ),
        "kyotaku2": make_org(
            OrganisationKind.CARE_OFFICE,
            "ケアプランセンター番町",
            office_number="1370100032",
            services=("43",),
        ),
        "clinic": make_org(
            OrganisationKind.CLINIC, "千代田内科クリニック", medical_institution_code="1310112345"
        ),
        "kokuhoren": make_org(OrganisationKind.FEDERATION, "東京都国民健康保険団体連合会", prefecture="13"),
        "platform": make_org(OrganisationKind.PLATFORM, "運営事務局", prefecture="13"),
    }


@pytest.fixture
def cast(orgs):
    """One user per role, by name: alice (municipal staff, 千代田区) ... and a person."""
    return {
        "alice": make_user("alice@example.jp", org=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF),
        "amy": make_user("amy@example.jp", org=orgs["chiyoda"], role=Role.MUNICIPAL_ADMIN),
        "hank": make_user("hank@example.jp", org=orgs["hitachi"], role=Role.MUNICIPAL_STAFF),
        "bob": make_user("bob@example.jp", org=orgs["kyotaku"], role=Role.CARE_MANAGER),
        "olive": make_user("olive@example.jp", org=orgs["kyotaku"], role=Role.OFFICE_ADMIN),
        "oscar": make_user("oscar@example.jp", org=orgs["kyotaku2"], role=Role.OFFICE_ADMIN),
        "carol": make_user("carol@example.jp", org=orgs["homon"], role=Role.PROVIDER_STAFF),
        "dan": make_user("dan@example.jp", org=orgs["clinic"], role=Role.CLINIC_DOCTOR),
        "cathy": make_user("cathy@example.jp", org=orgs["clinic"], role=Role.CLINIC_STAFF),
        "pat": make_user("pat@example.jp", org=orgs["platform"], role=Role.PLATFORM_OPERATOR),
        "pia": make_user("pia@example.jp", kind=UserKind.PERSON),
    }


@pytest.fixture
def login(client):
    """Signs a user in through the session (the MFA stage itself is tested in test_auth.py)."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


# --- The My Number card (the card issue) ---


class Jpki:
    """A throw-away JPKI: the configured CA, a CA nobody configured, and card certificates (made lazily;
    RSA keys take a while)."""

    def __init__(self, directory: Path):
        from cardreader_agent.testing.pki import TestCa

        self.ca = TestCa()
        self.other_ca = TestCa("Unknown Test CA")
        self.ca_file = directory / "jpki-ca.pem"
        self.ca_file.write_bytes(self.ca.pem)
        self._cards: dict[str, object] = {}

    def card(self, name: str, **kwargs):
        """The certificate (and key) of the card called `name`, issued once per session."""
        if name not in self._cards:
            ca = kwargs.pop("ca", self.ca)
            self._cards[name] = ca.issue(**kwargs)
        return self._cards[name]


@pytest.fixture(scope="session")
def jpki_session(tmp_path_factory):
    return Jpki(tmp_path_factory.mktemp("jpki"))


@pytest.fixture
def jpki(jpki_session, settings):
    """The test JPKI, with its CA configured as the portal's (KAIGO_JPKI_CA_FILES)."""
    settings.KAIGO_JPKI_CA_FILES = [str(jpki_session.ca_file)]
    return jpki_session


def pcscd_available() -> bool:
    """A running pcscd that lists vpcd's reader (card.md Part 2)."""
    try:
        from cardreader_agent import pcsc

        return "Virtual PCD 00 00" in pcsc.reader_names()
    except Exception:
        return False


def require_pcscd() -> None:
    require_tool(
        "pcscd (running, with vpcd's reader)",
        hint="apt-get install pcscd vsmartcard-vpcd, pip install -e '.[agent]', then start it with "
        "cardreader_agent/testing/start-pcscd.sh",
        available=shutil.which("pcscd") is not None and pcscd_available(),
    )
