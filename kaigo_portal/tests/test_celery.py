"""A real Celery worker process takes a task from the real broker (Redis in CI, the file transport
locally) and runs it against the test database."""

from __future__ import annotations

import pytest

from kaigo_portal.accounts.models import Role
from kaigo_portal.accounts.services import membership_add


@pytest.mark.django_db(transaction=True)
def test_a_queued_invitation_is_sent_by_a_real_worker(worker_process, orgs):
    worker = worker_process().start()
    membership_add(
        organisation=orgs["kyotaku"],
        email="worker@example.jp",
        name="非同期 太郎",
        role=Role.PROVIDER_STAFF,
        by=None,
    )

    def mail_sent() -> bool:
        return worker.mail_dir.exists() and any(worker.mail_dir.iterdir())

    assert worker.wait_for(mail_sent, seconds=60), worker.output()[-3000:]
    message = next(worker.mail_dir.iterdir()).read_text()
    assert "To: worker@example.jp" in message
    assert "kaigo_portal.accounts.tasks.send_invitation" in worker.output()
