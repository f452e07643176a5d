"""WSGI entry point (gunicorn kaigo_portal.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_portal.settings")

application = get_wsgi_application()

from kaigo_portal.access import ensure_rules_for_production  # noqa: E402  (needs the apps loaded)

ensure_rules_for_production()
