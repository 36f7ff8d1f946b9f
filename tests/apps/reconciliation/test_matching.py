"""Matching a loaded trade bill against the ledger (apps.reconciliation.matching), with bill rows built in
Python and loaded through the same COPY loader the pipeline uses: every class, re-runs, the midnight straddle
between two days' runs, the cross-day window setting, and a fixed number of statements whatever the rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from apps.payments.models import PaymentOrder, Refund
from apps.reconciliation.formats import PAYMENT, REFUND, REVOKED, SUCCESS, Entry
from apps.reconciliation.matching import BILL_TZ, load_entries, match_run, refresh_local_totals
from apps.reconciliation.models import Difference, StatementEntry, StatementRun
from apps.reconciliation.resolution import difference_resolve
from tests.factories.payments import APPID, MCHID, add_wechat_account
from tests.queries import assert_same_queries

D = dt.date(2026, 11, 20)
K = Difference.Kind
S = Difference.Status
_numbers = itertools.count(1)


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=BILL_TZ)


def fee(amount_fen: int) -> int:
    """0.60%, rounded half up."""
    return int((Decimal(amount_fen) * Decimal("0.006")).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def order(amount_fen: int, paid_at: dt.datetime | None, *, status: str = "paid", no: str | None = None,
          merchant_id: str = MCHID) -> PaymentOrder:
    return PaymentOrder.objects.create(
        out_trade_no=no or f"HCM{next(_numbers):09d}", channel="wechat", status=status, amount_fen=amount_fen,
        description="供暖费", merchant_mode="direct", merchant_id=merchant_id, app_id=APPID, paid_at=paid_at,
        transaction_id="4200" + (no or "x"))


def refund(of: PaymentOrder, amount_fen: int, finished_at: dt.datetime | None, *, status: str = "success") -> Refund:
    return Refund.objects.create(order=of, out_refund_no=f"R{next(_numbers):09d}", amount_fen=amount_fen,
                                 reason="退费", status=status, finished_at=finished_at)


def pay_row(o: PaymentOrder | str, booked_at: dt.datetime, *, amount_fen: int | None = None, fee_fen: int | None = None,
            status: str = SUCCESS) -> Entry:
    no = o if isinstance(o, str) else o.out_trade_no
    amount = amount_fen if amount_fen is not None else o.amount_fen
    return Entry(kind=PAYMENT, out_trade_no=no, transaction_id=f"4200{no}", amount_fen=amount,
                 fee_fen=fee(amount) if fee_fen is None else fee_fen, booked_at=booked_at, status=status,
                 merchant_id=MCHID)


def refund_row(r: Refund | tuple[str, str], booked_at: dt.datetime, *, amount_fen: int | None = None,
               status: str = SUCCESS) -> Entry:
    trade_no, refund_no = (r.order.out_trade_no, r.out_refund_no) if isinstance(r, Refund) else r
    amount = amount_fen if amount_fen is not None else r.amount_fen
    # The fee given back: the order's fee in proportion, half up.
    back = 0 if not isinstance(r, Refund) else int((Decimal(fee(r.order.amount_fen)) * amount / r.order.amount_fen)
                                                   .quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return Entry(kind=REFUND, out_trade_no=trade_no, transaction_id=f"4200{trade_no}", amount_fen=amount,
                 fee_fen=-back, booked_at=booked_at, status=status, out_refund_no=refund_no,
                 refund_id=f"5030{refund_no}", merchant_id=MCHID)


@pytest.fixture
def account(alpha):
    return add_wechat_account("alpha")


@pytest.fixture
def ledger(alpha, account):
    with schema_context(alpha.schema):
        yield account


def parsed_run(account, day: dt.date, rows: list[Entry]) -> StatementRun:
    run = StatementRun.objects.filter(merchant_account_id=account.pk, kind="trade", bill_date=day).first()
    if run is None:
        run = StatementRun.objects.create(merchant_account_id=account.pk, channel="wechat", merchant_id=MCHID,
                                          kind="trade", bill_date=day, status=StatementRun.Status.PARSED)
    with transaction.atomic():
        StatementEntry.objects.filter(run=run).delete()
        load_entries(run_id=run.pk, entries=rows)
    StatementRun.objects.filter(pk=run.pk).update(status=StatementRun.Status.PARSED)
    return run


def match(account, run: StatementRun) -> StatementRun:
    return match_run(run_id=run.pk, fee_rate=account.fee_rate, merchant_id=MCHID)


def diffs(run: StatementRun) -> set[tuple]:
    return {(d.kind, d.subject, d.out_trade_no, d.out_refund_no, d.status)
            for d in Difference.objects.filter(run=run)}


def test_every_class_of_payment_and_refund_row(ledger):
    matched = order(12000, at(D, 10))
    unpaid_here = order(8000, None, status="created")  # the notify never came: 长款
    short = order(9000, at(D, 11))  # amount off by one fen on the bill
    fee_off = order(10000, at(D, 12))
    revoked = order(5000, at(D, 13))  # the channel says revoked, we have it paid
    local_only = order(7000, at(D, 14))  # 短款: no row
    near_midnight = order(6000, at(D, 23, 58))  # booked on tomorrow's bill: carried
    far_day = order(4000, at(D - dt.timedelta(days=3), 9))  # on today's bill, paid three days ago here
    other_merchant = order(3000, at(D, 15), merchant_id="1900000999")  # another merchant's order: not ours
    ok_refund = refund(matched, 2000, at(D, 16))
    processing_here = refund(fee_off, 1000, None, status="processing")
    refund_short = refund(short, 3000, at(D, 17))
    local_refund = refund(far_day, 500, at(D, 18))
    rows = [
        pay_row(matched, at(D, 10)),
        pay_row("HCFOREIGN0001", at(D, 10, 30), amount_fen=1500),  # a trade we never created
        pay_row(unpaid_here, at(D, 10, 40)),
        pay_row(short, at(D, 11), amount_fen=9001),
        pay_row(fee_off, at(D, 12), fee_fen=fee(10000) + 1),
        pay_row(revoked, at(D, 13), status=REVOKED),
        pay_row(far_day, at(D, 9)),
        refund_row(ok_refund, at(D, 16)),
        refund_row(processing_here, at(D, 16, 30)),
        refund_row(refund_short, at(D, 17), amount_fen=2999),
        refund_row(("HCFOREIGN0001", "RFOREIGN01"), at(D, 19), amount_fen=100),
    ]
    run = match(ledger, parsed_run(ledger, D, rows))
    assert run.status == StatementRun.Status.MATCHED
    assert diffs(run) == {
        (K.CHANNEL_ONLY, "payment", "HCFOREIGN0001", "", S.OPEN),
        (K.CHANNEL_ONLY, "payment", unpaid_here.out_trade_no, "", S.OPEN),
        (K.AMOUNT_MISMATCH, "payment", short.out_trade_no, "", S.OPEN),
        (K.FEE_MISMATCH, "payment", fee_off.out_trade_no, "", S.OPEN),
        (K.STATUS_MISMATCH, "payment", revoked.out_trade_no, "", S.OPEN),
        (K.CROSS_DAY, "payment", far_day.out_trade_no, "", S.OPEN),  # far from midnight: a real difference
        (K.LOCAL_ONLY, "payment", local_only.out_trade_no, "", S.OPEN),
        (K.CROSS_DAY, "payment", near_midnight.out_trade_no, "", S.CARRIED),
        (K.STATUS_MISMATCH, "refund", fee_off.out_trade_no, processing_here.out_refund_no, S.OPEN),
        (K.AMOUNT_MISMATCH, "refund", short.out_trade_no, refund_short.out_refund_no, S.OPEN),
        (K.CHANNEL_ONLY, "refund", "HCFOREIGN0001", "RFOREIGN01", S.OPEN),
        (K.LOCAL_ONLY, "refund", far_day.out_trade_no, local_refund.out_refund_no, S.OPEN),
    }
    assert other_merchant.out_trade_no not in {d[2] for d in diffs(run)}
    fee_diff = Difference.objects.get(run=run, kind=K.FEE_MISMATCH)
    assert (fee_diff.channel_fee_fen, fee_diff.expected_fee_fen, fee_diff.order_id) == (61, 60, fee_off.pk)
    amount_diff = Difference.objects.get(run=run, kind=K.AMOUNT_MISMATCH, subject="payment")
    assert (amount_diff.channel_amount_fen, amount_diff.local_amount_fen) == (9001, 9000)
    classes = dict(StatementEntry.objects.filter(run=run).values_list("out_trade_no", "match_class")
                   .filter(kind="payment"))
    assert classes[matched.out_trade_no] == ""  # agreeing rows are left unmarked
    assert StatementEntry.objects.get(run=run, out_refund_no=ok_refund.out_refund_no).match_class == ""
    assert run.totals["count"] == len(rows) and run.totals["matched"] == 2
    assert run.totals["channel_paid_fen"] == 12000 + 1500 + 8000 + 9001 + 10000 + 5000 + 4000
    assert run.totals["local_paid_fen"] == 12000 + 9000 + 10000 + 5000 + 7000 + 6000
    assert run.totals["open"] == 11 and run.totals["cross_day"] == 2


def test_fee_follows_the_accounts_rate_half_up(ledger):
    ledger.fee_rate = Decimal("0.0038")
    ledger.save(update_fields=["fee_rate"])
    o = order(12500, at(D, 10))  # 12500 × 0.38% = 47.5 → 48
    run = parsed_run(ledger, D, [pay_row(o, at(D, 10), fee_fen=48)])
    assert diffs(match(ledger, run)) == set()
    run = parsed_run(ledger, D, [pay_row(o, at(D, 10), fee_fen=47)])
    assert diffs(match(ledger, run)) == {(K.FEE_MISMATCH, "payment", o.out_trade_no, "", S.OPEN)}


def test_rerun_is_idempotent_keeps_resolved_and_recomputes_open(ledger):
    a = order(12000, at(D, 10))
    b = order(8000, at(D, 11))
    c = order(5000, at(D, 12))
    rows = [pay_row(a, at(D, 10), amount_fen=12001), pay_row(b, at(D, 11))]
    run = match(ledger, parsed_run(ledger, D, rows))
    first = diffs(run)
    assert first == {(K.AMOUNT_MISMATCH, "payment", a.out_trade_no, "", S.OPEN),
                     (K.LOCAL_ONLY, "payment", c.out_trade_no, "", S.OPEN)}
    run = match(ledger, parsed_run(ledger, D, rows))
    assert diffs(run) == first  # same file, same result
    resolved = Difference.objects.get(run=run, kind=K.AMOUNT_MISMATCH)
    difference_resolve(difference_id=resolved.pk, resolution="accept_channel", note="渠道为准，已调账", actor=None)
    # The ledger changes (c is found paid on the bill after all): the open difference goes, the resolved one stays.
    run = match(ledger, parsed_run(ledger, D, [*rows, pay_row(c, at(D, 12))]))
    assert diffs(run) == {(K.AMOUNT_MISMATCH, "payment", a.out_trade_no, "", S.RESOLVED)}
    kept = Difference.objects.get(run=run)
    assert kept.pk == resolved.pk and kept.note == "渠道为准，已调账"


def test_midnight_straddle_is_carried_then_cleared_by_the_next_days_run(ledger):
    late = order(6000, at(D, 23, 59, 59))
    early_refund = refund(order(9000, at(D, 9)), 1000, at(D, 23, 55))
    day1 = match(ledger, parsed_run(ledger, D, [pay_row(early_refund.order, at(D, 9))]))
    carried = {(d.out_trade_no, d.status, d.carried_to_id) for d in Difference.objects.filter(run=day1)}
    assert carried == {(late.out_trade_no, S.CARRIED, None), (early_refund.order.out_trade_no, S.CARRIED, None)}
    assert day1.totals["open"] == 0  # carried differences do not block closing

    next_day = D + dt.timedelta(days=1)
    day2 = match(ledger, parsed_run(ledger, next_day, [pay_row(late, at(next_day, 0, 0, 2)),
                                                       refund_row(early_refund, at(next_day, 0, 3))]))
    assert diffs(day2) == set()  # found on the other day's bill: not a difference
    assert set(StatementEntry.objects.filter(run=day2).values_list("match_class", flat=True)) == {"cross_day"}
    cleared = {(d.out_trade_no, d.status, d.carried_to_id) for d in Difference.objects.filter(run=day1)}
    assert cleared == {(late.out_trade_no, S.CLEARED, day2.pk), (early_refund.order.out_trade_no, S.CLEARED, day2.pk)}
    # Re-running either day keeps it so.
    match(ledger, parsed_run(ledger, D, [pay_row(early_refund.order, at(D, 9))]))
    match(ledger, parsed_run(ledger, next_day, [pay_row(late, at(next_day, 0, 0, 2)),
                                                refund_row(early_refund, at(next_day, 0, 3))]))
    assert {d.status for d in Difference.objects.filter(run=day1)} == {S.CLEARED}
    assert diffs(day2) == set()


def test_the_next_days_run_first_then_the_day_clears_at_once(ledger):
    late = order(6000, at(D, 23, 59, 30))
    next_day = D + dt.timedelta(days=1)
    day2 = match(ledger, parsed_run(ledger, next_day, [pay_row(late, at(next_day, 0, 0, 5))]))
    day1 = match(ledger, parsed_run(ledger, D, []))
    d = Difference.objects.get(run=day1)
    assert (d.kind, d.status, d.carried_to_id) == (K.CROSS_DAY, S.CLEARED, day2.pk)


def test_cross_day_window_is_a_setting(ledger, settings):
    settings.RECONCILIATION_CROSS_DAY_WINDOW_SECONDS = 30
    late = order(6000, at(D, 23, 58))  # two minutes before midnight: outside a 30 s window
    run = match(ledger, parsed_run(ledger, D, []))
    assert diffs(run) == {(K.LOCAL_ONLY, "payment", late.out_trade_no, "", S.OPEN)}


def test_matching_costs_the_same_statements_for_one_row_and_many(ledger):
    day2 = D + dt.timedelta(days=1)
    one = [order(10000, at(D, 10))]
    many = [order(10000 + i, at(day2, 10, i)) for i in range(40)]
    refunds = [refund(o, 100, at(day2, 11, i)) for i, o in enumerate(many[:10])]
    run1 = parsed_run(ledger, D, [pay_row(one[0], at(D, 10))])
    run2 = parsed_run(ledger, day2, [pay_row(o, at(day2, 10)) for o in many[:30]]
                      + [pay_row(f"HCX{i:05d}", at(day2, 12), amount_fen=100) for i in range(5)]
                      + [refund_row(r, at(day2, 11)) for r in refunds[:5]])
    assert_same_queries(lambda: match(ledger, run1), lambda: match(ledger, run2))
    assert Difference.objects.filter(run=run2, kind=K.LOCAL_ONLY).count() == 10 + 5
    assert Difference.objects.filter(run=run2, kind=K.CHANNEL_ONLY).count() == 5


def test_a_refund_gives_back_the_orders_fee_in_proportion(ledger):
    small = order(150, at(D, 9))  # fee 0.9 → 1 fen
    r = refund(small, 75, at(D, 10))  # gives back half of 1 fen → 1 (0.45 by the rate alone would be 0)
    rows = [pay_row(small, at(D, 9)), refund_row(r, at(D, 10))]
    assert rows[1].fee_fen == -1
    assert diffs(match(ledger, parsed_run(ledger, D, rows))) == set()
    rows[1] = dataclasses.replace(rows[1], fee_fen=0)
    run = match(ledger, parsed_run(ledger, D, rows))
    assert diffs(run) == {(K.FEE_MISMATCH, "refund", small.out_trade_no, r.out_refund_no, S.OPEN)}
    assert Difference.objects.get(run=run).expected_fee_fen == -1


def test_local_totals_are_read_again_after_the_ledger_changed(ledger):
    day = dt.date(2026, 11, 20)
    kept = order(7000, at(day, 9))
    late = order(2500, None, status="created")  # a lost notify: settled later by the automatic action
    run = match(ledger, parsed_run(ledger, day, [pay_row(kept, at(day, 9)), pay_row(late, at(day, 10))]))
    assert run.totals["local_paid_fen"] == 7000
    PaymentOrder.objects.filter(pk=late.pk).update(status="paid", paid_at=at(day, 10))
    refund(kept, 300, at(day, 11))
    refresh_local_totals(run_id=run.pk, merchant_id=MCHID)
    run.refresh_from_db()
    assert (run.totals["local_paid_fen"], run.totals["local_refunded_fen"]) == (9500, 300)
    assert run.totals["channel_paid_fen"] == 9500 and run.totals["channel_only"] == 1  # the bill's side is kept
