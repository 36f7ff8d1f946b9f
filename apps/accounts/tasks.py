from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_tenant_model

from tenants.directory import company_context

from .services import revoked_tokens_purge


@shared_task(name="accounts.purge_revoked_tokens")
def purge_revoked_tokens() -> int:
    """Beat, daily: drop signed-out tokens past their expiry in every schema
    (the platform's operators included)."""
    deleted = 0
    for company in get_tenant_model().objects.all():  # on its own cluster; the public row: the main one
        with company_context(company):
            deleted += revoked_tokens_purge()
    return deleted
