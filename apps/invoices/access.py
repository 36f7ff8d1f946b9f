"""Reads for the API edges (GraphQL and the file downloads): who may see which invoice, and the querysets with
everything a page shows fetched up front (a page costs the same queries for 1 row as for 50).

A resident sees the invoices of the orders they may see (apps.payments.selectors.orders_of_resident: their own
online orders and counter payments for their houses); a missing invoice and someone else's get the same None."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.payments.selectors import orders_of_resident
from heat_platform.kernel.errors import field_error

from .errors import InvoiceErrorCode
from .models import FeeItemTax, Invoice, InvoiceLine, InvoiceTitle, RedConfirmation

MAX_RANGE_DAYS = 366


def with_details(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Lines, red invoices (with their lines) and red confirmations in one query each, the order joined."""
    lines = InvoiceLine.objects.order_by("index")
    reds = Invoice.objects.select_related("order", "requested_by").prefetch_related(Prefetch("lines", queryset=lines)) \
        .order_by("created_at", "id")
    confirmations = RedConfirmation.objects.select_related("requested_by").order_by("-created_at", "-id")
    return qs.select_related("order", "requested_by").prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("reds", queryset=reds),
        Prefetch("red_confirmations", queryset=confirmations))


def invoices_of_resident(resident) -> QuerySet[Invoice]:
    return Invoice.objects.filter(order__in=orders_of_resident(resident).values("pk"))


def resident_invoice_list(*, resident) -> QuerySet[Invoice]:
    """The resident's blue invoices, newest first (their red ones hang under them)."""
    return with_details(invoices_of_resident(resident).filter(kind=Invoice.Kind.BLUE)).order_by("-created_at", "-id")


def access_invoice_for_resident(*, resident, invoice_id: int) -> Invoice | None:
    return with_details(invoices_of_resident(resident).filter(pk=invoice_id)).first()


def access_invoice_for_staff(*, invoice_id: int) -> Invoice | None:
    return with_details(Invoice.objects.filter(pk=invoice_id)).first()


def access_invoice(*, actor, invoice_id: int) -> Invoice | None:
    """For an Actor: residents their own orders' invoices, staff any (the caller checked the staff role)."""
    if actor.kind == "resident":
        return access_invoice_for_resident(resident=actor.resident, invoice_id=invoice_id)
    if actor.kind == "staff":
        return access_invoice_for_staff(invoice_id=invoice_id)
    return None


def staff_invoice_list(*, status: str | None = None, kind: str | None = None, date_from: dt.date | None = None,
                       date_to: dt.date | None = None, search: str | None = None) -> QuerySet[Invoice]:
    """Staff's list, newest first. Days are the company's calendar days the invoice was requested on, both ends
    inclusive, at most a year apart; `search`: invoice number, our order number, 商户订单号 (exact) or buyer name
    (contains)."""
    if date_from and date_to and (date_to - date_from).days > MAX_RANGE_DAYS:
        raise field_error("date_to", _("查询范围不能超过一年。"), InvoiceErrorCode.INVALID)
    qs = Invoice.objects.all()
    zone = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=zone))
    if date_to:
        qs = qs.filter(created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    text = (search or "").strip()
    if len(text) > 100:
        raise field_error("search", _("搜索内容过长。"), InvoiceErrorCode.INVALID)
    if text:
        qs = qs.filter(Q(invoice_number=text) | Q(order_no=text) | Q(order__out_trade_no=text)
                       | Q(buyer_name__icontains=text))
    return with_details(qs).order_by("-created_at", "-id")


def titles_of(resident) -> QuerySet[InvoiceTitle]:
    return InvoiceTitle.objects.filter(resident=resident).order_by("-is_default", "-id")


def title_of(*, resident, title_id: int) -> InvoiceTitle | None:
    return titles_of(resident).filter(pk=title_id).first()


def fee_item_taxes() -> dict[tuple[str, str], FeeItemTax]:
    return {(row.line_kind, row.category): row for row in FeeItemTax.objects.all()}


def stored_file_of(invoice: Invoice, fmt: str) -> str:
    """The storage path of an invoice's PDF or OFD copy ("" before it is issued)."""
    return {"pdf": invoice.pdf_path, "ofd": invoice.ofd_path}.get(fmt, "")

