from celery import shared_task
from django.conf import settings

from .spares import spare_pool_fill


@shared_task(name="tenants.replenish_spare_schemas")
def replenish_spare_schemas() -> int:
    """Runs in the public schema after each sign-up: refill the spare pool."""
    return spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)


@shared_task(name="tenants.provision_signup")
def provision_signup(signup_id: int) -> str:
    """Runs in the public schema for a sign-up that found the spare pool empty:
    migrate a spare and give the sign-up its company (tenants.signup)."""
    from .signup import signup_provision

    return signup_provision(signup_id=signup_id)


@shared_task(name="tenants.requeue_stuck_signups")
def requeue_stuck_signups() -> int:
    """Beat: sign-ups whose provisioning task was lost get queued again."""
    from .signup import signups_requeue_stuck

    return signups_requeue_stuck()


@shared_task(name="tenants.purge_closed_tenants")
def purge_closed_tenants() -> int:
    """Beat (daily): drop the schema, media and public rows of companies closed longer than
    TENANT_RETENTION_DAYS ago (tenants/lifecycle.py). Active and suspended companies are never touched."""
    from .lifecycle import tenants_purge_due

    return len(tenants_purge_due())
