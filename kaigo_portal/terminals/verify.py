"""Which terminal a request comes from, as the TLS proxy verified it, and whether that is enough.

The proxy (deploy/nginx/) verifies the client certificate against the terminal CA and its CRL, and passes
what it verified on `X-Kaigo-Client-Verify` (SUCCESS) and `X-Kaigo-Client-Serial`, overwriting whatever
the client sent. It also sends `X-Kaigo-Proxy-Secret`, a secret only it and the portal know
(`KAIGO_PROXY_SECRET`): a request that reaches the app server any other way, with headers of its own
making, has no terminal. The portal then asks its own table too: the certificate must be one it issued
to this organisation, not revoked (a CRL the proxy has not reloaded yet does not let a revoked one in)
and not expired.
"""

from __future__ import annotations

import datetime as dt
import hmac

from django.conf import settings
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation

from .models import Terminal

SECRET_HEADER = "HTTP_X_KAIGO_PROXY_SECRET"  # noqa: S105  (a header name)
VERIFY_HEADER = "HTTP_X_KAIGO_CLIENT_VERIFY"
SERIAL_HEADER = "HTTP_X_KAIGO_CLIENT_SERIAL"
SEEN_EVERY = dt.timedelta(minutes=5)

MESSAGES = {
    "terminal.no_certificate": "この端末にはポータルのクライアント証明書がありません（または確認できません）。",
    "terminal.unknown": "この端末のクライアント証明書は、ポータルが発行したものではありません。",
    "terminal.revoked": "この端末のクライアント証明書は失効しています。",
    "terminal.expired": "この端末のクライアント証明書は有効期限が切れています。",
    "terminal.other_organisation": "この端末のクライアント証明書は、別の事業所・医療機関のものです。",
}
HINT = "事業所の管理者ユーザに、この端末の証明書の発行または更新を依頼してください。"


def required_for(organisation: Organisation | None) -> bool:
    return (
        settings.KAIGO_REQUIRE_CLIENT_CERT
        and organisation is not None
        and organisation.kind in settings.KAIGO_CLIENT_CERT_KINDS
    )


def _from_proxy(request) -> bool:
    secret = settings.KAIGO_PROXY_SECRET
    given = request.META.get(SECRET_HEADER, "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def terminal_of(request) -> Terminal | None:
    """The terminal the proxy verified for this request, or None."""
    if not _from_proxy(request) or request.META.get(VERIFY_HEADER) != "SUCCESS":
        return None
    serial = request.META.get(SERIAL_HEADER, "").strip().upper()
    return Terminal.objects.filter(serial=serial).first() if serial else None


def refusal(request, organisation: Organisation) -> str | None:
    """None if the request comes from a valid terminal of `organisation`; else the reason's code."""
    if not _from_proxy(request) or request.META.get(VERIFY_HEADER) != "SUCCESS":
        return "terminal.no_certificate"  # none, or headers that did not come from the proxy
    terminal = terminal_of(request)
    if terminal is None:
        return "terminal.unknown"
    now = timezone.now()
    if terminal.organisation_id != organisation.pk:
        return "terminal.other_organisation"
    if terminal.revoked_at is not None:
        return "terminal.revoked"
    if not terminal.not_before <= now < terminal.not_after:
        return "terminal.expired"
    if terminal.last_seen_at is None or now - terminal.last_seen_at > SEEN_EVERY:
        Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=now)
    return None
