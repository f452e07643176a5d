"""Persons' accounts and pages: invitations, representatives, my data, my consents, who looked, disputes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from consent import services
from consent.models import Consent, Dispute, PersonAccount
from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal import access
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Role, User
from kaigo_portal.audit.models import AccessLogEntry, Category
from kaigo_portal.errors import ApplicationError

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


def at(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=JST), tick=False)


@pytest.fixture
def hanako(orgs):
    return ef.person(insurer=orgs["chiyoda"], insured_number="0000000501")


def test_an_invitation_is_used_once_sets_a_password_and_sends_to_totp(client, cast, hanako):
    with at(2026, 6, 1, 10):
        _invitation, code = services.invitation_create(person=hanako, by=cast["alice"])
        response = client.post(
            reverse("consent:accept_invitation"),
            {
                "code": code.lower(),
                "email": "Hanako@Example.jp",
                "name": "",
                "password": "a-long-enough-passphrase",
            },
        )
        assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
        user = User.objects.get(email="hanako@example.jp")
        assert (user.is_person, user.name, user.person_accounts.get().person) == (True, "介護 花子", hanako)
        assert client.get(reverse("consent:my_home")).status_code == 302  # TOTP first: persons need MFA
        client.logout()
        again = client.post(
            reverse("consent:accept_invitation"),
            {"code": code, "email": "other@example.jp", "password": "a-long-enough-passphrase"},
        )
        assert again.status_code == 400 and "使用済み" in again.content.decode()


def test_an_invitation_expires_after_14_days(cast, hanako):
    with at(2026, 6, 1, 10):
        _invitation, code = services.invitation_create(person=hanako, by=cast["alice"])
    with at(2026, 6, 15, 9, 59):
        services.invitation_check(code)
    with at(2026, 6, 15, 10, 0), pytest.raises(ApplicationError, match="有効期限切れ"):
        services.invitation_accept(
            code=code, email="h@example.jp", name="", password="a-long-enough-passphrase"
        )


def test_only_the_persons_municipality_invites(cast, hanako):
    with pytest.raises(ApplicationError):
        services.invitation_create(person=hanako, by=cast["hank"])
    with pytest.raises(ApplicationError):
        services.invitation_create(person=hanako, by=cast["bob"])


def test_one_representative_acts_for_two_parents_and_is_logged_as_the_representative(
    login, cast, orgs, hanako
):
    taro = ef.person(insurer=orgs["chiyoda"], insured_number="0000000502", name="介護 太郎")
    with at(2026, 6, 1, 10):
        rep, code = services.representative_register(
            person=hanako,
            by=cast["alice"],
            name="介護 一郎",
            email="ichiro@example.jp",
            document="family",
            valid_from=dt.date(2026, 6, 1),
            valid_to=dt.date(2027, 5, 31),
        )
        rep2, code2 = services.representative_register(
            person=taro,
            by=cast["alice"],
            name="介護 一郎",
            email="ichiro@example.jp",
            document="guardian",
            valid_from=dt.date(2026, 6, 1),
            valid_to=dt.date(2027, 5, 31),
        )
        assert code and code2 is None and rep.user == rep2.user
        services.invitation_accept(code=code, email="", name="", password="a-long-enough-passphrase")
        rep.user.refresh_from_db()
        TOTP.activate(rep.user, generate_totp_secret())  # the MFA step the invitation leads to
        client = login(rep.user)
        home = client.get(reverse("consent:my_home")).content.decode()
        assert "介護 花子 さん（代理人として）" in home and "介護 太郎 さん（代理人として）" in home
        assert client.get(reverse("consent:my_data", args=[taro.pk])).status_code == 200
        row = AccessLogEntry.objects.get()
        assert (row.actor_name, row.role, row.method, row.insured_number) == (
            "介護 一郎",
            "person",
            "representative",
            "0000000502",
        )
        client.post(
            reverse("consent:my_consent_change", args=[hanako.pk]), {"action": "grant", "confirmed": "1"}
        )
        assert Consent.objects.get(person=hanako).recorded_by == rep.user
        stranger = ef.person(insurer=orgs["chiyoda"], insured_number="0000000503")
        assert client.get(reverse("consent:my_data", args=[stranger.pk])).status_code == 404
    with at(2027, 6, 1, 10):
        assert login(rep.user).get(reverse("consent:my_data", args=[taro.pk])).status_code == 404


def test_the_person_withdraws_and_regrants_on_their_page(login, cast, orgs, hanako):
    user = cf.person_user("hanako@example.jp", hanako)
    with at(2026, 6, 1, 10):
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        cf.consent(hanako)
        client = login(user)
        assert (
            "同意しています" in client.get(reverse("consent:my_consents", args=[hanako.pk])).content.decode()
        )
        asked = client.post(reverse("consent:my_consent_change", args=[hanako.pk]), {"action": "withdraw"})
        assert "次の閲覧から" in asked.content.decode() and 'class="danger"' in asked.content.decode()
        assert Consent.objects.count() == 1  # the question alone withdraws nothing
        client.post(
            reverse("consent:my_consent_change", args=[hanako.pk]), {"action": "withdraw", "confirmed": "1"}
        )
        bob = Actor(user=cast["bob"], organisation=orgs["kyotaku"], role=Role.CARE_MANAGER)
        with pytest.raises(access.Forbidden):
            access.authorize(bob, hanako, Category.SURVEY, "x")
        client.post(
            reverse("consent:my_consent_change", args=[hanako.pk]), {"action": "grant", "confirmed": "1"}
        )
        access.authorize(bob, hanako, Category.SURVEY, "x")
    assert list(Consent.objects.values_list("status", "source")) == [
        ("granted", "application_new"),
        ("withdrawn", "person"),
        ("granted", "person"),
    ]


def test_who_looked_shows_page_list_and_api_reads_for_12_months_then_everything(
    login, cast, orgs, hanako, client
):
    from eligibility.tests.test_api_persons import client_for

    user = cf.person_user("hanako@example.jp", hanako)
    with at(2025, 4, 1, 10):
        access.authorize(
            Actor(user=cast["alice"], organisation=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF),
            hanako,
            Category.ELIGIBILITY,
            "insurer_administration",
        )
    with at(2026, 6, 1, 10):
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        login(cast["bob"]).get(reverse("consent:caseload"))  # a list view
        client_for(orgs["kyotaku"]).get("/api/v1/persons/131011/0000000501/eligibility/")  # an API read
        page = login(user).get(reverse("consent:my_access_log", args=[hanako.pk])).content.decode()
        assert "閲覧記録（2 件。" in page
        assert "ケアプランセンター神田" in page and "（API）" in page and "bob（介護支援専門員）" in page
        everything = (
            login(user).get(reverse("consent:my_access_log", args=[hanako.pk]) + "?all=1").content.decode()
        )
        assert "閲覧記録（3 件。" in everything and "千代田区" in everything


def test_i_dont_recognise_this_opens_a_case_for_the_municipality(login, cast, orgs, hanako):
    user = cf.person_user("hanako@example.jp", hanako)
    with at(2026, 6, 1, 10):
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        login(cast["bob"]).get(reverse("consent:office_person", args=["131011", "0000000501"]))
        entry = AccessLogEntry.objects.first()
        client = login(user)
        asked = client.get(reverse("consent:my_dispute", args=[hanako.pk, entry.pk]))
        assert "市町村に確認を依頼する" in asked.content.decode()
        assert not Dispute.objects.exists()  # the question alone opens no case
        assert client.post(reverse("consent:my_dispute", args=[hanako.pk, entry.pk])).status_code == 302
        client.post(reverse("consent:my_dispute", args=[hanako.pk, entry.pk]))  # twice: one open case
        other = ef.person(insurer=orgs["chiyoda"], insured_number="0000000509")
        other_entry = access.authorize(
            Actor(user=cast["alice"], organisation=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF),
            other,
            Category.ELIGIBILITY,
            "x",
        )
        assert other_entry.granted
        foreign = AccessLogEntry.objects.get(insured_number="0000000509")
        assert client.post(reverse("consent:my_dispute", args=[hanako.pk, foreign.pk])).status_code == 404
        dispute = Dispute.objects.get()
        assert (dispute.person, dispute.entry_id, dispute.reported_by, dispute.status) == (
            hanako,
            entry.pk,
            user,
            "open",
        )
        queue = login(cast["alice"]).get(reverse("consent:municipal_disputes")).content.decode()
        assert "ケアプランセンター神田 bob" in queue
        assert (
            "0000000501"
            not in login(cast["hank"]).get(reverse("consent:municipal_disputes")).content.decode()
        )
        login(cast["alice"]).post(
            reverse("consent:municipal_dispute_close", args=[dispute.pk]),
            {"resolution": "ケアプランセンター神田に確認。契約時の本人確認でした。"},
        )
        dispute.refresh_from_db()
        assert dispute.status == "closed"


def test_staff_cannot_use_the_persons_pages(login, cast, hanako):
    assert login(cast["alice"]).get(reverse("consent:my_home")).status_code == 403
    assert not PersonAccount.objects.exists()


def test_an_optional_email_tells_the_person_when_a_new_organisation_first_looks(
    login, cast, orgs, hanako, mailoutbox
):
    from consent.tasks import send_new_organisation_notices

    user = cf.person_user("hanako@example.jp", hanako)
    alice = Actor(user=cast["alice"], organisation=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF)
    with at(2026, 6, 1, 10):
        access.authorize(alice, hanako, Category.ELIGIBILITY, "x")  # before the setting: not news
        login(user).post(reverse("consent:my_notice_setting", args=[hanako.pk]), {"enabled": "1"})
        access.authorize(alice, hanako, Category.ELIGIBILITY, "x")  # an organisation already known
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        bob = Actor(user=cast["bob"], organisation=orgs["kyotaku"], role=Role.CARE_MANAGER)
        access.authorize(bob, hanako, Category.ELIGIBILITY, "x")
        access.authorize(bob, hanako, Category.HOME_MODIFICATION, "x")
        send_new_organisation_notices()
        send_new_organisation_notices()  # nothing new the second time
    assert [m.to for m in mailoutbox] == [["hanako@example.jp"]]
    assert "ケアプランセンター神田" in mailoutbox[0].body and "千代田区" not in mailoutbox[0].body


def test_an_invitation_can_be_emailed_and_only_while_it_is_usable(
    cast, hanako, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, code = services.invitation_create(
            person=hanako, by=cast["alice"], email="hanako@example.jp"
        )
    assert [m.to for m in mailoutbox] == [["hanako@example.jp"]]
    assert code in mailoutbox[0].body and "/me/invitation/" in mailoutbox[0].body


def test_who_looked_puts_others_first_one_line_per_page_view_in_japanese(login, cast, orgs, hanako):
    """A page that shows three categories writes three rows: the person reads one line. Codes become labels."""
    user = cf.person_user("hanako@example.jp", hanako)
    with at(2026, 6, 1, 10):
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        cf.consent(hanako, by=cast["bob"])
        actor = Actor(
            user=cast["bob"],
            organisation=orgs["kyotaku"],
            role=Role.CARE_MANAGER,
            request_id="a" * 32,
        )
        for category in (Category.ELIGIBILITY, Category.SURVEY, Category.OPINION):
            access.authorize(actor, hanako, category, access.Purpose.CARE_MANAGEMENT)
        page = login(user).get(reverse("consent:my_access_log", args=[hanako.pk])).content.decode()
    assert "閲覧記録（1 件。" in page
    assert "資格・被保険者証、認定調査票、主治医意見書" in page
    assert "ケアマネジメント（ケアプラン作成）" in page and "マイナンバーカード" in page
    for code in ("care_management", "mynumber_card", "care_manager", "own_data", "granted"):
        assert code not in page, code


def test_the_persons_own_views_fold_into_a_day_and_cannot_be_disputed(login, cast, orgs, hanako):
    user = cf.person_user("hanako@example.jp", hanako)
    with at(2026, 6, 1, 10):
        client = login(user)
        for _ in range(3):
            client.get(reverse("consent:my_data", args=[hanako.pk]))
    with at(2026, 6, 2, 10):
        client = login(user)  # a new sign-in: the day before's session has timed out
        answer = client.get(reverse("consent:my_access_log", args=[hanako.pk]))
        assert answer.status_code == 200, answer
        page = answer.content.decode()
    own = AccessLogEntry.objects.filter(purpose=access.Purpose.OWN_DATA)
    assert own.count() >= 3
    assert "閲覧記録（0 件。" in page and "ほかの人による閲覧はありません" in page
    assert "ご本人・代理人による閲覧（1 日分）" in page
    assert "3 回" in page and "（本人）" in page and "令和8年6月1日" in page
    assert "/dispute/" not in page  # no line to dispute
    entry = own.first()
    with at(2026, 6, 2, 10):
        assert client.get(reverse("consent:my_dispute", args=[hanako.pk, entry.pk])).status_code == 404
        assert client.post(reverse("consent:my_dispute", args=[hanako.pk, entry.pk])).status_code == 404
    with pytest.raises(ApplicationError) as refused:
        services.dispute_open(person=hanako, entry_id=entry.pk, by=user)
    assert refused.value.code == "dispute.own_view"
    assert not Dispute.objects.exists()
