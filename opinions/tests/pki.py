"""A throw-away PKI made at test time (no key is ever committed): a trusted root and intermediate, an
unknown CA, signer certificates, and detached CMS signatures made with cryptography's PKCS7 builder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


@dataclass
class Issued:
    cert: x509.Certificate
    key: object

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def issue(
    cn: str, key, *, issuer: Issued | None = None, ca: bool = False, not_before=None, not_after=None
) -> Issued:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return Issued(builder.sign((issuer.key if issuer else key), hashes.SHA256()), key)


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TestPki:
    """Made once per test session (RSA keys take a moment)."""

    @cached_property
    def root(self) -> Issued:
        return issue("Kaigo Test Root CA", rsa_key(), ca=True)

    @cached_property
    def intermediate(self) -> Issued:
        return issue(
            "Kaigo Test Doctor CA", ec.generate_private_key(ec.SECP256R1()), issuer=self.root, ca=True
        )

    @cached_property
    def doctor_rsa(self) -> Issued:
        return issue("千代田 一郎 (RSA)", rsa_key(), issuer=self.root)

    @cached_property
    def doctor_ec(self) -> Issued:
        return issue("千代田 一郎 (ECDSA)", ec.generate_private_key(ec.SECP256R1()), issuer=self.intermediate)

    @cached_property
    def expired(self) -> Issued:
        return issue(
            "期限切れ 医師",
            ec.generate_private_key(ec.SECP256R1()),
            issuer=self.intermediate,
            not_before=NOW - dt.timedelta(days=400),
            not_after=NOW - dt.timedelta(days=35),
        )

    @cached_property
    def unknown_ca(self) -> Issued:
        return issue("Unknown CA", ec.generate_private_key(ec.SECP256R1()), ca=True)

    @cached_property
    def stranger(self) -> Issued:
        return issue("見知らぬ 医師", ec.generate_private_key(ec.SECP256R1()), issuer=self.unknown_ca)

    def sign(self, content: bytes, signer: Issued, *, chain: tuple[Issued, ...] = ()) -> bytes:
        builder = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(content)
            .add_signer(signer.cert, signer.key, hashes.SHA256())
        )
        for extra in chain:
            builder = builder.add_certificate(extra.cert)
        return builder.sign(
            serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
        )
