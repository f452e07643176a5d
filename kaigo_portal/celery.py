"""The Celery app: imports, PDFs, notifications and reminders run here, never inside a request."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_portal.settings")

app = Celery("kaigo_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_without_access_rules(**_kwargs) -> None:
    """A production worker, like the web server, refuses to start without the access rules."""
    from kaigo_portal.access import ensure_rules_for_production

    ensure_rules_for_production()
