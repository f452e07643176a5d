"""Hostile input gets a clear error and writes nothing (issue 18, item 7), a test per case.

- JSON nested 10,000 deep, on every channel that reads JSON from outside. Python's json module gives up
  (RecursionError) about a thousand levels down; before, DRF's parser let that through as a 500, and the
  import's JSON Lines reader would have failed the whole job.
- A NUL byte in an import file past the head the upload check reads: before, PostgreSQL refused the whole
  COPY (the job failed) and SQLite stored it.
- A ZIP bomb, and a ZIP that lies about its sizes, for the care-plan import.
- A 1 GB upload: refused from its Content-Length before a byte is read (before, Django streamed it to a
  temporary file, and CSRF checking read the form, before any view could look at its size).
- A 10 MB CSV field, and bytes that are neither UTF-8 nor MS932: a row error each, the other rows checked.
- A PDF with JavaScript, and an encrypted PDF, as a subsidy receipt (before, a receipt was only sniffed) and
  as an opinion's attachment (opinions/tests/test_api.py).
- Header injection in a file name: Django's multipart parser unescapes `&#13;&#10;` to CR/LF and then drops
  what is not printable; names that reach a service another way (an import's upload object, a ZIP member)
  were kept as sent, CR/LF and all, and are now cleaned the same way (validators.clean_file_name).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from eligibility.models import InsuredPerson
from eligibility.tests.importing import issues_of, run_job
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import ApiScope, Role
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.api.parsers import TOO_DEEP

pytestmark = pytest.mark.django_db

DEEP = ("[" * 10_000 + "]" * 10_000).encode()


def client_for(org, scope) -> APIClient:
    _key, raw = api_key_create(organisation=org, scope=scope, name="外部システム", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize(
    ("org", "scope", "url"),
    [
        ("kokuhoren", ApiScope.CLAIMS, "/api/v1/claims/"),
        ("kyotaku", ApiScope.CAREPLANS, "/api/v1/careplans/"),
        ("homon", ApiScope.CAREPLANS, "/api/v1/life/assessments/"),
    ],
)
def test_the_api_answers_a_too_deep_body_with_a_parse_error(orgs, org, scope, url):
    response = client_for(orgs[org], scope).post(url, DEEP, content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "parse_error", "message": TOO_DEEP, "fields": {}}},
    )


def test_an_opinion_too_deep_is_refused_as_json_it_cannot_read(orgs):
    response = client_for(orgs["clinic"], ApiScope.OPINIONS).post(
        "/api/v1/opinions/", DEEP, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "opinion.json"


def test_an_import_line_too_deep_is_a_row_error_and_the_other_rows_are_checked(orgs):
    person = (
        b'{"record": "person", "action": "add", "insured_number": "0000000001", "effective_date": "2026-04-01",'
        b' "name": "\xe4\xbb\x8b\xe8\xad\xb7 \xe8\x8a\xb1\xe5\xad\x90"}'
    )
    job = run_job(orgs["chiyoda"], DEEP + b"\n" + person + b"\n", file_format="jsonl", mode="dry_run")
    first_line = [issue for issue in issues_of(job) if issue[0] == "1"]
    assert [issue[3:5] for issue in first_line] == [["record.malformed", "JSON の入れ子が深すぎます。"]]
    assert job.rows_total == 2 and not InsuredPerson.objects.exists()


def test_a_nul_byte_deep_in_a_large_file_is_a_row_error_not_a_failed_import(orgs):
    """The upload's text check reads the head of a large file only; a NUL further in is refused with its
    row (PostgreSQL would refuse the whole COPY; SQLite would store it)."""
    from eligibility import services
    from eligibility.tests.importing import upload

    rows = [
        b"record_type,action,effective_date,insurer_number,insured_number,name,name_kana,birth_date,sex,"
        b"postal_code,address,qualified_on,disqualified_on,category,issued_on"
    ]
    for n in range(1, 31):
        rows.append(
            f"person,add,2026-04-01,131011,{n:010d},介護　花子,カイゴ　ハナコ,1950-05-10,2,101-0051,"
            "東京都千代田区神田,2026-04-01,,1,2026-04-01".encode()
        )
    clean = b"\n".join(rows) + b"\n"
    job = services.import_job_create(
        insurer=orgs["chiyoda"],
        upload=upload(clean, "x.csv"),
        file_format="csv",
        mode="commit",
        uploaded_by="t",
    )
    with open(job.file.path, "wb") as stored:  # as a large upload's tail reaches the worker unchecked
        stored.write(clean.replace("花子".encode(), "花\x00子".encode(), 1))
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert [issue[:5] for issue in issues_of(job)] == [
        ["2", "", "", "field.nul", "項目「name」に NUL 文字（制御文字）が含まれています。"]
    ]
    assert job.rows_failed == 1 and not InsuredPerson.objects.exists()  # all or nothing: nothing applied


def _zip_of_zeros(name: str, size: int) -> bytes:
    """A ZIP of one member of `size` zero bytes, written a megabyte at a time (the test never holds it)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=False) as member:
            for _ in range(size // 1_000_000):
                member.write(bytes(1_000_000))
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_opened(orgs, cast):
    """60 MB of zeros in a 60 KB ZIP: the members' sizes are summed before any is read, and nothing is
    imported."""
    import resource

    from careplans.models import ExchangeUnit
    from careplans.standard import imports

    bomb = _zip_of_zeros("UPPLAN_1370100016_43_131011_20261120.CSV", 60_000_000)
    assert len(bomb) < 100_000
    carol = Actor(user=cast["carol"], organisation=orgs["homon"], role=Role.PROVIDER_STAFF)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = imports.import_files(actor=carol, files=[("bomb.zip", bomb)])
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert [issue.code for issue in report.issues] == ["careplan_unit.too_large"]
    assert grown_mb < 30  # the 60 MB were never inflated
    assert not ExchangeUnit.objects.exists()


def test_a_zip_that_lies_about_its_size_is_refused_as_unreadable(orgs, cast):
    """A member whose header claims 100 bytes but inflates to 10 MB: zipfile stops at the claimed size and
    the CRC no longer matches, so the archive is refused as unreadable, never inflated in full."""
    import struct

    from careplans.standard import imports

    honest = _zip_of_zeros("UPPLAN_1370100016_43_131011_20261120.CSV", 10_000_000)
    # The local header's and the central directory's uncompressed sizes, set to 100.
    liar = bytearray(honest)
    local = liar.index(b"PK\x03\x04")
    struct.pack_into("<I", liar, local + 22, 100)
    central = liar.index(b"PK\x01\x02")
    struct.pack_into("<I", liar, central + 24, 100)
    carol = Actor(user=cast["carol"], organisation=orgs["homon"], role=Role.PROVIDER_STAFF)
    report = imports.import_files(actor=carol, files=[("liar.zip", bytes(liar))])
    assert [issue.code for issue in report.issues] == ["careplan_unit.zip"]


# --- a 1 GB upload -------------------------------------------------------------------------------------------


class _Endless:
    """A request body of `size` bytes that is never held: it counts what the server reads of it."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def read(self, n: int = -1) -> bytes:
        n = min(self.size - self.read_bytes, 65536 if n is None or n < 0 else n)
        self.read_bytes += n
        return b"0" * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)

    def readlines(self, hint: int = -1) -> list[bytes]:
        return [self.read(hint)]

    def __iter__(self):
        return iter(self.readline, b"")


def _post_through_wsgi(path: str, size: int, *, cookie: str = "") -> tuple[str, dict, bytes, _Endless]:
    """POSTs a multipart body of `size` bytes to the real WSGI application, as gunicorn would hand it over."""
    from django.core.wsgi import get_wsgi_application

    body = _Endless(size)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": __import__("sys").stderr,
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "CONTENT_LENGTH": str(size),
        "HTTP_COOKIE": cookie,
    }
    # Served by wsgiref's handler, as runserver serves it: it holds the answer to the WSGI rules (a
    # hop-by-hop header such as "Connection" is refused there, and becomes a 500).
    import io
    from wsgiref.handlers import SimpleHandler

    out = io.BytesIO()
    environ |= {"SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1"}
    SimpleHandler(body, out, __import__("sys").stderr, environ, multithread=False).run(get_wsgi_application())
    head, _, content = out.getvalue().partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status_line.split(" ", 1)[1], headers, content, body


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [("/imports/", True), ("/api/v1/imports/", False), ("/subsidies/applications/1/", True), ("/", False)],
)
def test_a_1_gb_upload_is_refused_before_a_byte_is_read(client, cast, path, signed_in):
    """To the bulk import (whose own limit is 1 GB: this is more), to its API, to a receipt form and to a page
    that takes no upload: 413, in Japanese (JSON under /api/), and nothing read, so nothing is written."""
    import resource

    cookie = ""
    if signed_in:
        client.force_login(cast["alice"])
        cookie = f"sessionid={client.cookies['sessionid'].value}"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    status, headers, content, body = _post_through_wsgi(path, 1024**3 + 1, cookie=cookie)
    assert status.startswith("413")
    assert body.read_bytes == 0
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 20
    text = content.decode()
    assert "送信されたデータが大きすぎます" in text
    if path.startswith("/api/"):
        assert __import__("json").loads(text)["error"]["code"] == "request_too_large"
    else:
        assert headers["Content-Type"].startswith("text/html")


def test_the_import_takes_a_file_larger_than_other_forms(settings, client, cast):
    """The import's route keeps its own limit: a 40 MB body passes the size check there (and is refused
    for a receipt)."""
    from kaigo_portal.middleware import _route_limit

    assert _route_limit("/imports/") == settings.KAIGO_IMPORT_MAX_BYTES + 1_000_000
    assert _route_limit("/api/v1/imports/") == settings.KAIGO_IMPORT_MAX_BYTES + 1_000_000
    assert _route_limit("/subsidies/applications/1/") is None


# --- a 10 MB CSV field, invalid UTF-8 and MS932 ----------------------------------------------------------------

HEADER = (
    b"record_type,action,effective_date,insurer_number,insured_number,name,name_kana,birth_date,sex,"
    b"postal_code,address,qualified_on,disqualified_on,category,issued_on\n"
)


def _row(n: int, name: bytes | None = None, *, encoding: str = "utf-8") -> bytes:
    name = "介護　花子".encode(encoding) if name is None else name
    return (
        f"person,add,2026-04-01,131011,{n:010d},".encode()
        + name
        + ",カイゴ　ハナコ,1950-05-10,2,101-0051,東京都千代田区神田,2026-04-01,,1,2026-04-01\n".encode(
            encoding
        )
    )


def test_a_10_mb_csv_field_is_a_row_error_and_the_other_rows_are_checked(orgs):
    import resource

    huge = b'"' + b"x" * 10_000_000 + b'"'
    content = HEADER + _row(1) + _row(2, huge) + _row(3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job = run_job(orgs["chiyoda"], content, mode="commit")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert [issue[0] for issue in issues_of(job)] == ["3"]
    assert issues_of(job)[0][3] == "record.too_long"
    assert (job.rows_total, job.rows_ok, job.rows_failed) == (3, 2, 1)
    assert not InsuredPerson.objects.exists()  # all or nothing
    assert grown_mb < 150  # a few copies of the line at most, never the file many times over


@pytest.mark.parametrize(
    ("bad", "label"),
    [
        (b"\xe4\xbb", "UTF-8"),  # a UTF-8 sequence cut short, in an otherwise UTF-8 file
        (b"\x81\x7f", "Shift_JIS"),  # a lead byte with a trail byte MS932 does not have, in an MS932 file
    ],
)
def test_bytes_the_file_s_encoding_cannot_hold_are_a_row_error(orgs, bad, label):
    encoding = "cp932" if label == "Shift_JIS" else "utf-8"
    rows = [_row(n, encoding=encoding) for n in range(1, 5)]
    rows[1] = _row(2, "介護".encode(encoding) + bad, encoding=encoding)
    job = run_job(orgs["chiyoda"], HEADER + b"".join(rows), mode="commit")
    assert [issue[0] for issue in issues_of(job)] == ["3"]
    assert issues_of(job)[0][3:5] == [
        "encoding.invalid",
        f"文字コード（{label}）として読めない文字があります。",
    ]
    assert job.rows_failed == 1 and not InsuredPerson.objects.exists()


# --- PDFs with JavaScript or a password, and header injection in a file name, as subsidy receipts ----------------


@pytest.fixture
def fy2026(db):
    from subsidies.models import ProgramYear

    return ProgramYear.objects.get(fiscal_year=2026)


@pytest.fixture
def frozen():
    """Inside the FY2026 application window, as the subsidy tests are."""
    import time_machine

    from subsidies.tests.conftest import IN_WINDOW

    with time_machine.travel(IN_WINDOW, tick=False):
        yield


def _pdf(build=None) -> bytes:
    from opinions.tests.test_pdfcheck import pdf

    return pdf(build)


def _encrypted(writer) -> None:
    writer.encrypt("secret")


def _javascript(writer) -> None:
    from opinions.tests.test_pdfcheck import open_action_js

    open_action_js(writer)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (_javascript, "JavaScript などの実行される内容を含む PDF は登録できません。"),
        (_encrypted, "パスワードで保護された PDF は登録できません。"),
    ],
)
def test_a_receipt_pdf_with_javascript_or_a_password_is_refused(
    login, orgs, cast, frozen, fy2026, build, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from subsidies.tests.factories import draft

    application = draft(orgs["kyotaku"], cast["olive"], fy2026, receipt=False)
    response = login(cast["olive"]).post(
        f"/subsidies/applications/{application.pk}/",
        {"action": "upload", "receipt": SimpleUploadedFile("領収書.pdf", _pdf(build))},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not application.receipts.exists()


def test_a_file_name_cannot_inject_a_header_into_its_download(login, orgs, cast, frozen, fy2026):
    """The multipart parser unescapes HTML entities in a file name, so `&#13;&#10;` arrives as CR/LF."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from subsidies.tests.factories import draft

    olive = login(cast["olive"])
    application = draft(orgs["kyotaku"], cast["olive"], fy2026, receipt=False)
    name = "r&#13;&#10;Set-Cookie: sessionid=evil&#13;&#10;&#8238;fdp.pdf"
    olive.post(
        f"/subsidies/applications/{application.pk}/",
        {"action": "upload", "receipt": SimpleUploadedFile(name, _pdf())},
    )
    receipt = application.receipts.get()
    assert receipt.original_name == "rSet-Cookie: sessionid=evilfdp.pdf"
    response = olive.get(f"/subsidies/receipts/{receipt.pk}/", {"download": "1"})
    assert response.status_code == 200
    assert all("evil" not in morsel.value for morsel in response.cookies.values())
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="rSet-Cookie: sessionid=evilfdp.pdf"'
    )


def test_an_import_file_name_is_kept_clean(orgs):
    from eligibility import services
    from eligibility.tests.importing import upload

    job = services.import_job_create(
        insurer=orgs["chiyoda"],
        upload=upload(HEADER + _row(1), "C:\\取込\\r\r\nX-Evil: 1.csv"),
        file_format="csv",
        mode="dry_run",
        uploaded_by="t",
    )
    assert job.file_name == "r X-Evil: 1.csv"
