"""WSGI entry for the API benchmark: the portal's wsgi with bench.settings (adds the bare view)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from kaigo_portal.wsgi import application  # noqa: F401
