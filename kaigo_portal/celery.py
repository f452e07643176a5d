"""The Celery app: imports, PDFs, notifications and reminders run here, never inside a request."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_portal.settings")

app = Celery("kaigo_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_without_access_rules(**_kwargs) -> None:
    """A production worker, like the web server, refuses to start without the access rules."""
    from kaigo_portal.access import ensure_rules_for_production

    ensure_rules_for_production()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_worker_logs(logger, **_kwargs) -> None:
    """The worker's own log handlers (Celery sets them up, not Django's LOGGING) redact as Django's do:
    no 個人番号, key or password in a task's arguments, result or traceback reaches the log."""
    from kaigo_portal.logging import RedactFilter

    for handler in logger.handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())
