from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.billing.amounts import with_stop_history
from apps.properties.models import HouseBinding
from tenants.models import MerchantAccount

from .models import Channel, OrderBill, PaymentOrder, Refund


def _with_details(qs: QuerySet[PaymentOrder], *, stop_history: bool = True) -> QuerySet[PaymentOrder]:
    """stop_history=False: the caller loads it only for bills whose amount due needs it (with_stop_history)."""
    items = OrderBill.objects.select_related(
        "bill__house__community", "bill__house__building", "bill__house__unit", "bill__season",
    ).prefetch_related("bill__lines", *(("bill__house__status_changes",) if stop_history else ())).order_by("bill_id")
    return qs.prefetch_related(Prefetch("items", queryset=items), "refunds")


def orders_of_resident(resident) -> QuerySet[PaymentOrder]:
    """The orders a resident may see: their own online orders, and counter payments
    for houses they have bound (every house the payment covers, so no one sees
    another household's name or address on a shared receipt)."""
    bound = HouseBinding.objects.filter(resident=resident).values("house_id")
    foreign = OrderBill.objects.filter(order=OuterRef("pk")).exclude(bill__house_id__in=bound)
    counter = (PaymentOrder.objects.filter(channel=Channel.COUNTER, items__bill__house_id__in=bound)
               .exclude(Exists(foreign)).values("pk"))
    return PaymentOrder.objects.filter(Q(resident=resident) | Q(pk__in=counter))


def resident_orders(*, resident) -> QuerySet[PaymentOrder]:
    return _with_details(orders_of_resident(resident)).order_by("-created_at", "-id")


def order_for_resident(*, resident, out_trade_no: str) -> PaymentOrder | None:
    """Same answer (None) for a missing order and someone else's. The mini-program polls it while a payment
    settles: the stopped-heat history is read only for bills whose late fee needs it (issue #18)."""
    order = _with_details(orders_of_resident(resident).filter(out_trade_no=out_trade_no),
                          stop_history=False).first()
    if order is not None:
        with_stop_history([item.bill for item in order.items.all()])
    return order


def order_for_staff(*, out_trade_no: str | None = None, order_id: int | None = None) -> PaymentOrder | None:
    qs = PaymentOrder.objects.all()
    qs = qs.filter(out_trade_no=out_trade_no) if out_trade_no is not None else qs.filter(pk=order_id)
    return _with_details(qs).first()


def order_list(*, status: str | None = None, channel: str | None = None, flagged: bool | None = None,
               search: str | None = None, house_id: int | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None) -> QuerySet[PaymentOrder]:
    """Staff's order list, newest first. `date_from`/`date_to`: days the order was created on, in the
    company's time zone, both inclusive."""
    qs = PaymentOrder.objects.all()
    zone = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=zone))
    if date_to:
        qs = qs.filter(created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
    if house_id is not None:  # orders paying any bill of the house (house detail)
        qs = qs.filter(Exists(OrderBill.objects.filter(order=OuterRef("pk"), bill__house_id=house_id)))
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if flagged is True:
        qs = qs.filter(needs_refund_fen__gt=0)
    elif flagged is False:
        qs = qs.filter(needs_refund_fen=0)
    if search:
        text = search.strip()
        qs = qs.filter(Q(out_trade_no=text) | Q(receipt_no=text) | Q(transaction_id=text)
                       | Q(items__bill__house__account_no=text)).distinct()
    return _with_details(qs).order_by("-created_at", "-id")



def merchant_account_list(*, company) -> list[MerchantAccount]:
    """The company's merchant accounts (public-schema rows, always filtered by company)."""
    return list(MerchantAccount.objects.filter(tenant_id=company.pk).order_by("channel"))


def resident_payment_in_flight(*, resident_id: int) -> bool:
    """An online order of the resident still payable, or a refund of one of its orders not finished:
    the resident should see how it ends before deleting their account (apps/residents/erasure.py)."""
    open_order = PaymentOrder.objects.filter(resident_id=resident_id, status=PaymentOrder.Status.CREATED,
                                             expires_at__gt=timezone.now())
    pending_refund = Refund.objects.filter(order__resident_id=resident_id, status__in=Refund.PENDING)
    return open_order.exists() or pending_refund.exists()
