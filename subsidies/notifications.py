"""The e-mail the office gets at each step of its application (sent by tasks.send_status_email)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from kaigo_portal.accounts.models import Membership, Role

from .models import ApplicationStatus, StatusChange

SUBJECTS = {
    ApplicationStatus.SUBMITTED: "助成金の申請を受け付けました",
    ApplicationStatus.UNDER_REVIEW: "助成金申請の審査を開始しました",
    ApplicationStatus.RETURNED: "助成金申請が差し戻されました。修正して再申請してください",
    ApplicationStatus.APPROVED: "助成金の交付が決定しました",
    ApplicationStatus.PAID: "助成金をお支払いしました",
}


def office_admin_emails(office) -> list[str]:
    """The office's 管理者ユーザ: the people who apply, and so the people who are told."""
    return list(
        Membership.objects.filter(
            organisation=office, role=Role.OFFICE_ADMIN, is_active=True, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def send_status_email_now(change: StatusChange) -> int:
    """Sends one message per admin (no one sees another's address); returns how many were sent."""
    if change.to_status not in SUBJECTS:
        return 0
    application = change.application
    link = settings.KAIGO_SITE_URL.rstrip("/") + reverse(
        "subsidies:application", kwargs={"application_id": application.pk}
    )
    context = {"change": change, "application": application, "office": application.office, "link": link}
    subject = f"【介護情報基盤ポータル】{application.program_year.name} {SUBJECTS[change.to_status]}"
    body = render_to_string("subsidies/email/status_change.txt", context)
    messages = [EmailMessage(subject, body, to=[email]) for email in office_admin_emails(application.office)]
    for message in messages:
        message.send()
    return len(messages)
