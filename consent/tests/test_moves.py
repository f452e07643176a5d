"""The people around a person through a move (issue 22): the account follows, consent does not, the old care
team's access ends."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from consent import services
from consent.models import ConsentStatus, EndReason, PersonAccount, Relationship
from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal import access
from kaigo_portal.access import Actor, Category

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))
MOVED = dt.date(2026, 10, 15)


@pytest.fixture
def moved(orgs, cast):
    """Hanako at 千代田区, with her account, consent and care manager; then her record at 日立市 from its import."""
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        old = ef.person(insurer=orgs["chiyoda"], insured_number="0000000001", name="移転 花子")
        account = PersonAccount.objects.create(user=cast["pia"], person=old)
        cf.consent(old, on=dt.date(2026, 5, 1))
    with time_machine.travel(dt.datetime(2026, 10, 1, 10, tzinfo=JST), tick=False):
        cf.relationship(orgs["kyotaku"], old, by=cast["bob"])  # the care manager's 本人確認
    ef.person_version(
        person=old, effective_date=MOVED, disqualified_on=MOVED, loss_reason="11", loss_event_on=MOVED
    )
    new = ef.person(
        insurer=orgs["hitachi"],
        insured_number="0000000501",
        name="移転 花子",
        effective_date=MOVED,
        qualified_on=MOVED,
        acquisition_reason="02",
        previous_insurer_number="131011",
        previous_insured_number="0000000001",
    )
    return old, new, account


def test_the_account_follows_the_move_and_the_consent_does_not(moved, cast):
    old, new, account = moved
    assert services.accounts_follow_moves() == 1
    assert services.accounts_follow_moves() == 0  # safe to run twice
    follows = PersonAccount.objects.get(person=new)
    assert follows.user == cast["pia"] and follows.moved_from == account
    assert not new.consents.exists()  # asked again, never carried over
    pia = Actor(user=cast["pia"], organisation=None, role=None)
    with time_machine.travel(dt.datetime(2026, 11, 1, 10, tzinfo=JST), tick=False):
        for record in (old, new):  # both records are hers to read
            assert access.authorize(pia, record, Category.ELIGIBILITY, access.Purpose.OWN_DATA).granted


def test_her_page_shows_both_records_and_asks_for_consent_at_the_new_insurer(moved, cast, login):
    _old, new, _account = moved
    services.accounts_follow_moves()
    client = login(cast["pia"])
    with time_machine.travel(dt.datetime(2026, 11, 1, 10, tzinfo=JST), tick=False):
        page = client.get("/me/").content.decode()
        assert "（転出前の記録：千代田区）" in page and "千代田区から日立市に転入した後の記録です" in page
        assert "日立市への同意をお願いします" in page and f"/me/{new.pk}/consents/" in page
        services.consent_record(person=new, status=ConsentStatus.GRANTED, source="person", by=cast["pia"])
        assert "同意をお願いします" not in client.get("/me/").content.decode()


def test_the_old_care_team_loses_the_person_after_the_loss_of_qualification(moved, orgs, cast):
    old, _new, _account = moved
    with time_machine.travel(dt.datetime(2026, 10, 16, 3, tzinfo=JST), tick=False):
        counts = services.relationships_sweep()
        assert counts["disqualified"] == 1
        relationship = Relationship.objects.get(person=old)
        assert relationship.end_reason == EndReason.DISQUALIFIED
        bob = Actor(user=cast["bob"], organisation=orgs["kyotaku"], role="care_manager")
        with pytest.raises(access.NotVisible):
            access.authorize(bob, old, Category.ELIGIBILITY, access.Purpose.CARE_MANAGEMENT)


def test_moved_in_persons_without_an_account_cost_one_query_however_many(orgs, django_assert_num_queries):
    for n in range(20):
        ef.person(
            insurer=orgs["hitachi"],
            effective_date=MOVED,
            acquisition_reason="02",
            previous_insurer_number="131011",
            previous_insured_number=f"{9_000_000 + n:010d}",
        )
    with django_assert_num_queries(1):
        assert services.accounts_follow_moves() == 0
