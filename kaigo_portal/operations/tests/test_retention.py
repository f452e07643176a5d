"""The retention rules of personal data (issue 17): each written down once, each enforced by the nightly
task, each keeping what it must (issue 17: imports' files, opinions' content, withdrawn consents)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from consent.models import Consent, ConsentStatus
from consent.tests import factories as cf
from eligibility import services as eligibility_services
from eligibility.models import ImportJob
from eligibility.tests.importing import CERTIFICATION, PERSON, csv_file, run_job
from kaigo_portal.errors import ApplicationError
from kaigo_portal.operations import retention
from kaigo_portal.operations.tasks import apply_retention
from opinions import services as opinion_services
from opinions.tests import factories as of

pytestmark = pytest.mark.django_db
LATER = dt.timedelta(days=91)
OPINIONS = ["opinion_contents"]  # only this rule: the access log's would archive the test's own months


def test_every_rule_is_written_with_its_period_and_basis():
    names = {rule.name for rule in retention.rules()}
    assert names == {"access_log", "import_files", "opinion_contents", "withdrawn_consents"}
    for rule in retention.rules():
        assert rule.what and rule.keep and rule.basis
    out = io.StringIO()
    call_command("retention", stdout=out)
    assert "import_files: 取込ファイル" in out.getvalue() and "due: 0" in out.getvalue()


def test_an_imports_files_go_after_90_days_and_the_job_still_knows_the_file(orgs):
    job = run_job(orgs["chiyoda"], csv_file([PERSON, {**CERTIFICATION, "valid_to": "2027-03-30"}]))
    assert job.file and job.errors_file  # a warning's list
    stored = [job.file.name, job.errors_file.name]
    storage = job.file.storage
    now = job.finished_at + LATER
    assert retention.run(apply=False, now=now, names=["import_files"])["import_files"] == 1
    assert (
        retention.run(apply=False, now=job.finished_at + dt.timedelta(days=89), names=["import_files"])[
            "import_files"
        ]
        == 0
    )
    assert retention.run(apply=True, now=now, names=["import_files"])["import_files"] == 1
    job.refresh_from_db()
    assert (job.file.name, job.errors_file.name) == ("", "") and job.sha256
    assert not any(storage.exists(name) for name in stored)
    assert retention.run(apply=True, now=now, names=["import_files"])["import_files"] == 0  # nothing twice
    ImportJob.objects.filter(pk=job.pk).update(status="failed")
    with pytest.raises(ApplicationError) as error:
        eligibility_services.import_job_retry(job=ImportJob.objects.get(pk=job.pk))
    assert error.value.code == "import.file_purged"


def test_an_opinions_content_goes_five_years_after_receipt_and_its_record_stays(orgs, cast):
    request = of.opinion_request(person=of.person(insurer=orgs["chiyoda"]), clinic=orgs["clinic"])
    opinion = of.submitted(request, by=cast["dan"])
    opinion = opinion_services.opinion_receive(opinion=opinion, by=cast["alice"])
    assert opinion.document
    received = opinion.received_at
    assert (
        retention.run(apply=True, now=received.replace(year=received.year + 4), names=OPINIONS)[
            "opinion_contents"
        ]
        == 0
    )
    assert (
        retention.run(apply=True, now=received.replace(year=received.year + 5) + LATER, names=OPINIONS)[
            "opinion_contents"
        ]
        == 1
    )
    opinion.refresh_from_db()
    assert opinion.document == {} and opinion.source is None and not opinion.attachment
    assert opinion.received_at == received and opinion.clinic == orgs["clinic"]  # who and when stay


def test_a_withdrawn_consent_goes_five_years_after_the_withdrawal_unless_consent_came_again(orgs, settings):
    settings.KAIGO_ACCESS_LOG_ONLINE_MONTHS = (
        240  # the nightly task runs every rule: no log month is due here
    )
    today = timezone.localdate()
    years_ago = today.replace(year=today.year - 6)
    gone, again, recent = (of.person(insurer=orgs["chiyoda"]) for _ in range(3))
    for person in (gone, again):
        cf.consent(person, on=years_ago - dt.timedelta(days=30))
        cf.consent(person, ConsentStatus.WITHDRAWN, on=years_ago)
    cf.consent(again, on=today - dt.timedelta(days=10))
    cf.consent(recent, on=today - dt.timedelta(days=400))
    cf.consent(recent, ConsentStatus.WITHDRAWN, on=today - dt.timedelta(days=365))
    assert apply_retention()["withdrawn_consents"] == 2  # the nightly task: both of `gone`'s events
    assert not Consent.objects.filter(person=gone).exists()
    assert Consent.objects.filter(person=again).count() == 3
    assert Consent.objects.filter(person=recent).count() == 2


def test_beat_runs_the_retention_rules_nightly_and_makes_the_log_months_ahead():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "kaigo_portal.operations.tasks.apply_retention",
        "kaigo_portal.audit.tasks.ensure_partitions",
    } <= tasks
