"""Background work for care plans: notices. Tasks take ids, reload, and call a service."""

from __future__ import annotations

from celery import shared_task

from . import notices


@shared_task
def notify_agreement_requested(plan_id: int) -> int:
    """Emails the person (and representatives) that a draft awaits agreement. On retry, addresses
    already sent are skipped; a plan no longer awaiting agreement sends nothing."""
    return notices.agreement_requested_send(plan_id=plan_id)


@shared_task
def notify_plan_sent(delivery_id: int) -> int:
    """Emails the receiving office's staff that a plan arrived. On retry, addresses already sent are skipped."""
    return notices.plan_sent_send(delivery_id=delivery_id)
