"""`manage.py ensure_platform`: what a fresh installation needs after `migrate` and before it serves: the
public-schema row the platform domain routes to, and the pool of spare schemas onboarding renames into
place. Idempotent; run it with every deployment, right after `migrate` (the compose migrate service, the
Kubernetes migration Job, `make prod-check`)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.services import platform_ensure
from tenants.spares import spare_pool_fill


class Command(BaseCommand):
    help = "Create the platform's public row for PLATFORM_DOMAIN and top up the spare schemas (idempotent)."

    def handle(self, *args, **options):
        platform_ensure(domain=settings.PLATFORM_DOMAIN)
        made = spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)
        self.stdout.write(f"platform domain {settings.PLATFORM_DOMAIN} ready; {made} spare schema(s) created")
