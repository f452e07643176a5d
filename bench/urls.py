"""The portal's URLs plus `/bench/bare/`: a bare Django JSON view served by the same server."""

from django.http import JsonResponse
from django.urls import path

from kaigo_portal.urls import urlpatterns as portal_urlpatterns


def bare(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/bare/", bare), *portal_urlpatterns]
