"""同意・本人確認・担当事業所 — consent, identity verification and the office–person relationship.

Consent is kept as effective-dated events (never updated, never deleted): what is in force on a date is
the latest event on or before it. Relationships are rows that end (they are never deleted either).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from eligibility.models import InsuredPerson, Version
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.validators import reject_my_number


class ActingAs(models.TextChoices):
    """How a person actor reaches a person's data: as the person (本人) or as a representative (代理人). It is
    the access log's `method` for a person actor."""

    OWN = "own", "本人"
    REPRESENTATIVE = "representative", "代理人"


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", "同意"
    REFUSED = "refused", "同意しない"
    WITHDRAWN = "withdrawn", "撤回"


class ConsentSource(models.TextChoices):
    """How the consent (or its refusal or withdrawal) was obtained."""

    APPLICATION_NEW = "application_new", "要介護認定の新規申請（包括同意）"
    APPLICATION_RENEWAL = "application_renewal", "要介護認定の更新申請（包括同意）"
    APPLICATION_CHANGE = "application_change", "区分変更申請（包括同意）"
    PAPER = "paper", "市町村窓口（書面）"
    OFFICE = "office", "事業所が市町村に代わり取得"
    PERSON = "person", "本人（ポータル）"


class Consent(Version):
    """同意の記録 — one consent event: given, refused or withdrawn. A new event is added for every change;
    the latest event effective on or before a date is what is in force on that date."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="consents")
    reference = models.CharField("受付番号", max_length=40)
    status = models.CharField("同意の状態", max_length=10, choices=ConsentStatus.choices)
    source = models.CharField("取得の経緯", max_length=24, choices=ConsentSource.choices)
    office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="取得した事業所",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by_name = models.CharField("記録者", max_length=200, blank=True)
    note = models.CharField("備考", max_length=200, blank=True, validators=[reject_my_number])

    class Meta(Version.Meta):
        verbose_name = "同意"
        verbose_name_plural = "同意"
        indexes = [models.Index(fields=["person", "effective_date"], name="consent_person_eff")]


class VerificationMethod(models.TextChoices):
    MYNUMBER_CARD = "mynumber_card", "マイナンバーカード"
    INSURANCE_CARD = "insurance_card", "被保険者証（4情報）"
    DISASTER = "disaster", "災害時の緊急閲覧"


class EndReason(models.TextChoices):
    OFFICE = "office", "事業所が終了"
    LAPSED = "lapsed", "請求実績がない"
    DISQUALIFIED = "disqualified", "資格喪失"
    REPLACED = "replaced", "再度の本人確認"
    EXPIRED = "expired", "緊急閲覧の期限切れ"


class Relationship(models.Model):
    """担当事業所 — an office's right to see a person, made by 本人確認 and kept alive by claims.

    It is live while it is not ended and: for `disaster`, until `expires_at`; otherwise while
    `anchor_on` (the 本人確認 date, or the last day of the latest claimed service month) is no more than
    KAIGO_RELATIONSHIP_LAPSE_MONTHS months ago.
    """

    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="relationships")
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="relationships")
    method = models.CharField("本人確認の方法", max_length=20, choices=VerificationMethod.choices)
    verified_at = models.DateTimeField("本人確認日時", default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_by_name = models.CharField("確認者", max_length=200, blank=True)
    care_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="担当ケアマネジャー",
    )
    anchor_on = models.DateField("起算日")
    last_claim_month = models.DateField("最終請求サービス提供年月", null=True, blank=True)
    expires_at = models.DateTimeField("緊急閲覧の期限", null=True, blank=True)
    disaster_period = models.ForeignKey(
        "DisasterPeriod", on_delete=models.PROTECT, null=True, blank=True, related_name="break_glass"
    )
    reason = models.CharField("緊急閲覧の理由", max_length=500, blank=True, validators=[reject_my_number])
    reviewed_at = models.DateTimeField("確認日時", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = models.CharField("確認結果", max_length=500, blank=True, validators=[reject_my_number])
    ended_at = models.DateTimeField("終了日時", null=True, blank=True)
    end_reason = models.CharField("終了理由", max_length=20, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "担当事業所"
        verbose_name_plural = "担当事業所"
        ordering = ["-verified_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "person"], condition=Q(ended_at__isnull=True), name="one_open_relationship"
            )
        ]
        indexes = [
            models.Index(fields=["person", "office"], name="relationship_person_office"),
            models.Index(fields=["office", "ended_at"], name="relationship_office_open"),
        ]

    def __str__(self) -> str:
        return f"{self.office} — {self.person}（{self.get_method_display()}）"


class DisasterPeriod(models.Model):
    """災害時の特例期間 — declared by a municipal admin for the insurer; break-glass works only inside it."""

    insurer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="disaster_periods")
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了日")
    reason = models.CharField("災害名・理由", max_length=500, validators=[reject_my_number])
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    declared_at = models.DateTimeField("宣言日時", default=timezone.now)
    closed_at = models.DateTimeField("終了宣言日時", null=True, blank=True)

    class Meta:
        verbose_name = "災害時の特例期間"
        verbose_name_plural = "災害時の特例期間"
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.insurer.name} {self.starts_on}〜{self.ends_on}"


class PrivacyContact(models.Model):
    """個人情報保護の窓口 — who a municipality wants alerted at once when break-glass is used."""

    insurer = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="privacy_contact")
    email = models.EmailField("メールアドレス")

    class Meta:
        verbose_name = "個人情報保護の連絡先"
        verbose_name_plural = "個人情報保護の連絡先"

    def __str__(self) -> str:
        return f"{self.insurer.name}: {self.email}"


class LookupForm(models.TextChoices):
    """The office forms that look a person up by the numbers typed in, and count their failures."""

    INSURANCE_CARD = "insurance_card", "被保険者証による本人確認"
    BREAK_GLASS = "break_glass", "災害時の緊急閲覧"


class VerificationAttempt(models.Model):
    """One try of a form that looks a person up by number (本人確認 by 被保険者証, 緊急閲覧). Only the
    outcome is kept, never what was typed. Failures are counted per user, per office and per address,
    across the forms (a probe gets one budget, not one per form)."""

    office = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    succeeded = models.BooleanField(default=False)
    form = models.CharField(
        "フォーム", max_length=20, choices=LookupForm.choices, default=LookupForm.INSURANCE_CARD
    )
    address = models.CharField("接続元アドレス", max_length=45, blank=True)

    class Meta:
        verbose_name = "本人確認の試行"
        verbose_name_plural = "本人確認の試行"
        indexes = [
            models.Index(fields=["office", "at"], name="verify_office_at"),
            models.Index(fields=["user", "at"], name="verify_user_at"),
            models.Index(fields=["address", "at"], name="verify_address_at"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.office_id}/{self.user_id} {self.at:%Y-%m-%d %H:%M} {'成功' if self.succeeded else '失敗'}"
        )


class PersonAccount(models.Model):
    """本人アカウント — a 本人 user's link to one insured person's record.

    A user has one per record: after a move to another insurer, a second one to the new record follows the
    first (`moved_from`), and the old one stays so that the person still sees their earlier record
    (`services.accounts_follow_moves`; docs/moves.md)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_accounts"
    )
    person = models.OneToOneField(InsuredPerson, on_delete=models.PROTECT, related_name="account")
    moved_from = models.OneToOneField(
        "self",
        verbose_name="転入前の記録のアカウント",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moved_to",
    )
    notify_new_organisation = models.BooleanField("新しい組織が閲覧したらメールで知らせる", default=False)
    notified_through = models.BigIntegerField("通知済みの閲覧記録ID", default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "本人アカウント"
        verbose_name_plural = "本人アカウント"

    def __str__(self) -> str:
        return f"{self.user} → {self.person}"


class RepresentativeDocument(models.TextChoices):
    FAMILY = "family", "家族（委任状）"
    GUARDIAN = "guardian", "成年後見人（登記事項証明書）"
    CURATOR = "curator", "保佐人・補助人（登記事項証明書）"


class Representative(models.Model):
    """代理人 — a family member or 成年後見人 who acts on a person's pages, for a validity period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="representations"
    )
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="representatives")
    document = models.CharField("確認書類", max_length=20, choices=RepresentativeDocument.choices)
    valid_from = models.DateField("有効期間（開始）")
    valid_to = models.DateField("有効期間（終了）")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    registered_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "代理人"
        verbose_name_plural = "代理人"
        ordering = ["person_id", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.user} → {self.person}（{self.get_document_display()}）"


class InvitationKind(models.TextChoices):
    PERSON = "person", "本人"
    REPRESENTATIVE = "representative", "代理人"


class Invitation(models.Model):
    """利用登録の招待 — a one-time code made by municipal staff after checking identity at the counter.
    Valid for 14 days, usable once. Only the code's hash is kept."""

    kind = models.CharField("種別", max_length=20, choices=InvitationKind.choices)
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="invitations")
    representative = models.ForeignKey(
        Representative, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField("送付先メールアドレス", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField("有効期限")
    used_at = models.DateTimeField("利用日時", null=True, blank=True)

    class Meta:
        verbose_name = "利用登録の招待"
        verbose_name_plural = "利用登録の招待"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person} ({self.expires_at:%Y-%m-%d})"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "未対応"
    CLOSED = "closed", "対応済み"


class Dispute(models.Model):
    """心当たりがない — the person does not recognise a read in their access history: a case for the
    municipality's queue."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="disputes")
    entry_id = models.BigIntegerField("閲覧記録ID")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField("ご本人のコメント", max_length=500, blank=True, validators=[reject_my_number])
    status = models.CharField(
        "状態", max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolution = models.CharField("対応結果", max_length=500, blank=True, validators=[reject_my_number])

    class Meta:
        verbose_name = "閲覧記録への申出"
        verbose_name_plural = "閲覧記録への申出"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "entry_id"], condition=Q(status="open"), name="one_open_dispute_per_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} #{self.entry_id} ({self.get_status_display()})"


from .models_identity import (  # noqa: E402, F401  (the card's models live in their own module)
    CardAttempt,
    CardCertificate,
    CardOutcome,
    IdentityChallenge,
    RevokedCertificate,
)
