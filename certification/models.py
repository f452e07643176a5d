"""要介護認定の申請, its progress steps and the 認定調査票."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from eligibility.models import CareLevel, InsuredPerson, Version
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.validators import reject_my_number


class ApplicationKind(models.TextChoices):
    """申請区分. The values are those consent.services.consent_record_with_application takes."""

    NEW = "new", "新規"
    RENEWAL = "renewal", "更新"
    CHANGE = "change", "区分変更"


class StepKind(models.TextChoices):
    """認定審査の進捗 (domain.md §2.7), in order."""

    RECEIVED = "received", "申請受付"
    SURVEY_REQUESTED = "survey_requested", "認定調査依頼"
    SURVEY_RECEIVED = "survey_received", "調査票入手"
    OPINION_REQUESTED = "opinion_requested", "主治医意見書依頼"
    OPINION_RECEIVED = "opinion_received", "意見書入手"
    PRIMARY_JUDGEMENT = "primary_judgement", "一次判定"
    PANEL_ASSIGNED = "panel_assigned", "審査会割付"
    SECONDARY_JUDGEMENT = "secondary_judgement", "二次判定"
    RESULT_NOTIFIED = "result_notified", "結果通知"


# What must be complete before each step (the survey pair and the opinion pair run in parallel).
STEP_REQUIRES: dict[str, tuple[str, ...]] = {
    StepKind.RECEIVED: (),
    StepKind.SURVEY_REQUESTED: (StepKind.RECEIVED,),
    StepKind.SURVEY_RECEIVED: (StepKind.SURVEY_REQUESTED,),
    StepKind.OPINION_REQUESTED: (StepKind.RECEIVED,),
    StepKind.OPINION_RECEIVED: (StepKind.OPINION_REQUESTED,),
    StepKind.PRIMARY_JUDGEMENT: (StepKind.SURVEY_RECEIVED, StepKind.OPINION_RECEIVED),
    StepKind.PANEL_ASSIGNED: (StepKind.PRIMARY_JUDGEMENT,),
    StepKind.SECONDARY_JUDGEMENT: (StepKind.PANEL_ASSIGNED,),
    StepKind.RESULT_NOTIFIED: (StepKind.SECONDARY_JUDGEMENT,),
}


class EligibilityCertificate(models.Model):
    """受給資格証明書: what the old insurer certifies of a certified person who moves out (介護保険法 §36).

    The person hands the paper to the new insurer. Its number, random and printed on it, is how the new
    insurer's application names it (`services.certificate_link`); nothing else of it crosses insurers."""

    number = models.CharField("証明書番号", max_length=14, unique=True)
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+")
    moved_out_on = models.DateField("転出（予定）日")
    issued_on = models.DateField("交付日")
    care_level = models.CharField("要介護状態区分", max_length=2, choices=CareLevel.choices)
    certified_on = models.DateField("認定年月日")
    valid_from = models.DateField("認定有効期間（開始）")
    valid_to = models.DateField("認定有効期間（終了）")
    panel_opinion = models.TextField("認定審査会の意見", blank=True, validators=[reject_my_number])
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "受給資格証明書"
        verbose_name_plural = "受給資格証明書"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return f"受給資格証明書 {self.number}"


TRANSFER_DAYS = 14  # 介護保険法 §36: the application within 14 days of the 転入


class Application(models.Model):
    """要介護認定等申請 — one application and, once decided, its result."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="certification_applications"
    )
    reference = models.CharField("申請番号", max_length=20, blank=True)  # the key of imported progress events
    kind = models.CharField("申請区分", max_length=10, choices=ApplicationKind.choices)
    applied_on = models.DateField("申請日")
    proxy_office = models.ForeignKey(
        Organisation,
        verbose_name="代行申請事業所",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proxy_certification_applications",
    )
    physician_institution = models.ForeignKey(
        Organisation,
        verbose_name="主治医の医療機関",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attending_certification_applications",
    )
    physician_institution_name = models.CharField("医療機関名", max_length=200)
    physician_name = models.CharField("医師名", max_length=100)
    # None: the box was left blank on the form (未記入): no consent event is recorded.
    consent_granted = models.BooleanField("情報提供への同意（包括同意）", null=True, blank=True)
    previous_valid_to = models.DateField("前回認定の有効期間満了日", null=True, blank=True)
    previous_care_level = models.CharField(
        "前回の要介護状態区分", max_length=2, choices=CareLevel.choices, blank=True
    )
    # 二次判定 (the decision)
    care_level = models.CharField("要介護状態区分", max_length=2, choices=CareLevel.choices, blank=True)
    decided_on = models.DateField("認定年月日", null=True, blank=True)
    valid_from = models.DateField("認定有効期間（開始）", null=True, blank=True)
    valid_to = models.DateField("認定有効期間（終了）", null=True, blank=True)
    panel_opinion = models.TextField("認定審査会の意見", blank=True, validators=[reject_my_number])
    extension_notice_on = models.DateField("延期通知日", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # §36: a person certified at their old insurer, applying with its 受給資格証明書.
    certificate = models.ForeignKey(
        EligibilityCertificate,
        verbose_name="受給資格証明書",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    moved_in_on = models.DateField("転入日", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "要介護認定申請"
        verbose_name_plural = "要介護認定申請"
        ordering = ["-applied_on", "-id"]
        indexes = [models.Index(fields=["person", "applied_on"], name="certapp_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "reference"],
                condition=~models.Q(reference=""),
                name="one_application_per_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.applied_on} ({self.person})"

    @property
    def days_after_moving_in(self) -> int | None:
        return (self.applied_on - self.moved_in_on).days if self.moved_in_on else None

    @property
    def may_take_certificate(self) -> bool:
        """A 受給資格証明書 is attached to an undecided new application (services.certificate_link)."""
        return self.decided_on is None and self.kind == ApplicationKind.NEW and self.certificate_id is None

    @property
    def is_timely_transfer(self) -> bool:
        """Applied with a 受給資格証明書 within 14 days of the 転入: certified in line with it (§36)."""
        days = self.days_after_moving_in
        return self.certificate_id is not None and days is not None and 0 <= days <= TRANSFER_DAYS


class Step(models.Model):
    """One completed progress step, with its completion date."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("段階", max_length=24, choices=StepKind.choices)
    completed_on = models.DateField("完了日")
    panel_date = models.DateField("審査会開催予定日", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField("登録元", max_length=20, default="screen")
    recorded_at = models.DateTimeField("記録日時", default=timezone.now)

    class Meta:
        verbose_name = "進捗段階"
        verbose_name_plural = "進捗段階"
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="one_step_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.completed_on}"


class Survey(models.Model):
    """認定調査票: 概況調査, 基本調査 answers keyed by item code, 特記事項 keyed by item code."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="survey")
    conducted_on = models.DateField("調査実施日")
    investigator = models.CharField("調査実施者", max_length=100)
    investigator_organisation = models.CharField("所属機関", max_length=200, blank=True)
    place = models.CharField("実施場所", max_length=200, blank=True)
    overview = models.JSONField("概況調査", default=dict, blank=True)
    answers = models.JSONField("基本調査", default=dict)
    notes = models.JSONField("特記事項", default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("記録日時", default=timezone.now)

    class Meta:
        verbose_name = "認定調査票"
        verbose_name_plural = "認定調査票"

    def __str__(self) -> str:
        return f"認定調査票 {self.conducted_on} ({self.investigator})"


class NoticeKind(models.TextChoices):
    STEP = "step", "進捗のお知らせ"
    DECISION = "decision", "認定結果のお知らせ"
    RENEWAL_REMINDER = "renewal_reminder", "更新申請のご案内"


class Notice(models.Model):
    """One notice sent to one address; the unique key makes every send safe to run twice."""

    kind = models.CharField("種類", max_length=20, choices=NoticeKind.choices)
    key = models.CharField("対象", max_length=60)  # "step:<id>", "certification:<version id>"
    email = models.EmailField("宛先")
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("送信日時", default=timezone.now)

    class Meta:
        verbose_name = "送信した通知"
        verbose_name_plural = "送信した通知"
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "email"], name="one_notice_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} → {self.email}"


class ProgressEvent(Version):
    """A progress step completed in the municipality's own system, imported (record type
    `certification_progress`). Keyed by (申請番号, step); read together with the screen's Steps."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="certification_events")
    application_number = models.CharField("申請番号", max_length=20)
    kind = models.CharField("段階", max_length=24, choices=StepKind.choices)
    completed_on = models.DateField("完了日")
    panel_date = models.DateField("審査会開催予定日", null=True, blank=True)

    class Meta(Version.Meta):
        verbose_name = "進捗段階（取込）"
        verbose_name_plural = "進捗段階（取込）"
        indexes = [models.Index(fields=["person", "application_number"], name="certevent_key")]


class CertificateSubmission(Version):
    """A 受給資格証明書 submitted with an application, as the new insurer's own system records it
    (imported, record type `certification_certificate`). Keyed by 申請番号; committing the row links the
    application to the certificate (`services.certificates_apply_imported`), as the screen does."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+", db_index=False)
    application_number = models.CharField("申請番号", max_length=20)
    certificate_number = models.CharField("受給資格証明書番号", max_length=20)
    moved_in_on = models.DateField("転入日")

    class Meta(Version.Meta):
        verbose_name = "受給資格証明書の提出（取込）"
        verbose_name_plural = "受給資格証明書の提出（取込）"
        indexes = [models.Index(fields=["person", "application_number"], name="certsubmission_key")]
