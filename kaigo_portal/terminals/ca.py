"""The portal's own CA for terminal certificates (`cryptography`), and its CRL.

The CA's key is the operator's: a PEM file (`KAIGO_TERMINAL_CA_KEY`, encrypted with
`KAIGO_TERMINAL_CA_KEY_PASSWORD` in production) beside its certificate (`KAIGO_TERMINAL_CA_CERT`).
`manage.py terminal_ca_init` makes a CA and a TLS server certificate for a try or a test; production
keeps the key on the operator's machine or an HSM-backed file and mounts it read-only.

A terminal certificate names its organisation in the subject (O = the organisation's number, OU =
`kaigo-terminal`), is for client authentication only, and is valid for `KAIGO_TERMINAL_CERT_DAYS`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TERMINAL_OU = "kaigo-terminal"
REASONS = {
    "key_compromise": x509.ReasonFlags.key_compromise,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "superseded": x509.ReasonFlags.superseded,
    "unspecified": x509.ReasonFlags.unspecified,
}


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def configured() -> bool:
    return bool(settings.KAIGO_TERMINAL_CA_CERT and settings.KAIGO_TERMINAL_CA_KEY)


def load() -> Authority:
    """The configured CA; ImproperlyConfigured (a clear message to the operator) without one."""
    cert_path, key_path = settings.KAIGO_TERMINAL_CA_CERT, settings.KAIGO_TERMINAL_CA_KEY
    if not cert_path or not key_path:
        raise ImproperlyConfigured(
            "KAIGO_TERMINAL_CA_CERT and KAIGO_TERMINAL_CA_KEY must name the terminal CA's files "
            "(manage.py terminal_ca_init makes a CA for a try)"
        )
    password = settings.KAIGO_TERMINAL_CA_KEY_PASSWORD.encode() or None
    certificate = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=password)
    return Authority(certificate, key)


def _name(*parts: tuple) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


def _serial() -> int:
    return secrets.randbits(127) | (1 << 126)  # positive, 127 bits, never with a leading zero byte


def make_authority(common_name: str = "Kaigo Portal Terminal CA", *, days: int = 3650) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name((NameOID.COMMON_NAME, common_name), (NameOID.ORGANIZATION_NAME, "Kaigo Portal"))
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(certificate, key)


def _leaf(
    authority: Authority, subject: x509.Name, key, *, days: int, usage, san: list | None = None
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False
        )
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(authority.key, hashes.SHA256())


def issue_terminal(authority: Authority, *, organisation_number: str, terminal_name: str, days: int):
    """A new key and its certificate for one terminal of the organisation: (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(
        (NameOID.COMMON_NAME, terminal_name[:64]),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, TERMINAL_OU),
        (NameOID.ORGANIZATION_NAME, organisation_number),
    )
    return _leaf(authority, subject, key, days=days, usage=ExtendedKeyUsageOID.CLIENT_AUTH), key


def issue_server(authority: Authority, host: str = "localhost", *, days: int = 825):
    """A TLS server certificate for the proxy (a try or a test): (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    names: list = [x509.DNSName(host)]
    if host == "localhost":
        names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    certificate = _leaf(
        authority,
        _name((NameOID.COMMON_NAME, host)),
        key,
        days=days,
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        san=names,
    )
    return certificate, key


def pkcs12_bundle(certificate, key, *, name: str, passphrase: str, authority: Authority) -> bytes:
    """The terminal's key, certificate and the CA, encrypted with the passphrase (AES-256, PBKDF2)."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        name.encode(), key, certificate, [authority.certificate], encryption
    )


def crl(authority: Authority, revoked: list[tuple[int, dt.datetime, str]], *, hours: int = 24) -> bytes:
    """The CRL (PEM) of the given (serial, revoked at, reason) entries, valid for `hours`."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(hours=hours))
    )
    for serial, revoked_at, reason in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(revoked_at)
            .add_extension(x509.CRLReason(REASONS.get(reason, x509.ReasonFlags.unspecified)), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key, password: str = "") -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def serial_hex(certificate: x509.Certificate) -> str:
    """As nginx's $ssl_client_serial gives it: upper-case hexadecimal (an even number of digits)."""
    text = f"{certificate.serial_number:X}"
    return text if len(text) % 2 == 0 else f"0{text}"


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()
