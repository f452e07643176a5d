"""端末のクライアント証明書: the terminals of an office or clinic, each with a certificate of the portal's CA."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation


class RevocationReason(models.TextChoices):
    """The reasons of RFC 5280 that an admin may give (and `superseded`, which a renewal records)."""

    KEY_COMPROMISE = "key_compromise", "端末の紛失・盗難、鍵の漏えい"
    CESSATION = "cessation_of_operation", "端末の廃棄・使用終了"
    SUPERSEDED = "superseded", "更新（新しい証明書に置き換え）"
    UNSPECIFIED = "unspecified", "その他"


class Terminal(models.Model):
    """One terminal's certificate. A renewal is a new row (`renewed_from`): a certificate never changes."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="terminals")
    name = models.CharField("端末名", max_length=100)
    serial = models.CharField("シリアル番号", max_length=40, unique=True)  # hexadecimal, upper case
    subject = models.CharField("サブジェクト", max_length=300)
    fingerprint = models.CharField("SHA-256 フィンガープリント", max_length=64, unique=True)
    not_before = models.DateTimeField("有効期間（開始）")
    not_after = models.DateTimeField("有効期間（終了）")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("発行日時", default=timezone.now)
    # The PKCS#12 file, encrypted with the one-time passphrase that only the admin saw, until its one download.
    bundle = models.BinaryField("PKCS#12", null=True, blank=True, editable=False)
    downloaded_at = models.DateTimeField("ダウンロード日時", null=True, blank=True)
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.CharField(
        "失効の理由", max_length=30, choices=RevocationReason.choices, blank=True
    )
    renewed_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewed_by"
    )
    last_seen_at = models.DateTimeField("最終利用", null=True, blank=True)

    class Meta:
        verbose_name = "端末"
        verbose_name_plural = "端末"
        ordering = ["organisation", "name", "-issued_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.serial}）"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "失効"
        if timezone.now() >= self.not_after:
            return "期限切れ"
        return "有効" if self.downloaded_at else "ダウンロード待ち"


class TerminalEventKind(models.TextChoices):
    ISSUED = "issued", "発行"
    DOWNLOADED = "downloaded", "ダウンロード"
    RENEWED = "renewed", "更新"
    REVOKED = "revoked", "失効"


class TerminalEvent(models.Model):
    """The audit log of terminals: every issue, download, renewal and revocation, with who and when.
    Rows are only added (the services never change one)."""

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("操作", max_length=20, choices=TerminalEventKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("日時", default=timezone.now)
    detail = models.CharField("内容", max_length=200, blank=True)
    request_id = models.CharField("リクエストID", max_length=64, blank=True)

    class Meta:
        verbose_name = "端末の操作記録"
        verbose_name_plural = "端末の操作記録"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.terminal}"
