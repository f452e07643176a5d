"""A job whose worker is killed in the middle leaves nothing applied and runs again exactly once.

A real Celery worker process on Redis takes the job, and the test kills it with SIGKILL while it applies:
- the process that ran the task (a prefork child, as in production): the worker's main process gives the
  message back to the queue, and the job runs again by itself, once (the run lock, on PostgreSQL);
- the whole worker: the message waits for the broker's visibility timeout, so a clerk queues the job again
  once its progress has stalled, and a second worker applies the file exactly once.

On PostgreSQL the test holds a lock on the person-version table, so the worker is sure to be stopped
inside its apply transaction (its persons written, their versions waiting for the lock) when it is
killed, however fast the machine. Elsewhere it catches the worker in its apply phase by polling.
"""

from __future__ import annotations

import contextlib
import os
import signal

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from conftest import child_pids, require_tool
from eligibility import services
from eligibility.imports import synthetic
from eligibility.models import ImportJob, InsuredPerson, PersonVersion
from eligibility.tests.importing import upload
from kaigo_portal.errors import ApplicationError

PERSONS = 6000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_killed_mid_apply_runs_again_by_itself_exactly_once(worker_process, orgs, settings):
    require_tool("redis", hint="set REDIS_URL=redis://127.0.0.1:6379/<n>", available=bool(settings.REDIS_URL))
    content = synthetic.csv_bytes("131011", PERSONS)
    job = services.import_job_create(
        insurer=orgs["chiyoda"], upload=upload(content), file_format="csv", mode="commit", uploaded_by="test"
    )

    def applying() -> bool:
        progress = cache.get(services.progress_key(job.pk)) or {}
        return progress.get("phase") == "apply" and progress.get("step") == "persons"

    worker = worker_process()
    with transaction.atomic():  # holds the versions back: the task is sure to be inside its apply step
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {PersonVersion._meta.db_table} IN SHARE MODE")
        worker.start(pool="prefork")
        assert worker.wait_for(applying, seconds=120), worker.output()[-3000:]
        [child] = child_pids(worker.process.pid)
        os.kill(child, signal.SIGKILL)
        # The main process notices, gives the message back, and a new child waits for the run lock, which
        # the killed run's database session holds until PostgreSQL sees that its client is gone.
        assert worker.wait_for(lambda: "WorkerLostError" in worker.output(), seconds=30), worker.output()[
            -3000:
        ]

    assert worker.wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_finished, seconds=180), (
        worker.output()[-3000:]
    )
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_failed) == ("succeeded", 2, 0)
    assert InsuredPerson.objects.count() == PERSONS
    assert PersonVersion.objects.count() == PERSONS  # applied exactly once
    assert "its earlier run died; running it again" in worker.output()


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_nothing_applied_and_the_job_runs_again(worker_process, orgs, settings):
    require_tool("redis", hint="set REDIS_URL=redis://127.0.0.1:6379/<n>", available=bool(settings.REDIS_URL))
    content = synthetic.csv_bytes("131011", PERSONS)
    job = services.import_job_create(
        insurer=orgs["chiyoda"], upload=upload(content), file_format="csv", mode="commit", uploaded_by="test"
    )
    locking = connection.vendor == "postgresql"

    def applying() -> bool:
        progress = cache.get(services.progress_key(job.pk)) or {}
        if locking:  # the persons are written; their versions wait for the test's lock
            return progress.get("phase") == "apply" and progress.get("step") == "persons"
        return progress.get("phase") == "apply" and progress.get("done", 0) > 0

    with transaction.atomic() if locking else contextlib.nullcontext():
        if locking:
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {PersonVersion._meta.db_table} IN SHARE MODE")
        first = worker_process().start()
        assert first.wait_for(applying, seconds=120), first.output()[-3000:]
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert not InsuredPerson.objects.exists() and not PersonVersion.objects.exists()

    with pytest.raises(ApplicationError):  # its progress is fresh: it might still be running somewhere
        services.import_job_retry(job=job)
    settings.KAIGO_IMPORT_STALL_SECONDS = 0  # as if five quiet minutes had passed
    services.import_job_retry(job=job)
    second = worker_process().start()
    assert second.wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_finished, seconds=180), (
        second.output()[-3000:]
    )
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_failed) == ("succeeded", 2, 0)
    assert InsuredPerson.objects.count() == PERSONS
    assert PersonVersion.objects.count() == PERSONS  # applied exactly once
