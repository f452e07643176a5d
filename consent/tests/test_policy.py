"""The policy beyond the matrix: dates, lists and their query counts, and the door's registration."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from consent import policy
from consent.tests import factories as cf
from eligibility.models import InsuredPerson
from eligibility.tests import factories as ef
from kaigo_portal import access
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Role
from kaigo_portal.audit.models import AccessLogEntry, Category

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


def test_the_consent_rules_are_registered_into_the_door():
    assert isinstance(access.registered_rules(), policy.ConsentRules)


def test_the_person_sees_eligibility_only_from_2026_04_01(orgs, cast):
    person = ef.person(insurer=orgs["chiyoda"])
    cf.person_user("hanako@example.jp", person)
    actor = Actor(user=person.account.user, organisation=None, role=None)
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, tzinfo=JST)):
        with pytest.raises(access.Forbidden) as refused:
            access.authorize(actor, person, Category.ELIGIBILITY, access.Purpose.OWN_DATA)
        assert refused.value.reason == "before_service_start"
        assert not access.filter_persons(actor, InsuredPerson.objects.all(), Category.ELIGIBILITY).exists()
    with time_machine.travel(dt.datetime(2026, 4, 1, 0, 1, tzinfo=JST)):
        access.authorize(actor, person, Category.ELIGIBILITY, access.Purpose.OWN_DATA)
        assert access.filter_persons(actor, InsuredPerson.objects.all(), Category.ELIGIBILITY).get() == person


def test_an_expired_representative_no_longer_acts(orgs, cast):
    person = ef.person(insurer=orgs["chiyoda"])
    cf.representative(cast["pia"], person, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2026, 5, 31))
    actor = Actor(user=cast["pia"], organisation=None, role=None)
    with time_machine.travel(dt.datetime(2026, 5, 31, 12, tzinfo=JST)):
        assert access.authorize(actor, person, Category.ELIGIBILITY, "x").method == "representative"
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=JST)), pytest.raises(access.NotVisible):
        access.authorize(actor, person, Category.ELIGIBILITY, "x")


@pytest.mark.parametrize("size", [10, 60])
def test_logging_a_listed_page_takes_the_same_queries_whatever_its_size(
    orgs, cast, size, django_assert_max_num_queries
):
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=JST)):
        persons = [ef.person(insurer=orgs["chiyoda"]) for _ in range(size)]
        for person in persons:
            cf.relationship(orgs["kyotaku"], person, by=cast["bob"])
            cf.consent(person)
        bob = Actor(user=cast["bob"], organisation=orgs["kyotaku"], role=Role.CARE_MANAGER)
        listed = list(
            access.filter_persons(bob, InsuredPerson.objects.select_related("insurer"), Category.CAREPLAN)
        )
        assert len(listed) == size
        with django_assert_max_num_queries(12):
            access.log_listed(bob, listed, Category.CAREPLAN, access.Purpose.CARE_MANAGEMENT)
        assert AccessLogEntry.objects.filter(outcome="granted", method="mynumber_card").count() == size


def test_the_demo_gives_the_care_manager_a_caseload_and_the_person_an_account(settings):
    import io

    from django.core.management import call_command

    from consent.models import Consent, PersonAccount, Relationship

    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", "--quiet", stdout=out)
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    assert "同意・担当事業所: 担当 20 人" in out.getvalue()
    assert (Relationship.objects.count(), Consent.objects.count(), PersonAccount.objects.count()) == (
        25,
        10,
        1,
    )


# Consent histories (date offset from today, status, deleted) and relationships (method, anchor offset in
# days, expires offset in hours, ended): the one-person path (one SQL statement) must agree with the list
# path and the queryset filter on every one.
CONSENT_HISTORIES = [
    [],
    [(0, "granted", False)],
    [(-10, "granted", False), (-2, "withdrawn", False)],
    [(-10, "withdrawn", False), (-2, "granted", False)],
    [(-3, "granted", False), (-3, "withdrawn", False)],  # same day: the later event wins
    [(-3, "withdrawn", False), (-3, "granted", False)],
    [(-5, "granted", False), (2, "withdrawn", False)],  # a future withdrawal is not in force yet
    [(3, "granted", False)],  # nor a future grant
    [(-5, "granted", True)],  # a deleted grant counts for nothing
    [(-5, "refused", False)],
]
RELATIONSHIPS = [
    None,
    ("mynumber_card", 0, None, False),
    ("insurance_card", -200, None, False),  # lapsed: no claim for more than three months
    ("mynumber_card", -10, None, True),  # ended
    ("disaster", 0, 24, False),
    ("disaster", -8, -1, False),  # break-glass expired
]


@pytest.mark.parametrize("history", CONSENT_HISTORIES)
@pytest.mark.parametrize("relationship", RELATIONSHIPS)
def test_one_person_and_list_paths_agree(orgs, cast, history, relationship):
    from django.utils import timezone

    from consent.models import Consent, Relationship

    now = timezone.now()
    today = timezone.localdate()
    person = ef.person(insurer=orgs["chiyoda"])
    for offset, status, deleted in history:
        Consent.objects.create(
            person=person,
            status=status,
            source="application_new",
            reference="T",
            effective_date=today + dt.timedelta(days=offset),
            deleted=deleted,
        )
    if relationship is not None:
        method, anchor, expires, ended = relationship
        Relationship.objects.create(
            office=orgs["kyotaku"],
            person=person,
            method=method,
            verified_at=now,
            verified_by_name="t",
            anchor_on=today + dt.timedelta(days=anchor),
            expires_at=now + dt.timedelta(hours=expires) if expires is not None else None,
            ended_at=now if ended else None,
        )
    bob = Actor(user=cast["bob"], organisation=orgs["kyotaku"], role=Role.CARE_MANAGER)
    rules = policy.ConsentRules()
    person = InsuredPerson.objects.select_related("insurer").get(pk=person.pk)
    for category in (Category.ELIGIBILITY, Category.CAREPLAN):
        one = rules.decide(bob, person, category)
        many = rules.decide_many(bob, [person], category)[0]
        listed = (
            InsuredPerson.objects.filter(rules.person_filter(bob, category)).filter(pk=person.pk).exists()
        )
        assert (one.granted, one.reason, one.method) == (many.granted, many.reason, many.method)
        assert one.granted == listed


def test_the_api_documents_every_403_an_office_can_get():
    from kaigo_portal.api.responses import READ_FORBIDDEN_CODES

    office_refusals = {
        policy.Reason.INSURER_NOT_LIVE,
        policy.Reason.CARE_MANAGERS_ONLY,
        policy.Reason.NO_CONSENT,
    }
    assert set(READ_FORBIDDEN_CODES) == office_refusals
