"""Amount due of a stored bill: the one function the API, payments and reports use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import prefetch_related_objects
from django.utils import timezone

from .engine import AmountDue, TariffParams, amount_due
from .facts import stopped_intervals
from .models import Bill

CLOSED = (Bill.Status.WAIVED, Bill.Status.CANCELLED)


def _pauses_count(params: TariffParams, on: dt.date) -> bool:
    """Whether stopped-heat days can change the amount due on `on`: only a late fee skips them, and none
    accrues before its start day (the whole first weeks of a season, when most residents pay)."""
    return bool(params.late_fee_pause_when_stopped and params.late_fee_daily_permille and params.late_fee_start
                and on >= params.late_fee_start)


def needs_stop_history(bill: Bill, *, on: dt.date | None = None) -> bool:
    """Whether bill_amount_due(bill, on=on) reads the house's stopped-heat history."""
    return bill.status not in CLOSED and _pauses_count(TariffParams.from_snapshot(bill.snapshot),
                                                       on or timezone.localdate())


def with_stop_history(bills: Iterable[Bill], *, on: dt.date | None = None) -> None:
    """Load, in one query, the stopped-heat history of the houses whose amount due on `on` needs it (none at
    season start): lets the resident's reads skip that query instead of prefetching it for every bill."""
    prefetch_related_objects([b for b in bills if needs_stop_history(b, on=on)], "house__status_changes")


def bill_amount_due(bill: Bill, *, on: dt.date | None = None) -> AmountDue:
    """Uses the bill's own tariff snapshot and, once a late fee accrues, its house's stopped-heat history
    (prefetch `house__status_changes` when listing bills, or call with_stop_history)."""
    on = on or timezone.localdate()
    if bill.status in CLOSED:
        return AmountDue(principal_fen=bill.principal_fen, paid_fen=bill.paid_fen, outstanding_fen=0,
                         discount_fen=0, late_fee_fen=0, total_fen=0)
    params = TariffParams.from_snapshot(bill.snapshot)
    pauses = stopped_intervals(bill.house.status_changes.all(), until=on) if _pauses_count(params, on) else []
    return amount_due(params, principal_fen=bill.principal_fen, paid_fen=bill.paid_fen, on=on, pauses=pauses)
