"""Celery tasks of resident services. The beat jobs iterate the active companies and run each sweep in that
company's schema, on its cluster (one company's trouble never stops the others)."""

from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import get_public_schema_name, get_tenant_model

from tenants.directory import company_context

logger = logging.getLogger(__name__)


def active_tenants():
    from tenants.models import HeatingCompany

    return get_tenant_model().objects.exclude(schema_name=get_public_schema_name()).filter(
        status=HeatingCompany.Status.ACTIVE)


def for_each_tenant(label: str, fn) -> dict:
    out = {}
    for tenant in active_tenants():
        with company_context(tenant):
            try:
                out[tenant.slug] = fn()
            except Exception:
                logger.exception("%s failed for %s", label, tenant.slug)
    return out


# --- Tickets ---------------------------------------------------------------------------------------------------

@shared_task(name="services.sla_sweep_all_tenants")
def sla_sweep_all_tenants() -> dict:
    """Beat, every 5 minutes: overdue flags and escalations of every company's tickets."""
    from .sla import sla_sweep

    return for_each_tenant("ticket SLA sweep", sla_sweep)


@shared_task(name="services.auto_close_all_tenants")
def auto_close_all_tenants() -> dict:
    """Beat, hourly: resolved tickets left unconfirmed past the company's auto-close days are closed."""
    from .sla import tickets_auto_close

    return for_each_tenant("ticket auto-close", tickets_auto_close)


# --- 报停 / 恢复供暖 --------------------------------------------------------------------------------------------

@shared_task(name="services.optout_make_effective_all_tenants")
def optout_make_effective_all_tenants() -> dict:
    """Beat, daily just after midnight (the company's day): sealed 报停 / 恢复供暖 applications whose effective date
    has come change their houses' heating status; a resumption inside a billed season adjusts the bill."""
    from .optout import optout_make_effective

    return for_each_tenant("opt-out effect", optout_make_effective)


# --- Room-temperature quality ----------------------------------------------------------------------------------

@shared_task(name="services.shortfalls_season_end_all_tenants")
def shortfalls_season_end_all_tenants() -> dict:
    """Beat, daily early in the morning (the company's day): shortfall periods still open after their season's
    last day are closed there and compensated; compensations still missing (no bill earlier) are created; then
    the retry sweep (`compensations_retry_all_tenants`). Idempotent: safe to run hourly."""
    from .compensation import shortfalls_close_at_season_end

    return for_each_tenant("shortfall season end", lambda: shortfalls_close_at_season_end())


@shared_task(name="services.compensations_retry_all_tenants")
def compensations_retry_all_tenants() -> dict:
    """Beat, hourly: approved compensations not applied yet (their after-commit application failed) are applied,
    refunds left unsent are re-sent (same request number, same refund), refunds in flight are followed."""
    from .compensation import compensations_retry

    return for_each_tenant("compensation retry", lambda: compensations_retry())


# --- Photos ----------------------------------------------------------------------------------------------------

@shared_task(name="services.photos_purge_all_tenants")
def photos_purge_all_tenants() -> dict:
    """Beat, hourly: photos uploaded more than a day ago and never attached are deleted (file and row)."""
    from .photos import photos_purge_unattached

    return for_each_tenant("unattached photo purge", lambda: photos_purge_unattached())
