"""Background work for subsidies: the e-mail to the office at each step of its application."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .models import StatusChange
from .notifications import send_status_email_now


@shared_task
def send_status_email(change_id: int) -> None:
    """E-mails the office's admins about one status change.

    On retry: the row is locked and `notified_at` is set in the same transaction as the sending, so a
    second run after a success sends nothing; a run that failed before sending sends again.
    """
    with transaction.atomic():
        change = (
            StatusChange.objects.select_for_update(of=("self",))
            .select_related("application__office", "application__program_year")
            .filter(pk=change_id, notified_at__isnull=True)
            .first()
        )
        if change is None:
            return
        send_status_email_now(change)
        change.notified_at = timezone.now()
        change.save(update_fields=["notified_at"])
