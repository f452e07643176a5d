"""API keys: bound to one organisation and one scope, hashed, expiring, revocable; deny by default."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from kaigo_portal.accounts.models import ApiKey, ApiScope, Role
from kaigo_portal.accounts.services import api_key_create, api_key_revoke

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kaigo_portal.api.tests.scoped_urls")]


def issue(org, scope=ApiScope.IMPORTS, **kwargs):
    return api_key_create(organisation=org, scope=scope, name="事務システム", by=None, **kwargs)


def call(client, raw, path="/api/test/imports-only/"):
    return client.get(path, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def test_create_api_key_command_prints_a_working_key_once(client, orgs):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_key", org="131011", scope="imports", name="介護保険事務システム", stdout=out, stderr=err
    )
    raw = out.getvalue().strip()
    key = ApiKey.objects.get()
    assert raw.startswith(f"kp_{key.prefix}.")
    assert raw not in (key.key_hash, key.prefix) and len(key.key_hash) == 64
    assert "千代田区" in err.getvalue()
    assert call(client, raw).json() == {"ok": True}


@pytest.mark.parametrize(
    ("number", "scope", "kind"),
    [("1370100016", "device", "care_office"), ("1310112345", "opinions", "clinic"), ("13", "claims", "federation"),
     ("082024", "opinions", "insurer")],
)  # fmt: skip
def test_command_finds_each_kind_of_organisation_by_its_number(orgs, number, scope, kind):
    out = io.StringIO()
    call_command("create_api_key", org=number, scope=scope, name="x", stdout=out, stderr=io.StringIO())
    assert ApiKey.objects.get().organisation.kind == kind


@pytest.mark.parametrize(
    ("number", "scope", "message"),
    [
        ("999999", "imports", "見つかりません"),
        ("131011", "device", "発行できません"),
        ("1370100016", "claims", "発行できません"),
    ],
)
def test_command_refuses_unknown_organisations_and_unfit_scopes(orgs, number, scope, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "create_api_key", org=number, scope=scope, name="x", stdout=io.StringIO(), stderr=io.StringIO()
        )


def test_wrong_scope_is_refused(client, orgs):
    _key, raw = issue(orgs["kyotaku"], ApiScope.READ)
    response = call(client, raw)
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "この API キーのスコープ（read）では利用できません。",
            "fields": {},
        }
    }


def test_expired_key_is_refused(client, orgs):
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        _key, raw = issue(orgs["chiyoda"], days=30)
        assert call(client, raw).status_code == 200
        clock.shift(dt.timedelta(days=30, seconds=1))
        response = call(client, raw)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert "有効期限切れ" in response.json()["error"]["message"]
    assert response["WWW-Authenticate"] == "Api-Key"


def test_revoked_key_is_refused(client, orgs):
    key, raw = issue(orgs["chiyoda"])
    assert call(client, raw).status_code == 200
    api_key_revoke(key=key, by=None)
    assert call(client, raw).status_code == 401


def test_a_key_revoked_by_another_process_is_refused_at_its_next_call(client, orgs):
    """The key cache is per process; a revocation elsewhere moves the shared generation (Redis in production)."""
    from django.core.cache import cache

    from kaigo_portal.accounts.services import KEY_GENERATION

    key, raw = issue(orgs["chiyoda"])
    assert call(client, raw).status_code == 200  # now cached in this process
    ApiKey.objects.filter(pk=key.pk).update(
        revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )  # no signal here
    cache.set(KEY_GENERATION, "moved-by-the-other-process", timeout=None)  # what its post_save signal does
    assert call(client, raw).status_code == 401


def test_a_cached_key_costs_no_query(client, orgs, django_assert_num_queries):
    from kaigo_portal.accounts.services import api_key_authenticate

    _key, raw = issue(orgs["chiyoda"])
    assert api_key_authenticate(raw) is not None
    with django_assert_num_queries(0):
        key = api_key_authenticate(raw)
    assert key.organisation == orgs["chiyoda"] and api_key_authenticate(raw + "x") is None


@pytest.mark.parametrize(
    "mangle",
    [lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"), lambda raw: "kp_nope.x", lambda raw: "garbage"],
)
def test_wrong_or_unknown_keys_are_refused(client, orgs, mangle):
    _key, raw = issue(orgs["chiyoda"])
    assert call(client, mangle(raw)).status_code == 401


def test_a_key_of_a_deactivated_organisation_is_refused(client, orgs):
    _key, raw = issue(orgs["chiyoda"])
    orgs["chiyoda"].is_active = False
    orgs["chiyoda"].save(update_fields=["is_active"])
    assert call(client, raw).status_code == 401


def test_anonymous_calls_are_refused_with_the_error_shape(client):
    response = client.get("/api/test/imports-only/")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "認証情報が含まれていません。", "fields": {}}
    }


def test_a_view_that_declares_nothing_refuses_everyone(client, orgs, cast):
    _key, raw = issue(orgs["chiyoda"])
    assert call(client, raw, "/api/test/declares-nothing/").status_code == 403
    client.force_login(cast["amy"])
    assert client.get("/api/test/declares-nothing/").status_code == 403


def test_session_users_need_a_declared_role(client, cast):
    client.force_login(cast["amy"])
    assert client.get("/api/test/imports-only/").status_code == 200
    client.force_login(cast["alice"])
    assert client.get("/api/test/imports-only/").status_code == 403
    client.force_login(cast["pia"])
    assert client.get("/api/test/imports-only/").status_code == 403


@pytest.mark.parametrize(
    ("org_key", "scope", "role"),
    [("kyotaku", ApiScope.READ, Role.CARE_MANAGER), ("homon", ApiScope.READ, Role.PROVIDER_STAFF),
     ("chiyoda", ApiScope.IMPORTS, Role.MUNICIPAL_STAFF), ("clinic", ApiScope.OPINIONS, Role.CLINIC_STAFF),
     ("kokuhoren", ApiScope.CLAIMS, None)],
)  # fmt: skip
def test_an_office_key_acts_with_the_role_its_office_implies(client, orgs, org_key, scope, role):
    _key, raw = issue(orgs[org_key], scope)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    org = orgs[org_key]
    assert response.json() == {
        "organisation": {"kind": org.kind, "number": org.number, "name": org.name},
        "role": role,
        "scope": scope,
        "key_name": "事務システム",
    }


def test_every_response_carries_a_request_id(client, orgs):
    assert len(client.get("/api/v1/me/")["X-Request-ID"]) == 32
    kept = client.get("/api/v1/me/", HTTP_X_REQUEST_ID="agent-0001-abcdef")
    assert kept["X-Request-ID"] == "agent-0001-abcdef"
    replaced = client.get("/api/v1/me/", HTTP_X_REQUEST_ID="bad id with spaces")
    assert replaced["X-Request-ID"] != "bad id with spaces"
    assert client.get("/accounts/login/")["X-Request-ID"]


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"ApiKey" in schema.content and b"/api/v1/me/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_last_use_is_recorded_without_a_write_per_call(client, orgs, django_assert_num_queries):
    key, raw = issue(orgs["chiyoda"])
    call(client, raw)
    key.refresh_from_db()
    assert key.last_used_at is not None
    with django_assert_num_queries(0):  # a cached key, and no UPDATE within five minutes
        call(client, raw)
