"""Municipal screens: consents, disaster periods, the break-glass queue, invitations, representatives."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from consent import services
from consent.models import Consent, DisasterPeriod, Invitation, Representative
from eligibility.tests import factories as ef
from kaigo_portal.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _june():
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        yield


@pytest.fixture
def hanako(orgs):
    return ef.person(insurer=orgs["chiyoda"], insured_number="0000000601")


PAGES = ["municipal_consents", "municipal_disasters", "municipal_break_glass", "municipal_disputes",
         "municipal_invitations", "municipal_representatives"]  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
def test_only_municipal_staff_get_in(login, cast, page):
    assert login(cast["alice"]).get(reverse(f"consent:{page}")).status_code == 200
    for name in ("bob", "carol", "dan", "pat"):
        assert login(cast[name]).get(reverse(f"consent:{page}")).status_code == 403


def test_staff_record_a_paper_withdrawal_for_their_own_insurer_only(login, cast, orgs, hanako):
    url = reverse("consent:municipal_consents")
    client = login(cast["alice"])
    picked = client.post(url, {"insured_number": "0000000601"})
    assert picked.status_code == 302 and "0000000601" not in picked["Location"]  # held, not in the URL
    asked = client.post(url, {"action": "record", "status": "granted", "note": "更新申請書"})
    assert "「同意」を記録しますか" in asked.content.decode()
    assert not Consent.objects.exists()  # the question alone records nothing
    client.post(url, {"action": "record", "status": "granted", "note": "更新申請書", "confirmed": "1"})
    client.post(
        url, {"action": "record", "status": "withdrawn", "note": "窓口で撤回の申出", "confirmed": "1"}
    )
    page = client.get(url).content.decode()
    assert "窓口で撤回の申出" in page and "更新申請書" in page
    assert "現在の同意：<strong>撤回（" in page
    assert list(Consent.objects.values_list("status", "source", "recorded_by_name")) == [
        ("granted", "paper", "alice"),
        ("withdrawn", "paper", "alice"),
    ]
    other = login(cast["hank"])
    other.post(url, {"insured_number": "0000000601"})
    assert "該当する被保険者はいません" in other.get(url).content.decode()
    miss = AccessLogEntry.objects.order_by("-id").first()  # hank's look-up is logged under his insurer
    assert (miss.insurer_number, miss.insured_number, miss.outcome, miss.actor_user_id) == (
        "082024",
        "0000000601",
        "denied",
        cast["hank"].pk,
    )


def test_an_admin_declares_a_disaster_period_and_staff_cannot(login, cast):
    data = {"starts_on": "2026-06-01", "ends_on": "2026-06-14", "reason": "令和8年 豪雨災害"}
    assert (
        "市町村管理者"
        in login(cast["alice"]).post(reverse("consent:municipal_disasters"), data).content.decode()
    )
    assert login(cast["amy"]).post(reverse("consent:municipal_disasters"), data).status_code == 302
    assert DisasterPeriod.objects.get().reason == "令和8年 豪雨災害"


def test_the_break_glass_queue_is_closed_with_a_note(login, cast, orgs, hanako):
    services.disaster_period_declare(
        insurer=orgs["chiyoda"],
        by=cast["amy"],
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 14),
        reason="豪雨",
    )
    relationship = services.relationship_break_glass(
        office=orgs["kyotaku"], person=hanako, by=cast["bob"], reason="避難所"
    )
    client = login(cast["alice"])
    assert "避難所" in client.get(reverse("consent:municipal_break_glass")).content.decode()
    client.post(
        reverse("consent:municipal_break_glass_close", args=[relationship.pk]), {"note": "家族に確認済み"}
    )
    assert (
        "未確認の緊急閲覧はありません"
        in client.get(reverse("consent:municipal_break_glass")).content.decode()
    )


def test_invitation_and_representative_screens_show_the_code_once(login, cast, hanako):
    client = login(cast["alice"])
    page = client.post(
        reverse("consent:municipal_invitations"), {"insured_number": "0000000601"}
    ).content.decode()
    assert "招待コード：" in page and Invitation.objects.count() == 1
    page = client.post(
        reverse("consent:municipal_representatives"),
        {
            "insured_number": "0000000601",
            "name": "介護 一郎",
            "email": "ichiro@example.jp",
            "document": "guardian",
            "valid_from": "2026-06-01",
            "valid_to": "2027-05-31",
        },
    ).content.decode()
    assert "代理人の招待コード" in page
    assert Representative.objects.get().get_document_display() == "成年後見人（登記事項証明書）"


def test_municipal_screens_that_show_persons_log_each_person_shown(login, cast, hanako):
    from kaigo_portal.audit.models import AccessLogEntry

    client = login(cast["alice"])
    client.post(reverse("consent:municipal_consents"), {"insured_number": "0000000601"})
    client.get(reverse("consent:municipal_consents"))

    def rows():
        return AccessLogEntry.objects.filter(insured_number="0000000601")

    assert [(r.outcome, r.category, r.purpose, r.actor_user_id) for r in rows()] == [
        ("granted", "eligibility", "insurer_administration", cast["alice"].pk)
    ]
    client.post(
        reverse("consent:municipal_representatives"),
        {
            "insured_number": "0000000601",
            "name": "介護 一郎",
            "email": "ichiro@example.jp",
            "document": "guardian",
            "valid_from": "2026-06-01",
            "valid_to": "2027-05-31",
        },
    )
    before = rows().count()
    client.get(reverse("consent:municipal_representatives"))  # the register lists hanako's representative
    assert rows().count() == before + 1
