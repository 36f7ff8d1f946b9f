"""Celery tasks refreshing the operator console's figures (tenants/stats.py).
Listed in CELERY_IMPORTS (only `<app>.tasks` modules are found by themselves)."""

from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import schema_context

from heat_platform.kernel.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


@shared_task(name="tenants.refresh_tenant_stats")
def refresh_tenant_stats() -> None:
    """One company: tenant-schemas-celery runs it in the schema it was queued from."""
    from .stats import tenant_stats_refresh

    tenant_stats_refresh()


@shared_task(name="tenants.refresh_all_tenant_stats")
def refresh_all_tenant_stats() -> int:
    """Beat: queue one refresh per company that still has its data (not closed)."""
    from .models import HeatingCompany

    schemas = list(HeatingCompany.objects.exclude(schema_name="public").exclude(status=HeatingCompany.Status.CLOSED)
                   .values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            try:
                enqueue_on_commit(refresh_tenant_stats)
            except Exception:  # one company's failure must not keep the others stale
                logger.exception("queueing the stats refresh of %s failed", schema)
    return len(schemas)
