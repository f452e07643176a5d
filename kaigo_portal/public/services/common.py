"""What the public portal's services share: who is an operator."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied

from kaigo_portal.accounts.models import Role, User

from ..models import (
    InquiryStatus,
)

logger = logging.getLogger(__name__)

# Which status an operator may move a ticket to from each status. Replies move it too (see inquiry_reply).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    InquiryStatus.NEW: frozenset({InquiryStatus.IN_PROGRESS, InquiryStatus.ANSWERED, InquiryStatus.CLOSED}),
    InquiryStatus.IN_PROGRESS: frozenset({InquiryStatus.ANSWERED, InquiryStatus.CLOSED}),
    InquiryStatus.ANSWERED: frozenset({InquiryStatus.IN_PROGRESS, InquiryStatus.CLOSED}),
    InquiryStatus.CLOSED: frozenset({InquiryStatus.IN_PROGRESS}),
}
REPLY_STATUSES = frozenset({InquiryStatus.ANSWERED, InquiryStatus.IN_PROGRESS, InquiryStatus.CLOSED})


def is_operator(user) -> bool:
    """A platform operator (プラットフォーム運営者) with an active membership."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.memberships.filter(
            role=Role.PLATFORM_OPERATOR, is_active=True, organisation__is_active=True
        ).exists()
    )


def require_operator(by: User) -> None:
    if not is_operator(by):
        raise PermissionDenied("プラットフォーム運営者だけが行えます。")
