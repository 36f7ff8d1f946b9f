from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import HeatingCompany
from tenants.services import tenant_close, tenant_purge_after


class Command(BaseCommand):
    help = ("Close a company (its contract ended): every endpoint answers 410, its data is kept for "
            "TENANT_RETENTION_DAYS, then the daily beat task drops its schema and media.")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, slug, reason, **options):
        tenant = HeatingCompany.objects.exclude(schema_name="public").filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"no company {slug}")
        try:
            tenant = tenant_close(tenant_id=tenant.pk, actor=None, reason=reason)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{slug} closed; its data is kept {settings.TENANT_RETENTION_DAYS} days and dropped "
                          f"after {tenant_purge_after(tenant):%Y-%m-%d %H:%M %Z}. Export it first: "
                          f"manage.py export_tenant {slug} <path>")
