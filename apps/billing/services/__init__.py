"""Billing's writes, by sub-domain:

- `ledger`: how money reaches a bill. The only code that changes an issued
  bill's lines, principal, paid amount or status (one posting function), a
  payment reaching its bills (discount / late fee as quoted), a refund
  taking money back (with them, pro rata).
- `bills`: issuing one bill; staff adjustments and waivers.
- `credits`: true-up credits consumed by the next season's bills.

Season-wide jobs live beside this package: `runs.py` (bill runs),
`trueup.py` (多退少补), `metering.py` (meter readings). Other apps import
from here, never write Bill or BillLine rows themselves."""

from .bills import bill_adjust, bill_issue, bill_waive
from .credits import credit_lines, credits_consume, credits_open
from .ledger import (
    LIVE,
    PAYABLE,
    PaymentReversal,
    PaymentShare,
    Posting,
    ShareApplied,
    bill_payment_apply,
    bill_payment_reverse,
    bill_post,
    bill_status_for,
    bills_lock,
    bills_post,
)

__all__ = [
    "LIVE", "PAYABLE", "PaymentReversal", "PaymentShare", "Posting", "ShareApplied", "bill_adjust", "bill_issue",
    "bill_payment_apply", "bill_payment_reverse", "bill_post", "bill_status_for", "bill_waive", "bills_lock",
    "bills_post", "credit_lines", "credits_consume", "credits_open",
]
