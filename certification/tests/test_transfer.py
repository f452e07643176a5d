"""A certified person moves from 千代田区 to 日立市 with a 受給資格証明書 (介護保険法 §36, issue 22)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from certification import services
from certification.models import Application, EligibilityCertificate
from certification.tests.factories import application
from eligibility.models import CareLevel, CertificationVersion, InsuredCategory
from eligibility.tests import factories as ef
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Role
from kaigo_portal.audit.models import AccessLogEntry
from kaigo_portal.errors import ApplicationError
from kaigo_portal.labels import label

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))
MOVED = dt.date(2026, 10, 15)


@pytest.fixture
def moved(orgs):
    """The person at 千代田区 (要介護2 until 2027-03-31) and their new record at 日立市, which names the old one."""
    old = ef.person(insurer=orgs["chiyoda"], insured_number="0000000001")
    ef.certification(person=old, care_level=CareLevel.KAIGO2)
    new = ef.person(
        insurer=orgs["hitachi"],
        insured_number="0000000501",
        effective_date=MOVED,
        qualified_on=MOVED,
        category=InsuredCategory.FIRST,
        acquisition_reason="02",
        previous_insurer_number="131011",
        previous_insured_number="0000000001",
    )
    return old, new


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=JST), tick=False):
        yield


def as_hitachi(cast, orgs) -> Actor:
    return Actor(cast["hank"], orgs["hitachi"], Role.MUNICIPAL_STAFF)


def refused(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def test_the_old_insurer_certifies_what_is_in_force_on_the_day_of_leaving(moved, cast):
    old, _new = moved
    certificate = services.certificate_issue(person=old, moved_out_on=MOVED, by=cast["alice"])
    assert len(certificate.number) == 14 and certificate.number.count("-") == 2
    assert (certificate.care_level, certificate.valid_to) == (CareLevel.KAIGO2, dt.date(2027, 3, 31))
    nothing = ef.person(insurer=old.insurer)
    error = refused(services.certificate_issue, person=nothing, moved_out_on=MOVED, by=None)
    assert error.code == "certification.nothing_to_certify" and "令和8年10月15日" in error.message


def test_within_14_days_the_new_insurer_certifies_in_line_with_it_without_survey_or_panel(moved, cast, orgs):
    old, new = moved
    certificate = services.certificate_issue(person=old, moved_out_on=MOVED, by=cast["alice"])
    app = application(person=new, applied_on=MOVED + dt.timedelta(days=14), by=cast["hank"])
    typed = certificate.number.replace("-", "").lower()  # as read from the paper
    services.certificate_link(application=app, number=typed, moved_in_on=MOVED, actor=as_hitachi(cast, orgs))
    app.refresh_from_db()
    assert app.certificate == certificate and app.is_timely_transfer and app.days_after_moving_in == 14
    services.application_decide_by_certificate(
        application=app, decided_on=dt.date(2026, 11, 1), by=cast["hank"]
    )
    app.refresh_from_db()
    assert (app.care_level, app.valid_from, app.valid_to) == (
        CareLevel.KAIGO2,
        dt.date(2026, 10, 29),
        dt.date(2027, 4, 30),
    )
    assert "介護保険法第36条" in app.panel_opinion and app.certificate == certificate
    assert certificate.number not in app.panel_opinion  # the number is a key: never in free text
    card = CertificationVersion.objects.get(person=new)
    assert card.care_level == CareLevel.KAIGO2 and card.valid_from == dt.date(2026, 10, 29)


def test_after_14_days_the_application_is_linked_but_flagged_and_not_certified_by_it(moved, cast, orgs):
    old, new = moved
    certificate = services.certificate_issue(person=old, moved_out_on=MOVED, by=None)
    app = application(person=new, applied_on=MOVED + dt.timedelta(days=15), by=None)
    services.certificate_link(
        application=app, number=certificate.number, moved_in_on=MOVED, actor=as_hitachi(cast, orgs)
    )
    app.refresh_from_db()
    assert app.certificate == certificate and not app.is_timely_transfer
    error = refused(
        services.application_decide_by_certificate, application=app, decided_on=dt.date(2026, 11, 1), by=None
    )
    assert error.code == "certification.transfer_late" and "14日" in error.message


def test_a_number_that_does_not_exist_or_is_not_this_persons_gets_one_answer(moved, cast, orgs):
    _old, new = moved
    stranger = ef.person(insurer=orgs["chiyoda"])
    ef.certification(person=stranger)
    theirs = services.certificate_issue(person=stranger, moved_out_on=MOVED, by=None)
    app = application(person=new, applied_on=MOVED + dt.timedelta(days=3), by=None)
    hitachi = as_hitachi(cast, orgs)
    unknown = refused(
        services.certificate_link, application=app, number="AAAA-BBBB-CCCC", moved_in_on=MOVED, actor=hitachi
    )
    other = refused(
        services.certificate_link, application=app, number=theirs.number, moved_in_on=MOVED, actor=hitachi
    )
    assert unknown.code == other.code == "certification.certificate_mismatch"
    assert unknown.message == other.message  # nothing learnt of another person by trying numbers
    assert Application.objects.get(pk=app.pk).certificate is None
    # The try at the stranger's certificate is in the stranger's access log; the unknown number names no one.
    tried = AccessLogEntry.objects.get(purpose=services.CERTIFICATE_CHECK)
    assert (tried.insured_number, tried.outcome, tried.reason, tried.organisation_name) == (
        stranger.insured_number,
        "denied",
        "certificate.mismatch",
        orgs["hitachi"].name,
    )


def test_a_matching_certificate_is_logged_as_read_in_the_old_record(moved, cast, orgs):
    old, new = moved
    certificate = services.certificate_issue(person=old, moved_out_on=MOVED, by=None)
    app = application(person=new, applied_on=MOVED + dt.timedelta(days=3), by=None)
    services.certificate_link(
        application=app, number=certificate.number, moved_in_on=MOVED, actor=as_hitachi(cast, orgs)
    )
    row = AccessLogEntry.objects.get(purpose=services.CERTIFICATE_CHECK)
    assert (row.insurer_number, row.insured_number, row.outcome, row.category, row.actor_name) == (
        "131011",
        old.insured_number,
        "granted",
        "eligibility",
        cast["hank"].name,
    )
    assert label("purpose", row.purpose) == "受給資格証明書の照合（転入先の保険者）"


def test_the_pages_issue_link_and_decide_with_a_question(moved, cast, login):
    _old, new = moved
    alice = login(cast["alice"])
    response = alice.post(
        "/certification/certificates/new/", {"insured_number": "0000000001", "moved_out_on": "2026-10-15"}
    )
    certificate = EligibilityCertificate.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/certification/certificates/{certificate.pk}/"
    )
    page = alice.get(response["Location"]).content.decode()
    assert certificate.number in page and "令和8年10月15日" in page and "要介護2" in page
    alice.logout()
    hank = login(cast["hank"])
    assert hank.get(f"/certification/certificates/{certificate.pk}/").status_code == 404  # not 日立市's
    app = application(person=new, applied_on=MOVED + dt.timedelta(days=5), by=cast["hank"])
    url = f"/certification/applications/{app.pk}/"
    assert "受給資格証明書を添付する（転入者）" in hank.get(url).content.decode()
    hank.post(
        url,
        {
            "action": "certificate",
            "certificate-number": certificate.number,
            "certificate-moved_in_on": "2026-10-15",
        },
    )
    data = {"action": "transfer_decide", "transfer-decided_on": "2026-11-01", "transfer-validity_months": "6"}
    question = hank.post(url, data).content.decode()
    assert "受給資格証明書のとおり認定しますか" in question
    assert Application.objects.get(pk=app.pk).decided_on is None  # asked, not yet decided
    assert hank.post(url, {**data, "confirmed": "1"}).status_code == 302
    assert Application.objects.get(pk=app.pk).care_level == CareLevel.KAIGO2


def test_the_certificate_pdf_is_printed_for_the_person_and_its_read_logged(moved, cast, login, tmp_path):
    from conftest import pdf_fonts, pdf_text

    old, _new = moved
    certificate = services.certificate_issue(person=old, moved_out_on=MOVED, by=cast["alice"])
    response = login(cast["alice"]).get(f"/certification/certificates/{certificate.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "受給資格証明書" in text and certificate.number in text and "令和8年10月15日" in text
    assert "IPAex" in pdf_fonts(response.content, tmp_path)
    assert AccessLogEntry.objects.filter(category="certification_progress", channel="pdf").exists()
    assert (
        login(cast["hank"]).get(f"/certification/certificates/{certificate.pk}/certificate.pdf").status_code
        == 404
    )
