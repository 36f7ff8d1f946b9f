"""Payments' writes, by sub-domain (read top-down):

- `orders`: creating (or reusing) the order that pays a resident's bills,
  closing orders, superseding open siblings.
- `quotes`: what each bill owes now, frozen into the order's items.
- `settlement`: the provider's word that an order was paid (notify, query),
  applied once; the money reaches the bills through billing
  (`apps.billing.services.bill_payment_apply`).
- `refunds`: refund requests, the provider's word on them, money taken back
  from the bills through billing (`bill_payment_reverse`).
- `sweeper`: the beat job asking providers about what no notify told us.
- `counter`: counter payments (柜台收费) and collectors' shifts (日结).

Merchant accounts (configuration, provider instances) are `apps.payments.merchants`."""

from .counter import counter_payment_record, shift_close, shift_open
from .orders import CreatedPayment, new_out_trade_no, notify_url, payment_close_siblings, payment_create
from .refunds import refund_request, refund_settle, refund_sync
from .settlement import (
    DUPLICATE,
    IGNORED,
    REJECTED,
    SETTLED,
    Outcome,
    payment_close_at_provider,
    payment_settle,
    payment_sync,
)
from .sweeper import sweep_open_orders

__all__ = [
    "DUPLICATE", "IGNORED", "REJECTED", "SETTLED", "CreatedPayment", "Outcome", "counter_payment_record",
    "new_out_trade_no", "notify_url", "payment_close_at_provider", "payment_close_siblings", "payment_create",
    "payment_settle", "payment_sync", "refund_request", "refund_settle", "refund_sync", "shift_close", "shift_open",
    "sweep_open_orders",
]
