"""Progress against the 30-day limit, and who may read progress and the survey."""

import datetime as dt

import pytest
import time_machine

from certification import selectors
from certification.models import StepKind
from consent.tests.factories import consent, relationship
from kaigo_portal import access
from kaigo_portal.accounts.models import Role

from .factories import COMPLETE_ANSWERS, application

D = dt.date
pytestmark = pytest.mark.django_db


def test_the_overdue_flag(uncertified):
    with time_machine.travel("2026-04-01 10:00 +0900"):
        app = application(person=uncertified, applied_on=D(2026, 4, 1))
    on_due = selectors.progress(app, D(2026, 5, 1))
    assert (on_due.days_elapsed, on_due.due, on_due.overdue, on_due.needs_extension_notice) == (
        30,
        D(2026, 5, 1),
        False,
        False,
    )
    late = selectors.progress(app, D(2026, 5, 2))
    assert (late.days_elapsed, late.overdue, late.needs_extension_notice) == (31, True, True)
    assert late.waiting_for == [StepKind.SURVEY_REQUESTED, StepKind.OPINION_REQUESTED]


def _actor(cast, orgs, name, org, role):
    return access.Actor(user=cast[name], organisation=orgs[org], role=role)


@pytest.fixture
def surveyed(uncertified, cast):
    from certification import services

    with time_machine.travel("2026-04-10 10:00 +0900"):
        app = application(person=uncertified, by=cast["alice"], consent_granted=False)
        services.step_complete(
            application=app, kind=StepKind.SURVEY_REQUESTED, completed_on=D(2026, 4, 2), by=None
        )
        services.survey_record(
            application=app,
            conducted_on=D(2026, 4, 8),
            investigator="調査 太郎",
            answers=COMPLETE_ANSWERS,
            notes={"1-1": "麻痺なし"},
            by=cast["alice"],
        )
    return app


@time_machine.travel("2026-04-20 10:00 +0900")
def test_the_survey_is_refused_to_a_provider_a_care_manager_without_consent_and_another_insurer(
    surveyed, cast, orgs
):
    person = surveyed.person
    relationship(orgs["kyotaku"], person)
    relationship(orgs["homon"], person)
    read = lambda actor: selectors.survey_for(actor, application_id=surveyed.pk, purpose="care_management")  # noqa: E731
    assert read(_actor(cast, orgs, "alice", "chiyoda", Role.MUNICIPAL_STAFF)).answers["1-2"] == [2, 4]
    with pytest.raises(access.NotVisible):
        read(_actor(cast, orgs, "hank", "hitachi", Role.MUNICIPAL_STAFF))
    with pytest.raises((access.Forbidden, access.NotVisible)):
        read(_actor(cast, orgs, "carol", "homon", Role.PROVIDER_STAFF))
    bob = _actor(cast, orgs, "bob", "kyotaku", Role.CARE_MANAGER)
    with pytest.raises((access.Forbidden, access.NotVisible)):
        read(bob)  # the application's 包括同意 was refused
    consent(person, on=D(2026, 4, 20))
    assert read(bob).notes == {"1-1": "麻痺なし"}


@time_machine.travel("2026-04-20 10:00 +0900")
def test_a_care_manager_with_a_relationship_sees_progress_without_consent(surveyed, cast, orgs):
    person = surveyed.person
    bob = _actor(cast, orgs, "bob", "kyotaku", Role.CARE_MANAGER)
    with pytest.raises(access.NotVisible):
        selectors.person_progress_for(
            bob, insurer_id=person.insurer_id, insured_number=person.insured_number, purpose="care_management"
        )
    relationship(orgs["kyotaku"], person)
    _, apps = selectors.person_progress_for(
        bob, insurer_id=person.insurer_id, insured_number=person.insured_number, purpose="care_management"
    )
    assert [a.pk for a in apps] == [surveyed.pk]
    steps = selectors.progress(apps[0], D(2026, 4, 20)).steps
    assert list(steps) == [StepKind.RECEIVED, StepKind.SURVEY_REQUESTED, StepKind.SURVEY_RECEIVED]


@time_machine.travel("2026-04-20 10:00 +0900")
def test_municipal_lists_hold_only_their_own_insurer(surveyed, cast, orgs):
    alice = _actor(cast, orgs, "alice", "chiyoda", Role.MUNICIPAL_STAFF)
    hank = _actor(cast, orgs, "hank", "hitachi", Role.MUNICIPAL_STAFF)
    assert list(selectors.municipal_applications_for(alice)) == [surveyed]
    assert list(selectors.municipal_applications_for(hank)) == []


def test_percentiles_interpolate_between_ranks():
    assert selectors.percentile([], 0.5) is None
    assert selectors.percentile([10], 0.9) == 10
    assert selectors.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert selectors.percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)


def test_step_stats_over_the_last_3_months(orgs, uncertified):
    from certification.models import Application
    from eligibility.tests import factories as ef

    other = ef.person(insurer=orgs["chiyoda"])
    with time_machine.travel("2026-04-30 10:00 +0900"):
        a = application(person=uncertified, applied_on=D(2026, 4, 1))
        b = application(person=other, applied_on=D(2026, 4, 11))
        from certification import services

        services.step_complete(
            application=a, kind=StepKind.SURVEY_REQUESTED, completed_on=D(2026, 4, 3), by=None
        )
        services.step_complete(
            application=b, kind=StepKind.SURVEY_REQUESTED, completed_on=D(2026, 4, 19), by=None
        )
    stats = {s.kind: s for s in selectors.step_stats(Application.objects.all(), D(2026, 4, 30))}
    assert (
        stats["survey_requested"].count,
        stats["survey_requested"].median,
        stats["survey_requested"].p90,
    ) == (2, 5.0, pytest.approx(7.4))
    assert stats["opinion_requested"].median is None
    assert selectors.step_stats(Application.objects.all(), D(2026, 8, 1))[0].count == 0


def test_step_stats_are_kept_for_ten_minutes_per_insurer(cast, orgs, uncertified):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kaigo_portal.access import Actor
    from kaigo_portal.accounts.models import Role

    alice = Actor(user=cast["alice"], organisation=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF)
    first = selectors.step_stats_cached(alice, dt.date(2026, 6, 1))
    with CaptureQueriesContext(connection) as queries:
        assert selectors.step_stats_cached(alice, dt.date(2026, 6, 1)) == first
    assert len(queries) == 0
    assert [s.label for s in first][:1] == ["認定調査依頼"]
