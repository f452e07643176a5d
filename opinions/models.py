"""主治医意見書: the request to a clinic, and the opinion itself, one row per version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from certification.models import Application
from eligibility.models import InsuredPerson
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.validators import reject_my_number


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "依頼中"
    DRAFT = "draft", "下書き"
    SUBMITTED = "submitted", "提出済み"
    RECEIVED = "received", "受付済み"


OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.DRAFT)


class OpinionRequest(models.Model):
    """主治医意見書作成依頼 — sent by the insurer to the clinic named on the application."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="opinion_request")
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+")
    insurer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # None: the clinic is not on the platform; only the paper route can answer.
    clinic = models.ForeignKey(
        Organisation,
        verbose_name="医療機関",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinion_requests",
    )
    clinic_name = models.CharField("医療機関名", max_length=200)
    physician_name = models.CharField("医師名", max_length=100)
    requested_on = models.DateField("依頼日")
    due_on = models.DateField("提出期限")
    status = models.CharField(
        "状況", max_length=10, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    reminder_sent_at = models.DateTimeField("督促メール送信日時", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "主治医意見書作成依頼"
        verbose_name_plural = "主治医意見書作成依頼"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["clinic", "status", "due_on"], name="opreq_clinic_queue"),
            models.Index(fields=["insurer", "status", "due_on"], name="opreq_insurer_queue"),
        ]

    def __str__(self) -> str:
        return f"意見書依頼 {self.requested_on} ({self.person})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today) -> bool:
        return self.is_open and self.due_on < today


class Route(models.TextChoices):
    WEB = "web", "Web入力"
    API = "api", "電子カルテ等"
    PAPER = "paper", "紙"


class OpinionStatus(models.TextChoices):
    DRAFT = "draft", "下書き"
    SUBMITTED = "submitted", "提出済み"


class SignatureStatus(models.TextChoices):
    NONE = "none", "電子署名なし"
    VERIFIED = "verified", "検証済み"
    UNVERIFIABLE = "unverifiable", "検証できません"


# What may still change on a submitted opinion: its receipt by the municipality.
MUTABLE_AFTER_SUBMISSION = frozenset({"received_at", "received_by", "acknowledged_at"})


class Opinion(models.Model):
    """主治医意見書 — one version. A submitted version never changes; a correction is the next version."""

    request = models.ForeignKey(OpinionRequest, on_delete=models.PROTECT, related_name="opinions")
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+")
    insurer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="authored_opinions"
    )
    version = models.PositiveIntegerField("版", default=1)
    correction_reason = models.TextField("訂正の理由", blank=True, validators=[reject_my_number])
    route = models.CharField("提出経路", max_length=10, choices=Route.choices)
    status = models.CharField(
        "状態", max_length=10, choices=OpinionStatus.choices, default=OpinionStatus.DRAFT
    )
    form_version = models.CharField("様式の版", max_length=10, blank=True)
    document = models.JSONField("意見書（構造化データ）", default=dict, blank=True)
    # The exact bytes an EHR sent: what a detached signature covers.
    source = models.BinaryField("受信したJSON", null=True, blank=True, editable=False)
    attachment = models.FileField("PDF", upload_to="opinions/%Y/%m/", blank=True)
    signature = models.BinaryField("電子署名（CMS）", null=True, blank=True, editable=False)
    signature_status = models.CharField(
        "電子署名", max_length=12, choices=SignatureStatus.choices, default=SignatureStatus.NONE
    )
    signer = models.CharField("署名者", max_length=300, blank=True)
    sequence = models.PositiveBigIntegerField("提出番号", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_by_key = models.CharField("提出したAPIキー", max_length=20, blank=True)
    received_at = models.DateTimeField("受付日時", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField("事務システム取込日時", null=True, blank=True)

    class Meta:
        verbose_name = "主治医意見書"
        verbose_name_plural = "主治医意見書"
        ordering = ["request", "version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="one_opinion_per_version"),
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="draft"), name="one_draft_per_request"
            ),
            models.UniqueConstraint(
                fields=["insurer", "sequence"],
                condition=Q(sequence__isnull=False),
                name="one_sequence_per_insurer",
            ),
        ]
        indexes = [
            models.Index(fields=["insurer", "status", "acknowledged_at", "sequence"], name="opinion_pull")
        ]

    def __str__(self) -> str:
        return f"主治医意見書 第{self.version}版 ({self.person})"

    def save(self, *args, **kwargs):
        """A submitted opinion is immutable: only its receipt may still be recorded."""
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            fields = set(kwargs.get("update_fields") or ())
            if stored == OpinionStatus.SUBMITTED and not (fields and fields <= MUTABLE_AFTER_SUBMISSION):
                raise ValueError("a submitted opinion is immutable; write a correction (a new version)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == OpinionStatus.SUBMITTED:
            raise ValueError("a submitted opinion is immutable")
        return super().delete(*args, **kwargs)


class Sequence(models.Model):
    """The last submission number per insurer. Taken under a row lock in the submitting transaction,
    so numbers commit in order and the pull API's cursor never skips one that commits late."""

    insurer = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="+")
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "提出番号"
        verbose_name_plural = "提出番号"

    def __str__(self) -> str:
        return f"{self.insurer_id}: {self.last}"
