"""django-tenants' migrate_schemas, plus:

- a company whose recorded migration state (HeatingCompany.migration_state) equals the code's is
  skipped without opening its schema: with nothing to migrate, a run costs the public schema and one
  query on the companies table, whatever their number (django-tenants issue #719: 12 minutes for 900
  tenants, each schema opened to find nothing to do);
- every schema migrated records its new state in the process that migrated it (django-tenants'
  `schema_migrated` signal), so an interrupted run resumes where it stopped and `--schema` keeps the
  record right too;
- many pending schemas go to django-tenants' multiprocessing executor (TENANT_MULTIPROCESSING_MAX_PROCESSES
  workers) unless `--executor` or EXECUTOR says otherwise;
- spare schemas are migrated too (with the same skip), so the onboarding pool never hands out a schema
  with missing tables.

A schema whose state is unknown ("", e.g. imported) or stale is always opened. `--all-schemas` opens
every schema as plain django-tenants does (after someone edited one by hand, say); so does any option
that targets migrations or changes what "migrated" means (app_label, migration name, --fake, --plan…).
"""

from __future__ import annotations

import multiprocessing
import os

from django.core.management.base import CommandError
from django.db import connection
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import GET_EXECUTOR_FUNCTION, MigrateSchemasCommand
from django_tenants.signals import schema_migrated
from django_tenants.utils import get_public_schema_name, get_tenant_migration_order

from tenants.directory import MAIN_CLUSTER, company_context
from tenants.models import HeatingCompany
from tenants.spares import code_migration_state, migration_state_record, spare_pool_migrate

# Options under which every schema must be opened: the run is not "bring everything to the code's state".
_OPEN_EVERY_SCHEMA = ("schema_name", "all_schemas", "app_label", "migration_name", "fake", "fake_initial",
                      "prune", "plan", "check_unapplied", "run_syncdb")
# From this many pending schemas on, the parallel executor pays for its fork (a few hundred ms).
PARALLEL_FROM = 4


def _record_state(sender, schema_name: str, **kwargs) -> None:
    if schema_name == get_public_schema_name():
        return
    migration_state_record(schema_name)
    if multiprocessing.parent_process() is not None:  # a pool worker: don't keep an idle connection open
        connection.close()


# Connected once the command is loaded: every schema any run of it migrates (nested `--schema` runs of the
# spare pool included) records its state. dispatch_uid keeps it single.
schema_migrated.connect(_record_state, dispatch_uid="tenants.migration_state_record", weak=False)


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--all-schemas", action="store_true", dest="all_schemas",
                            help="Open every tenant schema, even those whose recorded migration state is current.")

    def handle(self, *args, **options):
        if any(options.get(name) for name in _OPEN_EVERY_SCHEMA if name != "all_schemas"):
            self._handle_as_django_tenants(*args, **options)
        else:
            self._handle_skipping_current(*args, **options)
        if self.sync_tenant and not options.get("schema_name") and not options.get("plan"):
            spare_pool_migrate(verbosity=options.get("verbosity", 1), every=bool(options.get("all_schemas")))

    def _handle_as_django_tenants(self, *args, **options) -> None:
        """django-tenants' own run (a rollback, --fake, --plan, one --schema…). It migrates through the main
        connection only: one company on another cluster runs inside company_context; a run over every company
        is refused while some live elsewhere (it would fail there, or migrate a stale copy left on the main one)."""
        if HeatingCompany._meta.db_table not in connection.introspection.table_names():  # the very first migrate
            super().handle(*args, **options)
            return
        schema = options.get("schema_name")
        company = HeatingCompany.objects.filter(schema_name=schema).first() if schema else None
        if company is not None and company.cluster not in ("", MAIN_CLUSTER):
            with company_context(company):  # that company's schema only: not the other cluster's public
                super().handle(*args, **{**options, "tenant": True, "shared": False})
            return
        elsewhere = list(HeatingCompany.objects.exclude(cluster__in=("", MAIN_CLUSTER))
                         .values_list("schema_name", flat=True)[:5])
        if not schema and elsewhere and (options.get("tenant") or not options.get("shared")):
            raise CommandError(f"companies live on other clusters ({', '.join(elsewhere)}…): run this with "
                               "--schema for each of them, or --shared for the public schema only")
        super().handle(*args, **options)

    def _handle_skipping_current(self, *args, **options) -> None:
        SyncCommon.handle(self, *args, **options)  # parses --shared/--tenant/--executor as django-tenants does
        public = get_public_schema_name()
        if self.sync_public:
            GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options).run_migrations(tenants=[public])
        if not self.sync_tenant:
            return
        companies = HeatingCompany.objects.exclude(schema_name=public)
        order = get_tenant_migration_order()
        if order is not None:
            companies = companies.order_by(*order)
        code = code_migration_state()
        # The one query: no schema opened. The cluster comes from the directory (deploy/SCALING.md).
        rows = list(companies.values_list("schema_name", "migration_state", "cluster"))
        every = bool(options.get("all_schemas"))
        stale = [(schema, cluster or MAIN_CLUSTER) for schema, state, cluster in rows if every or state != code]
        pending = [schema for schema, cluster in stale if cluster == MAIN_CLUSTER]
        elsewhere = [schema for schema, cluster in stale if cluster != MAIN_CLUSTER]
        if int(options.get("verbosity", 1)) >= 1:
            todo = len(pending) + len(elsewhere)
            self.stdout.write(f"Company schemas: {len(rows) - todo} of {len(rows)} current (not opened), "
                              f"{todo} to migrate ({len(elsewhere)} on other clusters)")
        if pending:
            codename = self.executor or os.environ.get("EXECUTOR")
            if codename is None:
                parallel = len(pending) >= PARALLEL_FROM and not connection.in_atomic_block
                codename = "multiprocessing" if parallel else "standard"
            GET_EXECUTOR_FUNCTION(codename=codename)(self.args, self.options).run_migrations(tenants=pending)
        # A company on another cluster is migrated while that cluster IS `default` for this thread (django-tenants
        # migrates through `default` only); one at a time here: forked workers would not inherit the switch.
        for schema in elsewhere:
            with company_context(HeatingCompany.objects.get(schema_name=schema)):
                GET_EXECUTOR_FUNCTION(codename="standard")(self.args, self.options).run_migrations(tenants=[schema])
