from __future__ import annotations

from celery import shared_task

from heat_platform.kernel.jobs import JobBusyError

from .runs import bill_run_process


@shared_task(bind=True, name="billing.bill_run_process", max_retries=None)
def bill_run_process_task(self, bill_run_id: int) -> None:
    """Queued from inside a company's schema; tenant-schemas-celery runs it there.
    Safe to deliver twice: a delivery of a killed run resumes it; while a live
    worker runs it, the delivery is retried later, never dropped."""
    try:
        bill_run_process(bill_run_id=bill_run_id)
    except JobBusyError as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc
