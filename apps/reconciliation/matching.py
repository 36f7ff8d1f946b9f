"""Matching one trade bill (a StatementRun of day D, merchant account M) against
our ledger, set-based: a fixed number of SQL statements whatever the number
of rows, nothing per row in Python, memory flat in file size.

Rows arrive by COPY (`load_entries`). `match_run` then, in one transaction with
the run row locked (the order resolution uses too):

1. drops the run's differences that matching owns: OPEN or CARRIED ones with
   no automatic action yet (a resolved, cleared or acted-on difference stays,
   and the unique key keeps it from being created twice);
2. classifies payment rows by out_trade_no and refund rows by out_refund_no
   (each an UPDATE of StatementEntry.match_class and an INSERT of differences
   from one CTE);
3. adds the local side with no row in the bill: orders of M paid in D and
   refunds of M finished in D. Within the cross-day window of midnight they are
   CROSS_DAY, CARRIED to the adjacent day's run (CLEARED at once when that run
   already has the row); otherwise LOCAL_ONLY;
4. clears the adjacent runs' CARRIED differences whose rows this bill has;
5. stores the totals and moves PARSED → MATCHED.

Classes of a bill row (first that applies):
Only orders placed with M (its merchant_id / sub_merchant_id, as the local side) can match a row: an order of
the company's previous merchant with the same number is not this merchant's money.
- payment: no local order → CHANNEL_ONLY; the row is not a success (revoked):
  STATUS_MISMATCH when we have it paid, else agreed; local order not paid →
  CHANNEL_ONLY (长款); amounts differ → AMOUNT_MISMATCH; fee ≠ round-half-up(
  amount × M.fee_rate) → FEE_MISMATCH; paid on D → MATCHED; paid within the
  window of midnight on the adjacent day → CROSS_DAY (no difference: the
  adjacent run carries it); paid further away → CROSS_DAY, OPEN (a difference).
- refund: no local refund → CHANNEL_ONLY; one side SUCCESS, the other not →
  STATUS_MISMATCH; amounts differ → AMOUNT_MISMATCH; the fee given back ≠ the
  order's expected fee in proportion (−round-half-up(order fee × refund / order
  amount), as the providers return it) → FEE_MISMATCH; finished on D (or not final on either side) →
  MATCHED; else CROSS_DAY as for payments.

`apply_auto_actions` then asks the provider about each new CHANNEL_ONLY,
LOCAL_ONLY and STATUS_MISMATCH difference, outside any transaction: a paid
trade is settled through payments' normal path (`payment_settle`), a truly
unpaid one reverted (`order_revert_unpaid`; one still payable is closed at the
provider first), a refund synced (`refund_sync`).
What it did is written to `Difference.auto_action` ("settled: …", "reverted:
…", "queried: …", "error: …" — resolution reads the first word); the difference
stays OPEN for finance."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from decimal import Decimal
from queue import Queue
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from apps.payments import providers as p
from apps.payments.models import PaymentOrder, Refund
from apps.payments.services.refunds import refund_sync
from apps.payments.services.reversal import order_revert_unpaid
from apps.payments.services.settlement import DUPLICATE, SETTLED, payment_settle

from .formats import PAYMENT, Entry
from .models import Difference, StatementEntry, StatementRun

logger = logging.getLogger(__name__)

BILL_TZ = ZoneInfo("Asia/Shanghai")  # providers book their bills in Beijing days
ENTRY = StatementEntry._meta.db_table
DIFF = Difference._meta.db_table
ORDER = PaymentOrder._meta.db_table
REFUND = Refund._meta.db_table
RUN = StatementRun._meta.db_table

K = Difference.Kind
AUTO_KINDS = (K.CHANNEL_ONLY, K.LOCAL_ONLY, K.STATUS_MISMATCH)
MATCHED = "matched"


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=BILL_TZ)
    return start, start + dt.timedelta(days=1)


# --- loading ------------------------------------------------------------------------------------------------------

_COLUMNS = ("run_id", "line_no", "kind", "out_trade_no", "transaction_id", "out_refund_no", "refund_id", "status",
            "amount_fen", "fee_fen", "booked_at", "match_class")


class _BoundedQueueWriter(QueuedLibpqWriter):
    """psycopg's queued COPY writer (a thread sends while the caller parses) with a short queue: its default holds
    up to 1,024 blocks of 32 KiB, so a server slower than the parser would let memory grow with the file."""

    def __init__(self, cursor, *, blocks: int = 16) -> None:
        super().__init__(cursor)
        self._queue = Queue(maxsize=blocks)


def clear_entries(*, run_id: int) -> None:
    """Delete a run's rows in two statements (the ORM would load every row to null the differences' links)."""
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {DIFF} SET entry_id = NULL WHERE entry_id IN (SELECT id FROM {ENTRY} WHERE run_id = %s)",
                    [run_id])
        cur.execute(f"DELETE FROM {ENTRY} WHERE run_id = %s", [run_id])


def load_entries(*, run_id: int, entries: Iterable[Entry]) -> int:
    """Stream `entries` into StatementEntry with COPY (psycopg 3); returns the number loaded. Call inside the
    transaction that replaces the run's rows: an exception from `entries` (a format error) rolls it back."""
    n = 0
    # The file's own line numbers when the parser gives them (finance looks rows up in the file), else 1, 2, …
    numbered = entries.numbered() if hasattr(entries, "numbered") else enumerate(entries, 1)
    # The queued writer sends from a thread: the server digests the rows (indexes, keys) while Python parses.
    with connection.cursor() as cur, cur.cursor.copy(
            f"COPY {ENTRY} ({', '.join(_COLUMNS)}) FROM STDIN", writer=_BoundedQueueWriter(cur.cursor)) as copy:
        for line, e in numbered:
            copy.write_row((run_id, line, e.kind, e.out_trade_no, e.transaction_id, e.out_refund_no, e.refund_id,
                            e.status, e.amount_fen, e.fee_fen, e.booked_at, ""))
            n += 1
    return n


# --- matching -----------------------------------------------------------------------------------------------------

_INSERT_DIFF = f"""INSERT INTO {DIFF} (run_id, entry_id, kind, subject, out_trade_no, out_refund_no, order_id,
  refund_id, channel_amount_fen, local_amount_fen, channel_fee_fen, expected_fee_fen, channel_status, local_status,
  auto_action, status, resolution, note, carried_to_id, created_at)"""

# Payment rows. %(…)s parameters: run, channel, start, end, window, rate.
_PAYMENTS = f"""
WITH cls AS (
  SELECT e.id AS entry_id, e.out_trade_no, e.amount_fen, e.fee_fen, e.status AS channel_status,
         o.id AS order_id, o.amount_fen AS local_amount, COALESCE(o.status, '') AS local_status,
         ROUND(e.amount_fen * %(rate)s::numeric)::bigint AS expected_fee,
         CASE WHEN o.id IS NULL THEN 'channel_only'
              WHEN e.status <> 'success' THEN CASE WHEN o.status = 'paid' THEN 'status_mismatch' ELSE 'matched' END
              WHEN o.status <> 'paid' THEN 'channel_only'
              WHEN o.amount_fen <> e.amount_fen THEN 'amount_mismatch'
              WHEN e.fee_fen <> ROUND(e.amount_fen * %(rate)s::numeric) THEN 'fee_mismatch'
              WHEN o.paid_at >= %(start)s AND o.paid_at < %(end)s THEN 'matched'
              ELSE 'cross_day' END AS cls,
         (o.paid_at < %(start)s - %(window)s OR o.paid_at >= %(end)s + %(window)s) AS far
  FROM {ENTRY} e LEFT JOIN {ORDER} o ON o.out_trade_no = e.out_trade_no AND o.channel = %(channel)s
    AND o.merchant_id = %(merchant_id)s AND o.sub_merchant_id = %(sub_merchant_id)s
  WHERE e.run_id = %(run)s AND e.kind = 'payment'
), upd AS (
  UPDATE {ENTRY} SET match_class = cls.cls FROM cls WHERE {ENTRY}.id = cls.entry_id AND cls.cls <> 'matched'
)
{_INSERT_DIFF}
SELECT %(run)s, entry_id, cls, 'payment', out_trade_no, '', order_id, NULL, amount_fen, local_amount, fee_fen,
       expected_fee, channel_status, local_status, '', 'open', '', '', NULL, now()
FROM cls WHERE cls <> 'matched' AND (cls <> 'cross_day' OR far)
ON CONFLICT (run_id, kind, out_trade_no, out_refund_no) DO NOTHING"""

# Refund rows: the local refund of an order of this channel, by out_refund_no.
_REFUNDS = f"""
WITH cls AS (
  SELECT e.id AS entry_id, e.out_trade_no, e.out_refund_no, e.amount_fen, e.fee_fen, e.status AS channel_status,
         r.id AS refund_id, r.order_id, r.amount_fen AS local_amount, COALESCE(r.status, '') AS local_status,
         -ROUND(ROUND(r.order_amount * %(rate)s::numeric) * e.amount_fen / r.order_amount)::bigint AS expected_fee,
         CASE WHEN r.id IS NULL THEN 'channel_only'
              WHEN r.status <> e.status AND (r.status = 'success' OR e.status = 'success') THEN 'status_mismatch'
              WHEN r.amount_fen <> e.amount_fen THEN 'amount_mismatch'
              WHEN e.status = 'success'
                   AND e.fee_fen <> -ROUND(ROUND(r.order_amount * %(rate)s::numeric) * e.amount_fen / r.order_amount)
                   THEN 'fee_mismatch'
              WHEN e.status <> 'success' OR (r.finished_at >= %(start)s AND r.finished_at < %(end)s) THEN 'matched'
              ELSE 'cross_day' END AS cls,
         (r.finished_at < %(start)s - %(window)s OR r.finished_at >= %(end)s + %(window)s) AS far
  FROM {ENTRY} e LEFT JOIN (
    SELECT r.id, r.order_id, r.out_refund_no, r.amount_fen, r.status, r.finished_at, ro.amount_fen AS order_amount
    FROM {REFUND} r JOIN {ORDER} ro ON ro.id = r.order_id WHERE ro.channel = %(channel)s
      AND ro.merchant_id = %(merchant_id)s AND ro.sub_merchant_id = %(sub_merchant_id)s
  ) r ON r.out_refund_no = e.out_refund_no
  WHERE e.run_id = %(run)s AND e.kind = 'refund'
), upd AS (
  UPDATE {ENTRY} SET match_class = cls.cls FROM cls WHERE {ENTRY}.id = cls.entry_id AND cls.cls <> 'matched'
)
{_INSERT_DIFF}
SELECT %(run)s, entry_id, cls, 'refund', out_trade_no, out_refund_no, order_id, refund_id, amount_fen, local_amount,
       fee_fen, expected_fee, channel_status, local_status, '', 'open', '', '', NULL, now()
FROM cls WHERE cls <> 'matched' AND (cls <> 'cross_day' OR far)
ON CONFLICT (run_id, kind, out_trade_no, out_refund_no) DO NOTHING"""

# Orders of M paid on D with no payment row. Near midnight: CROSS_DAY carried to the adjacent run (cleared at once
# when that run has the row); else LOCAL_ONLY.
_LOCAL_ORDERS = f"""
{_INSERT_DIFF}
SELECT %(run)s, NULL, CASE WHEN l.near THEN 'cross_day' ELSE 'local_only' END, 'payment', l.out_trade_no, '', l.id,
       NULL, NULL, l.amount_fen, NULL, NULL, '', l.status, '',
       CASE WHEN NOT l.near THEN 'open'
            WHEN EXISTS (SELECT 1 FROM {ENTRY} a WHERE a.run_id = l.adjacent AND a.kind = 'payment'
                         AND a.out_trade_no = l.out_trade_no) THEN 'cleared'
            ELSE 'carried' END,
       '', '', CASE WHEN l.near THEN l.adjacent END, now()
FROM (
  SELECT o.id, o.out_trade_no, o.amount_fen, o.status,
         (o.paid_at < %(start)s + %(window)s OR o.paid_at >= %(end)s - %(window)s) AS near,
         CASE WHEN o.paid_at < %(start)s + %(window)s THEN %(prev)s::bigint ELSE %(next)s::bigint END AS adjacent
  FROM {ORDER} o
  WHERE o.channel = %(channel)s AND o.merchant_id = %(merchant_id)s AND o.sub_merchant_id = %(sub_merchant_id)s
    AND o.status = 'paid' AND o.paid_at >= %(start)s AND o.paid_at < %(end)s
    AND NOT EXISTS (SELECT 1 FROM {ENTRY} e WHERE e.run_id = %(run)s AND e.kind = 'payment'
                    AND e.out_trade_no = o.out_trade_no)
) l
ON CONFLICT (run_id, kind, out_trade_no, out_refund_no) DO NOTHING"""

_LOCAL_REFUNDS = f"""
{_INSERT_DIFF}
SELECT %(run)s, NULL, CASE WHEN l.near THEN 'cross_day' ELSE 'local_only' END, 'refund', l.out_trade_no,
       l.out_refund_no, l.order_id, l.id, NULL, l.amount_fen, NULL, NULL, '', l.status, '',
       CASE WHEN NOT l.near THEN 'open'
            WHEN EXISTS (SELECT 1 FROM {ENTRY} a WHERE a.run_id = l.adjacent AND a.kind = 'refund'
                         AND a.out_refund_no = l.out_refund_no) THEN 'cleared'
            ELSE 'carried' END,
       '', '', CASE WHEN l.near THEN l.adjacent END, now()
FROM (
  SELECT r.id, r.order_id, o.out_trade_no, r.out_refund_no, r.amount_fen, r.status,
         (r.finished_at < %(start)s + %(window)s OR r.finished_at >= %(end)s - %(window)s) AS near,
         CASE WHEN r.finished_at < %(start)s + %(window)s THEN %(prev)s::bigint ELSE %(next)s::bigint END AS adjacent
  FROM {REFUND} r JOIN {ORDER} o ON o.id = r.order_id
  WHERE o.channel = %(channel)s AND o.merchant_id = %(merchant_id)s AND o.sub_merchant_id = %(sub_merchant_id)s
    AND r.status = 'success' AND r.finished_at >= %(start)s AND r.finished_at < %(end)s
    AND NOT EXISTS (SELECT 1 FROM {ENTRY} e WHERE e.run_id = %(run)s AND e.kind = 'refund'
                    AND e.out_refund_no = r.out_refund_no)
) l
ON CONFLICT (run_id, kind, out_trade_no, out_refund_no) DO NOTHING"""

# The adjacent runs' CARRIED differences whose rows are in this bill.
_CLEAR_ADJACENT = f"""
UPDATE {DIFF} d SET status = 'cleared', carried_to_id = %(run)s
FROM {ENTRY} e
WHERE e.run_id = %(run)s AND e.match_class = 'cross_day' AND d.run_id IN (%(prev)s, %(next)s)
  AND d.kind = 'cross_day' AND d.status = 'carried' AND d.subject = e.kind
  AND d.out_trade_no = e.out_trade_no AND d.out_refund_no = e.out_refund_no"""

_ENTRY_TOTALS = f"""
SELECT kind, COALESCE(NULLIF(match_class, ''), 'matched'), count(*), COALESCE(sum(amount_fen), 0),
       COALESCE(sum(fee_fen), 0)
FROM {ENTRY} WHERE run_id = %(run)s GROUP BY kind, match_class"""

_LOCAL_TOTALS = f"""
SELECT
  (SELECT COALESCE(sum(o.amount_fen), 0) FROM {ORDER} o
   WHERE o.channel = %(channel)s AND o.merchant_id = %(merchant_id)s AND o.sub_merchant_id = %(sub_merchant_id)s
     AND o.status = 'paid' AND o.paid_at >= %(start)s AND o.paid_at < %(end)s),
  (SELECT COALESCE(sum(r.amount_fen), 0) FROM {REFUND} r JOIN {ORDER} o ON o.id = r.order_id
   WHERE o.channel = %(channel)s AND o.merchant_id = %(merchant_id)s AND o.sub_merchant_id = %(sub_merchant_id)s
     AND r.status = 'success' AND r.finished_at >= %(start)s AND r.finished_at < %(end)s),
  (SELECT json_object_agg(k, n) FROM (SELECT kind || ':' || status AS k, count(*) AS n FROM {DIFF}
   WHERE run_id = %(run)s GROUP BY kind, status) x)"""


def _adjacent(run: StatementRun) -> tuple[int | None, int | None]:
    runs = dict(StatementRun.objects.filter(
        merchant_account_id=run.merchant_account_id, kind=run.kind,
        bill_date__in=[run.bill_date - dt.timedelta(days=1), run.bill_date + dt.timedelta(days=1)],
    ).values_list("bill_date", "pk"))
    return runs.get(run.bill_date - dt.timedelta(days=1)), runs.get(run.bill_date + dt.timedelta(days=1))


def match_run(*, run_id: int, fee_rate: Decimal, merchant_id: str, sub_merchant_id: str = "") -> StatementRun:
    """Classify a PARSED run's rows and the local side of its day (module docstring) → MATCHED.
    `merchant_id` / `sub_merchant_id` name the merchant account as orders record it
    (apps.payments.merchants.merchant_fields). Re-running gives the same result."""
    window = dt.timedelta(seconds=settings.RECONCILIATION_CROSS_DAY_WINDOW_SECONDS)
    with transaction.atomic():
        run = StatementRun.objects.select_for_update().get(pk=run_id)
        if run.status != StatementRun.Status.PARSED:
            raise ValueError(f"statement run {run.pk} is {run.status}, not parsed")
        start, end = day_bounds(run.bill_date)
        prev, nxt = _adjacent(run)
        params = {"run": run.pk, "channel": run.channel, "start": start, "end": end, "window": window,
                  "rate": fee_rate, "merchant_id": merchant_id, "sub_merchant_id": sub_merchant_id or "",
                  "prev": prev, "next": nxt}
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {DIFF} WHERE run_id = %(run)s AND status IN ('open', 'carried') "
                        "AND (auto_action = '' OR auto_action LIKE 'error:%%')", params)
            # Only rows that disagree are written (an UPDATE of every row doubled the work); '' means matched.
            cur.execute(f"UPDATE {ENTRY} SET match_class = '' WHERE run_id = %(run)s AND match_class <> ''", params)
            cur.execute(_PAYMENTS, params)
            cur.execute(_REFUNDS, params)
            cur.execute(_LOCAL_ORDERS, params)
            cur.execute(_LOCAL_REFUNDS, params)
            cur.execute(_CLEAR_ADJACENT, params)
            cur.execute(_ENTRY_TOTALS, params)
            by_class = cur.fetchall()
            cur.execute(_LOCAL_TOTALS, params)
            local_paid, local_refunded, diff_counts = cur.fetchone()
        totals = _totals(by_class, local_paid, local_refunded, diff_counts or {})
        now = timezone.now()
        StatementRun.objects.filter(pk=run.pk, status=StatementRun.Status.PARSED).update(
            status=StatementRun.Status.MATCHED, matched_at=now, totals=totals, updated_at=now)
        run.status, run.matched_at, run.totals = StatementRun.Status.MATCHED, now, totals
    return run


def refresh_local_totals(*, run_id: int, merchant_id: str, sub_merchant_id: str = "") -> None:
    """Re-read the ledger's side of the run's totals after the automatic actions settled or reverted orders,
    so the run shows the ledger as it now is (the bill's side and the difference counts do not change)."""
    with transaction.atomic():
        run = StatementRun.objects.select_for_update().get(pk=run_id)
        start, end = day_bounds(run.bill_date)
        params = {"run": run.pk, "channel": run.channel, "start": start, "end": end, "merchant_id": merchant_id,
                  "sub_merchant_id": sub_merchant_id or ""}
        with connection.cursor() as cur:
            cur.execute(_LOCAL_TOTALS, params)
            local_paid, local_refunded, _counts = cur.fetchone()
        totals = {**run.totals, "local_paid_fen": int(local_paid), "local_refunded_fen": int(local_refunded)}
        StatementRun.objects.filter(pk=run.pk).update(totals=totals, updated_at=timezone.now())


def _totals(by_class, local_paid: int, local_refunded: int, diff_counts: dict) -> dict:
    totals: dict = {"count": 0, "matched": 0, "channel_paid_fen": 0, "channel_refunded_fen": 0, "channel_fee_fen": 0,
                    "local_paid_fen": int(local_paid), "local_refunded_fen": int(local_refunded)}
    for kind, cls, count, amount, fee in by_class:
        totals["count"] += count
        totals["channel_fee_fen"] += int(fee)
        totals["channel_paid_fen" if kind == PAYMENT else "channel_refunded_fen"] += int(amount)
        if cls == MATCHED:
            totals["matched"] += count
    for kind in K.values:
        totals[kind] = sum(n for key, n in diff_counts.items() if key.split(":")[0] == kind)
    totals["cross_day_rows"] = sum(count for _k, cls, count, _a, _f in by_class if cls == K.CROSS_DAY)
    totals["open"] = sum(n for key, n in diff_counts.items() if key.endswith(":open"))
    return totals


# --- automatic actions --------------------------------------------------------------------------------------------

def apply_auto_actions(*, run_id: int, provider: p.PaymentProvider) -> int:
    """Ask the provider about the run's new CHANNEL_ONLY / LOCAL_ONLY / STATUS_MISMATCH differences and act
    through payments' normal paths. Never inside a transaction (provider calls). Returns how many were handled."""
    run = StatementRun.objects.get(pk=run_id)
    pending = list(Difference.objects.filter(run_id=run_id, status=Difference.Status.OPEN, kind__in=AUTO_KINDS,
                                             auto_action="").select_related("order", "refund"))
    for diff in pending:
        try:
            text = _act(run, diff, provider)
        except p.ProviderError as exc:
            text = "error: " + _("渠道查询失败（%(code)s），重新对账时再试。") % {"code": exc.code or exc}
        except Exception as exc:  # one difference must not stop the others; finance sees it
            logger.exception("statement run %s: automatic action on %s failed", run_id, diff.out_trade_no)
            text = "error: " + _("自动处理失败（%(error)s），请人工核实。") % {"error": type(exc).__name__}
        Difference.objects.filter(pk=diff.pk, auto_action="").update(auto_action=text[:255])
    return len(pending)


def _trade_word(trade: p.TradeState) -> str:
    words = {p.PAID: _("已支付"), p.OPEN: _("未支付"), p.CLOSED: _("已关闭"), p.FAILED: _("支付失败"),
             p.NOT_FOUND: _("无此订单")}
    return words.get(trade.state, trade.raw_state or trade.state)


def _act(run: StatementRun, diff: Difference, provider: p.PaymentProvider) -> str:
    if diff.subject == StatementEntry.Kind.REFUND:
        return _act_refund(diff, provider)
    trade = provider.query_order(diff.out_trade_no)
    state = _trade_word(trade)
    if diff.kind == K.CHANNEL_ONLY:
        if trade.state != p.PAID:
            return "queried: " + _("渠道查询为「%(state)s」，与账单不符，请人工核实。") % {"state": state}
        if diff.order_id is None:
            return "queried: " + _("渠道查询已支付，但本地无此订单，请人工核实。")
        outcome = payment_settle(trade=trade, channel=run.channel, source="reconciliation")
        if outcome.result == SETTLED:
            extra = _("；有 %(fen)s 分无账单可收，待退款") % {"fen": outcome.order.needs_refund_fen} \
                if outcome.order is not None and outcome.order.needs_refund_fen else ""
            return "settled: " + _("渠道查询已支付，已按渠道入账") + extra
        if outcome.result == DUPLICATE:
            return "queried: " + _("渠道查询已支付，本地已入账。")
        return "queried: " + _("渠道查询已支付，入账未完成（%(reason)s），请人工核实。") % {"reason": outcome.reason}
    if diff.kind == K.LOCAL_ONLY:
        if trade.state == p.PAID:
            return "queried: " + _("渠道查询已支付，账单未列出，请人工核实。")
        if trade.state == p.OPEN:
            # Still payable at the channel: close it there first, so the order we revert (its bills owed again)
            # cannot be paid behind our back. A refusal (paid meanwhile) leaves it for the next run.
            provider.close_order(diff.out_trade_no)
        order_revert_unpaid(order_id=diff.order_id, actor=None,
                            reason=_("渠道查询为「%(state)s」，%(day)s 账单无此笔") % {
                                "state": state, "day": run.bill_date.isoformat()})
        return "reverted: " + _("渠道查询为「%(state)s」，已撤销本地入账，账单恢复欠费。") % {"state": state}
    return "queried: " + _("渠道查询为「%(state)s」，请人工核实。") % {"state": state}


def _act_refund(diff: Difference, provider: p.PaymentProvider) -> str:
    if diff.refund_id is None:
        return "queried: " + _("本地无此退款，请人工核实。")
    if diff.kind == K.STATUS_MISMATCH:
        result = refund_sync(refund=diff.refund)
        diff.refund.refresh_from_db()
        return "queried: " + _("已向渠道查询退款并按结果处理（%(result)s），本地状态：%(status)s。") % {
            "result": result, "status": diff.refund.get_status_display()}
    state = provider.query_refund(out_refund_no=diff.out_refund_no, out_trade_no=diff.out_trade_no)
    return "queried: " + _("渠道查询退款状态为「%(state)s」，请人工核实。") % {
        "state": state.raw_status or state.status}

