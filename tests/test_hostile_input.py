"""Hostile input gets a clear error and writes nothing (issue 18, item 7), a test per case.

- JSON nested 10,000 deep, on every channel that reads JSON from outside. Python's json module gives up
  (RecursionError) about a thousand levels down; before, DRF's parser let that through as a 500, and the
  import's JSON Lines reader would have failed the whole job.
- A NUL byte in an import file past the head the upload check reads: before, PostgreSQL refused the whole
  COPY (the job failed) and SQLite stored it.
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
