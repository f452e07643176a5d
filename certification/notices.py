"""Notices to care managers: a step completed, the decision, and the renewal reminder 60 days before
expiry. Each (kind, subject, address) is recorded once, so a task that runs twice sends nothing twice."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from consent.models import Relationship
from consent.policy import live_relationship_q
from eligibility.models import CertificationVersion, InsuredPerson
from eligibility.selectors import current_versions
from kaigo_portal.accounts.models import Membership, Role

from . import rules
from .models import Notice, NoticeKind, Step, StepKind

logger = logging.getLogger(__name__)


def care_manager_addresses(person: InsuredPerson) -> list[str]:
    """Per live relationship of a care-management office: its 担当ケアマネ, else every care manager there."""
    addresses: list[str] = []
    relationships = (
        Relationship.objects.filter(person=person)
        .filter(live_relationship_q(timezone.now()))
        .select_related("office", "care_manager")
    )
    for relationship in relationships:
        if not relationship.office.is_care_management_office:
            continue
        if relationship.care_manager is not None:
            addresses.append(relationship.care_manager.email)
        else:
            addresses += Membership.objects.filter(
                organisation=relationship.office, role=Role.CARE_MANAGER, is_active=True
            ).values_list("user__email", flat=True)
    return sorted(set(addresses))


def _send_once(*, kind: str, key: str, person: InsuredPerson, subject: str, body: str) -> int:
    sent = 0
    for email in care_manager_addresses(person):
        try:
            with transaction.atomic():
                Notice.objects.create(kind=kind, key=key, email=email, person=person)
                # The row commits only if the mail went: a failed send is retried, a sent one never again.
                send_mail(subject=subject, message=body, from_email=None, recipient_list=[email])
        except IntegrityError:
            continue
        sent += 1
    return sent


def step_notice_send(*, step_id: int) -> int:
    step = Step.objects.select_related("application__person").filter(pk=step_id).first()
    if step is None:
        return 0
    application = step.application
    decided = step.kind == StepKind.SECONDARY_JUDGEMENT
    context = {"step": step, "application": application, "person": application.person}
    return _send_once(
        kind=NoticeKind.DECISION if decided else NoticeKind.STEP,
        key=f"step:{step.pk}",
        person=application.person,
        subject="【介護情報基盤ポータル】"
        + ("要介護認定の結果が出ました" if decided else "要介護認定の進捗のお知らせ"),
        body=render_to_string("certification/email/step.txt", context),
    )


def renewal_reminders_send(*, today: dt.date | None = None) -> int:
    """Certifications whose renewal window opens today or opened earlier and that have no renewal filed
    yet are reminded once (a missed day is caught up the next day)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=rules.RENEWAL_WINDOW_DAYS)
    candidates = (
        CertificationVersion.objects.filter(valid_to__gte=today, valid_to__lte=horizon, deleted=False)
        .select_related("person")
        .order_by("id")
    )
    sent = 0
    for version in candidates:
        person = version.person
        if version not in current_versions(CertificationVersion, person, today):
            continue  # superseded by a later version of the record
        if person.certification_applications.filter(
            applied_on__gte=rules.renewal_window_opens(version.valid_to)
        ).exists():
            continue
        context = {
            "person": person,
            "certification": version,
            "opens": rules.renewal_window_opens(version.valid_to),
        }
        sent += _send_once(
            kind=NoticeKind.RENEWAL_REMINDER,
            key=f"certification:{person.pk}:{version.valid_to}",
            person=person,
            subject="【介護情報基盤ポータル】要介護認定の更新申請のご案内",
            body=render_to_string("certification/email/renewal_reminder.txt", context),
        )
    logger.info("renewal reminders: %s sent", sent)
    return sent
