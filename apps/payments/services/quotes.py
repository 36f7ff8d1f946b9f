"""Quotes: what each bill owes right now (billing's `bill_amount_due`:
outstanding − early discount + late fee), frozen into the order's items
(`OrderBill`) together with the bill's paid and principal at quote time, so
settlement can tell whether the bill is still as quoted. Quote with the
bills locked (`apps.billing.services.bills_lock`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from apps.billing.amounts import bill_amount_due
from apps.billing.models import Bill

from ..models import OrderBill, PaymentOrder


@dataclass(frozen=True)
class Quote:
    """What one bill owes right now (bill_amount_due), frozen into an OrderBill."""

    bill: Bill
    total_fen: int
    outstanding_fen: int
    discount_fen: int
    late_fee_fen: int


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
