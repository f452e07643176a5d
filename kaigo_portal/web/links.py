"""Where a page leads back to, where that depends on who reads it."""

from __future__ import annotations

from django.urls import reverse

from kaigo_portal.accounts.models import MUNICIPAL_ROLES


def person_page(request, insurer_number: str, insured_number: str) -> str:
    """The person's page as the viewer knows it: the municipality's 被保険者 page for its staff, the care
    office's person page for everyone else (the policy decides, there, what it shows)."""
    membership = getattr(request, "membership", None)
    if membership is not None and membership.role in MUNICIPAL_ROLES:
        return reverse("person_detail", args=[insurer_number, insured_number])
    return reverse("consent:office_person", args=[insurer_number, insured_number])
