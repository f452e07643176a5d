"""Every write of inquiries and their threads: submission, the operators' queue and the e-mails.

Ticket numbers: 受付番号 is `INQ-<year>-<number>`, e.g. INQ-2026-000123. The year is the year (Japan
time) the inquiry arrived; the number counts from 000001 in each year, six digits, zero-padded (a
seventh digit appears only past 999,999 in one year). Numbers come from a locked counter row, so they
are unique and have no gaps. A ticket number is not a secret: it never grants access to a ticket.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kaigo_portal.accounts.models import User
from kaigo_portal.errors import ApplicationError
from kaigo_portal.validators import refuse_my_number

from .. import ratelimit
from ..models import (
    Inquiry,
    InquiryMessage,
    InquiryMessageKind,
    InquiryStatus,
    TicketCounter,
)
from .common import REPLY_STATUSES, STATUS_TRANSITIONS, is_operator, require_operator

logger = logging.getLogger(__name__)

# --- inquiries: submission -------------------------------------------------------------------------------


def _rate_limited() -> ApplicationError:
    phone = settings.KAIGO_CONTACT_PHONE
    return ApplicationError(
        "短い時間に多くのお問い合わせを受け付けたため、しばらく受付を止めています。"
        + (
            f"時間をおいて送信するか、お電話でお問い合わせください（{phone}、{settings.KAIGO_CONTACT_HOURS}）。"
            if phone
            else "時間をおいて、もう一度送信してください。"
        ),
        code="inquiry.rate_limited",
        status=429,
    )


def _check_limits(*, client_ip: str, email: str) -> None:
    """Per client address first, then per e-mail address: a flood from one address does not use up
    the e-mail counters of the addresses it names."""
    if not ratelimit.hit("ip", client_ip, limit=settings.KAIGO_INQUIRY_LIMIT_PER_IP):
        logger.warning("inquiry refused: per-IP limit")
        raise _rate_limited()
    if not ratelimit.hit("email", email, limit=settings.KAIGO_INQUIRY_LIMIT_PER_EMAIL):
        logger.warning("inquiry refused: per-address limit")
        raise _rate_limited()


def _next_ticket_number(now: dt.datetime) -> str:
    """The next 受付番号 of the year; call inside a transaction (the counter row stays locked until commit)."""
    year = timezone.localtime(now).year
    if not TicketCounter.objects.filter(year=year).update(last_number=F("last_number") + 1):
        try:
            with transaction.atomic():
                TicketCounter.objects.create(year=year, last_number=1)
        except IntegrityError:  # another request created the year's row first
            TicketCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = TicketCounter.objects.values_list("last_number", flat=True).get(year=year)
    return f"INQ-{year}-{number:06d}"


def inquiry_submit(
    *,
    category: str,
    asker_type: str,
    name: str,
    email: str,
    body: str,
    phone: str = "",
    organisation_name: str = "",
    user: User | None = None,
    client_ip: str,
) -> Inquiry:
    """Takes a written inquiry, gives it a 受付番号 and e-mails the asker a confirmation after commit.

    A signed-in asker's ticket is linked to their account and replies go to the account's address.
    Raises ApplicationError `inquiry.rate_limited` (429) past the per-IP or per-address limit.
    """
    refuse_my_number(name=name, phone=phone, organisation_name=organisation_name, body=body)
    if user is not None and not user.is_authenticated:
        user = None
    email = (user.email if user is not None else User.objects.normalize_email(email)).strip().lower()
    _check_limits(client_ip=client_ip, email=email)
    now = timezone.now()
    with transaction.atomic():
        inquiry = Inquiry(
            category=category,
            asker_type=asker_type,
            name=name.strip(),
            email=email,
            phone=phone.strip(),
            organisation_name=organisation_name.strip(),
            body=body.strip(),
            user=user,
            created_at=now,
            updated_at=now,
            ticket_number=_next_ticket_number(now),
        )
        inquiry.full_clean()
        inquiry.save()
        transaction.on_commit(lambda: _queue_confirmation(inquiry.pk))
    logger.info("inquiry received: %s user=%s", inquiry.ticket_number, user and user.pk)
    return inquiry


def _queue_confirmation(inquiry_id: int) -> None:
    from ..tasks import send_inquiry_confirmation

    send_inquiry_confirmation.delay(inquiry_id)


def _queue_reply(message_id: int) -> None:
    from ..tasks import send_inquiry_reply

    send_inquiry_reply.delay(message_id)


# --- inquiries: the operators' queue -----------------------------------------------------------------------


def _record(inquiry: Inquiry, *, kind: str, body: str, author: User | None) -> InquiryMessage:
    message = InquiryMessage(inquiry=inquiry, kind=kind, body=body, author=author, created_at=timezone.now())
    message.full_clean()
    message.save()
    return message


def _move(inquiry: Inquiry, status: str, *, by: User | None) -> None:
    """Changes the status and writes the change into the thread (operators see it, the asker does not)."""
    if inquiry.status == status:
        return
    before = InquiryStatus(inquiry.status).label
    inquiry.status = status
    _record(
        inquiry,
        kind=InquiryMessageKind.EVENT,
        body=f"対応状況を「{before}」から「{InquiryStatus(status).label}」に変更しました。",
        author=by,
    )


def _locked(inquiry: Inquiry) -> Inquiry:
    """The inquiry re-read under a row lock, so that two operators' actions apply one after the other."""
    return Inquiry.objects.select_for_update().get(pk=inquiry.pk)


def inquiry_assign(*, inquiry: Inquiry, assignee: User | None, by: User) -> Inquiry:
    """Sets (or clears) the operator in charge; a 新規 ticket that gets someone becomes 対応中."""
    require_operator(by)
    if assignee is not None and not is_operator(assignee):
        raise ApplicationError(
            "担当者にはプラットフォーム運営者だけを指定できます。",
            code="inquiry.assignee_not_operator",
            fields={"assignee": ["運営者ではありません。"]},
        )
    with transaction.atomic():
        inquiry = _locked(inquiry)
        if inquiry.assignee_id == (assignee.pk if assignee else None):
            return inquiry
        inquiry.assignee = assignee
        _record(
            inquiry,
            kind=InquiryMessageKind.EVENT,
            body=f"担当者を{assignee.name}さんにしました。" if assignee else "担当者の割り当てを外しました。",
            author=by,
        )
        if assignee is not None and inquiry.status == InquiryStatus.NEW:
            _move(inquiry, InquiryStatus.IN_PROGRESS, by=by)
        inquiry.updated_at = timezone.now()
        inquiry.full_clean()
        inquiry.save(update_fields=["assignee", "status", "updated_at"])
    logger.info("inquiry assigned: %s to=%s by=%s", inquiry.ticket_number, assignee and assignee.pk, by.pk)
    return inquiry


def inquiry_set_status(*, inquiry: Inquiry, status: str, by: User) -> Inquiry:
    require_operator(by)
    with transaction.atomic():
        inquiry = _locked(inquiry)
        if status not in STATUS_TRANSITIONS.get(inquiry.status, frozenset()):
            raise ApplicationError(
                f"「{InquiryStatus(inquiry.status).label}」から「{InquiryStatus(status).label if status in InquiryStatus.values else status}」には変更できません。",
                code="inquiry.bad_transition",
                fields={"status": ["この対応状況には変更できません。"]},
            )
        _move(inquiry, status, by=by)
        inquiry.updated_at = timezone.now()
        inquiry.save(update_fields=["status", "updated_at"])
    logger.info("inquiry status: %s -> %s by=%s", inquiry.ticket_number, status, by.pk)
    return inquiry


def inquiry_reply(
    *, inquiry: Inquiry, body: str, by: User, status_after: str = InquiryStatus.ANSWERED
) -> InquiryMessage:
    """Answers the asker: the reply joins the thread and is e-mailed to the asker after commit.

    The replying operator takes the ticket if nobody has it. A 完了 ticket must be reopened first.
    """
    refuse_my_number(body=body)
    require_operator(by)
    if status_after not in REPLY_STATUSES:
        raise ApplicationError("返信後の対応状況が正しくありません。", code="inquiry.bad_transition")
    with transaction.atomic():
        inquiry = _locked(inquiry)
        if not inquiry.is_open:
            raise ApplicationError(
                "完了したお問い合わせには返信できません。対応中に戻してから返信してください。",
                code="inquiry.closed",
            )
        message = _record(inquiry, kind=InquiryMessageKind.REPLY, body=body.strip(), author=by)
        if inquiry.assignee_id is None:
            inquiry.assignee = by
        _move(inquiry, status_after, by=by)
        inquiry.updated_at = timezone.now()
        inquiry.save(update_fields=["assignee", "status", "updated_at"])
        transaction.on_commit(lambda: _queue_reply(message.pk))
    logger.info("inquiry replied: %s by=%s", inquiry.ticket_number, by.pk)
    return message


def inquiry_add_note(*, inquiry: Inquiry, body: str, by: User) -> InquiryMessage:
    """An internal note: seen by operators only, never e-mailed."""
    refuse_my_number(body=body)
    require_operator(by)
    with transaction.atomic():
        inquiry = _locked(inquiry)
        message = _record(inquiry, kind=InquiryMessageKind.NOTE, body=body.strip(), author=by)
        inquiry.updated_at = timezone.now()
        inquiry.save(update_fields=["updated_at"])
    return message


def inquiry_follow_up(*, inquiry: Inquiry, body: str, by: User) -> InquiryMessage:
    """The signed-in asker adds to their own ticket; an answered ticket goes back to 対応中."""
    refuse_my_number(body=body)
    if inquiry.user_id is None or inquiry.user_id != by.pk:
        raise PermissionDenied("ご自身のお問い合わせにだけ追記できます。")
    if not ratelimit.hit("follow-up", str(by.pk), limit=settings.KAIGO_INQUIRY_LIMIT_PER_EMAIL):
        raise _rate_limited()
    with transaction.atomic():
        inquiry = _locked(inquiry)
        if not inquiry.is_open:
            raise ApplicationError(
                "このお問い合わせは完了しています。新しいお問い合わせとして送信してください。",
                code="inquiry.closed",
            )
        message = _record(inquiry, kind=InquiryMessageKind.FOLLOW_UP, body=body.strip(), author=by)
        if inquiry.status == InquiryStatus.ANSWERED:
            _move(inquiry, InquiryStatus.IN_PROGRESS, by=by)
        inquiry.updated_at = timezone.now()
        inquiry.save(update_fields=["status", "updated_at"])
    logger.info("inquiry follow-up: %s", inquiry.ticket_number)
    return message


# --- inquiries: e-mail (called by tasks) -------------------------------------------------------------------


def _email_context(inquiry: Inquiry) -> dict:
    site = settings.KAIGO_SITE_URL.rstrip("/")
    return {
        "inquiry": inquiry,
        "contact_phone": settings.KAIGO_CONTACT_PHONE,
        "contact_hours": settings.KAIGO_CONTACT_HOURS,
        "form_url": site + reverse("public:inquiry"),
        "my_url": site + reverse("public:my_inquiry", args=[inquiry.ticket_number])
        if inquiry.user_id
        else "",
    }


def inquiry_send_confirmation(*, inquiry_id: int) -> bool:
    """E-mails the asker the 受付番号; True if sent now, False if already sent or gone.

    The mail repeats neither the message nor the name the form was given: the form is open to anyone,
    and an echo would let it carry someone's text to any address.
    """
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().filter(pk=inquiry_id).first()
        if inquiry is None or inquiry.confirmation_sent_at is not None:
            return False
        send_mail(
            subject=f"【介護情報基盤ポータル】お問い合わせを受け付けました（受付番号 {inquiry.ticket_number}）",
            message=render_to_string("public/email/inquiry_received.txt", _email_context(inquiry)),
            from_email=None,
            recipient_list=[inquiry.email],
        )
        inquiry.confirmation_sent_at = timezone.now()
        inquiry.save(update_fields=["confirmation_sent_at"])
    return True


def inquiry_message_send(*, message_id: int) -> bool:
    """E-mails one reply to the asker; True if sent now, False if already sent, gone or not a reply."""
    with transaction.atomic():
        message = (
            InquiryMessage.objects.select_for_update()
            .select_related("inquiry")
            .filter(pk=message_id, kind=InquiryMessageKind.REPLY)
            .first()
        )
        if message is None or message.emailed_at is not None:
            return False
        inquiry = message.inquiry
        send_mail(
            subject=f"【介護情報基盤ポータル】お問い合わせへの回答（受付番号 {inquiry.ticket_number}）",
            message=render_to_string(
                "public/email/inquiry_reply.txt", {**_email_context(inquiry), "message": message}
            ),
            from_email=None,
            recipient_list=[inquiry.email],
        )
        message.emailed_at = timezone.now()
        message.save(update_fields=["emailed_at"])
    return True
