"""Background work for opinions. Tasks take ids, reload, and call a service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def create_request(application_id: int) -> int:
    """Creates the request for an application whose 主治医意見書依頼 completed. Running twice creates one."""
    return services.request_create_for_application(application_id=application_id).pk


@shared_task
def send_overdue_reminders() -> int:
    """Daily: reminds clinics of requests past their due date. A request's reminder is sent once, even if
    this runs twice or concurrently (see services.reminder_send)."""
    return services.reminders_send()
