from __future__ import annotations

from celery import shared_task

from .runs import bill_run_process


@shared_task(name="billing.bill_run_process")
def bill_run_process_task(bill_run_id: int) -> None:
    """Queued from inside a company's schema; tenant-schemas-celery runs it there.
    Safe to deliver twice: a second delivery of a running run exits at once,
    of a killed one resumes it."""
    bill_run_process(bill_run_id=bill_run_id)
