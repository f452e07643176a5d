"""The access log's upkeep (Celery beat): the nightly check of its hash chains, the monthly partitions
created ahead, and old months archived."""

import logging

from celery import shared_task

from . import archive, partitions
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


@shared_task
def archive_old_months() -> int:
    """Monthly: months older than the online period are verified, archived to files and detached. A month
    whose archive fails stays in place (and the error is logged); a run again continues where it stopped."""
    try:
        return len(archive.archive_due())
    except archive.ArchiveError as error:
        logger.error("access log archive stopped: %s", error)
        raise
