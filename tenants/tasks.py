from celery import shared_task
from django.conf import settings

from .spares import spare_pool_fill


@shared_task(name="tenants.replenish_spare_schemas")
def replenish_spare_schemas() -> int:
    """Runs in the public schema after each sign-up: refill the spare pool."""
    return spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)
