from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_public_schema_name, get_tenant_model

from heat_platform.kernel.jobs import JobBusyError
from tenants.directory import company_context

from .export_jobs import export_job_run, export_jobs_expire
from .services import import_job_run, upload_purge_stale


@shared_task(bind=True, name="imports.run_house_import", max_retries=None)
def run_house_import(self, job_id: str) -> None:
    """Queued from inside a company's schema; tenant-schemas-celery runs it there.
    Safe to deliver twice: while a live worker runs the job, the delivery is
    retried later (by then the job is finished, or its worker is known dead
    and the retry runs it), never dropped."""
    try:
        import_job_run(job_id=job_id)
    except JobBusyError as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task(bind=True, name="imports.run_export", max_retries=None)
def run_export(self, job_id: str) -> None:
    """An export job (apps/imports/export_jobs.py), in the schema it was queued from;
    redelivered while a live worker runs it: retried later, never dropped."""
    try:
        export_job_run(job_id=job_id)
    except JobBusyError as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task(name="imports.purge_stale_uploads")
def purge_stale_uploads() -> int:
    """Delete ledger uploads never imported within a week and the files of expired
    exports, in every company (they hold phone and ID numbers). Celery beat, daily."""
    deleted = 0
    for tenant in get_tenant_model().objects.exclude(schema_name=get_public_schema_name()):
        with company_context(tenant):
            deleted += upload_purge_stale() + export_jobs_expire()
    return deleted
