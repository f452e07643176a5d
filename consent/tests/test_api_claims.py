"""The consent app's API: the claims feed (consent/api/claims.py) and the routes that verify identity."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
import yaml
from rest_framework.test import APIClient

from consent.models import Relationship
from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create

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


def test_the_claims_feed_keeps_a_relationship_alive(orgs, cast, hanako):
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=JST), tick=False):
        relationship = cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    body = {
        "rows": [
            {
                "office_number": "1370100016",
                "insurer_number": "131011",
                "insured_number": "0000000301",
                "service_month": "2026-05",
            },
            {
                "office_number": "1370100024",
                "insurer_number": "131011",
                "insured_number": "0000000301",
                "service_month": "2026-05",
            },
        ]
    }
    response = client_for(orgs["kokuhoren"], ApiScope.CLAIMS).post("/api/v1/claims/", body, format="json")
    assert (response.status_code, response.json()) == (200, {"rows": 2, "matched": 1, "unmatched": 1})
    relationship.refresh_from_db()
    assert (relationship.anchor_on, relationship.last_claim_month) == (
        dt.date(2026, 5, 31),
        dt.date(2026, 5, 1),
    )
    assert client_for(orgs["kyotaku"]).post("/api/v1/claims/", body, format="json").status_code == 403
    bad = client_for(orgs["kokuhoren"], ApiScope.CLAIMS).post(
        "/api/v1/claims/", {"rows": [{"office_number": "x"}]}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert Relationship.objects.count() == 1


def test_the_insurance_card_route_is_browser_only(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    # Only the card's identity endpoints (the card issue) verify identity through the API.
    assert sorted(path for path in schema["paths"] if "verif" in path or "identity" in path) == [
        "/api/v1/identity/challenges/",
        "/api/v1/identity/device-codes/{code}/",
        "/api/v1/identity/device-codes/{code}/complete/",
        "/api/v1/identity/verifications/",
    ]
