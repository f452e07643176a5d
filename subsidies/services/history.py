"""The one way an application changes state: locked, saved, a StatusChange row, an e-mail on commit."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from kaigo_portal.accounts.models import User
from kaigo_portal.errors import ApplicationError

from ..models import Application, ApplicationStatus, StatusChange

logger = logging.getLogger("subsidies.services")


def lock(application: Application) -> Application:
    """The row again, locked for this transaction (two operators, or two tabs, cannot both move it)."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("program_year", "office")
        .get(pk=application.pk)
    )


def not_now(application: Application, action: str) -> ApplicationError:
    return ApplicationError(
        f"この申請は現在「{application.get_status_display()}」のため、{action}はできません。",
        code="application.invalid_transition",
        status=409,
    )


def move(application: Application, to: str, by: User, *, fields: list[str], reason: str = "") -> None:
    previous = application.status
    application.status = to
    application.updated_at = timezone.now()
    application.full_clean(validate_constraints=False)
    application.save(update_fields=["status", "updated_at", *fields])
    record(application, previous, to, by, reason)


def record(application: Application, previous: str, to: str, by: User, reason: str = "") -> StatusChange:
    change = StatusChange.objects.create(
        application=application, from_status=previous, to_status=to, by=by, reason=reason
    )
    if to != ApplicationStatus.DRAFT:  # the office starting its own draft is not news to it
        transaction.on_commit(lambda: notify(change.pk))
    logger.info("subsidy application %s: %s -> %s by=%s", application.pk, previous or "-", to, by.pk)
    return change


def notify(change_id: int) -> None:
    from ..tasks import send_status_email

    send_status_email.delay(change_id)
