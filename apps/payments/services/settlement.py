"""Settling a paid order: the provider's word that an order was paid
(a notify, a query by the sweeper, or the answer to closing it) applied once.

`payment_settle` locks the order row, checks the word is about this order
(merchant, app, sub-merchant/seller, amount), moves it created → paid by
compare-and-set and, in the same transaction, hands its quoted shares to
billing (`apps.billing.services.bill_payment_apply`), which locks the bills
in id order and applies them. Payments keeps the order's bookkeeping: what
each bill took (`OrderBill.applied_fen`, `priced_as_quoted`) and money no
bill could take (`needs_refund_fen`, with the reason), which is flagged for
refund, never dropped. A duplicate, a concurrent duplicate or the sweeper
answering for the same order finds it paid and changes nothing.

`payment_sync` asks the provider about an order we have not heard back on."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.billing.services import PaymentShare, bill_payment_apply

from .. import providers as p
from ..merchants import account_matches, channel_account, provider_for
from ..models import Channel, OrderBill, PaymentOrder
from .orders import ONLINE, order_close_locked

logger = logging.getLogger(__name__)

SETTLED = "settled"
DUPLICATE = "duplicate"
IGNORED = "ignored"
REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    result: str  # SETTLED | DUPLICATE | IGNORED | REJECTED
    reason: str = ""
    order: PaymentOrder | None = None


def _mismatch(order: PaymentOrder, trade: p.TradeState) -> str:
    """Why a provider's word about a trade cannot be about this order, or ''."""
    if trade.merchant_id and trade.merchant_id != order.merchant_id:
        return "merchant id mismatch"
    if order.channel == Channel.WECHAT:
        if not trade.merchant_id:
            return "merchant id missing"
        if trade.app_id and order.app_id and trade.app_id != order.app_id:
            return "app id mismatch"
        if order.merchant_mode == "partner" and trade.sub_merchant_id != order.sub_merchant_id:
            return "sub-merchant id mismatch"
    elif order.sub_merchant_id and trade.seller_id and trade.seller_id != order.sub_merchant_id:
        return "seller id mismatch"
    if trade.amount_fen is None or trade.amount_fen != order.amount_fen:
        return "amount mismatch"
    return ""


def payment_settle(*, trade: p.TradeState, channel: str, source: str) -> Outcome:
    """Apply the provider's word that an order was paid. Idempotent and safe
    under concurrent duplicates (the order row lock serialises them)."""
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().filter(out_trade_no=trade.out_trade_no,
                                                                channel=channel).first()
        if order is None:
            return Outcome(REJECTED, "unknown order")
        why = _mismatch(order, trade)
        if why:
            return Outcome(REJECTED, why, order)
        if trade.state != p.PAID:
            return Outcome(IGNORED, f"trade state {trade.raw_state or trade.state}", order)
        if order.status == PaymentOrder.Status.PAID:
            return Outcome(DUPLICATE, "already settled", order)
        was = order.status
        order.status = PaymentOrder.Status.PAID
        order.transaction_id = trade.transaction_id[:64]
        order.paid_at = trade.paid_at or timezone.now()
        applied = order_apply(order)
        reasons = list(applied.reasons)
        if was != PaymentOrder.Status.CREATED:
            reasons.insert(0, f"paid after the order was {was} ({order.close_reason or 'no reason'})")
        order.needs_refund_fen += applied.excess_fen
        order.flag_reason = "; ".join(reasons)[:255]
        updated = PaymentOrder.objects.filter(pk=order.pk, status=was).update(
            status=order.status, transaction_id=order.transaction_id, paid_at=order.paid_at,
            needs_refund_fen=order.needs_refund_fen, flag_reason=order.flag_reason, updated_at=timezone.now())
        if updated != 1:  # the row lock makes this unreachable; never settle twice regardless
            raise RuntimeError(f"order {order.out_trade_no} changed under its lock")
        audit_record(actor=None, action="payment.paid", target=order, source=source, previous_status=was,
                     transaction_id=order.transaction_id, applied_fen=applied.applied_fen,
                     needs_refund_fen=applied.excess_fen, flag=order.flag_reason or None)
        # Other open orders for bills this one just paid must not be paid too.
        # Best effort and skip_locked: a sibling locked elsewhere is being settled itself, and
        # waiting for it while holding bill locks could deadlock.
        siblings = PaymentOrder.objects.select_for_update(skip_locked=True).filter(
            status=PaymentOrder.Status.CREATED, pk__in=OrderBill.objects.filter(
                bill_id__in=order.items.values("bill_id")).values("order_id")).exclude(pk=order.pk).order_by("pk")
        for sibling in siblings:
            order_close_locked(sibling, reason=PaymentOrder.CloseReason.SUPERSEDED, superseded_by=order)
    if order.needs_refund_fen:
        logger.warning("payment %s settled with %s fen no bill could take: flagged for refund (%s)",
                       order.out_trade_no, order.needs_refund_fen, order.flag_reason)
    return Outcome(SETTLED, order.flag_reason, order)


def payment_sync(*, order: PaymentOrder, close_if_expired: bool = True, now: dt.datetime | None = None) -> str:
    """Ask the provider about an order we have not heard back on (lost notify,
    stuck order, superseded order not yet closed there) and act on the answer."""
    account = channel_account(order.channel)
    if not account_matches(order, account):
        # Asking another merchant would answer "no such order" and close a paid one here.
        logger.warning("order %s was placed with another merchant account; not queried", order.out_trade_no)
        return "merchant changed"
    provider = provider_for(account)
    trade = provider.query_order(order.out_trade_no)
    if trade.state == p.PAID:
        return payment_settle(trade=trade, channel=order.channel, source="query").result
    now = now or timezone.now()
    if order.status == PaymentOrder.Status.CREATED:
        if trade.state in (p.CLOSED, p.NOT_FOUND, p.FAILED) or (close_if_expired and order.expires_at <= now):
            if trade.state in (p.OPEN,):
                provider.close_order(order.out_trade_no)
            with transaction.atomic():
                locked = PaymentOrder.objects.select_for_update().get(pk=order.pk)
                reason = PaymentOrder.CloseReason.EXPIRED
                if trade.state == p.FAILED:
                    if PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.CREATED).update(
                            status=PaymentOrder.Status.FAILED, closed_at=now, provider_closed=True):
                        audit_record(actor=None, action="payment.failed", target=locked)
                    return "failed"
                order_close_locked(locked, reason=reason)
                PaymentOrder.objects.filter(pk=order.pk).update(provider_closed=True)
            return "closed"
        return "open"
    if order.status == PaymentOrder.Status.CLOSED and not order.provider_closed:
        if trade.state == p.OPEN:
            provider.close_order(order.out_trade_no)
        PaymentOrder.objects.filter(pk=order.pk).update(provider_closed=True)
        return "closed at provider"
    return "unchanged"


def payment_close_at_provider(*, order_id: int) -> str:
    order = PaymentOrder.objects.filter(pk=order_id).first()
    if order is None or order.provider_closed or order.channel not in ONLINE:
        return "nothing to do"
    # Query first: a payment that beat our close is settled (and flagged), never dropped.
    return payment_sync(order=order)


@dataclass(frozen=True)
class Applied:
    applied_fen: int  # taken by bills
    excess_fen: int  # received but owed by no bill: to refund
    reasons: tuple[str, ...]


def order_apply(order: PaymentOrder) -> Applied:
    """Hand a paid order's items to billing and record what each bill took.
    Call inside the transaction that moves the order to paid, with the order
    row locked (lock order: order → bills)."""
    items = list(order.items.all().order_by("bill_id"))
    paid_on = timezone.localdate(order.paid_at) if order.paid_at else timezone.localdate()
    taken = bill_payment_apply(paid_on=paid_on, shares=[PaymentShare(
        bill_id=i.bill_id, amount_fen=i.amount_fen, discount_fen=i.discount_fen, late_fee_fen=i.late_fee_fen,
        quoted_paid_fen=i.quoted_paid_fen, quoted_principal_fen=i.quoted_principal_fen) for i in items])
    for item, took in zip(items, taken, strict=True):
        item.applied_fen, item.priced_as_quoted = took.applied_fen, took.priced_as_quoted
        item.save(update_fields=["applied_fen", "priced_as_quoted"])
    # An order's amount is the sum of its items; anything beyond that (a provider
    # reporting more) is excess too.
    return Applied(applied_fen=sum(t.applied_fen for t in taken),
                   excess_fen=sum(i.amount_fen - t.applied_fen for i, t in zip(items, taken, strict=True)),
                   reasons=tuple(t.reason for t in taken if t.reason))
