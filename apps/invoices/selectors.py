"""Reads of e-invoices: a resident's own invoices and the staff list, paginated, with what each item shows
selected or prefetched up front (one query count whatever the page size)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Invoice, InvoiceLine, RedConfirmation

MAX_LIMIT = 100


@dataclass(frozen=True)
class InvoicePage:
    total_count: int
    items: list[Invoice]


def _with_related(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return qs.select_related("order").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("index")),
        Prefetch("reds", queryset=Invoice.objects.order_by("id").prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("index")))),
        Prefetch("red_confirmations", queryset=RedConfirmation.objects.order_by("id")))


def _page(qs: QuerySet[Invoice], offset: int, limit: int) -> InvoicePage:
    offset, limit = max(0, int(offset or 0)), min(max(1, int(limit or 20)), MAX_LIMIT)
    return InvoicePage(total_count=qs.count(), items=list(_with_related(qs)[offset:offset + limit]))


def resident_invoices(*, resident, offset: int = 0, limit: int = 20) -> InvoicePage:
    """Blue invoices of the resident's own orders (their reds come with them), newest first."""
    qs = Invoice.objects.filter(kind=Invoice.Kind.BLUE, order__resident=resident).order_by("-created_at", "-id")
    return _page(qs, offset, limit)


def resident_invoice(*, resident, invoice_id) -> Invoice | None:
    """One invoice of the resident's own orders, or None (the same for someone else's)."""
    try:
        pk = int(invoice_id)
    except (TypeError, ValueError):
        return None
    return _with_related(Invoice.objects.filter(pk=pk, order__resident=resident)).first()


def staff_invoices(*, status: str | None = None, kind: str | None = None, date_from: dt.date | None = None,
                   date_to: dt.date | None = None, search: str | None = None, offset: int = 0,
                   limit: int = 20) -> InvoicePage:
    """All invoices of the company with filters (dates: requested on, the company's days), newest first.
    `search` matches our order number, the invoice number, the buyer's name or tax number, or the payment's
    order number."""
    qs = Invoice.objects.all()
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(created_at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min)))
    if date_to:
        qs = qs.filter(created_at__lt=timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1),
                                                                              dt.time.min)))
    text = (search or "").strip()
    if text:
        qs = qs.filter(Q(order_no__iexact=text) | Q(invoice_number=text) | Q(buyer_name__icontains=text)
                       | Q(buyer_tax_no=text.upper()) | Q(order__out_trade_no=text))
    return _page(qs.order_by("-created_at", "-id"), offset, limit)


def staff_invoice(*, invoice_id) -> Invoice | None:
    try:
        pk = int(invoice_id)
    except (TypeError, ValueError):
        return None
    return _with_related(Invoice.objects.filter(pk=pk)).first()
