"""Celery tasks of e-invoices. Per-invoice tasks run in the company's schema they were queued from
(tenant-schemas-celery reads the `_schema_name` header); the beat jobs iterate the active companies that have
invoicing enabled."""

from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import get_public_schema_name, get_tenant_model

from tenants.directory import company_context

logger = logging.getLogger(__name__)


@shared_task(name="invoices.submit", acks_late=True)
def submit_invoice(invoice_id: int) -> str:
    from .services import invoice_submit

    invoice = invoice_submit(invoice_id=invoice_id)
    return invoice.status if invoice is not None else "busy"


@shared_task(name="invoices.poll", acks_late=True)
def poll_invoice(invoice_id: int) -> str:
    from .services import invoice_poll

    invoice = invoice_poll(invoice_id=invoice_id)
    return invoice.status if invoice is not None else "busy"


@shared_task(name="invoices.auto_request", acks_late=True)
def auto_request(order_id: int) -> str:
    from django.core.exceptions import ValidationError

    from .services import invoice_auto_request

    try:
        invoice = invoice_auto_request(order_id=order_id)
    except ValidationError as exc:  # e.g. refunded meanwhile: nothing to invoice
        logger.info("automatic invoice for order #%s not requested: %s", order_id, exc.messages)
        return "refused"
    return invoice.status if invoice is not None else "none"


@shared_task(name="invoices.red_for_refund", acks_late=True)
def red_for_refund_task(refund_id: int) -> str:
    from .red import red_for_refund

    confirmation = red_for_refund(refund_id=refund_id)
    return confirmation.status if confirmation is not None else "none"


@shared_task(name="invoices.red_submit", acks_late=True)
def red_submit_task(confirmation_id: int) -> str:
    from .red import red_submit

    confirmation = red_submit(confirmation_id=confirmation_id)
    return confirmation.status if confirmation is not None else "busy"


@shared_task(name="invoices.red_poll", acks_late=True)
def red_poll_task(confirmation_id: int) -> str:
    from .red import red_poll

    confirmation = red_poll(confirmation_id=confirmation_id)
    return confirmation.status if confirmation is not None else "busy"


def _invoicing_tenants():
    """Active companies (each company's settings row is read in its schema by the caller)."""
    from tenants.models import HeatingCompany

    return get_tenant_model().objects.exclude(schema_name=get_public_schema_name()).filter(
        status=HeatingCompany.Status.ACTIVE)


@shared_task(name="invoices.sweep_all_tenants")
def sweep_all_tenants() -> dict[str, dict]:
    """Beat, every minute: due submissions, polls, retries and red confirmations of every company."""
    from .services import invoice_settings_enabled, invoices_sweep

    out = {}
    for tenant in _invoicing_tenants():
        with company_context(tenant):
            try:
                if invoice_settings_enabled() is not None:
                    out[tenant.slug] = invoices_sweep()
            except Exception:  # one company's trouble must not stop the others
                logger.exception("invoice sweep failed for %s", tenant.slug)
    return out


@shared_task(name="invoices.session_check_all_tenants")
def session_check_all_tenants() -> dict[str, str]:
    """Beat, every 10 minutes: the tax-bureau session and credit line of every company with invoicing enabled
    (paused invoices resume when it is OK again)."""
    from .services import invoice_settings_enabled, session_refresh

    out = {}
    for tenant in _invoicing_tenants():
        with company_context(tenant):
            try:
                if invoice_settings_enabled() is not None:
                    config = session_refresh()
                    out[tenant.slug] = config.session_state if config else ""
            except Exception:
                logger.exception("invoice session check failed for %s", tenant.slug)
    return out
