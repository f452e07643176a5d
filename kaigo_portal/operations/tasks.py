"""Nightly: the retention rules (retention.py) purge what is past its time. Idempotent."""

from celery import shared_task

from . import retention


@shared_task
def apply_retention() -> dict[str, int]:
    return retention.run(apply=True)
