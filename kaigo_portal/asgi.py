"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_portal.settings")

application = get_asgi_application()

from kaigo_portal.access import ensure_rules_for_production  # noqa: E402  (needs the apps loaded)

ensure_rules_for_production()
