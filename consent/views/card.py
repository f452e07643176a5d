"""A person signs in with the My Number card (device-code flow): the browser shows a code, the person's
agent (`kaigo-agent login --code`) has the card sign the code's challenge, and the browser, which polls,
signs in. The first card sign-in creates the 本人 account; a card sign-in counts as MFA (card + PIN)."""

from __future__ import annotations

from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kaigo_portal.accounts.middleware import SESSION_CARD_SIGN_IN

from .. import identity
from ..models import IdentityChallenge

SESSION_CHALLENGE = "kaigo_card_challenge"
SESSION_CODE = "kaigo_card_code"
POLL_SECONDS = 2


@never_cache
def card_sign_in(request):
    return render(request, "consent/me/card_sign_in.html", {"code": None})


@never_cache
@require_POST
def card_sign_in_start(request):
    challenge, code = identity.device_code_create()
    request.session[SESSION_CHALLENGE] = challenge.pk
    request.session[SESSION_CODE] = code
    return redirect("consent:card_sign_in_wait")


@never_cache
def card_sign_in_wait(request):
    """Polled by the page (meta refresh): signs in once the agent has completed the code."""
    challenge_id = request.session.get(SESSION_CHALLENGE)
    if challenge_id is None:
        return redirect("consent:card_sign_in")
    user = identity.device_code_claim(challenge_id=challenge_id)
    if user is not None:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_CARD_SIGN_IN] = True
        return redirect("consent:my_home")
    challenge = IdentityChallenge.objects.filter(pk=challenge_id).first()
    expired = challenge is None or challenge.expires_at <= timezone.now() or challenge.claimed_at is not None
    return render(
        request,
        "consent/me/card_sign_in.html",
        {
            "code": None if expired else request.session.get(SESSION_CODE),
            "expired": expired,
            "poll_seconds": POLL_SECONDS,
            "expires_at": challenge.expires_at if challenge else None,
        },
    )
