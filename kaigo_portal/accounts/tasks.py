"""Background work for accounts. Tasks take ids, reload, and call a service or send one e-mail."""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string

from .models import Organisation, User
from .services import invitation_link


@shared_task
def send_invitation(user_id: int, organisation_id: int) -> None:
    """E-mails a new staff user the link to set a password.

    On retry: a user who has set a password meanwhile gets nothing, so a second run sends no
    second invitation once the first was used.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if user is None or organisation is None or user.has_usable_password():
        return
    context = {"user": user, "organisation": organisation, "link": invitation_link(user)}
    send_mail(
        subject="【介護情報基盤ポータル】アカウント登録のご案内",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
