"""The subsidies app's code families for templates, which compare with the enum, never with a bare string."""

from .models import ApplicationStatus

CODES = {"ApplicationStatus": ApplicationStatus}


def codes(request) -> dict:
    return CODES
