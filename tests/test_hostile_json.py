"""JSON nested 10,000 deep, on every channel that reads JSON from outside: a clear error, nothing written.

Python's json module gives up (RecursionError) about a thousand levels down; before, DRF's parser let that
through as a 500, and the import's JSON Lines reader would have failed the whole job.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from eligibility.models import InsuredPerson
from eligibility.tests.importing import issues_of, run_job
from kaigo_portal.accounts.models import ApiScope
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
