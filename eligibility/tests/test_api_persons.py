"""The read API (eligibility/api/persons.py; office key, scope read): whole bodies, the 404/403 split, the log,
and bodies that match the OpenAPI document."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
import yaml
from rest_framework.test import APIClient

from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _june():
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        yield


def client_for(org, scope=ApiScope.READ) -> APIClient:
    _key, raw = api_key_create(organisation=org, scope=scope, name="介護ソフト", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def hanako(orgs):
    person = ef.person(insurer=orgs["chiyoda"], insured_number="0000000301")
    ef.certification(person=person)
    return person


URL = "/api/v1/persons/131011/0000000301/eligibility/"


def test_an_office_with_a_relationship_reads_the_card_and_it_is_logged(orgs, cast, hanako):
    cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    response = client_for(orgs["kyotaku"]).get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "insurer_number": "131011",
        "insured_number": "0000000301",
        "as_of": "2026-06-01",
        "person": {
            "name": "介護 花子",
            "name_kana": "カイゴ　ハナコ",
            "birth_date": "1940-05-03",
            "sex": "2",
            "address": "東京都千代田区神田神保町一丁目1番地",
            "qualified_on": "2005-05-03",
            "disqualified_on": None,
        },
        "certification": {
            "care_level": "22",
            "care_level_name": "要介護2",
            "valid_from": "2026-04-01",
            "valid_to": "2027-03-31",
            "benefit_limit_units": 19705,
        },
        "burden_ratio": None,
    }
    row = AccessLogEntry.objects.get()
    assert (row.channel, row.outcome, row.method, row.role, row.category) == (
        "api",
        "granted",
        "mynumber_card",
        "care_manager",
        "eligibility",
    )


def test_no_relationship_and_no_person_are_the_same_404(orgs, hanako):
    client = client_for(orgs["kyotaku"])
    for url in (
        URL,
        "/api/v1/persons/131011/0000009999/eligibility/",
        "/api/v1/persons/999999/0000000301/eligibility/",
    ):
        response = client.get(url)
        assert (response.status_code, response.json()) == (
            404,
            {"error": {"code": "not_found", "message": "見つかりません。", "fields": {}}},
        )
    # Each of them is logged under the numbers asked for, the made-up ones too.
    from kaigo_portal.audit.models import AccessLogEntry

    assert list(
        AccessLogEntry.objects.order_by("id").values_list(
            "insurer_number", "insured_number", "outcome", "reason"
        )
    ) == [
        ("131011", hanako.insured_number, "denied", "no_relationship"),
        ("131011", "0000009999", "denied", "no_such_person"),
        ("999999", "0000000301", "denied", "no_such_person"),
    ]


def test_a_relationship_with_an_insurer_not_live_is_a_403_with_its_code(orgs, cast):
    person = ef.person(insurer=orgs["hitachi"], insured_number="0000000302")
    cf.relationship(orgs["homon"], person, by=cast["carol"])
    response = client_for(orgs["homon"]).get("/api/v1/persons/082024/0000000302/home-modification/")
    assert (response.status_code, response.json()) == (
        403,
        {"error": {"code": "insurer_not_live", "message": "この操作を行う権限がありません。", "fields": {}}},
    )


def test_home_modification_body(orgs, cast, hanako):
    cf.relationship(orgs["homon"], hanako, by=cast["carol"])
    ef.ledger_line(person=hanako, line_id="H1", service_date=dt.date(2026, 5, 10), amount=50_000)
    response = client_for(orgs["homon"]).get("/api/v1/persons/131011/0000000301/home-modification/")
    assert response.json() == {
        "insurer_number": "131011",
        "insured_number": "0000000301",
        "as_of": "2026-06-01",
        "housing": {
            "cap": 200000,
            "used": 50000,
            "remaining": 150000,
            "period_start": "2026-05-10",
            "lines": [{"line_id": "H1", "service_date": "2026-05-10", "amount": 50000}],
        },
        "equipment": {
            "cap": 100000,
            "used": 0,
            "remaining": 100000,
            "period_start": "2026-04-01",
            "lines": [],
        },
    }


def test_other_scopes_and_signed_in_users_are_refused(orgs, cast, hanako, login):
    cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    assert client_for(orgs["kyotaku"], ApiScope.DEVICE).get(URL).status_code == 403
    assert login(cast["bob"]).get(URL).status_code == 403


def test_the_eligibility_api_takes_the_same_queries_for_10_and_200_persons_in_the_caseload(
    orgs, cast, hanako, django_assert_max_num_queries
):
    client = client_for(orgs["kyotaku"])
    cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    assert client.get(URL).status_code == 200  # the key's first use writes its last_used_at
    counts = []
    for extra in (9, 191):
        for _ in range(extra):
            cf.relationship(orgs["kyotaku"], ef.person(insurer=orgs["chiyoda"]), by=cast["bob"])
        with django_assert_max_num_queries(25) as captured:
            assert client.get(URL).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_granted_read_is_two_statements_with_the_card_read_beside_its_log_row(
    orgs, cast, hanako
):
    """The person with the policy's facts, then the log row and the card in one statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the log row and the read share a statement on PostgreSQL; SQLite writes the row first")
    cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    client = client_for(orgs["kyotaku"])
    assert client.get(URL).status_code == 200  # the key's first use writes its last_used_at
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["person"]["name"] == "介護 花子"
    certification = response.json()["certification"]
    certification.pop("benefit_limit_units")  # master data: a data migration's rows, gone after a flush
    assert certification == {
        "care_level": "22",
        "care_level_name": "要介護2",
        "valid_from": "2026-04-01",
        "valid_to": "2027-03-31",
    }
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 2 and statements[1].startswith("WITH head AS")
    assert AccessLogEntry.objects.filter(insured_number="0000000301", outcome="granted").count() == 2


def test_every_refusal_code_is_in_the_openapi_schema(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/persons/{insurer_no}/{insured_no}/eligibility/"]["get"]
    forbidden = operation["responses"]["403"]
    examples = forbidden["content"]["application/json"]["examples"]
    assert {e["value"]["error"]["code"] for e in examples.values()} == {
        "insurer_not_live",
        "care_managers_only",
        "no_consent",
    }
    assert "not_found" in operation["responses"]["404"]["description"]


def _schema_of(document: dict, component: str) -> dict:
    """An OpenAPI 3.0 component as JSON Schema: `nullable` becomes a null type, refs resolve in the document."""

    def converted(node):
        if isinstance(node, dict):
            node = {key: converted(value) for key, value in node.items()}
            if node.pop("nullable", False):
                node = {"anyOf": [node, {"type": "null"}]}
            return node
        if isinstance(node, list):
            return [converted(value) for value in node]
        return node

    return {"$ref": f"#/components/schemas/{component}", "components": converted(document["components"])}


def test_the_bodies_match_the_openapi_document(client, orgs, cast, hanako):
    import jsonschema

    document = yaml.safe_load(client.get("/api/schema/").content)
    operation = document["paths"]["/api/v1/persons/{insurer_no}/{insured_no}/eligibility/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EligibilityOut"
    }
    cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    ef.burden_ratio(person=hanako)
    reader = client_for(orgs["kyotaku"])
    for url, component in (
        (URL, "EligibilityOut"),
        ("/api/v1/persons/131011/0000000301/home-modification/", "HomeModificationOut"),
    ):
        body = reader.get(url).json()
        jsonschema.validate(body, _schema_of(document, component))
    uncertified = ef.person(
        insurer=orgs["chiyoda"], insured_number="0000000302"
    )  # no certification, no ratio
    cf.relationship(orgs["kyotaku"], uncertified, by=cast["bob"])
    empty = reader.get("/api/v1/persons/131011/0000000302/eligibility/").json()
    assert (empty["certification"], empty["burden_ratio"]) == (None, None)
    jsonschema.validate(empty, _schema_of(document, "EligibilityOut"))
    with pytest.raises(jsonschema.ValidationError):  # the check can fail
        jsonschema.validate({**empty, "as_of": 20260601}, _schema_of(document, "EligibilityOut"))
