"""E-mail that a background task sends at most once per key, and retries until sent.

A task's message may be delivered again: the worker died before acknowledging it (acks_late with
reject_on_worker_lost), or Redis gave it back after its visibility timeout. `send_once` makes that safe:
the key's row is inserted and the mail sent in one transaction, so the row commits only if the mail went.
A second run finds the row and sends nothing, and a run that failed before sending sends on its retry.
Two runs at once wait on the key's unique index: one sends, the other finds the row.

One window is left: the mail server has the message but the process dies before COMMIT. The retry then
sends it again. It carries the same Message-ID (derived from the key), so mail clients and servers that
de-duplicate show it once.

Keys name what the mail is about (`break-glass:<relationship id>`). For a mail with no such identity, a
task uses its own Celery task id, which a redelivered message keeps (`task_key`).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

logger = logging.getLogger(__name__)


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{settings.KAIGO_MAIL_ID_DOMAIN}>"


def send_once(*, key: str, subject: str, body: str, recipients: list[str]) -> bool:
    """Sends the mail unless a mail with this key was sent; True if it was sent now."""
    from .models import SentMail

    recipients = sorted(set(recipients))
    if not recipients:
        return False
    try:
        with transaction.atomic():
            SentMail.objects.create(key=key, recipients=len(recipients))
            EmailMessage(
                subject=subject, body=body, to=recipients, headers={"Message-ID": message_id(key)}
            ).send()
    except IntegrityError:
        logger.info("mail already sent: key=%s", key)
        return False
    logger.info("mail sent: key=%s recipients=%s", key, len(recipients))
    return True


def task_key(task, name: str) -> str:
    """`name:<the running task's id>`: the same for every delivery of one queued message. A call outside a
    worker (no task id) gets a fresh key, as a direct call sends once anyway."""
    import uuid

    task_id = getattr(task.request, "id", None) or f"direct-{uuid.uuid4().hex}"
    return f"{name}:{task_id}"
