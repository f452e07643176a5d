"""Values every page needs: the MFA-off banner, the session timer, the current organisation, and the kernel's
code families, so that templates compare with the enum (`membership.role == Role.CARE_MANAGER`), never with
a bare string. Each app adds its own families the same way (`<app>/context_processors.py`)."""

from django.conf import settings

from kaigo_portal.accounts.models import OrganisationKind, Role
from kaigo_portal.audit.models import Category, Channel
from kaigo_portal.public.models import InquiryMessageKind, PublicationState
from kaigo_portal.public.selectors import RolloutStatus

CODES = {
    "Role": Role,
    "OrganisationKind": OrganisationKind,
    "Category": Category,
    "Channel": Channel,
    "InquiryMessageKind": InquiryMessageKind,
    "PublicationState": PublicationState,
    "RolloutStatus": RolloutStatus,
}


def portal(request) -> dict:
    return {
        "mfa_disabled_for_demo": not settings.KAIGO_REQUIRE_MFA,
        "session_idle_seconds": settings.KAIGO_SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.KAIGO_SESSION_WARNING_SECONDS,
        "current_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
        **CODES,
    }
