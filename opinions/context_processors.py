"""The opinions app's code families for templates, which compare with the enum, never with a bare string."""

from .models import OpinionStatus, Route

CODES = {"OpinionStatus": OpinionStatus, "OpinionRoute": Route}


def codes(request) -> dict:
    return CODES
