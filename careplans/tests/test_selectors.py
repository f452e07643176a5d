"""Who sees what, only through the policy: the careplan gate, then the object rules; every read logged."""

import pytest

from careplans import selectors, services
from consent.models import ConsentStatus, Relationship
from consent.tests.factories import care_manager, consent, relationship
from kaigo_portal import access
from kaigo_portal.audit.models import AccessLogEntry

from .conftest import actor
from .factories import awaiting, delivered, draft, person

pytestmark = pytest.mark.django_db
PURPOSE = access.Purpose.CARE_MANAGEMENT


def last_log():
    return AccessLogEntry.objects.order_by("-id").values_list("category", "outcome", "reason").first()


def test_offices_with_relationship_and_consent_and_the_person_see_a_delivered_plan(hanako, bob, carol, pia):
    plan = delivered(actor=bob, person=hanako)
    for who in (bob, carol, pia):
        assert selectors.plan_for(who, pk=plan.pk, purpose=PURPOSE) == plan
        assert last_log() == ("careplan", "granted", "own_data" if who is pia else "relationship")


def test_no_consent_refuses_the_office_with_403(hanako, bob, carol):
    plan = delivered(actor=bob, person=hanako)
    consent(hanako, ConsentStatus.WITHDRAWN)
    with pytest.raises(access.Forbidden) as caught:
        selectors.plan_for(carol, pk=plan.pk, purpose=PURPOSE)
    assert caught.value.reason == "no_consent"
    assert last_log() == ("careplan", "denied", "no_consent")
    assert list(selectors.plans_for(carol)) == [] and list(selectors.inbox_for(carol)) == []


def test_no_relationship_is_404(hanako, bob, carol):
    plan = delivered(actor=bob, person=hanako)
    Relationship.objects.filter(office=carol.organisation).update(ended_at="2026-11-19T00:00:00Z")
    with pytest.raises(access.NotVisible):
        selectors.plan_for(carol, pk=plan.pk, purpose=PURPOSE)
    assert last_log() == ("careplan", "denied", "no_relationship")


def test_a_draft_of_another_office_is_404_even_with_relationship_and_consent(hanako, bob, orgs):
    plan = draft(actor=bob, person=hanako)
    relationship(orgs["kyotaku2"], hanako)
    other = actor(care_manager("kai@example.jp", orgs["kyotaku2"]))
    with pytest.raises(access.NotVisible):
        selectors.plan_for(other, pk=plan.pk, purpose=PURPOSE)
    assert last_log() == ("careplan", "denied", "draft_of_another_office")
    # One row for the refused read: never a "granted" row for a draft the office did not see.
    assert not AccessLogEntry.objects.filter(
        organisation_number=orgs["kyotaku2"].number, outcome="granted"
    ).exists()
    assert list(selectors.plans_for(other)) == []


@pytest.mark.parametrize("state", ["draft", "agreed"])
def test_the_person_does_not_see_a_draft_that_is_not_put_to_them(hanako, bob, pia, state):
    plan = draft(actor=bob, person=hanako)
    if state == "agreed":
        plan = services.plan_record_paper_agreement(actor=bob, plan=plan, agreed_on=plan.created_on)
    with pytest.raises(access.NotVisible):
        selectors.plan_for(pia, pk=plan.pk, purpose=access.Purpose.OWN_DATA)
    assert last_log() == ("careplan", "denied", "draft_not_awaiting_agreement")


def test_the_person_sees_the_draft_awaiting_agreement_and_a_provider_does_not(hanako, bob, carol, pia):
    plan = awaiting(actor=bob, person=hanako)
    assert selectors.plan_for(pia, pk=plan.pk, purpose=access.Purpose.OWN_DATA) == plan
    with pytest.raises(access.NotVisible):
        selectors.plan_for(carol, pk=plan.pk, purpose=PURPOSE)


def test_the_person_of_an_insurer_not_live_is_refused(orgs, cast, bob):
    from consent.models import PersonAccount

    someone = person(insurer=orgs["hitachi"])
    user = cast["pia"]
    PersonAccount.objects.create(user=user, person=someone)
    with pytest.raises(access.Forbidden):
        access.authorize(actor(user), someone, selectors.CAREPLAN, access.Purpose.OWN_DATA)
    assert list(selectors.plans_for(actor(user))) == []


def test_lists_show_what_plan_for_would_and_log_each_person_once(
    hanako, bob, carol, orgs, django_assert_max_num_queries
):
    first = delivered(actor=bob, person=hanako)
    second = services.plan_revise(actor=bob, plan=first)
    other = person(insurer=orgs["chiyoda"])
    relationship(orgs["kyotaku"], other)
    draft(actor=bob, person=other)  # no consent for this person: never listed
    assert set(selectors.plans_for(bob)) == {first, second}
    assert set(selectors.plans_for(carol)) == {first}
    before = AccessLogEntry.objects.count()
    with django_assert_max_num_queries(12):
        plans = list(selectors.plans_for(bob))
        selectors.log_plans_listed(bob, plans, PURPOSE)
    assert AccessLogEntry.objects.count() == before + 1


def test_the_inbox_shows_plans_sent_to_the_office(hanako, bob, carol, orgs):
    plan = delivered(actor=bob, person=hanako)
    assert list(selectors.inbox_for(carol)) == []
    services.plan_send(actor=bob, plan=plan, office=orgs["homon"])
    assert [d.plan for d in selectors.inbox_for(carol)] == [plan]
    assert list(selectors.inbox_for(bob)) == []


def test_offices_the_editor_offers_are_the_live_relationships(hanako, orgs):
    assert list(selectors.serving_offices(hanako)) == [orgs["kyotaku"], orgs["homon"]]
