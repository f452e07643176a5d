"""The home page for each role, the organisation switch and the session keep-alive."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from kaigo_portal.accounts.middleware import SESSION_MEMBERSHIP
from kaigo_portal.accounts.selectors import attention_items
from kaigo_portal.links import menu_links


@login_required
def home(request):
    user = request.user
    if user.is_person:
        return render(request, "web/home_person.html")
    membership = request.membership
    if membership is None:
        return render(request, "web/no_membership.html", status=403)
    items = attention_items(membership, has_mfa=is_mfa_enabled(user))
    return render(
        request,
        "web/home.html",
        {"membership": membership, "items": items, "extra_links": menu_links(membership)},
    )


@login_required
@require_POST
def switch_membership(request):
    wanted = request.POST.get("membership", "")
    for membership in getattr(request, "memberships", []):
        if str(membership.pk) == wanted:
            request.session[SESSION_MEMBERSHIP] = membership.pk
            break
    return redirect("home")


@login_required
@require_POST
def session_keepalive(request):
    """SessionTimeoutMiddleware has already counted this request as activity."""
    return JsonResponse({"idle_seconds": request.session.get_expiry_age()})


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page names: the static file, not a 404 in every log."""
    return redirect(static("kaigo/favicon.ico"), permanent=True)
