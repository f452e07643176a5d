"""A real Celery worker takes a task from the real broker (Redis in CI, the file transport locally)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from kaigo_portal.accounts.models import Role
from kaigo_portal.accounts.services import membership_add
from kaigo_portal.celery import app as celery_app


@pytest.fixture
def real_broker(tmp_path):
    """Turns eager mode off; without REDIS_URL, points the file transport at a folder of this test's own."""
    saved = {name: celery_app.conf[name] for name in ("task_always_eager", "broker_transport_options")}
    celery_app.conf.task_always_eager = False
    if not settings.REDIS_URL:
        queue = tmp_path / "queue"
        queue.mkdir()
        celery_app.conf.broker_transport_options = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
        }
    try:
        yield celery_app.conf.broker_url
    finally:
        celery_app.conf.update(saved)


@pytest.mark.django_db(transaction=True)
def test_a_queued_invitation_is_sent_by_a_real_worker(real_broker, orgs, mailoutbox):
    assert real_broker == (settings.REDIS_URL or "filesystem://")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        membership_add(organisation=orgs["kyotaku"], email="worker@example.jp", name="非同期 太郎",
                       role=Role.PROVIDER_STAFF, by=None)  # fmt: skip
        deadline = time.monotonic() + 20
        while not mailoutbox and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [mail.to for mail in mailoutbox] == [["worker@example.jp"]]
