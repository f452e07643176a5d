"""A URLconf for the API-foundation tests: the real URLs plus one view that needs the `imports` scope."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal.accounts.models import Role
from kaigo_portal.urls import urlpatterns as portal_urlpatterns


class ImportsOnly(APIView):
    api_scopes = ("imports",)
    user_roles = (Role.MUNICIPAL_ADMIN,)

    def get(self, request):
        return Response({"ok": True})


class DeclaresNothing(APIView):
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    *portal_urlpatterns,
    path("api/test/imports-only/", ImportsOnly.as_view()),
    path("api/test/declares-nothing/", DeclaresNothing.as_view()),
]
