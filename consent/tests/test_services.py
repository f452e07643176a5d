"""Consent, relationships and break-glass, through their services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from consent import selectors, services
from consent.models import Consent, ConsentSource, ConsentStatus, PrivacyContact, Relationship
from consent.tasks import send_break_glass_alert, send_withdrawal_notices
from consent.tests import factories as cf
from eligibility.tests import factories as ef
from eligibility.tests.importing import issues_of, run_job
from kaigo_portal import access
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Role
from kaigo_portal.audit.models import AccessLogEntry, Category
from kaigo_portal.errors import ApplicationError

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


def at(*args) -> time_machine.travel:
    return time_machine.travel(dt.datetime(*args, tzinfo=JST), tick=False)


@pytest.fixture
def hanako(orgs):
    return ef.person(insurer=orgs["chiyoda"], insured_number="0000000401")


def bob_actor(orgs, cast) -> Actor:
    return Actor(user=cast["bob"], organisation=orgs["kyotaku"], role=Role.CARE_MANAGER)


def test_withdrawal_blocks_the_very_next_request_and_tells_each_office(
    orgs, cast, hanako, django_capture_on_commit_callbacks
):
    with at(2026, 6, 1, 10):
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        cf.relationship(orgs["homon"], hanako, by=cast["carol"])
        cf.consent(hanako)
        access.authorize(bob_actor(orgs, cast), hanako, Category.CAREPLAN, "x")
        with django_capture_on_commit_callbacks(execute=True):
            services.consent_withdraw(person=hanako, by=cast["pia"], source=ConsentSource.PERSON)
        with pytest.raises(access.Forbidden, match="no_consent"):
            access.authorize(bob_actor(orgs, cast), hanako, Category.CAREPLAN, "x")
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.jp", "carol@example.jp"]
    assert "同意が撤回されました" in mail.outbox[0].body
    # The message delivered again (its worker died before acknowledging it): nothing is sent twice.
    send_withdrawal_notices(Consent.objects.filter(person=hanako).latest("pk").pk)
    assert len(mail.outbox) == 2
    assert list(AccessLogEntry.objects.values_list("outcome", "reason")) == [
        ("granted", "relationship"),
        ("denied", "no_consent"),
    ]
    assert list(Consent.objects.values_list("status", flat=True)) == ["granted", "withdrawn"]  # history kept


def test_a_regrant_after_withdrawal_is_a_new_event_and_counts(orgs, cast, hanako):
    with at(2026, 6, 1, 10):
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        cf.consent(hanako)
        services.consent_withdraw(person=hanako, by=cast["pia"], source=ConsentSource.PERSON)
        services.consent_record(
            person=hanako, status=ConsentStatus.GRANTED, source=ConsentSource.PERSON, by=cast["pia"]
        )
        assert access.authorize(bob_actor(orgs, cast), hanako, Category.LIFE, "x").granted
        assert Consent.objects.count() == 3


def test_a_relationship_lapses_after_three_months_without_claims_and_claims_keep_it(orgs, cast, hanako):
    with at(2026, 3, 10, 10):
        kept = cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        cf.relationship(orgs["homon"], hanako, by=cast["carol"])
    with at(2026, 6, 10, 10):
        access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x")  # 3 months to the day
        services.claims_ingest(
            federation=orgs["kokuhoren"],
            rows=[
                {
                    "office_number": "1370100016",
                    "insurer_number": "131011",
                    "insured_number": "0000000401",
                    "service_month": dt.date(2026, 5, 1),
                }
            ],
        )
    carol = Actor(user=cast["carol"], organisation=orgs["homon"], role=Role.PROVIDER_STAFF)
    with at(2026, 6, 11, 10):
        with pytest.raises(access.NotVisible, match="no_relationship"):
            access.authorize(carol, hanako, Category.ELIGIBILITY, "x")
        access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x")
    with at(2026, 8, 31, 10):
        access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x")  # May's claim + 3 months
    with at(2026, 9, 1, 10):
        with pytest.raises(access.NotVisible):
            access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x")
        assert services.relationships_sweep() == {"lapsed": 2, "expired": 0, "disqualified": 0}
    kept.refresh_from_db()
    assert kept.end_reason == "lapsed"


def test_the_lapse_months_are_a_setting(orgs, cast, hanako, settings):
    settings.KAIGO_RELATIONSHIP_LAPSE_MONTHS = 1
    with at(2026, 3, 10, 10):
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    with at(2026, 4, 11, 10), pytest.raises(access.NotVisible):
        access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x")


def test_a_relationship_ends_when_the_persons_qualification_ends(orgs, cast, hanako):
    with at(2026, 6, 1, 10):
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        ef.person_version(
            person=hanako, effective_date=dt.date(2026, 6, 15), disqualified_on=dt.date(2026, 6, 15)
        )
    with at(2026, 6, 16, 10):
        assert services.relationships_sweep()["disqualified"] == 1
        with pytest.raises(access.NotVisible):
            access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x")
        with pytest.raises(ApplicationError, match="資格"):
            services.relationship_verify_mynumber_card(office=orgs["kyotaku"], person=hanako, by=cast["bob"])


def test_break_glass_needs_a_declared_period_and_a_reason(orgs, cast, hanako):
    with at(2026, 6, 1, 10):
        with pytest.raises(ApplicationError, match="宣言されていません"):
            services.relationship_break_glass(
                office=orgs["kyotaku"], person=hanako, by=cast["bob"], reason="避難所"
            )
        with pytest.raises(ApplicationError, match="市町村管理者"):
            services.disaster_period_declare(
                insurer=orgs["chiyoda"],
                by=cast["alice"],
                starts_on=dt.date(2026, 6, 1),
                ends_on=dt.date(2026, 6, 30),
                reason="豪雨",
            )
        with pytest.raises(ApplicationError, match="理由"):
            services.disaster_period_declare(
                insurer=orgs["chiyoda"],
                by=cast["amy"],
                starts_on=dt.date(2026, 6, 1),
                ends_on=dt.date(2026, 6, 30),
                reason=" ",
            )
        services.disaster_period_declare(
            insurer=orgs["chiyoda"],
            by=cast["amy"],
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 30),
            reason="豪雨",
        )
        with pytest.raises(ApplicationError, match="理由"):
            services.relationship_break_glass(
                office=orgs["kyotaku"], person=hanako, by=cast["bob"], reason=""
            )
        hitachi_person = ef.person(insurer=orgs["hitachi"])
        with pytest.raises(ApplicationError, match="宣言されていません"):  # another insurer's disaster
            services.relationship_break_glass(
                office=orgs["kyotaku"], person=hitachi_person, by=cast["bob"], reason="x"
            )


def test_break_glass_alerts_at_once_lasts_seven_days_and_waits_for_review(
    orgs, cast, hanako, django_capture_on_commit_callbacks
):
    PrivacyContact.objects.create(insurer=orgs["chiyoda"], email="privacy@city.chiyoda.example.jp")
    with at(2026, 6, 1, 10):
        services.disaster_period_declare(
            insurer=orgs["chiyoda"],
            by=cast["amy"],
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 30),
            reason="豪雨",
        )
        with django_capture_on_commit_callbacks(execute=True):
            relationship = services.relationship_break_glass(
                office=orgs["kyotaku"], person=hanako, by=cast["bob"], reason="避難所で服薬状況の確認が必要"
            )
        assert [m.to for m in mail.outbox] == [["privacy@city.chiyoda.example.jp"]]
        assert "避難所で服薬状況の確認が必要" in mail.outbox[0].body
        send_break_glass_alert(relationship.pk)  # delivered again: not sent again
        assert len(mail.outbox) == 1
        assert access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x").method == "disaster"
        with pytest.raises(
            access.Forbidden, match="no_consent"
        ):  # break-glass stands in for the relationship only
            access.authorize(bob_actor(orgs, cast), hanako, Category.CAREPLAN, "x")
    from consent import selectors

    alice_actor = Actor(user=cast["alice"], organisation=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF)
    assert list(selectors.break_glass_queue_for(alice_actor)) == [relationship]
    with at(2026, 6, 8, 9, 59):
        access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x")
    with at(2026, 6, 8, 10, 0):
        with pytest.raises(access.NotVisible):
            access.authorize(bob_actor(orgs, cast), hanako, Category.ELIGIBILITY, "x")
        assert services.relationships_sweep()["expired"] == 1
        with pytest.raises(ApplicationError):
            services.break_glass_review_close(relationship=relationship, by=cast["hank"], note="確認済み")
        services.break_glass_review_close(
            relationship=relationship, by=cast["alice"], note="本人の家族に確認済み"
        )
    assert list(selectors.break_glass_queue_for(alice_actor)) == []


def test_break_glass_ends_with_the_disaster_period(orgs, cast, hanako):
    with at(2026, 6, 28, 10):
        services.disaster_period_declare(
            insurer=orgs["chiyoda"],
            by=cast["amy"],
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 30),
            reason="豪雨",
        )
        relationship = services.relationship_break_glass(
            office=orgs["kyotaku"], person=hanako, by=cast["bob"], reason="x"
        )
    assert relationship.expires_at == dt.datetime(2026, 7, 1, 0, 0, tzinfo=JST)


def test_consent_on_the_municipalitys_behalf_by_care_management_and_residential_offices_only(
    orgs, cast, hanako
):
    more = cf.more_offices()
    with at(2026, 6, 1, 10):
        for office in (orgs["kyotaku"], orgs["homon"], more["tokuyou"]):
            cf.relationship(office, hanako)
        services.consent_record_by_office(office=orgs["kyotaku"], person=hanako, granted=True, by=cast["bob"])
        tokuyou_staff = cf.care_manager("toku@example.jp", more["tokuyou"])
        services.consent_record_by_office(
            office=more["tokuyou"], person=hanako, granted=True, by=tokuyou_staff
        )
        with pytest.raises(ApplicationError) as refused:
            services.consent_record_by_office(
                office=orgs["homon"], person=hanako, granted=True, by=cast["carol"]
            )
        assert refused.value.code == "consent.office_not_allowed"
        with pytest.raises(ApplicationError) as refused:
            services.consent_record_by_office(
                office=orgs["kyotaku2"], person=hanako, granted=True, by=cast["oscar"]
            )
        assert refused.value.code == "no_relationship"
    assert list(Consent.objects.values_list("source", "office__name")) == [
        ("office", "ケアプランセンター神田"),
        ("office", "特別養護老人ホーム一番町"),
    ]


def test_paper_consent_and_application_consent(orgs, cast, hanako):
    services.consent_record_with_application(
        person=hanako, application_kind="renewal", granted=False, by=cast["alice"]
    )
    services.consent_record_paper(
        person=hanako, status=ConsentStatus.GRANTED, by=cast["alice"], note="窓口で受付"
    )
    with pytest.raises(ApplicationError):
        services.consent_record_paper(person=hanako, status=ConsentStatus.GRANTED, by=cast["hank"])
    with pytest.raises(ApplicationError):
        services.consent_record_with_application(person=hanako, application_kind="x", granted=True, by=None)
    assert list(Consent.objects.values_list("status", "source")) == [
        ("refused", "application_renewal"),
        ("granted", "paper"),
    ]
    assert selectors.consent_current(hanako).status == "granted"


CONSENT_HEADER = (
    "record_type,action,effective_date,insurer_number,insured_number,reference,status,source,note\r\n"
)


def test_consent_records_come_in_bulk_through_the_import(orgs, cast):
    ef.person(insurer=orgs["chiyoda"], insured_number="0000000001")
    content = (
        CONSENT_HEADER
        + "consent,add,2026-04-20,131011,0000000001,R8-0001,granted,application_new,\r\n"
        + "consent,add,2026-05-20,131011,0000000001,R8-0002,withdrawn,paper,窓口で撤回\r\n"
    ).encode()
    job = run_job(orgs["chiyoda"], content)
    assert job.status == "succeeded", issues_of(job)
    person = ef.InsuredPerson.objects.get(insured_number="0000000001")
    assert list(person.consents.values_list("reference", "status", "recorded_by_name")) == [
        ("R8-0001", "granted", "一括取込"),
        ("R8-0002", "withdrawn", "一括取込"),
    ]
    assert selectors.consent_current(person, dt.date(2026, 5, 1)).status == "granted"
    assert selectors.consent_current(person, dt.date(2026, 6, 1)).status == "withdrawn"
    bad = run_job(
        orgs["chiyoda"],
        (CONSENT_HEADER + "consent,add,2026-04-20,131011,0000000001,R8-0003,granted,person,\r\n").encode(),
    )
    assert bad.status == "rejected"
    assert [row[3] for row in issues_of(bad)] == ["consent.source_not_importable"]


def test_relationships_are_never_deleted_a_new_verification_replaces_the_open_one(orgs, cast, hanako):
    with at(2026, 6, 1, 10):
        first = cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        second = cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    first.refresh_from_db()
    assert first.end_reason == "replaced" and second.ended_at is None
    assert Relationship.objects.count() == 2


def test_break_glass_is_refused_where_a_live_relationship_already_exists(orgs, cast, hanako):
    with at(2026, 6, 1, 10):
        services.disaster_period_declare(
            insurer=orgs["chiyoda"],
            by=cast["amy"],
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 30),
            reason="豪雨",
        )
        cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
        with pytest.raises(ApplicationError) as refused:
            services.relationship_break_glass(
                office=orgs["kyotaku"], person=hanako, by=cast["bob"], reason="x"
            )
    assert refused.value.code == "break_glass.not_needed"
