"""What the consent services share."""

from __future__ import annotations

from eligibility.models import InsuredPerson
from kaigo_portal.accounts.models import MUNICIPAL_ROLES, User
from kaigo_portal.errors import ApplicationError


def require_municipal_of(
    by: User, person: InsuredPerson, *, code: str = "consent.not_municipal", doing: str = "記録できます"
) -> None:
    """Only active staff of the person's own insurer go on."""
    if not by.memberships.filter(
        is_active=True, organisation=person.insurer_id, role__in=MUNICIPAL_ROLES
    ).exists():
        raise ApplicationError(f"この被保険者の保険者の職員だけが{doing}。", code=code, status=403)
