"""Background work for consent: notices. Tasks take ids, reload, and send e-mail, each mail once per key
(kaigo_portal.mail): a message delivered again after a worker died sends nothing twice."""

from __future__ import annotations

from celery import shared_task
from django.template.loader import render_to_string
from django.utils import timezone

from kaigo_portal.accounts.models import Membership, Role
from kaigo_portal.mail import send_once

from . import services
from .models import Consent, PrivacyContact, Relationship


@shared_task
def send_withdrawal_notices(consent_id: int) -> None:
    """Tells each office with a live relationship that consent was withdrawn; on retry, each office's
    notice is sent once."""
    from .policy import live_relationship_q

    consent = Consent.objects.select_related("person__insurer").filter(pk=consent_id).first()
    if consent is None:
        return
    relationships = (
        Relationship.objects.filter(person=consent.person)
        .filter(live_relationship_q(timezone.now()))
        .select_related("office", "care_manager", "verified_by")
    )
    for relationship in relationships:
        recipients = _recipients(relationship)
        if not recipients:
            continue
        context = {"consent": consent, "office": relationship.office, "person": consent.person}
        send_once(
            key=f"consent-withdrawn:{consent.pk}:{relationship.pk}",
            subject="【介護情報基盤ポータル】同意の撤回のお知らせ",
            body=render_to_string("consent/email/withdrawn.txt", context),
            recipients=recipients,
        )


def _recipients(relationship) -> list[str]:
    """The named 担当ケアマネ; else the office's admins; else the staff member who did the 本人確認."""
    if relationship.care_manager is not None:
        return [relationship.care_manager.email]
    admins = _admins(relationship.office)
    if admins:
        return admins
    return [relationship.verified_by.email] if relationship.verified_by else []


def _admins(office) -> list[str]:
    return list(
        Membership.objects.filter(organisation=office, role=Role.OFFICE_ADMIN, is_active=True).values_list(
            "user__email", flat=True
        )
    )


@shared_task
def send_break_glass_alert(relationship_id: int) -> None:
    """Alerts the municipality's privacy contact (else its admins) at once that break-glass was used; once
    per break-glass relationship, however often the message is delivered."""
    relationship = (
        Relationship.objects.select_related("office", "person__insurer").filter(pk=relationship_id).first()
    )
    if relationship is None:
        return
    insurer = relationship.person.insurer
    contact = PrivacyContact.objects.filter(insurer=insurer).first()
    recipients = (
        [contact.email]
        if contact
        else list(
            Membership.objects.filter(
                organisation=insurer, role=Role.MUNICIPAL_ADMIN, is_active=True
            ).values_list("user__email", flat=True)
        )
    )
    send_once(
        key=f"break-glass:{relationship.pk}",
        subject="【介護情報基盤ポータル】災害時の緊急閲覧が行われました",
        body=render_to_string("consent/email/break_glass.txt", {"relationship": relationship}),
        recipients=recipients,
    )


@shared_task
def sweep_relationships() -> None:
    """Nightly: records the end of lapsed, expired and disqualified relationships, and lets persons' accounts
    follow their moves to another insurer. Safe to run twice."""
    services.relationships_sweep()
    services.accounts_follow_moves()


@shared_task
def send_new_organisation_notices() -> None:
    """Every few minutes: e-mails persons who asked to hear when an organisation looks at their data for
    the first time. Moves each account's mark forward after sending. A notice is keyed by the account and
    the log row it reaches, so a run after a crash between send and save sends that notice once."""
    from .models import PersonAccount
    from .services import new_organisations_since

    for account in PersonAccount.objects.filter(notify_new_organisation=True).select_related(
        "user", "person__insurer"
    ):
        new, through = new_organisations_since(account)
        if new:
            send_once(
                key=f"new-organisation:{account.pk}:{through}",
                subject="【介護情報基盤ポータル】新しい組織があなたの情報を閲覧しました",
                body=render_to_string(
                    "consent/email/new_organisation.txt", {"account": account, "rows": new}
                ),
                recipients=[account.user.email],
            )
        if through != account.notified_through:
            PersonAccount.objects.filter(pk=account.pk).update(notified_through=through)


@shared_task
def send_invitation_code(invitation_id: int, code: str) -> None:
    """E-mails an invitation code (when the counter gave an address instead of printing it). The code is
    only in this message and the e-mail: the portal keeps its hash. A used or expired invitation gets
    nothing, so a retry never re-sends a dead code; a live one is sent once per invitation."""
    from django.conf import settings

    from .models import Invitation

    invitation = Invitation.objects.select_related("person__insurer").filter(pk=invitation_id).first()
    if (
        invitation is None
        or not invitation.email
        or invitation.used_at
        or invitation.expires_at <= timezone.now()
    ):
        return
    context = {"invitation": invitation, "code": code, "url": f"{settings.KAIGO_SITE_URL}/me/invitation/"}
    send_once(
        key=f"invitation-code:{invitation.pk}",
        subject="【介護情報基盤ポータル】利用登録のご案内（招待コード）",
        body=render_to_string("consent/email/invitation.txt", context),
        recipients=[invitation.email],
    )
