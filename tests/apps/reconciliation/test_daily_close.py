"""The company's daily close (日结): what blocks a day, what closing freezes, that a
closed day stays as frozen whatever happens afterwards, day order, and corrections
booked as adjustments on the next open day. Figures are checked against sums worked
out from the rows the test made."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.payments.models import CounterShift, PaymentOrder, Refund
from apps.payments.services import refund_request, shift_close
from apps.reconciliation.daily_close import (
    BlockerKind,
    adjustment_create,
    daily_close_get,
    daily_close_list,
    day_blockers,
    day_close,
    day_is_closed,
    day_preview,
    ensure_day_open,
)
from apps.reconciliation.models import DailyClose, DayAdjustment, Difference, StatementEntry, StatementRun
from tests.factories.accounts import staff
from tests.factories.billing import bill_for
from tests.factories.payments import add_wechat_account, pay
from tests.factories.tariffs import plain_season

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def _code(exc: pytest.ExceptionInfo) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def _counter(collector, bill, amount_fen: int, method: str, paid_at: dt.datetime, receipt: str) -> PaymentOrder:
    order = pay(collector, [bill], amount_fen, receipt, method=method)
    PaymentOrder.objects.filter(pk=order.pk).update(paid_at=paid_at)
    return order


def _online(amount_fen: int, paid_at: dt.datetime, n: int, channel: str = "wechat") -> PaymentOrder:
    return PaymentOrder.objects.create(out_trade_no=f"DC{channel[:2]}{n:08d}", channel=channel, amount_fen=amount_fen,
                                       description="采暖费", status=PaymentOrder.Status.PAID, paid_at=paid_at)


def _run(account, day: dt.date, status: str, rows: list[tuple[str, int, int]]) -> StatementRun:
    """A trade run of `day` with its bill rows (kind, amount, fee) as the pipeline leaves them."""
    run = StatementRun.objects.create(merchant_account_id=account.pk, channel=account.channel, bill_date=day,
                                      status=status, kind=StatementRun.Kind.TRADE)
    StatementEntry.objects.bulk_create([
        StatementEntry(run=run, line_no=i, kind=kind, out_trade_no=f"X{day:%m%d}{i}", amount_fen=amount, fee_fen=fee,
                       booked_at=_at(day, 12), status="success",
                       out_refund_no=f"RX{day:%m%d}{i}" if kind == "refund" else "")
        for i, (kind, amount, fee) in enumerate(rows)])
    return run


@pytest.fixture
def day_data(alpha):
    """Two days ago at alpha: a WeChat account whose run of the day is MATCHED (two payments of
    300.00 and 150.00 with fees, a refund of 50.00 giving 0.30 fee back), the ledger's online
    orders (one paid at 23:59 that the channel booked the next day), counter money by two
    collectors (one shift still open) and a counter refund."""
    today = timezone.localdate()
    day = today - dt.timedelta(days=2)
    account = add_wechat_account("alpha")
    with schema_context(alpha.schema):
        season_plan = plain_season()
        c1, c2 = staff("c1"), staff("c2")
        bills = [bill_for(season_plan) for _ in range(4)]
        run = _run(account, day, StatementRun.Status.MATCHED,
                   [("payment", 30000, 180), ("payment", 15000, 90), ("refund", 5000, -30)])
        _online(30000, _at(day, 9), 1)
        _online(15000, _at(day, 10), 2)
        _online(8000, _at(day, 23, 59), 3)  # the channel booked it on the next day (CROSS_DAY)
        cash = _counter(c1, bills[0], 100000, "cash", _at(day, 9), "D1")
        _counter(c1, bills[1], 40000, "pos", _at(day, 11), "D2")
        _counter(c2, bills[2], 70000, "transfer", _at(day, 12), "D3")
        refund = refund_request(order_id=cash.pk, amount_fen=10000, reason="多收", actor=c1)
        Refund.objects.filter(pk=refund.pk).update(finished_at=_at(day, 15))
        shift1 = CounterShift.objects.get(collector=c1, status="open")
        shift2 = CounterShift.objects.get(collector=c2, status="open")
    return {"day": day, "today": today, "account": account, "run": run, "c1": c1, "c2": c2, "shift1": shift1,
            "shift2": shift2, "bills": bills, "season_plan": season_plan}


def _ready(data) -> None:
    """Close both shifts and the run (what the collectors and finance do)."""
    shift_close(shift_id=data["shift1"].pk, actor=data["c1"])
    shift_close(shift_id=data["shift2"].pk, actor=data["c2"])
    StatementRun.objects.filter(pk=data["run"].pk).update(status=StatementRun.Status.CLOSED)


def _channels(figures) -> dict:
    return {c.channel: (c.collected_fen, c.count, c.refunded_fen, c.fee_fen, c.adjustments_fen, c.net_fen)
            for c in figures.channels}


def test_what_blocks_a_day(alpha, day_data):
    day = day_data["day"]
    with schema_context(alpha.schema):
        kinds = sorted((b.kind, b.shift_id or b.run_id) for b in day_blockers(day=day))
        assert kinds == sorted([(BlockerKind.RUN_NOT_CLOSED, day_data["run"].pk),
                                (BlockerKind.SHIFT_OPEN, day_data["shift1"].pk),
                                (BlockerKind.SHIFT_OPEN, day_data["shift2"].pk)])
        shift_close(shift_id=day_data["shift1"].pk, actor=day_data["c1"])
        StatementRun.objects.filter(pk=day_data["run"].pk).delete()
        kinds = sorted(b.kind for b in day_blockers(day=day))
        assert kinds == [BlockerKind.RUN_MISSING, BlockerKind.SHIFT_OPEN]
        with pytest.raises(ValidationError) as exc:
            day_close(day=day, actor=day_data["c1"])
        assert _code(exc) == "DAY_NOT_READY"
        assert not day_is_closed(day)
        # Today never closes, whatever it holds.
        assert [b.kind for b in day_blockers(day=day_data["today"])] == [BlockerKind.NOT_PAST, BlockerKind.RUN_MISSING]


def test_an_open_shift_without_money_of_the_day_does_not_block(alpha, day_data):
    day = day_data["day"]
    with schema_context(alpha.schema):
        _ready(day_data)
        # c1 opens a new shift today and takes money: today's money, not the day's.
        pay(day_data["c1"], [day_data["bills"][3]], 1000, "TODAY1")
        assert day_blockers(day=day) == []


def test_the_preview_is_the_sum_of_the_rows(alpha, day_data):
    day = day_data["day"]
    with schema_context(alpha.schema):
        before = day_preview(day=day)
        # Counter money of open shifts is not yet the day's: the drawers are not closed.
        assert _channels(before)["cash"][:3] == (0, 0, 0)
        _ready(day_data)
        figures = day_preview(day=day)
        entries = StatementEntry.objects.filter(run=day_data["run"])
        paid = [e for e in entries if e.kind == "payment"]
        back = [e for e in entries if e.kind == "refund"]
        assert _channels(figures)["wechat"] == (
            sum(e.amount_fen for e in paid), len(paid), sum(e.amount_fen for e in back),
            sum(e.fee_fen for e in entries), 0, sum(e.amount_fen for e in paid) - sum(e.amount_fen for e in back))
        orders = PaymentOrder.objects.filter(channel="counter")
        for method in ("cash", "pos", "transfer"):
            mine = [o for o in orders if o.counter_method == method]
            refunded = sum(r.amount_fen for r in Refund.objects.filter(order__counter_method=method))
            collected = sum(o.amount_fen for o in mine)
            assert _channels(figures)[method] == (collected, len(mine), refunded, 0, 0, collected - refunded)
        wechat = figures.channel("wechat")
        # The ledger's view: the order paid at 23:59 is ours on this day, the channel's on the next.
        assert (wechat.ledger_collected_fen, wechat.ledger_count) == (53000, 3)
        assert figures.net_fen == 40000 + 100000 - 10000 + 40000 + 70000


def test_closing_freezes_the_figures_and_the_day_stays_frozen(alpha, day_data):
    day = day_data["day"]
    with schema_context(alpha.schema):
        _ready(day_data)
        expected = day_preview(day=day)
        admin = staff("fin", role="finance")
        closed = day_close(day=day, actor=admin)
        assert closed.status == DailyClose.Status.CLOSED and closed.closed_by == admin
        assert closed.totals == expected.to_json()
        assert closed.totals["net_fen"] == 240000
        audit = AuditLog.objects.get(action="reconciliation.day_close")
        assert (audit.actor_name, audit.detail["net_fen"]) == ("fin", 240000)
        # A late settlement lands an order on the closed day: the ledger moves, the close does not.
        _online(12345, _at(day, 20), 9)
        view = daily_close_get(day=day)
        assert view.status == "closed" and view.blockers == []
        assert view.figures.to_json() == expected.to_json()
        assert day_preview(day=day).channel("wechat").ledger_collected_fen == 53000 + 12345
        with pytest.raises(ValidationError) as exc:
            day_close(day=day, actor=admin)
        assert _code(exc) == "DAY_CLOSED"
        with pytest.raises(ValidationError) as exc, transaction.atomic():
            ensure_day_open(day)
        assert _code(exc) == "DAY_CLOSED"
        ensure_day_open(day - dt.timedelta(days=1))  # other days stay writable


def test_a_counter_refund_of_a_closed_days_payment_is_todays_money(alpha, day_data):
    day, today = day_data["day"], day_data["today"]
    with schema_context(alpha.schema):
        _ready(day_data)
        frozen = day_close(day=day, actor=day_data["c1"]).totals
        order = PaymentOrder.objects.get(receipt_no="D2")
        refund = refund_request(order_id=order.pk, amount_fen=4000, reason="退还", actor=day_data["c2"])
        assert refund.shift.status == "open" and refund.shift.collector == day_data["c2"]
        shift_close(shift_id=refund.shift_id, actor=day_data["c2"])
        assert DailyClose.objects.get(day=day).totals == frozen
        assert day_preview(day=today).channel("pos").refunded_fen == 4000
        assert day_preview(day=day).channel("pos").refunded_fen == 0


def test_an_adjustment_is_booked_on_the_next_open_day(alpha, day_data):
    day, today = day_data["day"], day_data["today"]
    with schema_context(alpha.schema):
        _ready(day_data)
        admin = staff("fin", role="finance")
        with pytest.raises(ValidationError) as exc:  # an open day is corrected by resolving, not by adjusting
            adjustment_create(corrects_day=day, channel="cash", amount_fen=-500, reason="点钞短款", actor=admin)
        assert _code(exc) == "NOT_ALLOWED_IN_STATE"
        frozen = day_close(day=day, actor=admin).totals
        before = day_preview(day=today)
        adjustment = adjustment_create(corrects_day=day, channel="cash", amount_fen=-500, reason="点钞短款",
                                       actor=admin)
        assert (adjustment.day, adjustment.corrects_day) == (today, day)
        assert DailyClose.objects.get(day=day).totals == frozen
        after = day_preview(day=today)
        assert after.channel("cash").adjustments_fen == -500
        assert after.net_fen == before.net_fen - 500
        view = daily_close_get(day=day)
        assert [a.pk for a in view.corrections] == [adjustment.pk] and view.adjustments == []
        assert [a.pk for a in daily_close_get(day=today).adjustments] == [adjustment.pk]
        audit = AuditLog.objects.get(action="reconciliation.day_adjust")
        assert (audit.detail["amount_fen"], audit.detail["corrects_day"]) == (-500, day.isoformat())
        for bad in ({"amount_fen": 0}, {"reason": " "}, {"channel": "cheque"}):
            args = {"corrects_day": day, "channel": "cash", "amount_fen": 1, "reason": "原因", "actor": admin, **bad}
            with pytest.raises(ValidationError):
                adjustment_create(**args)
        assert DayAdjustment.objects.count() == 1


def test_an_adjustment_skips_closed_days_and_names_a_difference_of_its_day(alpha, day_data):
    day, today = day_data["day"], day_data["today"]
    with schema_context(alpha.schema):
        _ready(day_data)
        admin = staff("fin", role="finance")
        day_close(day=day, actor=admin)
        difference = Difference.objects.create(run=day_data["run"], kind="fee_mismatch", subject="payment",
                                               out_trade_no="X1", status="resolved")
        # If today were closed (a clock skew, say), the correction goes to tomorrow.
        DailyClose.objects.create(day=today, status=DailyClose.Status.CLOSED)
        adjustment = adjustment_create(corrects_day=day, channel="wechat", amount_fen=30, reason="手续费差异",
                                       actor=admin, difference_id=difference.pk)
        assert adjustment.day == today + dt.timedelta(days=1) and adjustment.difference == difference
        other = _run(day_data["account"], day - dt.timedelta(days=1), "closed", [])
        foreign = Difference.objects.create(run=other, kind="fee_mismatch", subject="payment", out_trade_no="X2")
        with pytest.raises(ValidationError) as exc:
            adjustment_create(corrects_day=day, channel="wechat", amount_fen=30, reason="手续费差异", actor=admin,
                              difference_id=foreign.pk)
        assert _code(exc) == "INVALID"


def test_days_close_in_order_skipping_days_without_activity(alpha, day_data):
    """Day −4 closed; day −3 has counter money and is open: day −2 waits for it. Without that money,
    day −3 needs no close and day −2 may close."""
    day = day_data["day"]
    first, middle = day - dt.timedelta(days=2), day - dt.timedelta(days=1)
    with schema_context(alpha.schema):
        _ready(day_data)
        for d in (first, middle):
            _run(day_data["account"], d, StatementRun.Status.CLOSED, [])
        day_close(day=first, actor=day_data["c1"])  # empty, but a company may start anywhere
        late = _counter(day_data["c2"], day_data["bills"][3], 2000, "cash", _at(middle, 10), "M1")
        shift_close(shift_id=late.shift_id, actor=day_data["c2"])
        blockers = day_blockers(day=day)
        assert [(b.kind, b.day) for b in blockers] == [(BlockerKind.EARLIER_DAY_OPEN, middle)]
        views = {v.day: v for v in daily_close_list(date_from=first, date_to=day)}
        assert [b.kind for b in views[day].blockers] == [BlockerKind.EARLIER_DAY_OPEN]
        assert (views[middle].status, views[middle].blockers, views[first].status) == ("open", [], "closed")
        PaymentOrder.objects.filter(pk=late.pk).update(paid_at=_at(day_data["today"], 1))
        assert day_blockers(day=day) == []
        day_close(day=day, actor=day_data["c1"])


def test_the_list_costs_the_same_for_one_day_as_for_many(alpha, day_data):
    from tests.queries import assert_same_queries

    day = day_data["day"]
    with schema_context(alpha.schema):
        _ready(day_data)
        _run(day_data["account"], day - dt.timedelta(days=5), StatementRun.Status.CLOSED, [])
        day_close(day=day - dt.timedelta(days=5), actor=day_data["c1"])
        shift = pay(day_data["c1"], [day_data["bills"][3]], 1000, "OPEN1").shift
        PaymentOrder.objects.filter(receipt_no="OPEN1").update(paid_at=_at(day - dt.timedelta(days=1), 9))
        assert shift.status == "open"
        one, many = assert_same_queries(lambda: daily_close_list(date_from=day, date_to=day),
                                        lambda: daily_close_list(date_from=day - dt.timedelta(days=4), date_to=day))
        assert len(one) == 1 and len(many) == 5
        assert any(b.kind == BlockerKind.SHIFT_OPEN for v in many for b in v.blockers)
