"""Statement runs and their differences built directly with the ORM (in the current tenant
schema), for tests of what finance does with them: the fetch/parse/match pipeline is not
needed to resolve, close or list them."""

from __future__ import annotations

import datetime as dt
import itertools

from apps.reconciliation.matching import AUTO_KINDS
from apps.reconciliation.models import DailyClose, Difference, StatementRun

_numbers = itertools.count(1)


def make_run(*, bill_date: dt.date = dt.date(2026, 11, 20), status: str = StatementRun.Status.MATCHED,
             channel: str = "wechat", kind: str = "trade", merchant_account_id: int = 1, **fields) -> StatementRun:
    return StatementRun.objects.create(merchant_account_id=merchant_account_id, channel=channel,
                                       merchant_id="1900000101", kind=kind, bill_date=bill_date, status=status,
                                       **fields)


def make_difference(run: StatementRun, *, kind: str = Difference.Kind.LOCAL_ONLY,
                    status: str = Difference.Status.OPEN, auto_action: str | None = None, **fields) -> Difference:
    """`auto_action` None: what matching leaves once the provider was asked (a "queried: …" text for the
    kinds it asks about, nothing for the others); "" for a difference still waiting for that."""
    if auto_action is None:
        auto_action = "queried: 渠道查询为「已支付」，请人工核实。" if kind in AUTO_KINDS else ""
    n = next(_numbers)
    defaults = {"subject": "payment", "out_trade_no": f"HC{n:012d}", "channel_amount_fen": 12000,
                "local_amount_fen": 12000, "channel_status": "success", "local_status": "paid"}
    defaults.update(fields)
    return Difference.objects.create(run=run, kind=kind, status=status, auto_action=auto_action, **defaults)


def close_day(day: dt.date) -> DailyClose:
    return DailyClose.objects.create(day=day, status=DailyClose.Status.CLOSED)
