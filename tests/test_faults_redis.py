"""Redis stopped (issue 18, item 6): a Redis server of the test's own, stopped while the portal runs.

- Pages and API calls that do not need Redis keep working: the caseload, the import pages, the API key check
  (which reads the keys again from the database while it cannot see their generation).
- An import runs without Redis: its progress is not written, and its page shows the job's own row.
- Rate limits fail safe, never open: a sign-in (allauth's limit on failed attempts) and the public inquiry
  form (its per-address limits) are refused with a 503 while their counters cannot be read, and nothing is
  written; they are never let through uncounted.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from django.test import Client

from conftest import free_port, require_tool
from eligibility.models import ImportJob, InsuredPerson
from eligibility.tests.importing import run_job
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_away(settings, tmp_path):
    """The portal's cache on a Redis of the test's own, which is then stopped."""
    server = shutil.which("redis-server")
    require_tool("redis-server", hint="apt-get install redis-server", available=server is not None)
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
        from django.core.cache import cache

        cache.set("alive", 1)
        assert cache.get("alive") == 1  # it was up, and the portal used it
        process.terminate()
        process.wait(timeout=10)
        with pytest.raises(Exception, match=r"(?i)connect"):
            cache.get("alive")
        yield
    finally:
        if process.poll() is None:
            process.kill()
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def browser():
    """A client that gets the error page Django would serve, instead of the exception."""
    return Client(raise_request_exception=False)


def test_pages_and_the_api_that_do_not_need_redis_keep_working(redis_away, browser, cast, orgs):
    browser.force_login(cast["bob"])
    assert browser.get("/").status_code == 200
    assert browser.get("/care/caseload/").status_code == 200
    _key, raw = api_key_create(organisation=orgs["kyotaku"], scope=ApiScope.READ, name="外部", by=None)
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    for _ in range(2):  # the second call, too, reads the key anew: its generation cannot be seen
        answer = api.get("/api/v1/me/")
        assert answer.status_code == 200 and answer.json()["organisation"]["name"] == "ケアプランセンター神田"


def test_an_import_runs_without_redis_and_its_page_shows_the_row(redis_away, browser, cast, orgs):
    from eligibility.imports import synthetic

    job = run_job(orgs["chiyoda"], synthetic.csv_bytes("131011", 20), mode="commit")
    assert (job.status, job.rows_failed) == ("succeeded", 0)
    assert InsuredPerson.objects.count() == 20
    browser.force_login(cast["alice"])
    assert browser.get("/imports/").status_code == 200
    assert browser.get(f"/imports/{job.pk}/").status_code == 200
    progress = browser.get(f"/imports/{job.pk}/progress.json")
    assert progress.status_code == 200 and progress.json()["status"] == "succeeded"


def test_a_running_job_cannot_be_queued_again_while_its_progress_cannot_be_read(redis_away, orgs):
    """The retry asks the progress whether the run has stalled: without it, the answer is no (never two
    runs of one job)."""
    from eligibility import services
    from eligibility.models import ImportStatus
    from eligibility.tests.importing import upload
    from kaigo_portal.errors import ApplicationError

    job = services.import_job_create(
        insurer=orgs["chiyoda"], upload=upload(b"x"), file_format="csv", mode="dry_run", uploaded_by="t"
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at="2026-01-01T00:00:00Z")
    with pytest.raises(ApplicationError):
        services.import_job_retry(job=ImportJob.objects.get(pk=job.pk))


def test_a_sign_in_is_refused_while_its_rate_limit_cannot_be_counted(redis_away, browser, cast):
    response = browser.post(
        "/accounts/login/", {"login": "bob@example.jp", "password": "wrong-password"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 503
    assert "一時的にご利用いただけません" in response.content.decode()
    # Not even the right password passes uncounted.
    response = browser.post(
        "/accounts/login/", {"login": "bob@example.jp", "password": "correct-horse-battery"}
    )
    assert response.status_code == 503
    assert "_auth_user_id" not in browser.session


def test_the_inquiry_form_is_refused_while_its_limits_cannot_be_counted(redis_away, browser):
    from kaigo_portal.public.forms import form_token
    from kaigo_portal.public.models import Inquiry

    response = browser.post(
        "/portal/inquiry/",
        {
            "category": "consent",
            "asker_type": "person",
            "name": "介護 花子",
            "email": "hanako@example.jp",
            "body": "同意の取り消し方を教えてください。",
            "started": form_token(time.time() - 60),  # shown a minute ago, as a person fills it in
        },
    )
    assert response.status_code == 503
    assert "一時的にご利用いただけません" in response.content.decode()
    assert not Inquiry.objects.exists()
