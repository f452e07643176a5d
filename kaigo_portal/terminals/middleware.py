"""With KAIGO_REQUIRE_CLIENT_CERT, staff of the kinds of organisation it names work only from a terminal of
their organisation (verify.py). API keys are checked in kaigo_portal.api.authentication."""

from __future__ import annotations

import logging

from django.shortcuts import render

from . import verify

logger = logging.getLogger(__name__)


class ClientCertificateMiddleware:
    ALLOWED_PREFIXES = ("/accounts/logout/", "/static/", "/healthz", "/terminals/crl.pem")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = getattr(request, "membership", None)
        organisation = membership.organisation if membership else None
        if verify.required_for(organisation) and not request.path.startswith(self.ALLOWED_PREFIXES):
            reason = verify.refusal(request, organisation)
            if reason is not None:
                logger.warning(
                    "terminal refused: org=%s user=%s reason=%s", organisation.pk, request.user.pk, reason
                )
                return render(
                    request,
                    "terminals/required.html",
                    {"message": verify.MESSAGES[reason], "hint": verify.HINT, "code": reason},
                    status=403,
                )
        return self.get_response(request)
