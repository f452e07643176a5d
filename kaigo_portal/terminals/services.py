"""Every write of terminals: issue, the one download, renew and revoke; each is a TerminalEvent."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation, User
from kaigo_portal.errors import ApplicationError

from . import ca
from .models import RevocationReason, Terminal, TerminalEvent, TerminalEventKind

logger = logging.getLogger(__name__)
PASSPHRASE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105  (an alphabet; typed at the terminal)


def _event(terminal: Terminal, kind: str, by: User, detail: str = "", request_id: str = "") -> None:
    TerminalEvent.objects.create(terminal=terminal, kind=kind, by=by, detail=detail, request_id=request_id)
    logger.info(
        "terminal %s: id=%s org=%s serial=%s by=%s",
        kind,
        terminal.pk,
        terminal.organisation_id,
        terminal.serial,
        by.pk,
    )


def _passphrase() -> str:
    return "-".join("".join(secrets.choice(PASSPHRASE_ALPHABET) for _ in range(4)) for _ in range(4))


NO_CA = "このポータルには端末の認証局（CA）が設定されていないため、証明書を発行できません。運営者にお問い合わせください。"


def _make(
    organisation: Organisation, name: str, by: User, renewed_from: Terminal | None
) -> tuple[Terminal, str]:
    if not ca.configured():
        raise ApplicationError(NO_CA, code="terminal.no_ca", status=503)
    authority = ca.load()
    certificate, key = ca.issue_terminal(
        authority,
        organisation_number=organisation.number,
        terminal_name=name,
        days=settings.KAIGO_TERMINAL_CERT_DAYS,
    )
    passphrase = _passphrase()
    terminal = Terminal.objects.create(
        organisation=organisation,
        name=name,
        serial=ca.serial_hex(certificate),
        subject=certificate.subject.rfc4514_string(),
        fingerprint=ca.fingerprint(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        issued_by=by,
        bundle=ca.pkcs12_bundle(certificate, key, name=name, passphrase=passphrase, authority=authority),
        renewed_from=renewed_from,
    )
    return terminal, passphrase


def terminal_issue(
    *, organisation: Organisation, name: str, by: User, request_id: str = ""
) -> tuple[Terminal, str]:
    """A certificate for a new terminal; returns it with the one-time passphrase of its PKCS#12 file,
    which is shown once and kept nowhere."""
    if not organisation.is_office_or_clinic:
        raise ApplicationError(
            "端末のクライアント証明書は、介護事業所と医療機関の端末に発行します。", code="terminal.kind"
        )
    name = name.strip()
    if not name:
        raise ApplicationError(
            "端末名を入力してください。", code="terminal.name", fields={"name": ["必須です。"]}
        )
    with transaction.atomic():
        terminal, passphrase = _make(organisation, name, by, None)
        _event(terminal, TerminalEventKind.ISSUED, by, request_id=request_id)
    return terminal, passphrase


def terminal_download(*, terminal: Terminal, by: User, request_id: str = "") -> bytes:
    """The PKCS#12 file, once: the stored copy is erased as it is handed out."""
    with transaction.atomic():
        locked = Terminal.objects.select_for_update().get(pk=terminal.pk)
        if locked.bundle is None:
            raise ApplicationError(
                "この証明書のファイルはダウンロード済みです。もう一度必要なときは、証明書を更新してください。",
                code="terminal.downloaded",
                status=410,
            )
        if locked.revoked_at is not None:
            raise ApplicationError("失効した証明書です。", code="terminal.revoked", status=410)
        bundle = bytes(locked.bundle)
        locked.bundle, locked.downloaded_at = None, timezone.now()
        locked.save(update_fields=["bundle", "downloaded_at"])
        _event(locked, TerminalEventKind.DOWNLOADED, by, request_id=request_id)
    return bundle


def terminal_revoke(*, terminal: Terminal, by: User, reason: str, request_id: str = "") -> Terminal:
    if reason not in RevocationReason.values:
        raise ApplicationError("失効の理由を選んでください。", code="terminal.reason")
    with transaction.atomic():
        locked = Terminal.objects.select_for_update().get(pk=terminal.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at, locked.revoked_by, locked.revocation_reason = timezone.now(), by, reason
        locked.bundle = None  # a file never downloaded is never handed out any more
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason", "bundle"])
        _event(
            locked,
            TerminalEventKind.REVOKED,
            by,
            detail=RevocationReason(reason).label,
            request_id=request_id,
        )
    return locked


def terminal_renew(*, terminal: Terminal, by: User, request_id: str = "") -> tuple[Terminal, str]:
    """A new certificate for the same terminal; the old one is revoked (superseded) at once. Renew at the
    terminal: its new file is installed right away."""
    with transaction.atomic():
        old = Terminal.objects.select_for_update().get(pk=terminal.pk)
        if old.revoked_at is not None:
            raise ApplicationError(
                "失効した証明書は更新できません。新しく発行してください。", code="terminal.revoked"
            )
        new, passphrase = _make(old.organisation, old.name, by, old)
        terminal_revoke(terminal=old, by=by, reason=RevocationReason.SUPERSEDED, request_id=request_id)
        _event(new, TerminalEventKind.RENEWED, by, detail=f"旧シリアル {old.serial}", request_id=request_id)
    return new, passphrase


def crl_pem() -> bytes:
    """The CRL of every revoked terminal certificate that has not yet expired."""
    revoked = Terminal.objects.filter(revoked_at__isnull=False, not_after__gt=timezone.now()).values_list(
        "serial", "revoked_at", "revocation_reason"
    )
    return ca.crl(ca.load(), [(int(serial, 16), at, reason) for serial, at, reason in revoked])
