"""The API for office software: read-only status of the office's own applications."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create
from subsidies import services

from .factories import JST, draft, submitted

pytestmark = pytest.mark.django_db

LIST = "/api/v1/subsidies/applications/"


def key_client(org, scope=ApiScope.READ) -> APIClient:
    _key, raw = api_key_create(organisation=org, scope=scope, name="介護ソフト", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def returned_application(orgs, cast, fy2026):
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    with time_machine.travel(dt.datetime(2026, 7, 2, 9, tzinfo=JST), tick=False):
        services.application_start_review(application=application, by=cast["pat"])
        services.application_return(
            application=application, by=cast["pat"], reason="領収書の宛名が違います。"
        )
    return application


def expected_body(application):
    return {
        "id": application.pk,
        "reference": f"2026-{application.pk:06d}",
        "program_year": {
            "fiscal_year": 2026,
            "name": "令和8年度",
            "window_start": "2026-05-07",
            "window_end": "2027-03-12",
        },
        "status": "returned",
        "status_label": "差戻し",
        "amounts": {
            "readers_count": 2,
            "reader_unit_price": 25000,
            "connection_support_cost": 20000,
            "reader_cap": 3,
            "limit_amount": 64000,
            "eligible_cost": 70000,
            "grant_amount": 64000,
        },
        "receipt_count": 1,
        "submitted_at": "2026-06-01T10:00:00+09:00",
        "approved_at": None,
        "paid_on": None,
        "return_reason": "領収書の宛名が違います。",
        "history": [
            {"status": "draft", "status_label": "下書き", "at": "2026-06-01T10:00:00+09:00", "reason": ""},
            {
                "status": "submitted",
                "status_label": "申請済み",
                "at": "2026-06-01T10:00:00+09:00",
                "reason": "",
            },
            {
                "status": "under_review",
                "status_label": "審査中",
                "at": "2026-07-02T09:00:00+09:00",
                "reason": "",
            },
            {
                "status": "returned",
                "status_label": "差戻し",
                "at": "2026-07-02T09:00:00+09:00",
                "reason": "領収書の宛名が違います。",
            },
        ],
    }


def test_office_software_reads_its_applications(orgs, cast, fy2026):
    application = returned_application(orgs, cast, fy2026)
    response = key_client(orgs["kyotaku"]).get(LIST)
    assert response.status_code == 200
    assert response.json() == {
        "office": {"number": "1370100016", "name": "ケアプランセンター神田"},
        "applications": [expected_body(application)],
    }
    detail = key_client(orgs["kyotaku"]).get(f"{LIST}{application.pk}/")
    assert detail.status_code == 200
    assert detail.json() == expected_body(application)


def test_a_draft_shows_the_live_calculation(orgs, cast, fy2026, frozen):
    application = draft(
        orgs["kyotaku"],
        cast["olive"],
        fy2026,
        purchase={"readers_count": "1", "reader_unit_price": "18000", "connection_support_cost": ""},
    )
    body = key_client(orgs["kyotaku"]).get(f"{LIST}{application.pk}/").json()
    assert (body["status"], body["submitted_at"]) == ("draft", None)
    assert body["amounts"] == {
        "readers_count": 1,
        "reader_unit_price": 18000,
        "connection_support_cost": 0,
        "reader_cap": 3,
        "limit_amount": 64000,
        "eligible_cost": 18000,
        "grant_amount": 18000,
    }


def test_an_office_without_applications_gets_an_empty_list(orgs):
    response = key_client(orgs["homon"]).get(LIST)
    assert response.json() == {
        "office": {"number": "1370100024", "name": "訪問介護ステーション九段"},
        "applications": [],
    }


def test_another_offices_application_is_not_found(orgs, cast, fy2026):
    application = returned_application(orgs, cast, fy2026)
    response = key_client(orgs["kyotaku2"]).get(f"{LIST}{application.pk}/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "見つかりませんでした。", "fields": {}}
    }
    assert key_client(orgs["kyotaku2"]).get(LIST).json()["applications"] == []


def test_the_office_admin_may_read_it_signed_in(orgs, cast, fy2026):
    application = returned_application(orgs, cast, fy2026)
    client = APIClient()
    client.force_authenticate(cast["olive"])
    client.force_login(cast["olive"])
    assert client.get(LIST).json()["applications"] == [expected_body(application)]


@pytest.mark.parametrize("scope", [ApiScope.DEVICE, ApiScope.CAREPLANS])
def test_keys_of_other_scopes_are_refused(orgs, scope):
    response = key_client(orgs["kyotaku"], scope).get(LIST)
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": f"この API キーのスコープ（{scope}）では利用できません。",
            "fields": {},
        }
    }


@pytest.mark.parametrize("who", ["carol", "bob", "alice", "pat", "pia"])
def test_other_users_are_refused(orgs, cast, fy2026, who):
    client = APIClient()
    client.force_login(cast[who])
    response = client.get(LIST)
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "permission_denied", "message": "この操作を行う権限がありません。", "fields": {}}
    }


def test_the_anonymous_and_a_wrong_key_are_refused(orgs):
    assert APIClient().get(LIST).status_code in (401, 403)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key kp_deadbeef.wrong")
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(orgs, cast, fy2026, method):
    application = returned_application(orgs, cast, fy2026)
    client = key_client(orgs["kyotaku"])
    assert getattr(client, method)(f"{LIST}{application.pk}/", {}).status_code == 405


def test_the_schema_documents_the_endpoints(client):
    body = client.get("/api/schema/").content.decode()
    assert "/api/v1/subsidies/applications/" in body
    assert "自事業所の助成金申請の状態" in body
    assert "operationId: subsidy_applications_list" in body
    assert "operationId: subsidy_application_retrieve" in body


def test_the_list_takes_a_fixed_number_of_queries(orgs, cast, fy2025, fy2026, django_assert_max_num_queries):
    with time_machine.travel(dt.datetime(2025, 11, 4, 10, tzinfo=JST), tick=False):
        submitted(orgs["kyotaku"], cast["olive"], fy2025)
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        draft(orgs["kyotaku"], cast["olive"], fy2026)
    client = key_client(orgs["kyotaku"])
    with django_assert_max_num_queries(8):
        assert len(client.get(LIST).json()["applications"]) == 2
