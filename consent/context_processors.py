"""The consent app's code families for templates, which compare with the enum, never with a bare string."""

from .models import ActingAs, ConsentStatus

CODES = {"ActingAs": ActingAs, "ConsentStatus": ConsentStatus}


def codes(request) -> dict:
    return CODES
