"""The public portal's own content: news, FAQ entries and written inquiries with their threads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kaigo_portal.validators import reject_my_number


class Audience(models.TextChoices):
    """Who a page or an FAQ entry speaks to."""

    GENERAL = "general", "全般"
    MUNICIPALITY = "municipality", "市町村"
    CARE_OFFICE = "care_office", "介護事業所"
    CLINIC = "clinic", "医療機関"
    PERSON = "person", "利用者・家族"


class PublishedQuerySet(models.QuerySet):
    def published(self, now=None):
        """Rows whose 公開日時 has come. A blank 公開日時 is a draft and is never public."""
        now = now or timezone.now()
        return self.filter(published_at__isnull=False, published_at__lte=now)


class PublicationState(models.TextChoices):
    DRAFT = "draft", "下書き"
    SCHEDULED = "scheduled", "公開予定"
    PUBLISHED = "published", "公開中"


class Publishable(models.Model):
    published_at = models.DateTimeField(
        "公開日時",
        null=True,
        blank=True,
        help_text="空欄のままなら下書きです。未来の日時なら、その時に公開されます。",
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PublishedQuerySet.as_manager()

    class Meta:
        abstract = True

    def publication_state(self, now=None) -> PublicationState:
        now = now or timezone.now()
        if self.published_at is None:
            return PublicationState.DRAFT
        if self.published_at > now:
            return PublicationState.SCHEDULED
        return PublicationState.PUBLISHED


class NewsItem(Publishable):
    """お知らせ — a dated announcement on the public portal."""

    title = models.CharField("件名", max_length=200)
    body = models.TextField("本文", max_length=10_000)
    is_important = models.BooleanField("重要なお知らせ", default=False)

    class Meta:
        verbose_name = "お知らせ"
        verbose_name_plural = "お知らせ"
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["published_at"], name="public_news_published")]

    def __str__(self) -> str:
        return self.title


class FaqEntry(Publishable):
    """よくある質問 — one question and its answer, for one audience."""

    audience = models.CharField("対象", max_length=20, choices=Audience.choices, default=Audience.GENERAL)
    question = models.CharField("質問", max_length=300)
    answer = models.TextField("回答", max_length=5_000)
    sort_order = models.PositiveIntegerField("表示順", default=100, help_text="小さい順に表示します。")

    class Meta:
        verbose_name = "よくある質問"
        verbose_name_plural = "よくある質問"
        ordering = ["audience", "sort_order", "id"]

    def __str__(self) -> str:
        return self.question


class InquiryCategory(models.TextChoices):
    ABOUT = "about", "介護情報基盤について"
    ROLLOUT = "rollout", "市町村の利用開始時期"
    PREPARATION = "preparation", "利用の準備（カードリーダー・クライアント証明書など）"
    SUBSIDY = "subsidy", "助成金"
    ACCOUNT = "account", "アカウント・サインイン・多要素認証"
    CONSENT = "consent", "同意・本人確認"
    OPINION = "opinion", "主治医意見書の電子的な提出"
    OTHER = "other", "その他"


class AskerType(models.TextChoices):
    MUNICIPALITY = "municipality", "市町村（保険者）"
    CARE_OFFICE = "care_office", "介護事業所"
    CLINIC = "clinic", "医療機関"
    PERSON = "person", "利用者・家族"
    OTHER = "other", "その他"


class InquiryStatus(models.TextChoices):
    NEW = "new", "新規"
    IN_PROGRESS = "in_progress", "対応中"
    ANSWERED = "answered", "回答済"
    CLOSED = "closed", "完了"


class Inquiry(models.Model):
    """お問い合わせ — a written question, known by its 受付番号 (INQ-YYYY-NNNNNN)."""

    ticket_number = models.CharField("受付番号", max_length=20, unique=True)
    category = models.CharField("お問い合わせの種類", max_length=20, choices=InquiryCategory.choices)
    asker_type = models.CharField("お立場", max_length=20, choices=AskerType.choices)
    name = models.CharField("お名前", max_length=100, validators=[reject_my_number])
    email = models.EmailField("メールアドレス")
    phone = models.CharField("電話番号", max_length=20, blank=True, validators=[reject_my_number])
    organisation_name = models.CharField(
        "所属・事業所名", max_length=200, blank=True, validators=[reject_my_number]
    )
    body = models.TextField("お問い合わせ内容", max_length=4_000, validators=[reject_my_number])
    # Set only when the asker was signed in: the ticket then shows on that account's my-page. An equal
    # e-mail address alone never links a ticket to an account (see selectors.inquiries_of).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name="送信したアカウント",
    )
    status = models.CharField(
        "対応状況", max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_inquiries",
        verbose_name="担当者",
    )
    created_at = models.DateTimeField("受付日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", default=timezone.now)
    confirmation_sent_at = models.DateTimeField("受付メール送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "お問い合わせ"
        verbose_name_plural = "お問い合わせ"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="public_inquiry_queue"),
        ]

    def __str__(self) -> str:
        return self.ticket_number

    @property
    def is_open(self) -> bool:
        return self.status != InquiryStatus.CLOSED


class InquiryMessageKind(models.TextChoices):
    FOLLOW_UP = "follow_up", "問い合わせ者からの追記"
    REPLY = "reply", "回答"
    NOTE = "note", "内部メモ"
    EVENT = "event", "対応記録"


# What the asker sees of a thread: their own follow-ups and the replies; never notes or events.
ASKER_VISIBLE_KINDS = (InquiryMessageKind.FOLLOW_UP, InquiryMessageKind.REPLY)


class InquiryMessage(models.Model):
    """One entry in an inquiry's thread: a reply (e-mailed to the asker), a follow-up, a note or an event."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField("種別", max_length=20, choices=InquiryMessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField("内容", max_length=4_000, validators=[reject_my_number])
    created_at = models.DateTimeField("日時", default=timezone.now)
    emailed_at = models.DateTimeField("メール送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "お問い合わせの記録"
        verbose_name_plural = "お問い合わせの記録"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="public_message_kind_valid", condition=Q(kind__in=InquiryMessageKind.values)
            )
        ]

    def __str__(self) -> str:
        return f"{self.inquiry.ticket_number} {self.get_kind_display()}"


class TicketCounter(models.Model):
    """The last 受付番号 issued in a year; a row lock makes numbers unique and gap-free per year."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "受付番号の採番"
        verbose_name_plural = "受付番号の採番"

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
