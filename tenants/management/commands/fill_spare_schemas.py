from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.spares import spare_pool_fill


class Command(BaseCommand):
    help = "Top up the pool of pre-migrated spare schemas used by onboarding."

    def add_arguments(self, parser):
        parser.add_argument("--target", type=int, default=None)

    def handle(self, *args, target=None, **options):
        made = spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE if target is None else target)
        self.stdout.write(f"created {made} spare schema(s)")
