"""Values every page needs: the MFA-off banner, the session timer and the current organisation."""

from django.conf import settings


def portal(request) -> dict:
    return {
        "mfa_disabled_for_demo": not settings.KAIGO_REQUIRE_MFA,
        "session_idle_seconds": settings.KAIGO_SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.KAIGO_SESSION_WARNING_SECONDS,
        "current_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
    }
