"""Celery app. tenant-schemas-celery stamps the current schema on each task
and switches the worker's connection to it before the task runs; for a company
on another PostgreSQL cluster, the connection is then that cluster's
(tenants/directory.py) until the task ends."""

import os

from celery.signals import task_postrun, task_prerun
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heat_platform.settings.dev")

app = CeleryApp("heat_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


CLUSTER_NOT_CONFIGURED = "cluster_not_configured"  # a schema that never exists


# Connected after tenant-schemas-celery's own handlers (imported above), so these run after its switch to the
# task's schema and after its switch back.
@task_prerun.connect(weak=False, dispatch_uid="heatcloud_task_cluster_use")
def _task_cluster_use(task=None, **_kw) -> None:
    from django.db import connection

    from tenants.directory import MAIN_CLUSTER, bound_cluster, cluster_switch, cluster_use
    from tenants.models import HeatingCompany

    task._heatcloud_outer_cluster = bound_cluster() or MAIN_CLUSTER
    tenant = connection.tenant
    if isinstance(tenant, HeatingCompany):  # tenant-schemas-celery set the task's company
        try:
            cluster_use(tenant)
        except LookupError:
            # Celery only logs a prerun handler's exception and runs the task anyway, on the main connection
            # with search_path "<schema>, public": shared-and-tenant apps (accounts) would resolve to the
            # platform's rows. Fail closed instead: no schema the task's queries can resolve in.
            connection.set_schema(CLUSTER_NOT_CONFIGURED, include_public=False)
            raise
    elif bound_cluster() is not None:  # a public-schema task run eagerly inside another cluster's request
        cluster_switch(MAIN_CLUSTER)
        connection.set_schema(tenant.schema_name)


@task_postrun.connect(weak=False, dispatch_uid="heatcloud_task_cluster_release")
def _task_cluster_release(task=None, **_kw) -> None:
    from django.db import connection

    from tenants.directory import MAIN_CLUSTER, cluster_switch

    outer = getattr(task, "_heatcloud_outer_cluster", MAIN_CLUSTER)
    schema = connection.schema_name, connection.include_public_schema  # what tenant-schemas-celery restored
    cluster_switch(outer)
    if connection.schema_name != schema[0]:
        connection.set_schema(schema[0], include_public=schema[1])
