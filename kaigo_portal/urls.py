from allauth.account.decorators import secure_admin_login
from csp.decorators import csp_update
from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kaigo_portal.accounts.models import Role
from kaigo_portal.api import views as api_views
from kaigo_portal.web import views as web_views


def _platform_operator_only(request) -> bool:
    """Django admin is the platform operator's tool; everyone else gets real screens."""
    membership = getattr(request, "membership", None)
    return bool(
        request.user.is_active and membership is not None and membership.role == Role.PLATFORM_OPERATOR
    )


admin.site.has_permission = _platform_operator_only
# Admin sign-in goes through allauth, so it cannot skip the MFA stage.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "介護情報基盤ポータル 運営者用管理サイト"
admin.site.site_title = "運営者用管理サイト"


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# The API first, under one prefix: an API request is resolved after one test, not after every page route.
# Each app mounts its own API (its api_urls.py); the kernel imports none of them.
api_v1_urlpatterns = [
    path("me/", api_views.me, name="api_me"),
    path("", include("eligibility.api_urls")),
    path("", include("consent.api_urls")),
    path("", include("certification.api_urls")),
    path("subsidies/", include("subsidies.api_urls")),
    path("opinions/", include("opinions.api_urls")),
    path("careplans/", include("careplans.api_urls")),
    path("life/", include("careplans.life.api_urls")),
]


urlpatterns = [
    path("api/v1/", include(api_v1_urlpatterns)),
    path("", web_views.home, name="home"),
    path("session/keepalive/", web_views.session_keepalive, name="session_keepalive"),
    path("session/organisation/", web_views.switch_membership, name="switch_membership"),
    path("accounts/", include("allauth.urls")),
    path("org/", include("kaigo_portal.accounts.urls")),
    path("portal/", include("kaigo_portal.public.urls")),
    path("offices/", include("kaigo_portal.offices.urls")),
    path("terminals/", include("kaigo_portal.terminals.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("", include("eligibility.urls")),
    path("", include("consent.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own (?script): no inline script, as the CSP
    # wants. Swagger UI writes its own <style> elements, so this one page allows inline style (not script).
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="swagger-ui",
    ),
    path("certification/", include("certification.urls")),
    path("opinions/", include("opinions.urls")),
    path("careplans/", include("careplans.urls")),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page names: the static file, not a 404 in every log.
    path("favicon.ico", web_views.favicon, name="favicon"),
]

# Django's own error answers, as JSON under /api/ and a Japanese page elsewhere; a 500 that is really the
# database or Redis away answers 503 (web/errors.py).
handler400 = "kaigo_portal.web.errors.bad_request"
handler403 = "kaigo_portal.web.errors.permission_denied"
handler404 = "kaigo_portal.web.errors.page_not_found"
handler500 = "kaigo_portal.web.errors.server_error"
