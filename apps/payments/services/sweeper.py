"""The beat job that finds what no notify told us: orders still open after a
few minutes (a lost notify, an abandoned payment), closed orders not yet
closed at the provider, and refunds still processing. It asks the provider
and settles, closes or re-sends accordingly."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from .. import providers as p
from ..models import PaymentOrder, Refund
from .orders import ONLINE
from .refunds import refund_sync
from .settlement import payment_sync

logger = logging.getLogger(__name__)


def sweep_open_orders(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Beat job body for one company: orders still open after N minutes, closed
    orders not yet closed at the provider, refunds still processing."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.PAYMENTS_SWEEP_AFTER_MINUTES)
    counts: dict[str, int] = {}
    stuck = PaymentOrder.objects.filter(channel__in=ONLINE, status=PaymentOrder.Status.CREATED, created_at__lte=cutoff)
    unclosed = PaymentOrder.objects.filter(channel__in=ONLINE, status=PaymentOrder.Status.CLOSED,
                                           provider_closed=False, closed_at__lte=now - dt.timedelta(seconds=30))
    for order in list(stuck.order_by("created_at")[:limit]) + list(unclosed.order_by("closed_at")[:limit]):
        try:
            result = payment_sync(order=order, now=now)
        except p.ProviderError as exc:
            result = "provider error"
            logger.warning("sweep: query of %s failed: %s", order.out_trade_no, exc)
        counts[result] = counts.get(result, 0) + 1
    for refund in Refund.objects.filter(status__in=Refund.PENDING, created_at__lte=cutoff).select_related(
            "order")[:limit]:
        try:
            result = "refund " + refund_sync(refund=refund)
        except p.ProviderError as exc:
            result = "refund provider error"
            logger.warning("sweep: refund query of %s failed: %s", refund.out_refund_no, exc)
        counts[result] = counts.get(result, 0) + 1
    return counts

