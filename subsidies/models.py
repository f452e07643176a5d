"""助成金 — card-reader and connection-support subsidy applications, their master data and their review.

Master data (program years, categories, the サービス種類コード → category mapping) is data: a new year is
rows, loaded by a data migration or entered by the operator in the admin site, never code.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation
from kaigo_portal.validators import reject_my_number


class LimitUnit(models.TextChoices):
    """The unit over which an office's limits are summed (domain.md §6.2)."""

    # 「サービス種別に応じた助成限度額の合計」: every service type the office holds adds its category's
    # limit, so 訪問介護 (11) + 通所介護 (15) gives 64,000 + 64,000.
    SERVICE_TYPE = "service_type", "サービス種類ごとに合算"
    # Each category counts once, however many of its service types the office holds.
    CATEGORY = "category", "区分ごとに合算"
    # No summing: the office gets the highest limit among its service types.
    HIGHEST = "highest", "合算しない（最も高い区分のみ）"


class ProgramYear(models.Model):
    """助成年度 — one year of the grant rules (要綱): its application window and its rules."""

    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）", unique=True)
    name = models.CharField("名称", max_length=40, help_text="例：令和8年度")
    window_start = models.DateField("申請受付開始日")
    window_end = models.DateField("申請受付終了日", help_text="この日を含みます。")
    limit_unit = models.CharField(
        "限度額の合算単位", max_length=20, choices=LimitUnit.choices, default=LimitUnit.SERVICE_TYPE
    )
    allow_reapply_after_grant = models.BooleanField(
        "過年度に交付を受けた事業所の再申請を認める",
        default=False,
        help_text="要綱は「申請は1回限り」としています。認める年度だけ有効にしてください。",
    )
    rules_url = models.URLField("要綱", blank=True)
    notes = models.TextField("備考", blank=True, validators=[reject_my_number])

    class Meta:
        verbose_name = "助成年度"
        verbose_name_plural = "助成年度"
        ordering = ["-fiscal_year"]
        constraints = [
            models.CheckConstraint(
                name="program_year_window_in_order", condition=Q(window_end__gte=models.F("window_start"))
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, on: dt.date | None = None) -> bool:
        """Whether `on` (today in Japan by default) is inside the window, both ends included."""
        on = on or timezone.localdate()
        return self.window_start <= on <= self.window_end

    def has_closed(self, on: dt.date | None = None) -> bool:
        return (on or timezone.localdate()) > self.window_end


class Category(models.Model):
    """区分 — a subsidy category of one program year, with its reader cap and yen limit (tax included)."""

    program_year = models.ForeignKey(ProgramYear, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField("区分コード", max_length=20, help_text="例：home, residential, other")
    name = models.CharField("区分", max_length=40)
    reader_cap = models.PositiveSmallIntegerField("カードリーダーの助成限度台数")
    limit_amount = models.PositiveIntegerField("助成限度額（円・税込）")
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "助成区分"
        verbose_name_plural = "助成区分"
        ordering = ["program_year", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program_year", "code"], name="unique_category_code_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.reader_cap}台・{self.limit_amount:,}円）"


class ServiceTypeCategory(models.Model):
    """サービス種類コード → 区分, for one program year (要綱 別添)."""

    program_year = models.ForeignKey(ProgramYear, on_delete=models.CASCADE, related_name="service_types")
    service_code = models.CharField("サービス種類コード", max_length=2)
    service_name = models.CharField("サービス種類", max_length=60)
    category = models.ForeignKey(Category, on_delete=models.RESTRICT, related_name="service_types")

    class Meta:
        verbose_name = "サービス種類の区分"
        verbose_name_plural = "サービス種類の区分"
        ordering = ["program_year", "category__sort_order", "service_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_year", "service_code"], name="unique_service_code_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_code} {self.service_name} → {self.category.name}"

    def clean(self) -> None:
        if (
            self.category_id
            and self.program_year_id
            and self.category.program_year_id != self.program_year_id
        ):
            raise ValidationError({"category": "同じ年度の区分を選んでください。"})


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "下書き"
    SUBMITTED = "submitted", "申請済み"
    UNDER_REVIEW = "under_review", "審査中"
    RETURNED = "returned", "差戻し"
    APPROVED = "approved", "交付決定"
    PAID = "paid", "支払済み"


# The office may change its application only in these states.
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})
# An application in these states has been granted: it counts for the 1回限り rule.
GRANTED_STATUSES = frozenset({ApplicationStatus.APPROVED, ApplicationStatus.PAID})


class AccountType(models.TextChoices):
    """預金種目, with the codes of the 全銀協 総合振込 data record."""

    ORDINARY = "1", "普通"
    CURRENT = "2", "当座"
    SAVINGS = "4", "貯蓄"


class Application(models.Model):
    """助成金申請 — one office's application for one program year."""

    program_year = models.ForeignKey(ProgramYear, on_delete=models.PROTECT, related_name="applications")
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="subsidy_applications")
    status = models.CharField(
        "状態", max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )

    # What was bought, tax included. Empty while the draft is being filled in.
    readers_count = models.PositiveSmallIntegerField("カードリーダー購入台数", null=True, blank=True)
    reader_unit_price = models.PositiveIntegerField("カードリーダー単価（円・税込）", null=True, blank=True)
    connection_support_cost = models.PositiveIntegerField(
        "接続サポート等経費（円・税込）", null=True, blank=True
    )

    # The bank account, kept as typed while a draft (so nothing is lost) and checked on submission;
    # see subsidies/bank.py for the rules.
    bank_code = models.CharField("金融機関コード", max_length=10, blank=True)
    bank_name = models.CharField("金融機関名", max_length=40, blank=True)
    branch_code = models.CharField("支店コード", max_length=10, blank=True)
    branch_name = models.CharField("支店名", max_length=40, blank=True)
    account_type = models.CharField("預金種目", max_length=1, choices=AccountType.choices, blank=True)
    account_number = models.CharField("口座番号", max_length=20, blank=True)
    account_holder = models.CharField("口座名義（半角カナ）", max_length=60, blank=True)

    # Fixed on submission by the same calculation the form shows live.
    service_codes = models.JSONField("サービス種類コード（申請時）", default=list, blank=True)
    calculation = models.JSONField("助成額の計算（申請時）", default=dict, blank=True)
    reader_cap = models.PositiveSmallIntegerField("助成限度台数", null=True, blank=True)
    limit_amount = models.PositiveIntegerField("助成限度額（円）", null=True, blank=True)
    eligible_cost = models.PositiveIntegerField("助成対象経費（円）", null=True, blank=True)
    grant_amount = models.PositiveIntegerField("助成額（円）", null=True, blank=True)

    created_at = models.DateTimeField("作成日時", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("最終保存日時", default=timezone.now)
    first_submitted_at = models.DateTimeField("初回申請日時", null=True, blank=True)
    submitted_at = models.DateTimeField("申請日時", null=True, blank=True)
    review_started_at = models.DateTimeField("審査開始日時", null=True, blank=True)
    approved_at = models.DateTimeField("交付決定日時", null=True, blank=True)
    paid_on = models.DateField("支払日", null=True, blank=True)
    return_reason = models.TextField("差戻しの理由", blank=True, validators=[reject_my_number])

    class Meta:
        verbose_name = "助成金申請"
        verbose_name_plural = "助成金申請"
        ordering = ["-program_year__fiscal_year", "-submitted_at", "-id"]
        constraints = [
            # One application per office and program year, whatever its state.
            models.UniqueConstraint(fields=["office", "program_year"], name="one_application_per_year"),
            models.CheckConstraint(
                name="grant_within_limit",
                condition=Q(grant_amount__isnull=True) | Q(grant_amount__lte=models.F("limit_amount")),
            ),
        ]
        indexes = [models.Index(fields=["status", "program_year"], name="subsidy_app_status_year")]

    def __str__(self) -> str:
        return f"{self.reference} {self.office.name}"

    @property
    def reference(self) -> str:
        """申請番号, e.g. 2026-000042: the program year and the row id."""
        return f"{self.program_year.fiscal_year}-{self.pk or 0:06d}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_granted(self) -> bool:
        return self.status in GRANTED_STATUSES


class ReceiptKind(models.TextChoices):
    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


RECEIPT_CONTENT_TYPES = {
    ReceiptKind.PDF: "application/pdf",
    ReceiptKind.JPEG: "image/jpeg",
    ReceiptKind.PNG: "image/png",
}
RECEIPT_EXTENSIONS = {ReceiptKind.PDF: "pdf", ReceiptKind.JPEG: "jpg", ReceiptKind.PNG: "png"}


def receipt_path(instance: Receipt, filename: str) -> str:
    """A name nobody can guess; the person's file name is kept only in `original_name`."""
    return f"subsidies/receipts/{secrets.token_hex(16)}.{RECEIPT_EXTENSIONS[instance.kind]}"


class Receipt(models.Model):
    """領収書 — a receipt attached to an application: PDF, JPEG or PNG, checked by content."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="receipts")
    file = models.FileField("ファイル", upload_to=receipt_path, max_length=200)
    kind = models.CharField("形式", max_length=10, choices=ReceiptKind.choices)
    original_name = models.CharField("ファイル名", max_length=200)
    size = models.PositiveIntegerField("サイズ（バイト）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("登録日時", default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "領収書"
        verbose_name_plural = "領収書"
        ordering = ["application", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def content_type(self) -> str:
        return RECEIPT_CONTENT_TYPES[self.kind]

    @property
    def is_image(self) -> bool:
        return self.kind in (ReceiptKind.JPEG, ReceiptKind.PNG)


class StatusChange(models.Model):
    """状態の履歴 — who moved an application from one state to another, when, and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField("変更前", max_length=20, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField("変更後", max_length=20, choices=ApplicationStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作者"
    )
    at = models.DateTimeField("日時", default=timezone.now)
    reason = models.TextField("理由・備考", blank=True, validators=[reject_my_number])
    notified_at = models.DateTimeField("通知日時", null=True, blank=True)

    class Meta:
        verbose_name = "申請状態の履歴"
        verbose_name_plural = "申請状態の履歴"
        ordering = ["application", "at", "id"]
        indexes = [models.Index(fields=["application", "at"], name="subsidy_history_app_at")]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.from_status or '-'} → {self.to_status}"
