"""Sign-in with allauth: password + TOTP, MFA enforcement per role, lock-out, session limits."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from conftest import make_user
from kaigo_portal.accounts.middleware import SESSION_CARD_SIGN_IN
from kaigo_portal.accounts.models import Role, User, UserKind

pytestmark = pytest.mark.django_db

STAFF_ROLES = [
    ("chiyoda", Role.MUNICIPAL_STAFF),
    ("chiyoda", Role.MUNICIPAL_ADMIN),
    ("kyotaku", Role.CARE_MANAGER),
    ("homon", Role.PROVIDER_STAFF),
    ("kyotaku", Role.OFFICE_ADMIN),
    ("clinic", Role.CLINIC_DOCTOR),
    ("clinic", Role.CLINIC_STAFF),
    ("platform", Role.PLATFORM_OPERATOR),
]


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_sign_in_page_is_japanese_and_offers_no_sign_up(client):
    response = client.get("/accounts/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in body
    assert "サインイン" in body and "メールアドレス" in body
    assert "/accounts/signup/" not in body


def test_sign_up_is_closed(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.jp", "password1": "a-long-password-1", "password2": "a-long-password-1"},
    )
    assert not User.objects.filter(email="new@example.jp").exists()
    assert "ご自身でのアカウント登録は受け付けていません" in response.content.decode()


def test_staff_signs_in_with_password_then_totp_code(client, orgs):
    from allauth.mfa.totp.internal.auth import TOTP

    user = make_user("kimura@example.jp", org=orgs["kyotaku"], role=Role.CARE_MANAGER, mfa=False)
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(user, secret)

    response = client.post(
        "/accounts/login/", {"login": "kimura@example.jp", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not signed in until the code is given

    wrong = client.post(
        "/accounts/2fa/authenticate/", {"code": "000000" if totp_now(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert "コード" in wrong.content.decode()

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "ケアプランセンター神田" in home.content.decode()


@pytest.mark.parametrize(("org_key", "role"), STAFF_ROLES)
def test_staff_without_mfa_reach_only_the_mfa_setup(client, orgs, org_key, role):
    make_user(f"{role}@example.jp", org=orgs[org_key], role=role, mfa=False)
    signed_in = client.post(
        "/accounts/login/", {"login": f"{role}@example.jp", "password": "correct-horse-battery"}
    )
    assert signed_in.status_code == 302

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/org/staff/").status_code == 302
    # allauth asks for the password again before MFA changes; that page is reachable too.
    reauth = client.get("/accounts/2fa/totp/activate/")
    assert reauth.status_code == 302 and reauth["Location"].startswith("/accounts/reauthenticate/")
    client.post(reauth["Location"], {"password": "correct-horse-battery"})
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 200
    assert "認証アプリ" in setup.content.decode() or "Authenticator" in setup.content.decode()

    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json() == {
        "error": {
            "code": "mfa_required",
            "message": "多要素認証（MFA）を設定するまで利用できません。",
            "fields": {},
        }
    }


@pytest.mark.parametrize(("org_key", "role"), STAFF_ROLES)
def test_staff_with_mfa_get_their_home_page(client, orgs, org_key, role):
    client.force_login(make_user(f"{role}@example.jp", org=orgs[org_key], role=role, mfa=True))
    response = client.get("/")
    assert response.status_code == 200
    assert f"{role.label}としてサインインしています" in response.content.decode()


def test_the_person_needs_mfa_too_and_a_card_sign_in_counts_as_mfa(client):
    client.force_login(make_user("honnin@example.jp", kind=UserKind.PERSON, mfa=False))
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    session = client.session
    session[SESSION_CARD_SIGN_IN] = True  # what the card sign-in (card issue) will set
    session.save()
    response = client.get("/")
    assert response.status_code == 200
    assert "さんのページ" in response.content.decode()


def test_the_person_with_totp_gets_their_page(client):
    client.force_login(make_user("honnin@example.jp", kind=UserKind.PERSON))
    assert client.get("/").status_code == 200


def test_demo_switch_turns_mfa_off_and_says_so(client, orgs, settings):
    settings.KAIGO_REQUIRE_MFA = False
    client.force_login(make_user("demo@example.jp", org=orgs["kyotaku"], role=Role.CARE_MANAGER, mfa=False))
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "KAIGO_REQUIRE_MFA=false" in body and 'role="alert"' in body
    assert "多要素認証（MFA）が未設定です" in body  # still listed under "what needs my attention"


def test_banner_is_absent_when_mfa_is_required(client, cast):
    client.force_login(cast["bob"])
    assert "KAIGO_REQUIRE_MFA=false" not in client.get("/").content.decode()


def test_repeated_failures_lock_the_address_for_a_while(client, cast, settings):
    for _ in range(settings.KAIGO_LOGIN_ATTEMPTS):
        response = client.post("/accounts/login/", {"login": "bob@example.jp", "password": "wrong-password"})
        assert response.status_code == 200
    locked = client.post("/accounts/login/", {"login": "bob@example.jp", "password": "correct-horse-battery"})
    assert locked.status_code == 200  # the form again, with the reason, even for the right password
    assert "_auth_user_id" not in client.session
    assert "サインイン失敗が連続しています。時間が経ってからやり直してください。" in locked.content.decode()

    with time_machine.travel(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.KAIGO_LOGIN_LOCK_SECONDS + 1)
    ):
        response = client.post(
            "/accounts/login/", {"login": "bob@example.jp", "password": "correct-horse-battery"}
        )
        assert response.status_code == 302  # to the TOTP stage: the lock has lifted
        assert response["Location"] == "/accounts/2fa/authenticate/"


def test_the_lock_is_per_address(client, cast, settings):
    for _ in range(settings.KAIGO_LOGIN_ATTEMPTS):
        client.post("/accounts/login/", {"login": "bob@example.jp", "password": "wrong-password"})
    other = client.post(
        "/accounts/login/", {"login": "carol@example.jp", "password": "correct-horse-battery"}
    )
    assert other.status_code == 302


def test_session_ends_after_30_minutes_idle(client, cast):
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(cast["bob"])
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity resets the idle clock
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert "一定時間操作がなかったため" in page.content.decode()


def test_session_ends_after_12_hours_in_all(client, cast):
    start = dt.datetime(2026, 11, 25, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(cast["bob"])
        for _ in range(12 * 3):  # active every 20 minutes for 12 hours
            assert client.get("/").status_code == 200
            clock.shift(dt.timedelta(minutes=20))
        clock.shift(dt.timedelta(minutes=1))  # now 12 hours and 1 minute after sign-in
        response = client.get("/")
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


def test_keepalive_keeps_the_session_and_the_page_carries_the_warning(client, cast):
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(cast["bob"])
        page = client.get("/").content.decode()
        assert 'id="session-warning"' in page and 'data-idle-seconds="1800"' in page
        assert "まもなく自動的にサインアウトします" in page
        clock.shift(dt.timedelta(minutes=26))
        assert client.post("/session/keepalive/").status_code == 200
        clock.shift(dt.timedelta(minutes=26))
        assert client.get("/").status_code == 200


def test_expired_api_session_gets_a_json_401(client, cast):
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(cast["bob"])
        assert client.get("/api/v1/me/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "session_expired"


def test_django_admin_is_for_the_platform_operator_only(client, cast):
    client.force_login(cast["pat"])
    assert client.get("/admin/").status_code == 200
    for name in ("alice", "olive", "dan"):
        client.force_login(cast[name])
        response = client.get("/admin/")
        assert response.status_code == 302, name
        assert "/admin/login/" in response["Location"] or "/accounts/login/" in response["Location"]


def test_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
