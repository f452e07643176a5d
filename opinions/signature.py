"""Verifying a detached CMS/PKCS#7 SignedData signature over the exact bytes of a submitted opinion.

What is signed: the JSON document exactly as sent (the request body, or the `document` part of a
multipart request), byte for byte; the portal never re-serialises it before checking. The signature must
carry signed attributes (contentType = id-data and messageDigest = SHA-256 of those bytes); the signer's
algorithm is RSASSA-PKCS1-v1_5 with SHA-256 or ECDSA with SHA-256.

Outcomes:
- VERIFIED: the signature is intact and the signer certificate chains (through certificates carried in
  the CMS) to a configured trust anchor (KAIGO_OPINION_TRUST_ANCHOR_FILES), every certificate valid now;
- UNVERIFIABLE ("検証できません"): the signature is intact, but no chain to a configured trust anchor can
  be built (an unknown CA, or none configured). The signature is optional under the 2026 rules and the
  clinic is already authenticated by its API key, so the opinion is accepted and the result shown;
- refused (SignatureInvalid): malformed, digest mismatch, signature mismatch, an unsupported algorithm,
  or a certificate in the chain outside its validity period.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .models import SignatureStatus

MAX_CHAIN = 5


class SignatureInvalid(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Result:
    status: str
    signer: str


def _pem_or_der(data: bytes) -> bytes:
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        import base64

        body = b"".join(line for line in text.splitlines() if line and not line.startswith(b"-----"))
        return base64.b64decode(body)
    return data


@lru_cache(maxsize=8)
def _load_anchors(paths: tuple[str, ...]) -> tuple[x509.Certificate, ...]:
    anchors: list[x509.Certificate] = []
    for path in paths:
        try:
            anchors += x509.load_pem_x509_certificates(Path(path).read_bytes())
        except (OSError, ValueError) as error:
            raise ImproperlyConfigured(
                f"KAIGO_OPINION_TRUST_ANCHOR_FILES: cannot read {path}: {error}"
            ) from error
    return tuple(anchors)


def trust_anchors() -> tuple[x509.Certificate, ...]:
    return _load_anchors(tuple(settings.KAIGO_OPINION_TRUST_ANCHOR_FILES))


def _signed_data(signature: bytes) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(_pem_or_der(signature))
        if info["content_type"].native != "signed_data":
            raise SignatureInvalid("signature.not_signed_data", "電子署名がCMS SignedDataではありません。")
        signed = info["content"]
        signed.native  # noqa: B018  (parses everything now: a malformed structure fails here)
    except SignatureInvalid:
        raise
    except Exception as error:
        raise SignatureInvalid("signature.malformed", "電子署名（CMS/PKCS#7）を読み取れません。") from error
    if signed["encap_content_info"]["content"].native is not None:
        raise SignatureInvalid("signature.not_detached", "電子署名は分離署名（detached）で送ってください。")
    if len(signed["signer_infos"]) != 1:
        raise SignatureInvalid("signature.signer_count", "署名者は1人だけにしてください。")
    return signed


def _certificates(signed: cms.SignedData) -> list[x509.Certificate]:
    out = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            out.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    return out


def _signer_certificate(signer_info, certificates: list[x509.Certificate]) -> x509.Certificate:
    sid = signer_info["sid"]
    for cert in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                cert.serial_number == wanted["serial_number"].native
                and cert.issuer.public_bytes() == wanted["issuer"].dump()
            ):
                return cert
        else:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.chosen.native:
                return cert
    raise SignatureInvalid("signature.no_signer_certificate", "署名者の証明書が電子署名に含まれていません。")


def _check_signed_attributes(signer_info, content: bytes) -> bytes:
    if signer_info["digest_algorithm"]["algorithm"].native != "sha256":
        raise SignatureInvalid("signature.algorithm", "ダイジェストアルゴリズムはSHA-256にしてください。")
    attrs = signer_info["signed_attrs"]
    if not attrs:
        raise SignatureInvalid("signature.no_signed_attributes", "署名属性（messageDigest）がありません。")
    values = {attr["type"].native: attr["values"] for attr in attrs}
    if "content_type" not in values or values["content_type"][0].native != "data":
        raise SignatureInvalid("signature.content_type", "署名属性 contentType が id-data ではありません。")
    if "message_digest" not in values:
        raise SignatureInvalid("signature.no_signed_attributes", "署名属性（messageDigest）がありません。")
    if values["message_digest"][0].native != hashlib.sha256(content).digest():
        raise SignatureInvalid(
            "signature.digest_mismatch", "電子署名が送信された意見書（JSON）と一致しません。"
        )
    # RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF, not as [0] IMPLICIT.
    return b"\x31" + attrs.dump()[1:]


def _verify_with(cert: x509.Certificate, signature: bytes, data: bytes, algorithm: str) -> None:
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm in ("rsassa_pkcs1v15", "sha256_rsa"):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm in ("sha256_ecdsa", "ecdsa"):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            raise SignatureInvalid(
                "signature.algorithm",
                "署名アルゴリズムはRSASSA-PKCS1-v1_5（SHA-256）またはECDSA（SHA-256）にしてください。",
            )
    except InvalidSignature as error:
        raise SignatureInvalid(
            "signature.invalid", "電子署名の検証に失敗しました（署名値が一致しません）。"
        ) from error


def _check_validity(cert: x509.Certificate, now: dt.datetime) -> None:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SignatureInvalid(
            "signature.certificate_expired", "署名者の証明書（またはその発行者）が有効期間外です。"
        )


def _may_issue(cert: x509.Certificate) -> bool:
    """An intermediate must be a CA (basicConstraints cA) and, where it says, allowed to sign certificates:
    a doctor's own certificate carried in the signature cannot vouch for another."""
    try:
        if not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
    except x509.ExtensionNotFound:
        return False
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        return True


def _chains_to_anchor(cert: x509.Certificate, pool: list[x509.Certificate], anchors, now) -> bool:
    current = cert
    for _depth in range(MAX_CHAIN):
        for anchor in anchors:
            if anchor.subject == current.issuer:
                try:
                    current.verify_directly_issued_by(anchor)
                except (ValueError, TypeError, InvalidSignature):
                    continue
                _check_validity(anchor, now)
                return True
        issuer = next((c for c in pool if c.subject == current.issuer and c != current), None)
        if issuer is None or not _may_issue(issuer):
            return False
        try:
            current.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return False
        _check_validity(issuer, now)
        current = issuer
    return False


def verify(content: bytes, signature: bytes) -> Result:
    """Checks a detached signature over `content`; raises SignatureInvalid when it must be refused."""
    signed = _signed_data(signature)
    signer_info = signed["signer_infos"][0]
    certificates = _certificates(signed)
    cert = _signer_certificate(signer_info, certificates)
    signed_bytes = _check_signed_attributes(signer_info, content)
    _verify_with(
        cert,
        signer_info["signature"].native,
        signed_bytes,
        signer_info["signature_algorithm"]["algorithm"].native,
    )
    now = timezone.now()
    _check_validity(cert, now)
    signer = cert.subject.rfc4514_string()[:300]
    if _chains_to_anchor(cert, certificates, trust_anchors(), now):
        return Result(SignatureStatus.VERIFIED, signer)
    return Result(SignatureStatus.UNVERIFIABLE, signer)
