"""Settings for the API benchmark's gunicorn: the portal's own, plus a bare JSON view to compare with."""

from kaigo_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
