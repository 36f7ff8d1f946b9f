from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import get_public_schema_name, get_tenant_model

from tenants.directory import company_context

from .providers import ProviderError

logger = logging.getLogger(__name__)


@shared_task(name="payments.close_at_provider", bind=True, max_retries=5, acks_late=True)
def close_at_provider(self, order_id: int) -> str:
    """Close a superseded/cancelled order at the provider (queried first, so a
    payment that got there before the close is settled, not lost)."""
    from .services import payment_close_at_provider

    try:
        return payment_close_at_provider(order_id=order_id)
    except ProviderError as exc:
        if self.request.is_eager:
            logger.warning("closing order #%s at the provider failed (the sweeper retries): %s", order_id, exc)
            return "provider error"
        raise self.retry(countdown=30 * (self.request.retries + 1)) from exc


@shared_task(name="payments.close_siblings")
def close_siblings(order_id: int) -> int:
    from .services import payment_close_siblings

    return payment_close_siblings(order_id=order_id)


@shared_task(name="payments.sweep_open_orders")
def sweep_open_orders() -> dict:
    """One company (tenant-schemas-celery runs it in the schema it was queued from)."""
    from .services import sweep_open_orders as sweep

    return sweep()


@shared_task(name="payments.sweep_all_tenants")
def sweep_all_tenants() -> dict[str, dict]:
    """Beat: ask the providers about stuck orders and refunds in every active company."""
    from tenants.models import HeatingCompany

    from .services import sweep_open_orders as sweep

    out = {}
    for tenant in get_tenant_model().objects.exclude(schema_name=get_public_schema_name()).filter(
            status=HeatingCompany.Status.ACTIVE):
        with company_context(tenant):
            try:
                out[tenant.slug] = sweep()
            except Exception:  # one company's broken gateway must not stop the others
                logger.exception("payment sweep failed for %s", tenant.slug)
    return out


@shared_task(name="payments.refresh_platform_certificates")
def refresh_platform_certificates() -> dict[str, int]:
    """Beat, daily: companies verifying WeChat Pay with legacy platform certificates
    get the current ones stored ahead of rotation. This is the only place a
    certificate download happens: never while a request is being handled."""
    from tenants.models import MerchantAccount

    from .merchants import provider_for

    out = {}
    for account in MerchantAccount.objects.filter(channel="wechat", mode="direct").exclude(platform_certificates=[]) \
            .select_related("tenant"):
        try:
            with company_context(account.tenant):
                certificates = provider_for(account).download_platform_certificates()
        except ProviderError as exc:
            logger.warning("platform certificate refresh failed for %s: %s", account.tenant.slug, exc)
            continue
        if certificates:
            # save() bumps updated_at, which rebuilds the cached provider with the new certificates.
            account.platform_certificates = certificates
            account.save(update_fields=["platform_certificates", "updated_at"])
            out[account.tenant.slug] = len(certificates)
    return out
