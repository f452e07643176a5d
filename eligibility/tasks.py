from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import(job_id: int) -> None:
    """Runs one import job. If the worker dies, the message goes back to the queue and the job runs
    again from the start: its apply step is one transaction, so the dead run left nothing behind."""
    services.import_job_run(job_id=job_id)


@shared_task
def refresh_search_fields() -> int:
    """Nightly: person changes imported ahead of their date become searchable on that date. Idempotent."""
    return services.search_fields_refresh_due()
