"""アクセスログ — who read whose data, when, why and how; append-only and tamper-evident."""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    ELIGIBILITY = "eligibility", "資格・被保険者証"
    CERTIFICATION_PROGRESS = "certification_progress", "認定審査進捗"
    SURVEY = "survey", "認定調査票"
    OPINION = "opinion", "主治医意見書"
    CAREPLAN = "careplan", "ケアプラン"
    LIFE = "life", "LIFE"
    HOME_MODIFICATION = "home_modification", "住宅改修費等"


class Channel(models.TextChoices):
    PAGE = "page", "画面"
    API = "api", "API"
    PDF = "pdf", "PDF"
    EXPORT = "export", "エクスポート"
    IMPORT = "import", "一括取込"


class Outcome(models.TextChoices):
    GRANTED = "granted", "許可"
    DENIED = "denied", "拒否"


class AppendOnlyError(Exception):
    """The access log is append-only: rows are never changed or removed."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the access log cannot be updated")

    def delete(self):
        raise AppendOnlyError("the access log cannot be deleted from")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("the access log cannot be updated")


class AccessLogEntry(models.Model):
    """閲覧記録 — one read of a person's data, granted or denied.

    Rows keep snapshots (names, numbers), never foreign keys, so that they outlive the users and
    organisations they name. They never hold a My Number, PIN, password or certificate.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField("日時", db_index=True)
    chain = models.PositiveSmallIntegerField("チェーン")
    chain_seq = models.PositiveBigIntegerField("チェーン内番号")
    actor_user_id = models.BigIntegerField("ユーザーID", null=True, blank=True)
    actor_name = models.CharField("閲覧者", max_length=200)
    organisation_number = models.CharField("組織番号", max_length=20, blank=True)
    organisation_name = models.CharField("組織名", max_length=200, blank=True)
    role = models.CharField("役割", max_length=30, blank=True)
    api_key_prefix = models.CharField("API キー", max_length=12, blank=True)
    insurer_number = models.CharField("保険者番号", max_length=6)
    insured_number = models.CharField("被保険者番号", max_length=10)
    category = models.CharField("情報の種類", max_length=30, choices=Category.choices)
    purpose = models.CharField("目的", max_length=60)
    method = models.CharField("本人確認の方法", max_length=30, blank=True)
    channel = models.CharField("経路", max_length=10, choices=Channel.choices)
    outcome = models.CharField("結果", max_length=10, choices=Outcome.choices)
    reason = models.CharField("理由コード", max_length=60, blank=True)
    request_id = models.CharField("リクエストID", max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "アクセスログ"
        verbose_name_plural = "アクセスログ"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["chain", "chain_seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["insurer_number", "insured_number", "at"], name="audit_person_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.category} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("the access log cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the access log cannot be deleted from")


class ChainHead(models.Model):
    """The last link of one hash chain; locked while a row is appended to that chain."""

    chain = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "チェーン先頭"
        verbose_name_plural = "チェーン先頭"

    def __str__(self) -> str:
        return f"chain {self.chain} @ {self.seq}"


class ArchivedMonth(models.Model):
    """One month of the access log, detached from the database and kept as a dump file (audit/archive.py).

    `chains` holds, per chain, the month's first and last link: {"3": [first_seq, first_prev_hash,
    last_seq, last_hash, rows]}. The database's chains go on from the last hash of the newest archived
    month, and an archive file is verified against these boundaries."""

    month = models.DateField("月", unique=True)  # the first day
    file_name = models.CharField("ファイル", max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveBigIntegerField("行数")
    chains = models.JSONField("チェーンの境界")
    archived_at = models.DateTimeField("保管日時", auto_now_add=True)

    class Meta:
        verbose_name = "保管したアクセスログの月"
        verbose_name_plural = "保管したアクセスログの月"
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.rows} rows, {self.file_name})"
