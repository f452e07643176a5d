"""The door to personal data: decisions, the log row each one writes, and failing closed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.test import RequestFactory

from kaigo_portal import access
from kaigo_portal.access import (
    Actor,
    Category,
    Decision,
    Forbidden,
    NotVisible,
    PersonRef,
    Purpose,
    authorize,
)
from kaigo_portal.accounts.models import ApiScope, Role
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def actor_for(user, org, role, **kwargs) -> Actor:
    return Actor(user=user, organisation=org, role=role, request_id="req-12345678", **kwargs)


@pytest.fixture
def person(orgs):
    return PersonRef(orgs["chiyoda"], "0000000042")


@pytest.fixture(autouse=True)
def fallback_rules():
    """These tests are about the door itself: they run on its fallback rules (the consent app's rules
    are tested in consent/tests), and leave the registered set as they found it."""
    saved = access.registered_rules()
    access.register_rules(None)
    yield
    access.register_rules(saved)


@pytest.fixture
def fresh_rules():
    """Leaves the registered rule set as it found it."""
    saved = access.registered_rules()
    yield
    access.register_rules(saved)


def test_municipal_staff_of_the_persons_insurer_get_in_and_it_is_logged(cast, orgs, person):
    decision = authorize(
        actor_for(cast["alice"], orgs["chiyoda"], Role.MUNICIPAL_STAFF),
        person,
        Category.SURVEY,
        Purpose.INSURER_ADMINISTRATION,
    )
    assert decision == Decision(True, "own_insurer", 200, "insurer")
    row = AccessLogEntry.objects.get()
    assert {
        "actor_user_id": row.actor_user_id,
        "actor_name": row.actor_name,
        "organisation_number": row.organisation_number,
        "organisation_name": row.organisation_name,
        "role": row.role,
        "insurer_number": row.insurer_number,
        "insured_number": row.insured_number,
        "category": row.category,
        "purpose": row.purpose,
        "method": row.method,
        "channel": row.channel,
        "outcome": row.outcome,
        "reason": row.reason,
        "request_id": row.request_id,
    } == {
        "actor_user_id": cast["alice"].pk,
        "actor_name": "alice",
        "organisation_number": "131011",
        "organisation_name": "千代田区",
        "role": "municipal_staff",
        "insurer_number": "131011",
        "insured_number": "0000000042",
        "category": "survey",
        "purpose": "insurer_administration",
        "method": "insurer",
        "channel": "page",
        "outcome": "granted",
        "reason": "own_insurer",
        "request_id": "req-12345678",
    }


@pytest.mark.parametrize(
    ("name", "org_key", "role"),
    [("hank", "hitachi", Role.MUNICIPAL_STAFF), ("bob", "kyotaku", Role.CARE_MANAGER),
     ("carol", "homon", Role.PROVIDER_STAFF), ("dan", "clinic", Role.CLINIC_DOCTOR),
     ("pat", "platform", Role.PLATFORM_OPERATOR)],
)  # fmt: skip
def test_everyone_else_is_refused_until_the_consent_rules_arrive_and_it_is_logged(
    cast, orgs, person, name, org_key, role
):
    with pytest.raises(NotVisible):
        authorize(
            actor_for(cast[name], orgs[org_key], role), person, Category.ELIGIBILITY, Purpose.CARE_MANAGEMENT
        )
    row = AccessLogEntry.objects.get()
    assert (row.outcome, row.reason, row.actor_user_id) == ("denied", "no_rule_grants_access", cast[name].pk)


def test_the_person_themself_is_refused_by_the_fallback_rules(cast, person):
    with pytest.raises(NotVisible):
        authorize(
            Actor(user=cast["pia"], organisation=None, role=None),
            person,
            Category.ELIGIBILITY,
            Purpose.OWN_DATA,
        )
    assert AccessLogEntry.objects.get().role == "person"


def test_an_api_key_is_logged_as_the_organisation_and_the_keys_name(orgs, person):
    key, _raw = api_key_create(
        organisation=orgs["chiyoda"], scope=ApiScope.IMPORTS, name="介護保険事務システム", by=None
    )
    request = RequestFactory().get("/api/v1/x/")
    request.auth, request.request_id = key, "req-abcdefgh"
    authorize(Actor.for_request(request), person, Category.ELIGIBILITY, Purpose.INSURER_ADMINISTRATION)
    row = AccessLogEntry.objects.get()
    assert (row.actor_name, row.api_key_prefix, row.channel, row.role, row.actor_user_id) == (
        "千代田区 / 介護保険事務システム",
        key.prefix,
        "api",
        "municipal_staff",
        None,
    )


def test_unknown_categories_are_a_programming_error(cast, orgs, person):
    with pytest.raises(ValueError, match="unknown category"):
        authorize(actor_for(cast["alice"], orgs["chiyoda"], Role.MUNICIPAL_STAFF), person, "everything", "x")
    assert not AccessLogEntry.objects.exists()


def test_the_queryset_filter_matches_the_decisions(cast, orgs):
    alice = actor_for(cast["alice"], orgs["chiyoda"], Role.MUNICIPAL_STAFF)
    bob = actor_for(cast["bob"], orgs["kyotaku"], Role.CARE_MANAGER)
    rules = access.OwnInsurerOnly()
    assert rules.person_filter(alice, Category.ELIGIBILITY, prefix="person__") == Q(
        person__insurer_id=orgs["chiyoda"].pk
    )
    assert rules.person_filter(bob, Category.ELIGIBILITY) == Q(pk__in=[])


def test_registered_rules_replace_the_fallback_and_deny_with_403(fresh_rules, cast, orgs, person):
    class Closed:
        def decide(self, actor, person, category):
            return Decision.forbid("insurer_not_live", method="mynumber_card")

        def person_filter(self, actor, category, *, prefix=""):
            return Q(pk__in=[])

    access.register_rules(Closed())
    with pytest.raises(Forbidden) as refused:
        authorize(
            actor_for(cast["alice"], orgs["chiyoda"], Role.MUNICIPAL_STAFF), person, Category.ELIGIBILITY, "x"
        )
    assert refused.value.reason == "insurer_not_live"
    row = AccessLogEntry.objects.get()
    assert (row.outcome, row.reason, row.method) == ("denied", "insurer_not_live", "mynumber_card")


def test_log_listed_writes_a_row_per_person_shown_and_refuses_a_leak(cast, orgs):
    alice = actor_for(cast["alice"], orgs["chiyoda"], Role.MUNICIPAL_STAFF)
    shown = [PersonRef(orgs["chiyoda"], f"{n:010d}") for n in range(5)]
    access.log_listed(alice, shown, Category.ELIGIBILITY, Purpose.INSURER_ADMINISTRATION)
    assert AccessLogEntry.objects.filter(outcome="granted").count() == 5
    with pytest.raises(RuntimeError, match="refuse"):
        access.log_listed(alice, [PersonRef(orgs["hitachi"], "0000000001")], Category.ELIGIBILITY, "x")
    assert AccessLogEntry.objects.count() == 5


def test_production_refuses_to_start_without_a_rule_set(fresh_rules, settings):
    settings.DEBUG = False
    access.register_rules(None)
    with pytest.raises(ImproperlyConfigured, match="No access rule set"):
        access.ensure_rules_for_production()
    access.register_rules(access.OwnInsurerOnly())
    access.ensure_rules_for_production()  # a registered set lets it start


def test_read_runs_the_query_after_a_grant_and_logs_it(cast, orgs, person, django_assert_max_num_queries):
    from kaigo_portal.accounts.models import Organisation

    alice = actor_for(cast["alice"], orgs["chiyoda"], Role.MUNICIPAL_STAFF)
    query = Organisation.objects.filter(insurer_number="131011").values_list("name", flat=True)
    found, names = access.read(alice, person, Category.ELIGIBILITY, Purpose.INSURER_ADMINISTRATION, query)
    assert (found, names) == (person, ["千代田区"])
    # A function of the person gives the query once the person is known.
    _found, again = access.read(
        alice,
        person,
        Category.ELIGIBILITY,
        Purpose.INSURER_ADMINISTRATION,
        lambda p: Organisation.objects.filter(pk=p.insurer_id).values_list("insurer_number", flat=True),
    )
    assert again == ["131011"]
    rows = AccessLogEntry.objects.order_by("id")
    assert [(r.outcome, r.insured_number) for r in rows] == [("granted", "0000000042")] * 2


def test_read_refused_never_runs_the_query(cast, orgs, person):
    asked = []
    bob = actor_for(cast["bob"], orgs["kyotaku"], Role.CARE_MANAGER)
    with pytest.raises(NotVisible):
        access.read(bob, person, Category.ELIGIBILITY, Purpose.CARE_MANAGEMENT, lambda p: asked.append(p))
    assert asked == []
    assert AccessLogEntry.objects.get().outcome == "denied"


def test_read_of_numbers_nobody_has_is_a_404_logged_under_the_numbers(cast, orgs):
    alice = actor_for(cast["alice"], orgs["chiyoda"], Role.MUNICIPAL_STAFF)
    with pytest.raises(NotVisible):
        access.read(
            alice, access.Numbers("131011", "0000009999"), Category.ELIGIBILITY, Purpose.CARE_MANAGEMENT
        )
    row = AccessLogEntry.objects.get()
    assert (row.insurer_number, row.insured_number, row.outcome, row.reason) == (
        "131011",
        "0000009999",
        "denied",
        "no_such_person",
    )


def test_fetch_gets_a_row_the_actor_may_read_and_logs_it(cast, orgs):
    from eligibility.models import PersonVersion
    from eligibility.tests import factories as ef

    mine = ef.person(insurer=orgs["chiyoda"])
    theirs = ef.person(insurer=orgs["hitachi"])
    alice = actor_for(cast["alice"], orgs["chiyoda"], Role.MUNICIPAL_STAFF)
    versions = PersonVersion.objects.all()
    own = versions.get(person=mine)
    assert (
        access.fetch(alice, versions, Category.ELIGIBILITY, Purpose.INSURER_ADMINISTRATION, pk=own.pk) == own
    )
    with pytest.raises(NotVisible):
        other = versions.get(person=theirs)
        access.fetch(alice, versions, Category.ELIGIBILITY, Purpose.INSURER_ADMINISTRATION, pk=other.pk)
    assert [(r.insured_number, r.outcome) for r in AccessLogEntry.objects.all()] == [
        (mine.insured_number, "granted")
    ]
