"""Background work for certification: notices. Tasks take ids, reload, and call a service."""

from __future__ import annotations

from celery import shared_task

from . import notices


@shared_task
def send_step_notice(step_id: int) -> int:
    """Emails the care managers that a step completed. On retry, addresses already sent are skipped."""
    return notices.step_notice_send(step_id=step_id)


@shared_task
def send_renewal_reminders() -> int:
    """Daily: reminds care managers that a renewal can be filed. Running twice sends nothing twice."""
    return notices.renewal_reminders_send()
