"""Background work for accounts. Tasks take ids, reload, and call a service or send one e-mail."""

from celery import shared_task
from django.template.loader import render_to_string

from kaigo_portal.mail import send_once, task_key

from .models import Organisation, User
from .services import invitation_link


@shared_task(bind=True)
def send_invitation(self, user_id: int, organisation_id: int) -> None:
    """E-mails a new staff user the link to set a password.

    On retry: a user who has set a password meanwhile gets nothing, and a message delivered again sends
    its mail once (keyed by the task's id: inviting the same user again later is a new mail).
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if user is None or organisation is None or user.has_usable_password():
        return
    context = {"user": user, "organisation": organisation, "link": invitation_link(user)}
    send_once(
        key=task_key(self, "invitation"),
        subject="【介護情報基盤ポータル】アカウント登録のご案内",
        body=render_to_string("accounts/email/invitation.txt", context),
        recipients=[user.email],
    )
