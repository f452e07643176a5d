"""Consent from paper applications, in bulk: a record type of eligibility's import (registered from
ConsentConfig.ready(); eligibility never imports this app).

One record per consent form, keyed by the municipality's 受付番号 (`reference`). `add` records a form;
`change` corrects it (its latest version counts); `delete` marks it recorded in error. What is in force
for a person is the latest event on or before the day (see consent.policy.consents_in_force).
"""

from __future__ import annotations

from eligibility.imports import fields as f
from eligibility.imports.registry import Column, ParsedRow, RecordType, RowErrors

from .models import CardCertificate, Consent, ConsentSource, ConsentStatus

IMPORTABLE_SOURCES = (
    ConsentSource.APPLICATION_NEW, ConsentSource.APPLICATION_RENEWAL, ConsentSource.APPLICATION_CHANGE,
    ConsentSource.PAPER,
)  # fmt: skip


class ConsentRecord(RecordType):
    name = "consent"
    label = "同意（包括同意・撤回）"
    model = Consent
    key_fields = ("reference",)
    columns = (
        Column("reference", "受付番号", f.line_id),
        Column("status", "同意の状態", f.choice(ConsentStatus)),
        Column("source", "取得の経緯", f.choice(ConsentSource)),
        Column("note", "備考", f.text(200), required=False),
    )

    def check(self, row: ParsedRow) -> None:
        source = row.values.get("source")
        if source and source not in IMPORTABLE_SOURCES:
            row.error(
                "source",
                source,
                "consent.source_not_importable",
                "取込できるのは申請時の包括同意（application_new / application_renewal / application_change）と"
                "窓口の書面（paper）だけです。",
            )

    def version_values(self, row: ParsedRow) -> dict:
        values = dict(row.values)
        values.setdefault("note", "")
        values["recorded_by_name"] = "一括取込"
        return values


def _serial(value: str) -> str:
    """A certificate serial number in hexadecimal (as printed by `openssl x509 -serial`)."""
    text = value.strip().upper().removeprefix("0X")
    if not text or any(c not in "0123456789ABCDEF" for c in text) or len(text.lstrip("0")) > 40:
        raise RowErrors("card_certificate.serial", "シリアル番号は16進数（40桁以内）で入力してください。")
    return text.lstrip("0") or "0"


class CardCertificateRecord(RecordType):
    """利用者証明用電子証明書 → 被保険者: the municipality issues the cards, so it loads the link
    (J-LIS's link in the real system). `delete` ends a registration (a lost or reissued card)."""

    name = "card_certificate"
    label = "マイナンバーカードの電子証明書（利用者証明用）"
    model = CardCertificate
    key_fields = ("issuer", "serial")
    columns = (
        Column("issuer", "発行者（RFC 4514）", f.text(400)),
        Column("serial", "シリアル番号（16進）", _serial),
    )
