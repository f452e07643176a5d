"""本人確認 with the My Number card: one-time challenges, the certificate → person registry, the CRLs
loaded by `manage.py load_crl`, and the log of every attempt. Imported by consent.models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from eligibility.models import InsuredPerson, Version
from kaigo_portal.accounts.models import ApiKey


class CardOutcome(models.TextChoices):
    OK = "ok", "成功"
    REPLAYED = "identity.replayed", "使用済みのチャレンジ"
    CHALLENGE_EXPIRED = "identity.challenge_expired", "チャレンジの期限切れ"
    WRONG_DEVICE = "identity.wrong_device", "別の端末のチャレンジ"
    BAD_CERTIFICATE = "identity.bad_certificate", "証明書の形式誤り"
    UNKNOWN_CA = "identity.unknown_ca", "不明な認証局"
    EXPIRED = "identity.expired", "有効期間外の証明書"
    REVOKED = "identity.revoked", "失効した証明書"
    BAD_SIGNATURE = "identity.bad_signature", "署名の不一致"
    UNKNOWN_CARD = "identity.unknown_card", "登録のないカード"
    NOT_QUALIFIED = "verification.not_qualified", "資格なし"


class IdentityChallenge(models.Model):
    """本人確認のチャレンジ — a one-time nonce the card signs. Either bound to an office's agent device (its
    API key) or, for a person's sign-in at home, to a device code shown in the browser."""

    nonce = models.BinaryField(max_length=32)
    device = models.ForeignKey(ApiKey, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Device-code sign-in: who the card proved to be, until the browser that shows the code claims it.
    signed_in_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "本人確認のチャレンジ"
        verbose_name_plural = "本人確認のチャレンジ"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(device__isnull=False) | models.Q(code_hash__isnull=False),
                name="challenge_device_or_code",
            )
        ]

    def __str__(self) -> str:
        return f"challenge {self.pk}"


class CardCertificate(Version):
    """利用者証明用電子証明書の登録 — which person a card certificate (issuer, serial) belongs to, as the
    municipality registers it (J-LIS's link in the real system)."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="card_certificates")
    issuer = models.CharField("発行者", max_length=400)
    serial = models.CharField("シリアル番号（16進）", max_length=64)

    class Meta(Version.Meta):
        verbose_name = "カード証明書の登録"
        verbose_name_plural = "カード証明書の登録"
        indexes = [models.Index(fields=["issuer", "serial"], name="cardcert_key")]


class RevokedCertificate(models.Model):
    """失効した証明書 — from a CRL loaded by `manage.py load_crl`."""

    issuer = models.CharField("発行者", max_length=400)
    serial = models.CharField("シリアル番号（16進）", max_length=64)
    revoked_at = models.DateTimeField("失効日時")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "失効した証明書"
        verbose_name_plural = "失効した証明書"
        constraints = [models.UniqueConstraint(fields=["issuer", "serial"], name="revoked_issuer_serial")]

    def __str__(self) -> str:
        return f"{self.issuer} #{self.serial}"


class CardAttempt(models.Model):
    """カードによる本人確認の記録 — every attempt and its outcome (never the certificate's personal data)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    challenge = models.ForeignKey(
        IdentityChallenge, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField("結果", max_length=40, choices=CardOutcome.choices)
    issuer = models.CharField("発行者", max_length=400, blank=True)
    serial = models.CharField("シリアル番号", max_length=64, blank=True)
    person = models.ForeignKey(
        InsuredPerson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "カードによる本人確認の記録"
        verbose_name_plural = "カードによる本人確認の記録"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"
