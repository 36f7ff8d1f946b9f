"""Reverting an order we recorded as paid that the provider says was never
paid (reconciliation's 短款: a LOCAL_ONLY row whose query answers closed, not
found, not paid or failed).

The money comes off the bills exactly as a refund's does (`order_unapply`:
first what no bill took, then the bills, last first, through billing's
`bill_payment_reverse`, discount / late fee reversed pro rata), so the bills
are owed again. The order moves paid → failed by compare-and-set under its
row lock, keeps its `paid_at` as the trace of what we believed, and says why in
`flag_reason`; an audit row names who (or the system) reverted it and the bills
touched. The caller has asked the provider first, outside any transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error

from ..errors import PaymentErrorCode
from ..models import PaymentOrder, Refund
from .orders import ONLINE
from .refunds import order_unapply


@transaction.atomic
def order_revert_unpaid(*, order_id: int, reason: str, actor=None) -> PaymentOrder:
    """Take a truly unpaid online order's money back off its bills (paid → failed).
    Refused for counter orders, orders not paid, and orders with any refund
    (money went back through the provider: that one was paid)."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写撤销原因。"), PaymentErrorCode.REQUIRED)
    order = PaymentOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise field_error("orderId", _("找不到该订单。"), PaymentErrorCode.NOT_FOUND)
    if order.channel not in ONLINE or order.status != PaymentOrder.Status.PAID:
        raise field_error("orderId", _("只有已支付的线上订单可以撤销入账。"), PaymentErrorCode.INVALID_STATUS)
    if order.refunded_fen or Refund.objects.filter(order=order).exists():
        raise field_error("orderId", _("该订单有退款记录，不能撤销入账，请人工核实。"), PaymentErrorCode.INVALID_STATUS)
    excess_before = order.needs_refund_fen
    effects = order_unapply(order, order.amount_fen)  # also clears needs_refund_fen: nothing was received
    now = timezone.now()
    flag = (_("对账撤销：%(reason)s") % {"reason": reason})[:255]
    updated = PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.PAID).update(
        status=PaymentOrder.Status.FAILED, needs_refund_fen=order.needs_refund_fen, flag_reason=flag,
        closed_at=now, provider_closed=True, updated_at=now)
    if updated != 1:  # the row lock makes this unreachable; never revert twice regardless
        raise RuntimeError(f"order {order.out_trade_no} changed under its lock")
    order.status, order.flag_reason, order.closed_at, order.provider_closed = (
        PaymentOrder.Status.FAILED, flag, now, True)
    audit_record(actor=actor, action="payment.reverted", target=order, reason=reason[:200],
                 amount_fen=order.amount_fen, excess_cleared_fen=excess_before, bills=effects)
    return order
