"""No My Number, password or key in any log, or at rest: the stack as production runs it.

gunicorn (with kaigo_portal.gunicorn_conf, DEBUG off, behind a TLS proxy as docker-compose runs it) and a
Celery worker with the same settings serve a client that sends a valid 個人番号, a password and an API key
through every channel it has: query strings, the sign-in and password-reset forms, the person search, the
public inquiry form, the API's headers and bodies, an import file (run by the worker), and a
password-reset link. Then every log the stack wrote is read (gunicorn's access and error logs, Django's
log on gunicorn's stderr, the worker's log, the mail backend's files, the access-log table), and every
text column of every table, and the files at rest: none holds any of them.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import models

from conftest import make_org, make_user
from kaigo_portal.accounts.models import ApiScope, OrganisationKind, Role
from kaigo_portal.accounts.services import api_key_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MY_NUMBER = "123456789018"  # a valid 個人番号 (its check digit is 8)
MY_NUMBER_GROUPED = "1234 5678 9018"
MY_NUMBER_FULLWIDTH = "１２３４５６７８９０１８"
PASSWORD = "Kaigo-Secret-Pass-2026!"
ROOT = Path(__file__).resolve().parents[1]


class Browser:
    """A client of the proxy's kind: HTTPS as far as the portal knows (X-Forwarded-Proto), cookies kept."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1{path}",
            "Origin": "https://127.0.0.1",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        return response.status, dict(response.getheaders()), content.decode("utf-8", errors="replace")

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def form(self, path: str, fields: dict, **kwargs):
        """GETs the page, then posts its form with its hidden fields (CSRF, form tokens) and `fields`."""
        _status, _headers, page = self.get(path)
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        hidden.pop("website", None)  # the honeypot stays empty
        data = urlencode(hidden | fields).encode()
        return self.request(
            "POST",
            path,
            body=data,
            headers={"Content-Type": "application/x-www-form-urlencoded", **kwargs.pop("headers", {})},
        )

    def json(self, path: str, payload, key: str):
        return self.request(
            "POST",
            path,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Api-Key {key}"},
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_env(tmp_path, settings):
    from django.db import connection

    db = connection.settings_dict
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "false",
        "SECRET_KEY": "logs-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "KAIGO_BEHIND_TLS_PROXY": "true",
        "SECURE_SSL_REDIRECT": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "KAIGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "KAIGO_VAR_DIR": str(tmp_path / "var"),
        "KAIGO_MEDIA_ROOT": settings.STORAGES["default"]["OPTIONS"]["location"],
        "KAIGO_INQUIRY_MIN_SECONDS": "0",
        "LOG_LEVEL": "DEBUG",
        "KAIGO_DB_PREPARED_STATEMENTS": "false",
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        from kaigo_portal.celery import app as celery_app

        env["KAIGO_CELERY_QUEUE_DIR"] = celery_app.conf.broker_transport_options["data_folder_in"]
    return env


@pytest.fixture
def gunicorn(production_env, tmp_path):
    port = _free_port()
    logs = {name: tmp_path / f"gunicorn-{name}.log" for name in ("access", "error", "stderr")}
    binary = str(Path(sys.executable).parent / "gunicorn")
    # As the Dockerfile does: production serves the collected, hashed static files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=production_env,
        check=True,
        capture_output=True,
    )
    with open(logs["stderr"], "wb") as stderr:
        process = subprocess.Popen(
            [
                binary,
                "-c",
                "python:kaigo_portal.gunicorn_conf",
                "kaigo_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--access-logfile",
                str(logs["access"]),
                "--error-logfile",
                str(logs["error"]),
                "--log-level",
                "debug",
            ],
            cwd=ROOT,
            env=production_env,
            stdout=stderr,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"gunicorn did not start: {logs['stderr'].read_text()[-2000:]}")
        yield port, logs
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_no_my_number_password_or_key_reaches_a_log_or_rest(
    gunicorn, worker_process, production_env, tmp_path
):
    port, logs = gunicorn
    insurer = make_org(
        OrganisationKind.INSURER,
        "千代田区",
        insurer_number="131011",
        go_live_date=__import__("datetime").date(2026, 4, 1),
    )
    office = make_org(
        OrganisationKind.CARE_OFFICE, "ケアプランセンター神田", office_number="1370100016", services=("43",)
    )
    clerk = make_user("clerk@example.jp", org=insurer, role=Role.MUNICIPAL_STAFF)
    make_user("cm@example.jp", org=office, role=Role.CARE_MANAGER)
    _key, read_key = api_key_create(organisation=office, scope=ApiScope.READ, name="介護ソフト", by=None)
    _key, import_key = api_key_create(
        organisation=insurer, scope=ApiScope.IMPORTS, name="事務システム", by=None
    )
    _key, plans_key = api_key_create(
        organisation=office, scope=ApiScope.CAREPLANS, name="介護ソフト", by=None
    )
    secrets = [
        MY_NUMBER,
        MY_NUMBER_GROUPED,
        MY_NUMBER_FULLWIDTH,
        PASSWORD,
        read_key,
        read_key.split(".", 1)[1],
        import_key.split(".", 1)[1],
        plans_key.split(".", 1)[1],
    ]

    worker = worker_process()
    worker.env.update(production_env)
    worker.start()
    browser = Browser(port)

    # Query strings, as a careless client or a bookmark would send them.
    query = urlencode(
        {"insured_number": MY_NUMBER, "api_key": read_key, "password": PASSWORD, "q": MY_NUMBER_GROUPED}
    )
    for path in ("/persons/", "/api/v1/me/", "/api/v1/nothing/", "/portal/faq/"):
        browser.get(f"{path}?{query}")
    # The API: a good key and a made-up one in the header; a body with a 個人番号 in free text.
    assert browser.get("/api/v1/me/", headers={"Authorization": f"Api-Key {read_key}"})[0] == 200
    browser.get("/api/v1/me/", headers={"Authorization": f"Api-Key kp_deadbeef.{PASSWORD}"})
    browser.json(
        "/api/v1/careplans/",
        {
            "person": {"insurer_number": "131011", "insured_number": "0000000001"},
            "intentions": f"マイナンバーは{MY_NUMBER}です",
        },
        plans_key,
    )
    # Sign-in: a wrong password, and a 個人番号 typed as the address.
    browser.form("/accounts/login/", {"login": "clerk@example.jp", "password": PASSWORD})
    browser.form("/accounts/login/", {"login": f"{MY_NUMBER}@example.jp", "password": PASSWORD})
    # The public inquiry form: refused with a 個人番号, taken without one (its confirmation goes by the worker).
    inquiry = {"category": "other", "asker_type": "person", "name": "問合 花子", "email": "asker@example.jp"}
    status, _h, page = browser.form(
        "/portal/inquiry/", inquiry | {"body": f"私の個人番号は {MY_NUMBER_GROUPED} です"}
    )
    assert status == 400 and "マイナンバー" in page, (status, re.sub(r"\\s+", " ", page)[:3000])
    assert browser.form("/portal/inquiry/", inquiry | {"body": "申請の方法を教えてください。"})[0] == 302
    # An import file with a 個人番号 in a cell, run by the worker.
    csv_body = (
        "record_type,action,effective_date,insurer_number,insured_number,name,name_kana,birth_date,sex,postal_code,"
        "address,qualified_on,category\r\nperson,add,2026-04-01,131011,0000000001,介護　花子,カイゴ　ハナコ,1950-05-10,"
        f"2,101-0051,東京都千代田区 {MY_NUMBER},2015-05-09,1\r\n"
    ).encode()
    boundary = "----kaigo" + uuid.uuid4().hex
    multipart = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\ncommit\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\ncsv\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="jukyusha.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv_body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _h, created = browser.request(
        "POST",
        "/api/v1/imports/",
        body=multipart,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Api-Key {import_key}",
        },
    )
    assert status == 202, created
    # A password reset: its key travels in a link's path, which the access log must not keep.
    browser.form("/accounts/password/reset/", {"email": clerk.email})

    from eligibility.models import ImportJob

    assert worker.wait_for(lambda: ImportJob.objects.filter(status="rejected").exists(), seconds=60), (
        worker.output()
    )
    mail_dir = Path(production_env["KAIGO_EMAIL_FILE_PATH"])
    # The confirmation of the inquiry and the reset mail, both sent by the worker.
    assert worker.wait_for(lambda: mail_dir.exists() and len(list(mail_dir.glob("*"))) >= 2, seconds=30)
    reset_key = None
    for message in mail_dir.glob("*"):
        found = re.search(
            r"/accounts/password/reset/key/([0-9A-Za-z]+-[^/\s]+)/", message.read_text(errors="replace")
        )
        if found:
            reset_key = found.group(1).split("-", 1)[1]
            browser.get(f"/accounts/password/reset/key/{found.group(1)}/")
    time.sleep(1)  # the access log is written after each response
    worker.stop()

    written = {
        "gunicorn access log": logs["access"].read_text(errors="replace"),
        "gunicorn error log": logs["error"].read_text(errors="replace"),
        "Django's log (gunicorn's stderr)": logs["stderr"].read_text(errors="replace"),
        "the Celery worker's log": worker.output(),
        "the mail backend": "".join(m.read_text(errors="replace") for m in mail_dir.glob("*")),
    }
    assert "GET /persons/?[redacted]" in written["gunicorn access log"]  # the requests did reach the log
    assert "eligibility.tasks.run_import" in written["the Celery worker's log"]  # the worker ran the import
    for where, text in written.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} found in {where}"
    assert reset_key, "the password-reset mail was not sent"
    for where in ("gunicorn access log", "gunicorn error log", "Django's log (gunicorn's stderr)"):
        assert reset_key not in written[where], f"the password-reset key found in {where}"
    assert _tables_holding(secrets) == []
    media = Path(production_env["KAIGO_MEDIA_ROOT"])
    for stored in media.rglob("*"):
        if stored.is_file():
            content = stored.read_bytes().decode("utf-8", errors="replace")
            assert all(secret not in content for secret in secrets), f"a secret at rest in {stored.name}"


def _tables_holding(secrets: list[str]) -> list[str]:
    """Every text column of every table (the access log's included), searched for each secret."""
    found = []
    for model in apps.get_models():
        text_fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for field in text_fields:
            lookup = f"{field.name}__icontains" if not isinstance(field, models.JSONField) else None
            for secret in secrets:
                if lookup and model._base_manager.filter(**{lookup: secret}).exists():
                    found.append(f"{model._meta.label}.{field.name}")
                elif lookup is None and any(
                    secret in json.dumps(v, ensure_ascii=False)
                    for v in model._base_manager.values_list(field.name, flat=True)
                ):
                    found.append(f"{model._meta.label}.{field.name}")
    return found
