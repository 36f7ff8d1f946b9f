"""Amount due of a stored bill: the one function the API, payments and reports use."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .engine import AmountDue, TariffParams, amount_due
from .facts import stopped_intervals
from .models import Bill

CLOSED = (Bill.Status.WAIVED, Bill.Status.CANCELLED)


def bill_amount_due(bill: Bill, *, on: dt.date | None = None) -> AmountDue:
    """Uses the bill's own tariff snapshot and its house's stopped-heat history
    (prefetch `house__status_changes` when listing bills)."""
    on = on or timezone.localdate()
    if bill.status in CLOSED:
        return AmountDue(principal_fen=bill.principal_fen, paid_fen=bill.paid_fen, outstanding_fen=0,
                         discount_fen=0, late_fee_fen=0, total_fen=0)
    params = TariffParams.from_snapshot(bill.snapshot)
    pauses = stopped_intervals(bill.house.status_changes.all(), until=on) if params.late_fee_pause_when_stopped \
        else []
    return amount_due(params, principal_fen=bill.principal_fen, paid_fen=bill.paid_fen, on=on, pauses=pauses)
