"""Kaigo Portal: the project package (settings, URLs, Celery app, kernel apps)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
