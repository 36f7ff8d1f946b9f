from django.core.management.base import BaseCommand

from tenants.lifecycle import tenants_due_for_purge, tenants_purge_due
from tenants.models import HeatingCompany


class Command(BaseCommand):
    help = ("Drop the schema, media and public rows of companies closed longer than TENANT_RETENTION_DAYS "
            "ago (what the daily beat task does). --dry-run lists them.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            for tenant in HeatingCompany.objects.filter(pk__in=tenants_due_for_purge()).order_by("closed_at"):
                self.stdout.write(f"{tenant.slug} ({tenant.schema_name}) closed {tenant.closed_at:%Y-%m-%d}")
            return
        for result in tenants_purge_due():
            self.stdout.write(f"purged {result.slug} ({result.schema}): {result.tables} tables, "
                              f"{result.media} media file(s)")
