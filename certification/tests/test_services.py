"""Applications, steps and the decision through the services (real database, frozen time)."""

import datetime as dt

import pytest
import time_machine

from certification import services
from certification.models import Application, ApplicationKind, StepKind
from certification.signals import opinion_requested
from consent.models import Consent, ConsentSource, ConsentStatus
from eligibility.models import CareLevel, CertificationVersion
from eligibility.selectors import card_as_of, history
from kaigo_portal.errors import ApplicationError

from .factories import application, through_panel

D = dt.date
pytestmark = pytest.mark.django_db


def codes(call):
    with pytest.raises(ApplicationError) as error:
        call()
    return error.value.code


@time_machine.travel("2026-04-01 10:00 +0900")
def test_an_application_records_the_physician_the_proxy_office_and_the_consent(uncertified, orgs, cast):
    app = application(
        person=uncertified,
        by=cast["alice"],
        proxy_office=orgs["kyotaku"],
        physician_institution=orgs["clinic"],
    )
    assert (app.physician_institution, app.physician_name, app.proxy_office) == (
        orgs["clinic"],
        "千代田 一郎",
        orgs["kyotaku"],
    )
    assert [s.kind for s in app.steps.all()] == [StepKind.RECEIVED]
    consent = Consent.objects.get(person=uncertified)
    assert (consent.status, consent.source, consent.reference) == (
        ConsentStatus.GRANTED,
        ConsentSource.APPLICATION_NEW,
        f"certification-{app.pk}",
    )


@time_machine.travel("2026-04-01 10:00 +0900")
def test_a_refused_consent_is_recorded_as_refused(uncertified, cast):
    application(person=uncertified, by=cast["alice"], consent_granted=False)
    assert Consent.objects.get(person=uncertified).status == ConsentStatus.REFUSED


@time_machine.travel("2026-04-01 10:00 +0900")
def test_a_proxy_application_must_come_from_a_care_office(uncertified, orgs, cast):
    assert codes(lambda: application(person=uncertified, by=cast["alice"], proxy_office=orgs["clinic"])) == (
        "certification.proxy_not_office"
    )


@time_machine.travel("2026-04-01 10:00 +0900")
def test_an_application_date_cannot_be_in_the_future(uncertified):
    assert (
        codes(lambda: application(person=uncertified, applied_on=D(2026, 4, 2)))
        == "certification.applied_in_future"
    )


@time_machine.travel("2026-06-01 10:00 +0900")
def test_a_new_application_is_refused_while_a_certification_is_in_force(person):
    assert (
        codes(lambda: application(person=person, applied_on=D(2026, 6, 1)))
        == "certification.already_certified"
    )


@time_machine.travel("2026-06-01 10:00 +0900")
def test_a_change_of_level_needs_a_certification_in_force(uncertified, person):
    assert codes(
        lambda: application(person=uncertified, kind=ApplicationKind.CHANGE, applied_on=D(2026, 6, 1))
    ) == ("certification.change_without_current")
    assert (
        application(person=person, kind=ApplicationKind.CHANGE, applied_on=D(2026, 6, 1)).previous_care_level
        == "22"
    )


@time_machine.travel("2027-01-29 10:00 +0900")
def test_renewal_refused_on_day_61_before_expiry(person):
    assert codes(
        lambda: application(person=person, kind=ApplicationKind.RENEWAL, applied_on=D(2027, 1, 29))
    ) == ("certification.renewal_too_early")


@time_machine.travel("2027-01-30 10:00 +0900")
def test_renewal_accepted_from_60_days_before_expiry(person):
    app = application(person=person, kind=ApplicationKind.RENEWAL, applied_on=D(2027, 1, 30))
    assert app.previous_valid_to == D(2027, 3, 31)


@time_machine.travel("2027-04-01 10:00 +0900")
def test_renewal_refused_after_expiry(person):
    assert codes(
        lambda: application(person=person, kind=ApplicationKind.RENEWAL, applied_on=D(2027, 4, 1))
    ) == ("certification.renewal_after_expiry")


@time_machine.travel("2026-04-01 10:00 +0900")
def test_renewal_without_a_certification_is_refused(uncertified):
    assert codes(lambda: application(person=uncertified, kind=ApplicationKind.RENEWAL)) == (
        "certification.renewal_without_previous"
    )


@time_machine.travel("2026-04-01 10:00 +0900")
def test_one_open_application_at_a_time(uncertified):
    application(person=uncertified)
    assert codes(lambda: application(person=uncertified)) == "certification.open_application"


@time_machine.travel("2026-04-20 10:00 +0900")
def test_step_ordering(uncertified, cast):
    app = application(person=uncertified, by=cast["alice"])
    APRIL_10 = D(2026, 4, 10)
    step = lambda kind, on=APRIL_10, **kw: services.step_complete(  # noqa: E731
        application=app, kind=kind, completed_on=on, by=cast["alice"], **kw
    )
    assert codes(lambda: step(StepKind.SURVEY_RECEIVED)) == "certification.step_order"
    assert codes(lambda: step(StepKind.PRIMARY_JUDGEMENT)) == "certification.step_order"
    step(StepKind.SURVEY_REQUESTED, D(2026, 4, 2))
    step(StepKind.SURVEY_RECEIVED)
    # 一次判定 waits for the opinion as well as the survey
    with pytest.raises(ApplicationError) as error:
        step(StepKind.PRIMARY_JUDGEMENT)
    assert (error.value.code, error.value.message) == (
        "certification.step_order",
        "「一次判定」の前に「意見書入手」を完了してください。",
    )
    step(StepKind.OPINION_REQUESTED, D(2026, 4, 3))
    assert codes(lambda: step(StepKind.OPINION_RECEIVED, D(2026, 4, 2))) == "certification.step_date_order"
    services.opinion_receive(application=app, received_on=D(2026, 4, 12))
    assert codes(lambda: step(StepKind.PRIMARY_JUDGEMENT, D(2026, 4, 11))) == "certification.step_date_order"
    step(StepKind.PRIMARY_JUDGEMENT, D(2026, 4, 13))
    assert codes(lambda: step(StepKind.PRIMARY_JUDGEMENT, D(2026, 4, 13))) == "certification.step_done"
    assert codes(lambda: step(StepKind.PANEL_ASSIGNED, D(2026, 4, 14))) == "certification.panel_date_required"
    assert codes(lambda: step(StepKind.RESULT_NOTIFIED, D(2026, 4, 14))) == "certification.step_order"
    assert (
        codes(lambda: step(StepKind.SECONDARY_JUDGEMENT, D(2026, 4, 14))) == "certification.decide_separately"
    )
    assert codes(lambda: step(StepKind.PANEL_ASSIGNED, D(2026, 4, 21), panel_date=D(2026, 4, 28))) == (
        "certification.step_in_future"
    )
    step(StepKind.PANEL_ASSIGNED, D(2026, 4, 14), panel_date=D(2026, 4, 28))
    assert app.steps.get(kind=StepKind.PANEL_ASSIGNED).panel_date == D(2026, 4, 28)


@time_machine.travel("2026-04-02 10:00 +0900")
def test_completing_the_opinion_request_sends_the_signal_after_commit(
    uncertified, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, application_id, **kwargs):
        received.append(application_id)

    opinion_requested.connect(listener)
    try:
        app = application(person=uncertified)
        with django_capture_on_commit_callbacks(execute=True):
            services.step_complete(
                application=app, kind=StepKind.OPINION_REQUESTED, completed_on=D(2026, 4, 2), by=None
            )
            assert received == []
        assert received == [app.pk]
    finally:
        opinion_requested.disconnect(listener)


def test_the_decision_updating_the_card_history(uncertified, cast):
    with time_machine.travel("2026-04-15 10:00 +0900"):
        app = through_panel(application(person=uncertified, applied_on=D(2026, 4, 15)), on=D(2026, 4, 15))
    with time_machine.travel("2026-05-10 10:00 +0900"):
        services.application_decide(
            application=app,
            care_level=CareLevel.KAIGO1,
            decided_on=D(2026, 5, 10),
            by=cast["alice"],
            panel_opinion="特になし",
        )
    app.refresh_from_db()
    assert (app.valid_from, app.valid_to) == (D(2026, 4, 15), D(2026, 10, 31))  # 6 months, part month added
    version = CertificationVersion.objects.get(person=uncertified)
    assert (
        version.care_level,
        version.certified_on,
        version.valid_from,
        version.valid_to,
        version.panel_opinion,
    ) == ("21", D(2026, 5, 10), D(2026, 4, 15), D(2026, 10, 31), "特になし")
    assert card_as_of(uncertified, D(2026, 6, 1)).certification == version


def test_a_renewal_decision_starts_the_day_after_expiry_and_keeps_the_old_period(person, cast):
    with time_machine.travel("2027-02-01 10:00 +0900"):
        app = through_panel(
            application(person=person, kind=ApplicationKind.RENEWAL, applied_on=D(2027, 2, 1)),
            on=D(2027, 2, 1),
        )
        assert (
            codes(
                lambda: services.application_decide(
                    application=app,
                    care_level=CareLevel.KAIGO2,
                    by=None,
                    decided_on=D(2027, 2, 1),
                    validity_months=49,
                )
            )
            == "certification.validity_out_of_range"
        )
        services.application_decide(
            application=app,
            care_level=CareLevel.KAIGO2,
            decided_on=D(2027, 2, 1),
            by=None,
            validity_months=48,
        )
    rows = [(v.care_level, v.valid_from, v.valid_to) for v in history(CertificationVersion, person)]
    assert rows == [("22", D(2026, 4, 1), D(2027, 3, 31)), ("22", D(2027, 4, 1), D(2031, 3, 31))]


def test_a_renewal_with_a_new_level_allows_36_months_not_48(person):
    with time_machine.travel("2027-02-01 10:00 +0900"):
        app = through_panel(
            application(person=person, kind=ApplicationKind.RENEWAL, applied_on=D(2027, 2, 1)),
            on=D(2027, 2, 1),
        )
        decide = lambda months: services.application_decide(  # noqa: E731
            application=app,
            care_level=CareLevel.KAIGO3,
            decided_on=D(2027, 2, 1),
            by=None,
            validity_months=months,
        )
        assert codes(lambda: decide(37)) == "certification.validity_out_of_range"
        assert decide(36).valid_to == D(2030, 3, 31)


def test_a_change_of_level_ends_the_old_certification_the_day_before(person):
    with time_machine.travel("2026-09-10 10:00 +0900"):
        app = through_panel(
            application(person=person, kind=ApplicationKind.CHANGE, applied_on=D(2026, 9, 10)),
            on=D(2026, 9, 10),
        )
        services.application_decide(
            application=app, care_level=CareLevel.KAIGO4, decided_on=D(2026, 9, 10), by=None
        )
    assert card_as_of(person, D(2026, 9, 9)).certification.care_level == "22"
    new = card_as_of(person, D(2026, 9, 10)).certification
    assert (new.care_level, new.valid_from, new.valid_to) == ("24", D(2026, 9, 10), D(2027, 3, 31))


def test_a_decision_needs_the_panel_first(uncertified):
    with time_machine.travel("2026-04-10 10:00 +0900"):
        app = application(person=uncertified)
        assert (
            codes(
                lambda: services.application_decide(
                    application=app, care_level=CareLevel.KAIGO1, decided_on=D(2026, 4, 10), by=None
                )
            )
            == "certification.step_order"
        )


def test_not_applicable_has_no_period_and_adds_nothing_to_the_card(uncertified):
    with time_machine.travel("2026-04-10 10:00 +0900"):
        app = through_panel(application(person=uncertified), on=D(2026, 4, 5))
        services.application_decide(
            application=app, care_level=CareLevel.NOT_APPLICABLE, decided_on=D(2026, 4, 10), by=None
        )
    assert Application.objects.get().valid_to is None
    assert not CertificationVersion.objects.filter(person=uncertified).exists()


def test_the_extension_notice_only_after_day_30(uncertified):
    with time_machine.travel("2026-05-02 10:00 +0900"):
        app = application(person=uncertified, applied_on=D(2026, 4, 1))
        assert codes(
            lambda: services.extension_notice_record(application=app, sent_on=D(2026, 5, 1), by=None)
        ) == ("certification.extension_early")
        assert services.extension_notice_record(
            application=app, sent_on=D(2026, 5, 2), by=None
        ).extension_notice_on == D(2026, 5, 2)


@time_machine.travel("2026-04-01 10:00 +0900")
def test_a_blank_consent_box_records_no_consent(uncertified):
    app = application(person=uncertified, consent_granted=None)
    assert app.consent_granted is None and not Consent.objects.filter(person=uncertified).exists()
