"""The access log's upkeep (Celery beat): the nightly check of its hash chains, the monthly partitions
created ahead. Old months are archived by the retention rules (kaigo_portal/operations/retention.py)."""

import logging

from celery import shared_task

from . import partitions
from .services import verify_all

logger = logging.getLogger(__name__)


@shared_task
def verify_chains() -> int:
    """Walks every chain and logs each broken link as an error for the operators' alerting.

    Read-only, so safe to run twice. Returns the number of broken chains.
    """
    checked, broken = verify_all()
    for link in broken:
        logger.error("access log chain broken: %s", link)
    if not broken:
        logger.info("access log verified: %d rows", checked)
    return len(broken)


@shared_task
def ensure_partitions() -> int:
    """Daily: the partitions of this month and the next three exist. Idempotent."""
    return len(partitions.ensure())
