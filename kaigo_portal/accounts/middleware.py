"""Which organisation a request acts for, and the MFA gate for every user."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_MEMBERSHIP = "kaigo_membership_id"


class MembershipMiddleware:
    """Sets request.membership: the active membership the user chose, or their first one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        if request.user.is_authenticated and not request.user.is_person:
            memberships = list(request.user.active_memberships())
            chosen = request.session.get(SESSION_MEMBERSHIP)
            request.membership = next((m for m in memberships if m.pk == chosen), None) or (
                memberships[0] if memberships else None
            )
            request.memberships = memberships
        return self.get_response(request)


# Set in the session by a sign-in with the My Number card (the card issue): possession of the card plus
# its PIN is two factors, so such a session counts as MFA without TOTP.
SESSION_CARD_SIGN_IN = "kaigo_card_sign_in"


def mfa_required_for(user) -> bool:
    """Every user needs MFA: staff (医療情報システムの安全管理に関するガイドライン 6.0) and persons (本人),
    whose pages show their care data."""
    return settings.KAIGO_REQUIRE_MFA and user.is_authenticated


def mfa_satisfied(request) -> bool:
    """TOTP is set up, or this session began with a My Number card sign-in (counts as MFA)."""
    return bool(request.session.get(SESSION_CARD_SIGN_IN)) or is_mfa_enabled(request.user)


class MfaRequiredMiddleware:
    """Until a user has set up TOTP (or signed in with the card), the MFA set-up pages and sign-out are all they can reach."""

    ALLOWED_PREFIXES = (
        "/accounts/2fa/",
        "/accounts/reauthenticate/",
        "/accounts/logout/",
        "/static/",
        "/session/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            mfa_required_for(user)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not mfa_satisfied(request)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "mfa_required",
                            "message": "多要素認証（MFA）を設定するまで利用できません。",
                            "fields": {},
                        }
                    },
                    status=403,
                )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
