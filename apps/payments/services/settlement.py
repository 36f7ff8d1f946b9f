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

`payment_sync` asks the provider about an order we have not heard back on.

A notify is the hot path (`make bench`, tests/perf/bench_notifies.py): its
notify-log row is written in the settling transaction (one commit per notify),
and the three statements that run on every notify and are dear for the ORM to
build (locking the order, reading its items, looking for open siblings) are
written in SQL, on payments' own tables (see `_HOT_SQL`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.billing.services import PaymentShare, bill_payment_apply
from apps.invoices import hooks as invoice_hooks
from apps.messaging import hooks as messaging_hooks
from heat_platform.observability.metrics import PAYMENT_SETTLEMENTS, PAYMENTS_FAILED

from .. import providers as p
from ..merchants import account_matches, channel_account, provider_for
from ..models import Channel, OrderBill, PaymentOrder
from ..notify_log import Received
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


def payment_settle(*, trade: p.TradeState, channel: str, source: str, received: Received | None = None) -> Outcome:
    """Apply the provider's word that an order was paid. Idempotent and safe
    under concurrent duplicates (the order row lock serialises them). A notify
    passes what was `received`; its log row is written in the same transaction."""
    with transaction.atomic():
        outcome = _settle_locked(trade=trade, channel=channel, source=source)
        if received is not None:
            received.record(result=outcome.result, reason=outcome.reason, out_trade_no=trade.out_trade_no)
        if outcome.result == SETTLED:
            invoice_hooks.payment_settled(outcome.order.pk)  # after commit; nothing unless invoicing is on
            messaging_hooks.payment_settled(outcome.order.pk)  # the receipt, after commit
    PAYMENT_SETTLEMENTS.labels(connection.schema_name, channel, source, outcome.result).inc()
    order = outcome.order
    if outcome.result == SETTLED and order is not None and order.needs_refund_fen:
        logger.warning("payment %s settled with %s fen no bill could take: flagged for refund (%s)",
                       order.out_trade_no, order.needs_refund_fen, order.flag_reason)
    return outcome


# Statements every notify runs, in SQL: building them with the ORM costs 0.5-1 ms of CPU each (more than the
# round trip), which was most of a notify's Python time. They read payments' own tables only; the model
# instances come from `Model.objects.raw`, so the code below is the same as with querysets. Equivalent
# querysets: PaymentOrder.objects.select_for_update().get(out_trade_no=…, channel=…);
# OrderBill.objects.filter(order=…).order_by("bill_id"); OrderBill.objects.filter(bill_id__in=…,
# order__status="created").exclude(order=…).values_list("order_id").
_HOT_SQL = {
    "lock_order": f"SELECT * FROM {PaymentOrder._meta.db_table} WHERE out_trade_no = %s AND channel = %s FOR UPDATE",
    "items": f"SELECT * FROM {OrderBill._meta.db_table} WHERE order_id = %s ORDER BY bill_id",
    "open_siblings": (f"SELECT DISTINCT item.order_id FROM {OrderBill._meta.db_table} item "
                      f"JOIN {PaymentOrder._meta.db_table} sibling ON sibling.id = item.order_id "
                      "WHERE item.bill_id = ANY(%s) AND sibling.status = %s AND sibling.id <> %s"),
}


def _lock_order(trade: p.TradeState, channel: str) -> PaymentOrder | None:
    return next(iter(PaymentOrder.objects.raw(_HOT_SQL["lock_order"], [trade.out_trade_no, channel])), None)


def _items(order: PaymentOrder) -> list[OrderBill]:
    """The order's items by bill id."""
    return list(OrderBill.objects.raw(_HOT_SQL["items"], [order.pk]))


def _open_siblings(order: PaymentOrder, bill_ids: list[int]) -> list[int]:
    """Ids of other open orders for these bills (bills locked by the caller, so none can appear meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute(_HOT_SQL["open_siblings"], [bill_ids, PaymentOrder.Status.CREATED, order.pk])
        return [row[0] for row in cursor.fetchall()]


def _settle_locked(*, trade: p.TradeState, channel: str, source: str) -> Outcome:
    order = _lock_order(trade, channel)
    if order is None:
        return Outcome(REJECTED, "unknown order")
    why = _mismatch(order, trade)
    if why:
        return Outcome(REJECTED, why, order)
    if trade.state != p.PAID:
        return Outcome(IGNORED, f"trade state {trade.raw_state or trade.state}", order)
    if order.status == PaymentOrder.Status.PAID:
        return Outcome(DUPLICATE, "already settled", order)
    items = _items(order)
    was = order.status
    order.status = PaymentOrder.Status.PAID
    order.transaction_id = trade.transaction_id[:64]
    order.paid_at = trade.paid_at or timezone.now()
    applied = order_apply(order, items)
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
    # Other open orders for bills this one just paid must not be paid too (rare: creating an order closes
    # the open ones it finds, so only races leave one). Best effort and skip_locked: a sibling locked
    # elsewhere is being settled itself, and waiting for it while holding bill locks could deadlock.
    candidates = _open_siblings(order, [i.bill_id for i in items])
    siblings = PaymentOrder.objects.select_for_update(skip_locked=True).filter(
        pk__in=candidates, status=PaymentOrder.Status.CREATED).order_by("pk") if candidates else []
    for sibling in siblings:
        order_close_locked(sibling, reason=PaymentOrder.CloseReason.SUPERSEDED, superseded_by=order)
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
                        PAYMENTS_FAILED.labels(connection.schema_name, order.channel).inc()
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


def order_apply(order: PaymentOrder, items: list[OrderBill] | None = None) -> Applied:
    """Hand a paid order's items (by bill id; read here unless given) to billing and
    record what each bill took. Call inside the transaction that moves the order to
    paid, with the order row locked (lock order: order → bills)."""
    if items is None:
        items = list(order.items.all().order_by("bill_id"))
    paid_on = timezone.localdate(order.paid_at) if order.paid_at else timezone.localdate()
    taken = bill_payment_apply(paid_on=paid_on, shares=[PaymentShare(
        bill_id=i.bill_id, amount_fen=i.amount_fen, discount_fen=i.discount_fen, late_fee_fen=i.late_fee_fen,
        quoted_paid_fen=i.quoted_paid_fen, quoted_principal_fen=i.quoted_principal_fen) for i in items])
    for item, took in zip(items, taken, strict=True):
        # Each settlement starts the item afresh. An order is settled only from created, closed or failed, so it
        # has no refund; what a reconciliation revert took back (refunded_fen) ended that earlier application,
        # and kept here it would make a later refund take nothing off the bill.
        item.applied_fen, item.priced_as_quoted, item.refunded_fen = took.applied_fen, took.priced_as_quoted, 0
        item.save(update_fields=["applied_fen", "priced_as_quoted", "refunded_fen"])
    # An order's amount is the sum of its items; anything beyond that (a provider
    # reporting more) is excess too.
    return Applied(applied_fen=sum(t.applied_fen for t in taken),
                   excess_fen=sum(i.amount_fen - t.applied_fen for i, t in zip(items, taken, strict=True)),
                   reasons=tuple(t.reason for t in taken if t.reason))
