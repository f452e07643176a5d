"""Office admins (管理者ユーザ) manage the staff users of their own office, and no one else's."""

from __future__ import annotations

import pytest

from kaigo_portal.accounts.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def test_office_admin_sees_own_staff_with_mfa_state(login, cast):
    response = login(cast["olive"]).get("/org/staff/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "bob@example.jp" in body and "olive@example.jp" in body
    assert "oscar@example.jp" not in body  # another office's admin
    assert "carol@example.jp" not in body


def test_staff_list_searches_and_paginates(login, cast, orgs):
    for i in range(30):
        user = User.objects.create_user(email=f"helper{i:02}@example.jp", name=f"職員{i:02}")
        Membership.objects.create(user=user, organisation=orgs["kyotaku"], role=Role.PROVIDER_STAFF)
    client = login(cast["olive"])
    first = client.get("/org/staff/").content.decode()
    assert "1 / 2 ページ（32 人）" in first
    found = client.get("/org/staff/", {"q": "helper07"}).content.decode()
    assert "helper07@example.jp" in found and "helper08@example.jp" not in found
    empty = client.get("/org/staff/", {"q": "nobody"}).content.decode()
    assert "「nobody」に一致する職員はいません" in empty


def test_office_admin_adds_a_care_manager_who_gets_an_invitation(
    login, cast, orgs, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(cast["olive"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/org/staff/new/",
            {"name": "新人 ケアマネ", "email": "New.CM@example.jp", "role": Role.CARE_MANAGER},
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.cm@example.jp")
    assert (membership.organisation, membership.role, membership.created_by) == (
        orgs["kyotaku"],
        Role.CARE_MANAGER,
        cast["olive"],
    )
    assert not membership.user.has_usable_password()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new.cm@example.jp"]
    assert "アカウント登録のご案内" in mail.subject
    assert "/accounts/password/reset/key/" in mail.body and "ケアプランセンター神田" in mail.body


def test_invitation_link_sets_the_first_password(
    client, login, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(cast["olive"]).post(
            "/org/staff/new/", {"name": "新人", "email": "newbie@example.jp", "role": Role.PROVIDER_STAFF}
        )
    client.logout()
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link.split("127.0.0.1:8000", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a-new-long-passphrase-2026", "password2": "a-new-long-passphrase-2026"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="newbie@example.jp").check_password("a-new-long-passphrase-2026")


def test_a_visiting_care_office_cannot_hold_a_care_manager(login, cast, orgs):
    from conftest import make_user

    admin = make_user("homon.admin@example.jp", org=orgs["homon"], role=Role.OFFICE_ADMIN)
    response = login(admin).post(
        "/org/staff/new/", {"name": "x", "email": "x@example.jp", "role": Role.CARE_MANAGER}
    )
    assert response.status_code == 200
    assert (
        "正しく選択してください" in response.content.decode() or "設定できない" in response.content.decode()
    )
    assert not User.objects.filter(email="x@example.jp").exists()


def test_adding_an_existing_member_is_refused_with_a_reason(login, cast):
    response = login(cast["olive"]).post(
        "/org/staff/new/", {"name": "bob", "email": "bob@example.jp", "role": Role.PROVIDER_STAFF}
    )
    assert response.status_code == 200
    assert "既に所属しています" in response.content.decode()


def test_office_admin_revokes_own_staff(login, cast):
    bob_membership = Membership.objects.get(user=cast["bob"])
    client = login(cast["olive"])
    question = client.post(f"/org/staff/{bob_membership.pk}/revoke/")
    assert (
        "職員の所属を失効させますか" in question.content.decode()
        and "bob@example.jp" in question.content.decode()
    )
    bob_membership.refresh_from_db()
    assert bob_membership.is_active  # asked, not yet done
    response = client.post(f"/org/staff/{bob_membership.pk}/revoke/", {"confirmed": "1"})
    assert response.status_code == 302
    bob_membership.refresh_from_db()
    assert not bob_membership.is_active and bob_membership.revoked_by == cast["olive"]
    cast["bob"].refresh_from_db()
    assert not cast["bob"].is_active  # no organisation left: the user can no longer sign in


def test_revoked_user_is_signed_out_at_the_next_request(client, cast):
    client.force_login(cast["bob"])
    assert client.get("/").status_code == 200
    from kaigo_portal.accounts.services import membership_revoke

    membership_revoke(membership=Membership.objects.get(user=cast["bob"]), by=cast["olive"])
    assert client.get("/").status_code == 302


def test_office_admin_cannot_revoke_another_offices_staff(login, cast):
    other = Membership.objects.get(user=cast["oscar"])
    response = login(cast["olive"]).post(f"/org/staff/{other.pk}/revoke/")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_office_admin_cannot_revoke_themself(login, cast):
    own = Membership.objects.get(user=cast["olive"])
    client = login(cast["olive"])
    response = client.post(f"/org/staff/{own.pk}/revoke/", follow=True)
    assert "自分自身の所属は失効できません" in response.content.decode()
    own.refresh_from_db()
    assert own.is_active


@pytest.mark.parametrize("name", ["bob", "carol", "alice", "dan", "pia"])
def test_non_admins_are_refused(login, cast, name):
    client = login(cast[name])
    assert client.get("/org/staff/").status_code == 403
    assert (
        client.post(
            "/org/staff/new/", {"name": "x", "email": "x@example.jp", "role": Role.PROVIDER_STAFF}
        ).status_code
        == 403
    )
    target = Membership.objects.get(user=cast["oscar"])
    assert client.post(f"/org/staff/{target.pk}/revoke/").status_code == 403
    assert not User.objects.filter(email="x@example.jp").exists()


def test_municipal_admin_manages_municipal_staff(login, cast, orgs):
    client = login(cast["amy"])
    response = client.post(
        "/org/staff/new/", {"name": "区 職員", "email": "ku@example.jp", "role": Role.MUNICIPAL_STAFF}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="ku@example.jp").organisation == orgs["chiyoda"]
    alice = Membership.objects.get(user=cast["alice"])
    hank = Membership.objects.get(user=cast["hank"])
    assert client.post(f"/org/staff/{hank.pk}/revoke/").status_code == 404  # 日立市's staff
    assert client.post(f"/org/staff/{alice.pk}/revoke/", {"confirmed": "1"}).status_code == 302


def test_home_lists_what_needs_the_admins_attention(login, cast, orgs):
    from conftest import make_user

    make_user("nomfa@example.jp", org=orgs["kyotaku"], role=Role.CARE_MANAGER, mfa=False)
    body = login(cast["olive"]).get("/").content.decode()
    assert "多要素認証を未設定の職員が 1 人います" in body


def test_an_api_key_is_revoked_only_after_the_question(login, cast):
    from kaigo_portal.accounts.models import ApiKey

    client = login(cast["olive"])
    client.post("/org/api-keys/", {"scope": "device", "name": "受付のカードリーダー", "days": 365})
    key = ApiKey.objects.get(name="受付のカードリーダー")
    question = client.post(f"/org/api-keys/{key.pk}/revoke/").content.decode()
    assert "API キーを失効させますか" in question and "受付のカードリーダー" in question
    key.refresh_from_db()
    assert key.revoked_at is None  # asked, not yet revoked
    assert client.post(f"/org/api-keys/{key.pk}/revoke/", {"confirmed": "1"}).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
