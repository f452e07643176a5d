"""Notices: the person when a draft awaits their agreement, the receiving office when a plan is sent.

Mails carry no personal data (no names, no numbers): they say where to look. Each (kind, subject,
address) is recorded once, so a task that runs twice sends nothing twice."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.models import PersonAccount, Representative
from kaigo_portal.accounts.models import Membership, Role

from .models import CarePlan, Delivery, Notice, PlanStatus

RECEIVING_ROLES = (Role.CARE_MANAGER, Role.PROVIDER_STAFF, Role.OFFICE_ADMIN)


def _send_once(*, kind: str, key: str, addresses, subject: str, body: str) -> int:
    sent = 0
    for email in sorted(set(addresses)):
        try:
            with transaction.atomic():
                Notice.objects.create(kind=kind, key=key, email=email)
                # The row commits only if the mail went: a failed send is retried, a sent one never again.
                send_mail(subject=subject, message=body, from_email=None, recipient_list=[email])
        except IntegrityError:
            continue
        sent += 1
    return sent


def agreement_requested_send(*, plan_id: int) -> int:
    """Tells the person and their representatives that a plan awaits their agreement."""
    plan = CarePlan.objects.filter(pk=plan_id, status=PlanStatus.FOR_CONSENT).first()
    if plan is None:  # withdrawn or agreed before the task ran
        return 0
    today = timezone.localdate()
    addresses = list(
        PersonAccount.objects.filter(person_id=plan.person_id).values_list("user__email", flat=True)
    )
    addresses += Representative.objects.filter(
        person_id=plan.person_id, revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today
    ).values_list("user__email", flat=True)
    body = (
        "ケアマネジャーから、ケアプラン（居宅サービス計画）の原案への同意のお願いが届いています。\n"
        f"介護情報基盤ポータルにサインインしてご確認ください。\n{settings.KAIGO_SITE_URL}/me/\n"
    )
    return _send_once(
        kind="agreement_requested",
        key=f"plan:{plan.pk}",
        addresses=addresses,
        subject="【介護情報基盤】ケアプランへの同意のお願い",
        body=body,
    )


def plan_sent_send(*, delivery_id: int) -> int:
    """Tells the receiving office's staff that a care plan arrived in its inbox."""
    delivery = Delivery.objects.filter(pk=delivery_id).select_related("office").first()
    if delivery is None:
        return 0
    addresses = Membership.objects.filter(
        organisation=delivery.office, role__in=RECEIVING_ROLES, is_active=True
    ).values_list("user__email", flat=True)
    body = (
        "居宅介護支援事業所からケアプランが届きました。\n"
        f"介護情報基盤ポータルの「ケアプラン受信箱」でご確認ください。\n{settings.KAIGO_SITE_URL}/careplans/inbox/\n"
    )
    return _send_once(
        kind="plan_sent",
        key=f"delivery:{delivery.pk}",
        addresses=addresses,
        subject="【介護情報基盤】ケアプランが届きました",
        body=body,
    )
