"""Detached CMS signatures over the exact JSON bytes: good, bad, missing, and the cases in between."""

from __future__ import annotations

import pytest

from opinions import signature
from opinions.models import SignatureStatus

CONTENT = b'{"form_version": "2026-04", "basic": {"insured_number": "0000000101"}}'


def test_a_good_rsa_signature_is_verified(pki):
    result = signature.verify(CONTENT, pki.sign(CONTENT, pki.doctor_rsa))
    assert result.status == SignatureStatus.VERIFIED
    assert "千代田 一郎 (RSA)" in result.signer


def test_a_good_ecdsa_signature_chains_through_the_intermediate_it_carries(pki):
    signed = pki.sign(CONTENT, pki.doctor_ec, chain=(pki.intermediate,))
    assert signature.verify(CONTENT, signed).status == SignatureStatus.VERIFIED


def test_without_the_intermediate_the_chain_cannot_be_built(pki):
    assert signature.verify(CONTENT, pki.sign(CONTENT, pki.doctor_ec)).status == SignatureStatus.UNVERIFIABLE


def test_a_certificate_that_is_not_a_ca_cannot_stand_in_as_an_intermediate(pki):
    """A doctor's own (non-CA) certificate, carried in the signature, cannot vouch for a forged signer."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from .pki import issue

    forged = issue("なりすまし 医師", ec.generate_private_key(ec.SECP256R1()), issuer=pki.doctor_ec)
    result = signature.verify(CONTENT, pki.sign(CONTENT, forged, chain=(pki.doctor_ec, pki.intermediate)))
    assert result.status == SignatureStatus.UNVERIFIABLE


def test_a_signature_by_an_unknown_ca_is_intact_but_cannot_be_verified(pki):
    signed = pki.sign(CONTENT, pki.stranger, chain=(pki.unknown_ca,))
    assert signature.verify(CONTENT, signed).status == SignatureStatus.UNVERIFIABLE


def test_no_configured_trust_anchor_means_cannot_be_verified(pki, settings):
    settings.KAIGO_OPINION_TRUST_ANCHOR_FILES = []
    assert signature.verify(CONTENT, pki.sign(CONTENT, pki.doctor_rsa)).status == SignatureStatus.UNVERIFIABLE


BAD = [
    ("other bytes", lambda pki: (CONTENT + b" ", pki.sign(CONTENT, pki.doctor_rsa)), "signature.digest_mismatch"),
    ("re-serialised JSON", lambda pki: (CONTENT.replace(b": ", b":"), pki.sign(CONTENT, pki.doctor_rsa)),
     "signature.digest_mismatch"),
    ("garbage", lambda pki: (CONTENT, b"not a signature"), "signature.malformed"),
    ("tampered signature value", lambda pki: (CONTENT, _flip_last(pki.sign(CONTENT, pki.doctor_rsa))), "signature.invalid"),
    ("expired signer", lambda pki: (CONTENT, pki.sign(CONTENT, pki.expired, chain=(pki.intermediate,))),
     "signature.certificate_expired"),
]  # fmt: skip


def _flip_last(der: bytes) -> bytes:
    """The RSA signature value is the last element of the SignerInfo, at the end of the DER."""
    return der[:-1] + bytes([der[-1] ^ 0x01])


@pytest.mark.parametrize(("case", "make", "code"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_signature_is_refused_with_a_code(pki, case, make, code):
    content, signed = make(pki)
    with pytest.raises(signature.SignatureInvalid) as refused:
        signature.verify(content, signed)
    assert refused.value.code == code and not refused.value.message.isascii()


def test_a_pem_signature_is_read_too(pki):
    import base64

    der = pki.sign(CONTENT, pki.doctor_rsa)
    pem = b"-----BEGIN PKCS7-----\n" + base64.encodebytes(der) + b"-----END PKCS7-----\n"
    assert signature.verify(CONTENT, pem).status == SignatureStatus.VERIFIED
