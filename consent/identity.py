"""本人確認 and sign-in with the My Number card (the card issue).

The agent has the card sign a one-time challenge with the key of its 利用者証明用電子証明書; here the
portal checks, in this order: the challenge (unused, unexpired, this device's), the certificate's chain to
a configured JPKI CA, its validity dates, its revocation (CRLs loaded by `manage.py load_crl`), the
RSASSA-PKCS1-v1_5 SHA-256 signature over the nonce, and finally who the card belongs to (the
municipality's registry of (issuer, serial) → person). Each refusal has its own code
(models_identity.CardOutcome) and every attempt is written to CardAttempt, whatever its outcome.

The 12-digit My Number is never read by the agent and never reaches the portal.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, QuerySet, Subquery
from django.utils import timezone

from eligibility import selectors as eligibility_selectors
from eligibility.models import InsuredPerson
from kaigo_portal import fastsql
from kaigo_portal.accounts.models import ApiKey, ApiScope, User, UserKind
from kaigo_portal.errors import ApplicationError
from kaigo_portal.prepared import Prepared

from .models import (
    CardAttempt,
    CardCertificate,
    CardOutcome,
    IdentityChallenge,
    PersonAccount,
    Relationship,
    RevokedCertificate,
)
from .services import relationship_verify_mynumber_card, require_municipal_of

log = logging.getLogger(__name__)

REFUSALS: dict[str, str] = {
    CardOutcome.REPLAYED: "このチャレンジは使用済みです。もう一度最初からお試しください。",
    CardOutcome.CHALLENGE_EXPIRED: "確認の有効期限が切れました。もう一度最初からお試しください。",
    CardOutcome.WRONG_DEVICE: "このチャレンジは別の端末に発行されたものです。",
    CardOutcome.BAD_CERTIFICATE: "電子証明書を読み取れません。",
    CardOutcome.UNKNOWN_CA: "公的個人認証の認証局が発行した電子証明書ではありません。",
    CardOutcome.EXPIRED: "電子証明書の有効期間外です。市区町村窓口で更新してください。",
    CardOutcome.REVOKED: "電子証明書は失効しています。市区町村窓口にお問い合わせください。",
    CardOutcome.BAD_SIGNATURE: "カードの署名を確認できませんでした。",
    CardOutcome.UNKNOWN_CARD: "このカードは登録されていません。市区町村窓口にお問い合わせください。",
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by persons


def _refuse(outcome: str, status: int = 400) -> ApplicationError:
    return ApplicationError(REFUSALS[outcome], code=str(outcome), status=status)


def serial_hex(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "X")


def issuer_text(certificate: x509.Certificate) -> str:
    return certificate.issuer.rfc4514_string()


@functools.lru_cache(maxsize=8)
def _load_cas(files: tuple[str, ...]) -> tuple[x509.Certificate, ...]:
    cas: list[x509.Certificate] = []
    for name in files:
        cas.extend(x509.load_pem_x509_certificates(Path(name).read_bytes()))
    return tuple(cas)


def jpki_cas() -> tuple[x509.Certificate, ...]:
    """The configured JPKI 利用者証明用 CA certificates (KAIGO_JPKI_CA_FILES)."""
    return _load_cas(tuple(settings.KAIGO_JPKI_CA_FILES))


def _issuing_ca(certificate: x509.Certificate) -> x509.Certificate | None:
    for ca in jpki_cas():
        if ca.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return ca
    return None


def _card_lookup(*, issuer: str, serial: str, today: dt.date) -> QuerySet[InsuredPerson]:
    """The person of the latest registration of (issuer, serial) in force today, unless that registration is a
    deletion, with whether a loaded CRL revokes the card and the person's 資格 today."""
    latest = (
        CardCertificate.objects.filter(issuer=issuer, serial=serial, effective_date__lte=today)
        .order_by("-effective_date", "-id")
        .values("pk")[:1]
    )
    registered = CardCertificate.objects.filter(pk=Subquery(latest), deleted=False).values("person_id")[:1]
    return (
        InsuredPerson.objects.select_related("insurer")
        .filter(pk=Subquery(registered))
        .annotate(
            revoked=Exists(RevokedCertificate.objects.filter(issuer=issuer, serial=serial)),
            qualified=eligibility_selectors.qualified_on(today),
        )
    )


# The card check is on the 本人確認 hot path: its reads are compiled once (kaigo_portal.prepared).
_CARD_LOOKUP = Prepared(_card_lookup)
_REVOKED = Prepared(
    lambda issuer, serial: RevokedCertificate.objects.filter(issuer=issuer, serial=serial).values_list(
        "pk", flat=True
    )[:1]
)


def card_certificate_check(
    *, certificate_der: bytes, signature: bytes, nonce: bytes, check_revocation: bool = True
) -> x509.Certificate:
    """The certificate chains to a JPKI CA, is valid now and not revoked, and its key signed the nonce.
    `check_revocation=False` leaves the revocation list to a caller that asks it with its other reads."""
    try:
        certificate = x509.load_der_x509_certificate(certificate_der)
    except ValueError:
        raise _refuse(CardOutcome.BAD_CERTIFICATE) from None
    if _issuing_ca(certificate) is None:
        raise _refuse(CardOutcome.UNKNOWN_CA)
    now = timezone.now()
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise _refuse(CardOutcome.EXPIRED)
    if check_revocation and _revoked(certificate):
        raise _refuse(CardOutcome.REVOKED)
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise _refuse(CardOutcome.BAD_CERTIFICATE)
    try:
        key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise _refuse(CardOutcome.BAD_SIGNATURE) from None
    return certificate


def _revoked(certificate: x509.Certificate) -> bool:
    return bool(_REVOKED.bind(issuer=issuer_text(certificate), serial=serial_hex(certificate)).run())


@dataclass(frozen=True)
class CardLookup:
    """What the database says of a verified card: its person (None: unknown), whether a loaded CRL
    revokes it, and the person's 資格 today (None: not asked)."""

    person: InsuredPerson | None
    revoked: bool
    qualified: bool | None = None


class CardResolver(Protocol):
    """Certificate → person. J-LIS's job in the real system; here the municipality's registry."""

    def person_for(self, certificate: x509.Certificate) -> InsuredPerson | None: ...


class RegistryResolver:
    """The latest registration of (issuer, serial) in force today, unless it was deleted."""

    def person_for(self, certificate: x509.Certificate) -> InsuredPerson | None:
        return self.lookup(certificate).person

    def lookup(self, certificate: x509.Certificate) -> CardLookup:
        """The registry's person, the revocation list and the person's 資格, in one statement."""
        found = _CARD_LOOKUP.bind(
            issuer=issuer_text(certificate), serial=serial_hex(certificate), today=timezone.localdate()
        ).run()
        if not found:
            return CardLookup(None, _revoked(certificate))
        person = found[0]
        return CardLookup(person, person.revoked, person.qualified)


resolver: CardResolver = RegistryResolver()


def _attempt(outcome: str, *, challenge=None, device=None, certificate=None, person=None) -> CardAttempt:
    log.info("card attempt: %s (challenge %s)", outcome, getattr(challenge, "pk", None))
    return CardAttempt(
        outcome=outcome,
        challenge=challenge,
        device=device,
        person=person,
        issuer=issuer_text(certificate) if certificate else "",
        serial=serial_hex(certificate) if certificate else "",
    )


def _log(outcome: str, **about) -> None:
    fastsql.insert(_attempt(outcome, **about))


def challenge_create(*, device: ApiKey) -> IdentityChallenge:
    """A 32-byte nonce for the agent of an office (its `device` API key), valid KAIGO_JPKI_CHALLENGE_SECONDS."""
    if device.scope != ApiScope.DEVICE:
        raise ApplicationError(
            "カードリーダー用の API キーではありません。", code="identity.not_device", status=403
        )
    now = timezone.now()
    return IdentityChallenge.objects.create(
        nonce=secrets.token_bytes(32),
        device=device,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.KAIGO_JPKI_CHALLENGE_SECONDS),
    )


_CLAIM = (
    f"UPDATE {IdentityChallenge._meta.db_table} SET used_at = %s "  # noqa: S608  (names from the model)
    "WHERE {where} AND used_at IS NULL AND expires_at > %s "
    f"RETURNING {fastsql.columns(IdentityChallenge)}"
)


def _claim_unused(challenge_filter: dict, *, device: ApiKey | None) -> IdentityChallenge | None:
    """Marks a usable challenge used in one statement and returns it; None when it is not usable (the
    caller then finds out why)."""
    ((name, value),) = challenge_filter.items()
    where = {"pk": "id = %s", "code_hash": "code_hash = %s"}[name]
    now = timezone.now()
    params = [connection.ops.adapt_datetimefield_value(now), value]
    if device is not None:
        where += " AND device_id = %s"
        params.append(device.pk)
    params.append(connection.ops.adapt_datetimefield_value(now))
    row = fastsql.fetch_one(_CLAIM.format(where=where), params)
    return _challenge_reader().read(row) if row is not None else None


@functools.cache
def _challenge_reader() -> fastsql.Reader:
    return fastsql.Reader.of(IdentityChallenge, range(len(IdentityChallenge._meta.concrete_fields)))


def _claim(
    challenge_filter: dict, *, device: ApiKey | None
) -> tuple[IdentityChallenge, ApplicationError | None]:
    """Locks the challenge and marks it used, inside the caller's transaction; returns the refusal (logged)
    for a replayed, expired or foreign challenge. The caller commits either way, so a refused challenge
    stays used and its attempt stays logged."""
    challenge = _claim_unused(challenge_filter, device=device)
    if challenge is not None:  # the usual case: unused, unexpired, this device's; now marked used
        return challenge, None
    challenge = IdentityChallenge.objects.select_for_update().filter(**challenge_filter).first()
    if challenge is None:
        raise ApplicationError("チャレンジが見つかりません。", code="identity.no_challenge", status=404)
    if device is not None and challenge.device_id != device.pk:
        outcome = CardOutcome.WRONG_DEVICE
    elif challenge.used_at is not None:
        outcome = CardOutcome.REPLAYED
    elif challenge.expires_at <= timezone.now():
        outcome = CardOutcome.CHALLENGE_EXPIRED
    else:
        challenge.used_at = timezone.now()
        challenge.save(update_fields=["used_at"])
        return challenge, None
    _log(outcome, challenge=challenge, device=device)
    return challenge, _refuse(outcome, status=403 if outcome == CardOutcome.WRONG_DEVICE else 400)


def _use(challenge_filter: dict, *, device: ApiKey | None) -> IdentityChallenge:
    """Marks the challenge used (committed at once, so a refused signature cannot be retried)."""
    with transaction.atomic():
        challenge, refusal = _claim(challenge_filter, device=device)
    if refusal is not None:
        raise refusal
    return challenge


def _check_and_resolve(
    challenge, *, device, certificate_der: bytes, signature: bytes
) -> tuple[InsuredPerson, x509.Certificate, bool | None]:
    """The card's person; a refusal is logged, then raised. The caller logs the success (with what it
    does next, in the same statement where it can)."""
    lookup = getattr(resolver, "lookup", None)
    try:
        certificate = card_certificate_check(
            certificate_der=certificate_der,
            signature=signature,
            nonce=bytes(challenge.nonce),
            check_revocation=lookup is None,
        )
    except ApplicationError as error:
        _log(error.code, challenge=challenge, device=device)
        raise
    found = lookup(certificate) if lookup is not None else CardLookup(resolver.person_for(certificate), False)
    if found.revoked:
        _log(CardOutcome.REVOKED, challenge=challenge, device=device, certificate=certificate)
        raise _refuse(CardOutcome.REVOKED)
    person = found.person
    if person is None:
        _log(CardOutcome.UNKNOWN_CARD, challenge=challenge, device=device, certificate=certificate)
        raise _refuse(CardOutcome.UNKNOWN_CARD)
    return person, certificate, found.qualified


def card_verify(
    *, device: ApiKey, challenge_id: int, certificate_der: bytes, signature: bytes
) -> Relationship:
    """本人確認 at an office: checks the card's answer and opens the office's relationship with the person.

    One transaction, one commit: the challenge's use, the attempt's log row and the relationship. A
    refusal still commits the first two (the challenge cannot be retried, the attempt stays logged)."""
    with transaction.atomic():
        challenge, refusal = _claim({"pk": challenge_id}, device=device)
        if refusal is None:
            try:
                # Checks the card (a refusal is logged there, then raised).
                person, certificate, qualified = _check_and_resolve(
                    challenge, device=device, certificate_der=certificate_der, signature=signature
                )
                about = {
                    "challenge": challenge,
                    "device": device,
                    "certificate": certificate,
                    "person": person,
                }
                try:
                    # Refuses (not qualified) before it writes anything; on success the attempt's row is
                    # written in the same statement as the relationship.
                    relationship = relationship_verify_mynumber_card(
                        office=device.organisation,
                        person=person,
                        by=None,
                        qualified=qualified,
                        also=[_attempt(CardOutcome.OK, **about)],
                    )
                except ApplicationError as error:
                    _log(error.code, **about)
                    raise
            except ApplicationError as error:
                refusal = error
    if refusal is not None:
        raise refusal
    return relationship


# --- Device-code sign-in for persons at home -------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def device_code_create() -> tuple[IdentityChallenge, str]:
    """A code `XXXX-XXXX` for the browser to show; it carries its own challenge, valid 5 minutes."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    code = f"{raw[:4]}-{raw[4:]}"
    now = timezone.now()
    challenge = IdentityChallenge.objects.create(
        nonce=secrets.token_bytes(32),
        code_hash=_code_hash(code),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.KAIGO_JPKI_DEVICE_CODE_SECONDS),
    )
    return challenge, code


def device_code_challenge(code: str) -> IdentityChallenge:
    """The challenge behind a code, for the agent; one answer for unknown, used and expired codes."""
    challenge = IdentityChallenge.objects.filter(code_hash=_code_hash(code)).first()
    if challenge is None or challenge.used_at is not None or challenge.expires_at <= timezone.now():
        raise ApplicationError(
            "コードが正しくないか、有効期限切れ・使用済みです。ブラウザで新しいコードを表示してください。",
            code="identity.code_expired",
            status=400,
        )
    return challenge


def _person_user(person: InsuredPerson) -> User:
    """The person's 本人 account; the first card sign-in creates it (no password: the card is the way in)."""
    account = PersonAccount.objects.select_related("user").filter(person=person).first()
    if account is not None:
        return account.user
    user = User(
        email=f"card-{person.pk}@persons.kaigo-portal.invalid", name=person.name, kind=UserKind.PERSON
    )
    user.set_unusable_password()
    user.save()
    PersonAccount.objects.create(user=user, person=person)
    return user


def device_code_complete(*, code: str, certificate_der: bytes, signature: bytes) -> User:
    """The agent's answer for a code: on success the browser showing the code may sign in as the person."""
    challenge = _use({"code_hash": _code_hash(code)}, device=None)
    person, certificate, _qualified = _check_and_resolve(
        challenge, device=None, certificate_der=certificate_der, signature=signature
    )
    _log(CardOutcome.OK, challenge=challenge, certificate=certificate, person=person)
    with transaction.atomic():
        user = _person_user(person)
        challenge.signed_in_user = user
        challenge.save(update_fields=["signed_in_user"])
    return user


def device_code_claim(*, challenge_id: int) -> User | None:
    """The browser's poll: the signed-in user once (then the challenge is spent), else None."""
    with transaction.atomic():
        challenge = IdentityChallenge.objects.select_for_update().filter(pk=challenge_id).first()
        if challenge is None or challenge.signed_in_user_id is None or challenge.claimed_at is not None:
            return None
        challenge.claimed_at = timezone.now()
        challenge.save(update_fields=["claimed_at"])
        return challenge.signed_in_user


# --- CRLs and the registry -------------------------------------------------------------------------


def crl_load(*, data: bytes) -> int:
    """Loads a CRL (PEM or DER) signed by a configured JPKI CA; returns how many serials it revokes."""
    try:
        crl = (
            x509.load_pem_x509_crl(data)
            if data.lstrip().startswith(b"-----")
            else x509.load_der_x509_crl(data)
        )
    except ValueError:
        raise ApplicationError("CRL を読み取れません。", code="identity.bad_crl") from None
    ca = next(
        (c for c in jpki_cas() if c.subject == crl.issuer and crl.is_signature_valid(c.public_key())), None
    )
    if ca is None:
        raise ApplicationError("設定された認証局の CRL ではありません。", code="identity.crl_unknown_ca")
    issuer = crl.issuer.rfc4514_string()
    count = 0
    with transaction.atomic():
        for revoked in crl:
            RevokedCertificate.objects.update_or_create(
                issuer=issuer,
                serial=format(revoked.serial_number, "X"),
                defaults={"revoked_at": revoked.revocation_date_utc},
            )
            count += 1
    return count


def card_certificate_register(*, person: InsuredPerson, certificate_der: bytes, by: User) -> CardCertificate:
    """The municipality registers a card certificate for one of its insured persons (staff screen)."""
    require_municipal_of(by, person)
    try:
        certificate = x509.load_der_x509_certificate(certificate_der)
    except ValueError:
        try:
            certificate = x509.load_pem_x509_certificate(certificate_der)
        except ValueError:
            raise ApplicationError(
                REFUSALS[CardOutcome.BAD_CERTIFICATE], code="identity.bad_certificate"
            ) from None
    with transaction.atomic():
        row = CardCertificate(
            person=person,
            issuer=issuer_text(certificate),
            serial=serial_hex(certificate),
            effective_date=timezone.localdate(),
        )
        row.full_clean()
        row.save()
    return row
