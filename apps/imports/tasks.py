from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_public_schema_name, get_tenant_model, tenant_context

from .services import import_job_run, upload_purge_stale


@shared_task(name="imports.run_house_import")
def run_house_import(job_id: str) -> None:
    """Queued from inside a company's schema; tenant-schemas-celery runs it there."""
    import_job_run(job_id=job_id)


@shared_task(name="imports.purge_stale_uploads")
def purge_stale_uploads() -> int:
    """Delete ledger uploads never imported within a week, in every company
    (they hold phone and ID numbers in clear). Meant for Celery beat, daily."""
    deleted = 0
    for tenant in get_tenant_model().objects.exclude(schema_name=get_public_schema_name()):
        with tenant_context(tenant):
            deleted += upload_purge_stale()
    return deleted
