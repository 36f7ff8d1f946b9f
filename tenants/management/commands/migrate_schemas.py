"""django-tenants' migrate_schemas, plus: spare schemas are migrated too, so the
onboarding pool never hands out a schema with missing tables."""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from tenants.spares import spare_pool_migrate


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        if self.sync_tenant and not options.get("schema_name") and not options.get("plan"):
            spare_pool_migrate(verbosity=options.get("verbosity", 1))
