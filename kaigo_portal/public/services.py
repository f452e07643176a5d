"""Every write of the public portal: news, FAQ, inquiries and their threads, and the demo content.

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

from kaigo_portal.accounts.models import Role, User
from kaigo_portal.errors import ApplicationError
from kaigo_portal.validators import refuse_my_number

from . import ratelimit
from .models import (
    Audience,
    FaqEntry,
    Inquiry,
    InquiryMessage,
    InquiryMessageKind,
    InquiryStatus,
    NewsItem,
    TicketCounter,
)

logger = logging.getLogger(__name__)

# Which status an operator may move a ticket to from each status. Replies move it too (see inquiry_reply).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    InquiryStatus.NEW: frozenset({InquiryStatus.IN_PROGRESS, InquiryStatus.ANSWERED, InquiryStatus.CLOSED}),
    InquiryStatus.IN_PROGRESS: frozenset({InquiryStatus.ANSWERED, InquiryStatus.CLOSED}),
    InquiryStatus.ANSWERED: frozenset({InquiryStatus.IN_PROGRESS, InquiryStatus.CLOSED}),
    InquiryStatus.CLOSED: frozenset({InquiryStatus.IN_PROGRESS}),
}
REPLY_STATUSES = frozenset({InquiryStatus.ANSWERED, InquiryStatus.IN_PROGRESS, InquiryStatus.CLOSED})


def is_operator(user) -> bool:
    """A platform operator (プラットフォーム運営者) with an active membership."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.memberships.filter(
            role=Role.PLATFORM_OPERATOR, is_active=True, organisation__is_active=True
        ).exists()
    )


def _require_operator(by: User) -> None:
    if not is_operator(by):
        raise PermissionDenied("プラットフォーム運営者だけが行えます。")


# --- news and FAQ ------------------------------------------------------------------------------------


def news_create(
    *, title: str, body: str, published_at: dt.datetime | None, is_important: bool = False, by: User | None
) -> NewsItem:
    """Writes a news item; a blank `published_at` keeps it a draft. `by` None is for seed data only."""
    if by is not None:
        _require_operator(by)
    item = NewsItem(
        title=title, body=body, published_at=published_at, is_important=is_important, updated_by=by
    )
    with transaction.atomic():
        item.full_clean()
        item.save()
    logger.info("news created: id=%s by=%s", item.pk, by and by.pk)
    return item


def news_update(
    *, item: NewsItem, title: str, body: str, published_at: dt.datetime | None, is_important: bool, by: User
) -> NewsItem:
    _require_operator(by)
    item.title, item.body, item.published_at, item.is_important = title, body, published_at, is_important
    item.updated_at, item.updated_by = timezone.now(), by
    with transaction.atomic():
        item.full_clean()
        item.save(update_fields=["title", "body", "published_at", "is_important", "updated_at", "updated_by"])
    logger.info("news updated: id=%s by=%s", item.pk, by.pk)
    return item


def news_delete(*, item: NewsItem, by: User) -> None:
    _require_operator(by)
    pk = item.pk
    item.delete()
    logger.info("news deleted: id=%s by=%s", pk, by.pk)


def faq_create(
    *,
    audience: str,
    question: str,
    answer: str,
    sort_order: int = 100,
    published_at: dt.datetime | None,
    by: User | None,
) -> FaqEntry:
    """Writes an FAQ entry; a blank `published_at` keeps it a draft. `by` None is for seed data only."""
    if by is not None:
        _require_operator(by)
    entry = FaqEntry(
        audience=audience,
        question=question,
        answer=answer,
        sort_order=sort_order,
        published_at=published_at,
        updated_by=by,
    )
    with transaction.atomic():
        entry.full_clean()
        entry.save()
    logger.info("faq created: id=%s by=%s", entry.pk, by and by.pk)
    return entry


def faq_update(
    *,
    entry: FaqEntry,
    audience: str,
    question: str,
    answer: str,
    sort_order: int,
    published_at: dt.datetime | None,
    by: User,
) -> FaqEntry:
    _require_operator(by)
    entry.audience, entry.question, entry.answer = audience, question, answer
    entry.sort_order, entry.published_at = sort_order, published_at
    entry.updated_at, entry.updated_by = timezone.now(), by
    fields = ["audience", "question", "answer", "sort_order", "published_at", "updated_at", "updated_by"]
    with transaction.atomic():
        entry.full_clean()
        entry.save(update_fields=fields)
    logger.info("faq updated: id=%s by=%s", entry.pk, by.pk)
    return entry


def faq_delete(*, entry: FaqEntry, by: User) -> None:
    _require_operator(by)
    pk = entry.pk
    entry.delete()
    logger.info("faq deleted: id=%s by=%s", pk, by.pk)


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
    from .tasks import send_inquiry_confirmation

    send_inquiry_confirmation.delay(inquiry_id)


def _queue_reply(message_id: int) -> None:
    from .tasks import send_inquiry_reply

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
    _require_operator(by)
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
    _require_operator(by)
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
    _require_operator(by)
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
    _require_operator(by)
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


# --- demo content ---------------------------------------------------------------------------------------


def _jst(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.timezone(dt.timedelta(hours=9)))


DEMO_NEWS = [
    (
        _jst(2026, 4, 1),
        True,
        "介護情報基盤の運用を開始しました",
        "令和8年4月1日から介護情報基盤の運用を開始しました。準備の整った市町村から順に利用を開始し、"
        "令和10年4月1日までにすべての市町村で利用を開始する予定です。\n"
        "各市町村の利用開始日は「市町村の利用開始状況」でご確認いただけます。",
    ),
    (
        _jst(2026, 5, 7),
        False,
        "令和8年度のカードリーダー等の助成金の申請受付を開始しました",
        "令和8年度の助成金（カードリーダーの購入経費、介護情報基盤との接続サポート等経費）の申請受付を開始しました。"
        "受付期間は令和9年3月12日までの予定です。\n"
        "助成金は、事業所の所在する市町村の利用開始時期にかかわらず申請できます。",
    ),
    (
        _jst(2026, 9, 1),
        False,
        "介護保険資格確認等WEBサービスとの連携に関するAPI仕様書が公開されました",
        "介護ソフトと介護保険資格確認等WEBサービスを連携するためのAPI仕様書（第1.0版）が公開されました。"
        "介護ソフトの提供事業者の方はご確認ください。",
    ),
]

DEMO_FAQ = [
    (
        Audience.GENERAL,
        10,
        "介護情報基盤とは何ですか。",
        "これまで市町村、介護事業所、医療機関などに分かれていた介護の情報をひとつに集約し、"
        "ご本人の同意に基づいて関係者の間で共有する仕組みです。介護保険法の改正（令和5年）により、"
        "市町村の地域支援事業として整備されています。",
    ),
    (
        Audience.GENERAL,
        20,
        "自分の市町村はいつから利用を開始しますか。",
        "「市町村の利用開始状況」のページで、保険者ごとの利用開始日を和暦・西暦で確認できます。"
        "すべての市町村は令和10年4月1日までに利用を開始する予定です。",
    ),
    (
        Audience.CARE_OFFICE,
        10,
        "利用者の情報を見るには何が必要ですか。",
        "最初に閲覧する前に、その利用者の本人確認（マイナンバーカードの読み取り、または介護保険証の情報の入力）が必要です。"
        "本人確認を行った事業所が、その利用者の担当事業所として閲覧できるようになります。"
        "認定調査票・主治医意見書・ケアプラン・LIFE情報の一部には、これに加えて利用者の同意が必要です。",
    ),
    (
        Audience.CARE_OFFICE,
        20,
        "カードリーダーの助成金はいくらまでですか。",
        "訪問・通所・短期滞在系は3台まで6.4万円、居住・入所系は2台まで5.5万円、その他は1台まで4.2万円が上限です（いずれも税込）。"
        "複数のサービスを提供する事業所は、サービス種別ごとの上限を合算できます。",
    ),
    (
        Audience.CLINIC,
        10,
        "主治医意見書は紙でも提出できますか。",
        "はい。電子的な提出が可能になった後も、紙の主治医意見書は引き続き有効です。",
    ),
    (
        Audience.MUNICIPALITY,
        10,
        "介護情報基盤の利用を開始するまでに何が必要ですか。",
        "介護保険事務システムの標準化（介護情報基盤との連携を含む）、介護情報基盤へのデータ送信と既存データの移行が必要です。"
        "データの移行が完了すると、介護情報の共有が始まります。",
    ),
    (
        Audience.PERSON,
        10,
        "同意しないこともできますか。",
        "はい、同意しないこともできます。一度同意した後に撤回することもできます。",
    ),
    (
        Audience.PERSON,
        20,
        "マイナンバーカードを持っていません。",
        "介護事業所での本人確認は、マイナンバーカードのほか、介護保険証でも行えます。",
    ),
]


def seed_demo_content() -> dict[str, int]:
    """Loads a few news items and FAQ entries for the demo; safe to run again (matched by title)."""
    created = {"news": 0, "faq": 0}
    with transaction.atomic():
        for published_at, important, title, body in DEMO_NEWS:
            if not NewsItem.objects.filter(title=title).exists():
                news_create(
                    title=title, body=body, published_at=published_at, is_important=important, by=None
                )
                created["news"] += 1
        for audience, order, question, answer in DEMO_FAQ:
            if not FaqEntry.objects.filter(question=question).exists():
                faq_create(
                    audience=audience,
                    question=question,
                    answer=answer,
                    sort_order=order,
                    published_at=_jst(2026, 4, 1),
                    by=None,
                )
                created["faq"] += 1
    return created
