"""Quoting bills for an order and applying a paid order to its bills.

Both run with the bills locked (`select_for_update`, in id order so two
transactions never deadlock). Applying is where exactly-once is decided: an
order is applied at most once (its status moves created → paid by
compare-and-set in the same transaction), and a bill only takes what it still
owes — anything else the order carried is flagged for refund, never dropped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.billing.amounts import bill_amount_due
from apps.billing.models import Bill, BillLine
from apps.billing.services import bill_status_for
from heat_platform.money import fen_to_yuan_str

from .models import OrderBill, PaymentOrder

PAYABLE = (Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID)


@dataclass(frozen=True)
class Quote:
    """What one bill owes right now (bill_amount_due), frozen into an OrderBill."""

    bill: Bill
    total_fen: int
    outstanding_fen: int
    discount_fen: int
    late_fee_fen: int


def lock_bills(bill_ids: list[int], *, for_quote: bool = True) -> list[Bill]:
    """Lock the bills (id order); for quoting, with their houses' stopped-heat history (amount_due)."""
    qs = Bill.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(bill_ids))).order_by("pk")
    if for_quote:
        qs = qs.select_related("house", "season").prefetch_related("house__status_changes")
    return list(qs)


def quote_bills(bills: list[Bill], *, on: dt.date | None = None) -> list[Quote]:
    on = on or timezone.localdate()
    quotes = []
    for bill in bills:
        due = bill_amount_due(bill, on=on)
        quotes.append(Quote(bill=bill, total_fen=due.total_fen, outstanding_fen=due.outstanding_fen,
                            discount_fen=due.discount_fen, late_fee_fen=due.late_fee_fen))
    return quotes


def item_for_quote(order: PaymentOrder, quote: Quote) -> OrderBill:
    return OrderBill(order=order, bill=quote.bill, amount_fen=quote.total_fen, outstanding_fen=quote.outstanding_fen,
                     discount_fen=quote.discount_fen, late_fee_fen=quote.late_fee_fen,
                     quoted_paid_fen=quote.bill.paid_fen, quoted_principal_fen=quote.bill.principal_fen)


def item_partial(order: PaymentOrder, bill: Bill, amount_fen: int) -> OrderBill:
    """A counter part-payment: principal only, no discount or late-fee line."""
    return OrderBill(order=order, bill=bill, amount_fen=amount_fen, outstanding_fen=amount_fen,
                     quoted_paid_fen=bill.paid_fen, quoted_principal_fen=bill.principal_fen)


@dataclass(frozen=True)
class Applied:
    applied_fen: int  # taken by bills
    excess_fen: int  # received but owed by no bill: to refund
    reasons: tuple[str, ...]


def _add_line(bill: Bill, kind: str, amount_fen: int, explanation: str) -> None:
    position = (bill.lines.aggregate(p=Max("position"))["p"] or 0) + 1
    BillLine.objects.create(bill=bill, position=position, kind=kind, quantity=Decimal(1),
                            unit_price=Decimal(amount_fen) / 100, amount_fen=amount_fen, explanation=explanation)


def apply_order(order: PaymentOrder) -> Applied:
    """Apply a paid order's items to its bills. Call inside the transaction that
    moves the order to paid, with the order row locked."""
    items = list(order.items.all().order_by("bill_id"))
    bills = {b.pk: b for b in lock_bills([i.bill_id for i in items], for_quote=False)}
    applied_total = excess = 0
    reasons: list[str] = []
    paid_on = timezone.localdate(order.paid_at) if order.paid_at else timezone.localdate()
    for item in items:
        bill = bills[item.bill_id]
        as_quoted = bill.paid_fen == item.quoted_paid_fen and bill.principal_fen == item.quoted_principal_fen
        if bill.status not in PAYABLE:
            applied, why = 0, f"bill#{bill.pk} {bill.status}"
        elif as_quoted:
            # The price the resident was shown: the discount or the late fee become lines of the bill.
            if item.discount_fen:
                _add_line(bill, BillLine.Kind.DISCOUNT, -item.discount_fen,
                          _("提前缴费优惠：-%(amount)s元（%(date)s 支付）") % {
                              "amount": fen_to_yuan_str(item.discount_fen), "date": paid_on.isoformat()})
            if item.late_fee_fen:
                _add_line(bill, BillLine.Kind.LATE_FEE, item.late_fee_fen,
                          _("违约金：%(amount)s元（计至 %(date)s）") % {
                              "amount": fen_to_yuan_str(item.late_fee_fen), "date": paid_on.isoformat()})
            bill.principal_fen += item.late_fee_fen - item.discount_fen
            item.priced_as_quoted = True
            applied, why = item.amount_fen, ""
        else:
            # Someone else paid or adjusted the bill since the quote: take only what it still owes.
            owed = max(0, bill.principal_fen - bill.paid_fen)
            applied = min(item.amount_fen, owed)
            why = f"bill#{bill.pk} changed since the quote" if applied < item.amount_fen else ""
        if why:
            reasons.append(why)
        if applied:
            bill.paid_fen += applied
        bill.status = bill_status_for(principal_fen=bill.principal_fen, paid_fen=bill.paid_fen) \
            if bill.status in PAYABLE else bill.status
        bill.save(update_fields=["principal_fen", "paid_fen", "status", "updated_at"])
        item.applied_fen = applied
        item.save(update_fields=["applied_fen", "priced_as_quoted"])
        applied_total += applied
        excess += item.amount_fen - applied
    # An order's amount is the sum of its items; anything beyond that (a provider
    # reporting more) is excess too.
    return Applied(applied_fen=applied_total, excess_fen=excess, reasons=tuple(reasons))


def unapply_for_refund(order: PaymentOrder, amount_fen: int) -> list[dict]:
    """Take a refund back from the order's bills: first from money no bill took
    (needs_refund_fen), then from the bills, last item first. Returns
    [{"bill_id", "amount_fen"}]. Order row must be locked by the caller."""
    effects: list[dict] = []
    remaining = amount_fen
    from_excess = min(remaining, order.needs_refund_fen)
    order.needs_refund_fen -= from_excess
    remaining -= from_excess
    if remaining <= 0:
        return effects
    items = [i for i in order.items.all().order_by("-bill_id") if i.applied_fen > i.refunded_fen]
    bills = {b.pk: b for b in lock_bills([i.bill_id for i in items], for_quote=False)}
    for item in items:
        if remaining <= 0:
            break
        take = min(remaining, item.applied_fen - item.refunded_fen)
        bill = bills[item.bill_id]
        before, after = item.refunded_fen, item.refunded_fen + take
        effect = {"bill_id": bill.pk, "amount_fen": take}
        if item.priced_as_quoted and (item.discount_fen or item.late_fee_fen):
            # The price the payment earned goes with the money: reverse the discount / late fee
            # lines pro rata (cumulatively, so a full refund reverses them exactly).
            discount = _share(item.discount_fen, before, after, item.applied_fen)
            late_fee = _share(item.late_fee_fen, before, after, item.applied_fen)
            if discount:
                _add_line(bill, BillLine.Kind.DISCOUNT, discount,
                          _("退款冲回提前缴费优惠：%(amount)s元") % {"amount": fen_to_yuan_str(discount)})
            if late_fee:
                _add_line(bill, BillLine.Kind.LATE_FEE, -late_fee,
                          _("退款冲回违约金：-%(amount)s元") % {"amount": fen_to_yuan_str(late_fee)})
            bill.principal_fen += discount - late_fee
            effect.update(discount_reversed_fen=discount, late_fee_reversed_fen=late_fee)
        bill.paid_fen -= take
        if bill.status in (Bill.Status.PAID, Bill.Status.PARTIALLY_PAID, Bill.Status.ISSUED):
            bill.status = bill_status_for(principal_fen=bill.principal_fen, paid_fen=bill.paid_fen)
        bill.save(update_fields=["principal_fen", "paid_fen", "status", "updated_at"])
        item.refunded_fen = after
        item.save(update_fields=["refunded_fen"])
        effects.append(effect)
        remaining -= take
    return effects


def _share(total_fen: int, before: int, after: int, base: int) -> int:
    """The part of `total_fen` belonging to refunded money going from `before` to `after` of `base`,
    rounded so the parts of successive refunds add up to exactly `total_fen`."""
    def upto(x: int) -> int:
        return int((Decimal(total_fen) * x / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if base else 0
    return upto(after) - upto(before)
