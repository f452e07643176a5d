"""The careplans app's code families for templates, which compare with the enum, never with a bare string."""

from .models import CertificationStatus, PlanStatus

CODES = {"PlanStatus": PlanStatus, "CertificationStatus": CertificationStatus}


def codes(request) -> dict:
    return CODES
