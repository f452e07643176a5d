"""The queue keeps its work through a Redis restart and a worker killed mid-task (issue 17).

An import and ten e-mails are queued on a Redis of the test's own, run as docker-compose.yml runs it
(AOF, `appendfsync everysec`). Redis is killed (SIGKILL, as a crash) and started again on the same
files. A worker then takes the import, and its process is killed inside the import's apply step. In the
end the import has been applied exactly once, and each of the ten e-mails was sent exactly once.
"""

from __future__ import annotations

import contextlib
import email
import os
import signal
import subprocess
import time

import pytest
import redis
from django.db import connection, transaction

from conftest import child_pids, free_port, require_tool
from eligibility import services as eligibility_services
from eligibility.imports import synthetic
from eligibility.models import ImportJob, InsuredPerson, PersonVersion
from eligibility.tests.importing import upload
from kaigo_portal.celery import app as celery_app
from kaigo_portal.public.models import Inquiry
from kaigo_portal.public.services import inquiry_submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PERSONS = 3000
MAILS = 10


class OwnRedis:
    """redis-server on a free port, its AOF and data in `folder`."""

    def __init__(self, folder):
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def crash(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def queued(self) -> int:
        return redis.Redis.from_url(self.url).llen("celery")


@contextlib.contextmanager
def producing_to(url: str):
    """This process's Celery producer on the given broker for the block (the worker gets it by REDIS_URL).
    The suite's own pools are set aside and put back untouched: kombu keeps pools per broker URL, and a
    closed one would be handed out again to every later test."""
    original = (celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = url, None, None
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()  # this test's Redis only: its port is never used again
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = original


def sent_messages(folder) -> list[email.message.Message]:
    """The messages Django's file backend wrote (several per file, each after a line of dashes)."""
    messages = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for part in path.read_text().split("-" * 79):
            if part.strip():
                messages.append(email.message_from_string(part.strip()))
    return messages


def waiting_on_versions() -> bool:
    """Some session waits for the lock on the version table: the worker is inside the import's apply."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
            [PersonVersion._meta.db_table],
        )
        return cursor.fetchone()[0] > 0


def test_an_import_and_ten_mails_survive_a_redis_crash_and_a_killed_worker(
    worker_process, orgs, tmp_path, settings
):
    require_tool("redis-server", hint="apt-get install redis-server")
    settings.KAIGO_INQUIRY_LIMIT_PER_IP = 100
    own = OwnRedis(tmp_path).start()
    try:
        with producing_to(own.url):
            job = eligibility_services.import_job_create(
                insurer=orgs["chiyoda"],
                upload=upload(synthetic.csv_bytes("131011", PERSONS)),
                file_format="csv",
                mode="commit",
                uploaded_by="test",
            )
            for n in range(MAILS):
                inquiry_submit(
                    category="about",
                    asker_type="person",
                    name=f"問合 {n}",
                    email=f"asker{n}@example.jp",
                    body="利用開始の時期を教えてください。",
                    client_ip="192.0.2.10",
                )
        assert own.queued() == 1 + MAILS
        time.sleep(1.5)  # appendfsync everysec: what was queued a second ago is on disk
        own.crash()
        own.start()
        assert own.queued() == 1 + MAILS  # nothing lost with Redis

        worker = worker_process()
        worker.env["REDIS_URL"] = own.url
        with transaction.atomic():  # holds the versions back: the import is surely inside its apply step
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {PersonVersion._meta.db_table} IN SHARE MODE")
            worker.start(pool="prefork")
            assert worker.wait_for(waiting_on_versions, seconds=120), worker.output()[-3000:]
            [child] = child_pids(worker.process.pid)
            os.kill(child, signal.SIGKILL)
            assert worker.wait_for(lambda: "WorkerLostError" in worker.output(), seconds=30), worker.output()[
                -3000:
            ]

        def all_done() -> bool:
            finished = ImportJob.objects.get(pk=job.pk).is_finished
            mailed = Inquiry.objects.filter(confirmation_sent_at__isnull=False).count()
            return finished and mailed == MAILS and own.queued() == 0

        assert worker.wait_for(all_done, seconds=240), worker.output()[-3000:]
        job.refresh_from_db()
        assert (job.status, job.attempts, job.rows_failed) == ("succeeded", 2, 0)
        assert InsuredPerson.objects.count() == PERSONS
        assert PersonVersion.objects.count() == PERSONS  # applied exactly once
        messages = sent_messages(worker.mail_dir)
        assert sorted(message["To"] for message in messages) == sorted(
            f"asker{n}@example.jp" for n in range(MAILS)
        )
        assert not redis.Redis.from_url(own.url).hlen("unacked")  # nothing left half-taken
    finally:
        if own.process and own.process.poll() is None:
            own.process.terminate()
            own.process.wait(timeout=10)
