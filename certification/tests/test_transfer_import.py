"""The new insurer's own system names the 受給資格証明書 in its bulk import (issue 22, record type
`certification_certificate`): the same rules as the screen, all or nothing, logged in the old record."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from certification import services
from certification.models import Application, CertificateSubmission
from certification.tests.factories import application
from certification.tests.test_transfer import MOVED, moved  # noqa: F401  (the fixture)
from eligibility.tests.importing import issues_of, run_job
from kaigo_portal.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))
HEADER = "record_type,action,effective_date,insurer_number,insured_number,application_number,certificate_number,moved_in_on"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=JST), tick=False):
        yield


def csv(*rows: str) -> bytes:
    lines = [HEADER] + [f"certification_certificate,{row}" for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def row(action: str, app: Application, number: str, moved_in_on: str = "2026-10-15") -> str:
    return f"{action},2026-11-20,082024,{app.person.insured_number},{app.reference},{number},{moved_in_on}"


def codes(job) -> list[tuple[str, str, str]]:
    """(line, column, code) of each issue of the job's error file."""
    return [(issue[0], issue[1], issue[3]) for issue in issues_of(job)]


@pytest.fixture
def certified(moved):  # noqa: F811
    old, new = moved
    certificate = services.certificate_issue(person=old, moved_out_on=MOVED, by=None)
    return certificate, application(person=new, applied_on=MOVED + dt.timedelta(days=7), by=None)


def test_the_import_links_the_application_to_the_certificate_and_logs_the_read(
    certified, orgs, django_capture_on_commit_callbacks
):
    certificate, app = certified
    typed = certificate.number.replace("-", "").lower()  # as the other system may write it
    with django_capture_on_commit_callbacks(execute=True):
        job = run_job(orgs["hitachi"], csv(row("add", app, typed)))
    assert job.status == "succeeded", issues_of(job)
    app.refresh_from_db()
    assert (app.certificate, app.moved_in_on, app.is_timely_transfer) == (certificate, MOVED, True)
    submission = CertificateSubmission.objects.get()
    assert (submission.certificate_number, submission.job_id, submission.line) == (
        certificate.number,
        job.pk,
        2,
    )
    read = AccessLogEntry.objects.get(purpose=services.CERTIFICATE_CHECK)
    assert (read.insurer_number, read.insured_number, read.outcome, read.channel) == (
        "131011",
        certificate.person.insured_number,
        "granted",
        "import",
    )
    assert (read.actor_name, read.organisation_name, read.request_id) == (
        "一括取込",
        "日立市",
        f"import-{job.pk}",
    )
    # The application can now be certified in line with it, on screen (§36).
    services.application_decide_by_certificate(application=app, decided_on=dt.date(2026, 11, 20), by=None)
    assert Application.objects.get(pk=app.pk).care_level == certificate.care_level


def test_a_dry_run_checks_everything_and_writes_nothing_not_even_a_log_row(
    certified, orgs, django_capture_on_commit_callbacks
):
    certificate, app = certified
    with django_capture_on_commit_callbacks(execute=True):
        job = run_job(orgs["hitachi"], csv(row("add", app, certificate.number)), mode="dry_run")
    assert job.status == "validated" and job.rows_ok == 1, issues_of(job)
    assert Application.objects.get(pk=app.pk).certificate is None
    assert not CertificateSubmission.objects.exists()
    assert not AccessLogEntry.objects.filter(purpose=services.CERTIFICATE_CHECK).exists()


def test_after_14_days_it_is_linked_with_a_warning_and_not_certified_by_it(moved, orgs):  # noqa: F811
    old, new = moved
    certificate = services.certificate_issue(person=old, moved_out_on=MOVED, by=None)
    late = application(person=new, applied_on=MOVED + dt.timedelta(days=20), by=None)
    job = run_job(orgs["hitachi"], csv(row("add", late, certificate.number)))
    assert job.status == "succeeded" and job.warnings == 1
    [(line, column, code)] = codes(job)
    assert (line, column, code) == ("2", "moved_in_on", "certification.transfer_late")
    assert "転入から20日後" in issues_of(job)[0][4]
    late.refresh_from_db()
    assert late.certificate == certificate and not late.is_timely_transfer


@pytest.mark.parametrize(
    ("number", "moved_in_on", "reference", "expected"),
    [
        ("ABCD-EFGH", "2026-10-15", None, ("certificate_number", "certification.certificate_number_format")),
        ("stranger", "2026-10-15", None, ("certificate_number", "certification.certificate_mismatch")),
        ("ZZZZ-ZZZZ-ZZZZ", "2026-10-15", None, ("certificate_number", "certification.certificate_mismatch")),
        ("ours", "2026-10-30", None, ("moved_in_on", "certification.moved_in_after_applied")),
        ("ours", "2026-10-15", "NOSUCH", ("application_number", "certification.application_unknown")),
    ],
)
def test_a_wrong_row_is_reported_where_and_why_and_nothing_is_written(
    certified, orgs, number, moved_in_on, reference, expected
):
    certificate, app = certified
    typed = {"ours": certificate.number, "stranger": "stranger"}.get(number, number)
    if typed == "stranger":
        typed = services.certificate_issue(
            person=_certified_stranger(orgs), moved_out_on=MOVED, by=None
        ).number
    line = row("add", app, typed, moved_in_on)
    if reference:
        line = line.replace(f",{app.reference},", f",{reference},")
    job = run_job(orgs["hitachi"], csv(line))
    assert job.status == "rejected"
    assert codes(job) == [("2", *expected)]
    if expected[1] == "certification.certificate_mismatch":  # one answer, whether it exists or not
        assert issues_of(job)[0][4] == services.CERTIFICATE_MISMATCH
    assert Application.objects.get(pk=app.pk).certificate is None
    assert not CertificateSubmission.objects.exists()


def test_a_decided_or_renewal_application_takes_no_certificate_and_delete_unlinks(certified, orgs):
    certificate, app = certified
    assert run_job(orgs["hitachi"], csv(row("add", app, certificate.number))).status == "succeeded"
    job = run_job(
        orgs["hitachi"], csv(f"delete,2026-11-21,082024,{app.person.insured_number},{app.reference},,")
    )
    assert job.status == "succeeded", issues_of(job)
    app.refresh_from_db()
    assert (app.certificate, app.moved_in_on) == (None, None)
    Application.objects.filter(pk=app.pk).update(kind="renewal")
    job = run_job(
        orgs["hitachi"], csv(row("add", app, certificate.number).replace("2026-11-20", "2026-11-22", 1))
    )
    assert codes(job) == [("2", "application_number", "certification.certificate_not_new")]


def _certified_stranger(orgs):
    from eligibility.tests import factories as ef

    stranger = ef.person(insurer=orgs["chiyoda"])
    ef.certification(person=stranger)
    return stranger
