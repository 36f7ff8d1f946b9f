"""Counter money stays traceable: cash handed back for a counter payment
belongs to the refunding person's open shift (opened for it if needed),
whenever and by whomever the payment was taken, and shows in its 日结: totals
net of refunds, the refunds listed. A closed shift never changes."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.payments.models import CounterShift, Refund
from apps.payments.selectors_counter import shift_live_summary, shift_summaries
from apps.payments.services import refund_request, shift_close
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay
from tests.factories.tariffs import plain_season

pytestmark = pytest.mark.django_db

MY_SHIFT = """{ myShift { id collectorName status totalFen collectedFen refundedFen count
  totals { method amountFen collectedFen refundedFen count }
  refunds { outRefundNo outTradeNo receiptNo amountFen method refundedAt accountNos } } }"""
REFUND = """mutation($id: ID!, $amt: Int!) { refundOrder(orderId: $id, amountFen: $amt, reason: "多收退回") {
  refund { status amountFen } errors { field code } } }"""


@pytest.fixture
def day(alpha):
    """Collector li took 1,000.00 cash and 500.00 by POS, then closed the shift (日结)."""
    with schema_context(alpha.schema):
        li = staff("li")
        li.display_name = "李收费"
        li.save(update_fields=["display_name"])
        boss = staff("boss", role="tenant_admin")
        fin = staff("fin", role="finance")
        season = plain_season()
        cash = pay(li, [bill_for(season)], 100000, "NO.1")
        pos = pay(li, [bill_for(season)], 50000, "NO.2", method="pos")
        closed = shift_close(shift_id=cash.shift_id, actor=li)
    return {"li": li, "boss": boss, "fin": fin, "cash": cash, "pos": pos, "closed": closed, "season": season}


def test_a_refund_after_the_shift_was_closed_lands_in_a_new_shift_of_the_refunder(alpha, day):
    with schema_context(alpha.schema):
        frozen = CounterShift.objects.get(pk=day["closed"].pk).totals
        refund = refund_request(order_id=day["cash"].pk, amount_fen=30000, reason="多收退回", actor=day["boss"])
        assert refund.status == Refund.Status.SUCCESS
        shift = CounterShift.objects.get(collector=day["boss"], status=CounterShift.Status.OPEN)
        assert refund.shift_id == shift.pk != day["closed"].pk
        summary = shift_live_summary(shift)
        assert (summary.collected_fen, summary.refunded_fen, summary.total_fen, summary.count) == (0, 30000, -30000, 0)
        assert [(t.method, t.amount_fen, t.refunded_fen) for t in summary.totals] == [
            ("cash", -30000, 30000), ("pos", 0, 0), ("transfer", 0, 0)]
        [listed] = summary.refunds
        assert (listed.out_refund_no, listed.out_trade_no, listed.receipt_no, listed.amount_fen, listed.method) == (
            refund.out_refund_no, day["cash"].out_trade_no, "NO.1", 30000, "cash")
        assert listed.account_nos == (day["cash"].items.get().bill.house.account_no,)
        # The closed shift is frozen: the refund is not its business.
        assert CounterShift.objects.get(pk=day["closed"].pk).totals == frozen
        assert shift_summaries([day["closed"]])[day["closed"].pk].total_fen == 150000
        audit = AuditLog.objects.get(action="refund.requested", target_id=refund.pk)
        assert audit.detail["shift_id"] == shift.pk

        # 日结 of the refunder's shift freezes the refund with it.
        closed = shift_close(shift_id=shift.pk, actor=day["boss"])
        again = shift_summaries([closed])[closed.pk]
        assert (again.total_fen, again.refunded_fen, [r.out_refund_no for r in again.refunds]) == (
            -30000, 30000, [refund.out_refund_no])
        assert closed.totals["by_method"]["cash"] == -30000 and closed.totals["refunds"][0]["receipt_no"] == "NO.1"


def test_a_refund_joins_the_refunders_open_shift_and_its_totals_are_net(gql, alpha, day):
    with schema_context(alpha.schema):
        taken = pay(day["boss"], [bill_for(day["season"])], FULL, "NO.3")  # boss opens a shift by taking cash
    token = gql.login(alpha.host, "boss")
    for order, amount in [(day["cash"], 20000), (day["pos"], 5000)]:
        result = gql(alpha.host, REFUND, {"id": str(order.pk), "amt": amount}, token=token)["data"]["refundOrder"]
        assert result == {"refund": {"status": "SUCCESS", "amountFen": amount}, "errors": []}
    shift = gql(alpha.host, MY_SHIFT, token=token)["data"]["myShift"]
    assert (shift["id"], shift["status"], shift["collectorName"]) == (str(taken.shift_id), "OPEN", "boss")
    assert (shift["collectedFen"], shift["refundedFen"], shift["totalFen"], shift["count"]) == (
        FULL, 25000, FULL - 25000, 1)
    assert shift["totals"] == [
        {"method": "CASH", "amountFen": FULL - 20000, "collectedFen": FULL, "refundedFen": 20000, "count": 1},
        {"method": "POS", "amountFen": -5000, "collectedFen": 0, "refundedFen": 5000, "count": 0},
        {"method": "TRANSFER", "amountFen": 0, "collectedFen": 0, "refundedFen": 0, "count": 0}]
    assert [(r["receiptNo"], r["amountFen"], r["method"]) for r in shift["refunds"]] == [
        ("NO.1", 20000, "CASH"), ("NO.2", 5000, "POS")]
    li = gql(alpha.host, MY_SHIFT, token=gql.login(alpha.host, "li"))["data"]["myShift"]
    assert li is None  # li's day stays closed


def test_finance_handing_back_cash_gets_a_shift_an_admin_closes(gql, alpha, day):
    with schema_context(alpha.schema):
        refund_request(order_id=day["pos"].pk, amount_fen=50000, reason="重复缴费", actor=day["fin"])
        shift = CounterShift.objects.get(collector=day["fin"], status=CounterShift.Status.OPEN)
    everything = gql(alpha.host, "{ shifts { items { collectorUsername status refundedFen totalFen } } }",
                     token=gql.login(alpha.host, "fin"))["data"]["shifts"]["items"]
    assert {"collectorUsername": "fin", "status": "OPEN", "refundedFen": 50000, "totalFen": -50000} in everything
    close = "mutation($id: ID!) { closeShift(id: $id) { shift { status refundedFen } errors { code } } }"
    closed = gql(alpha.host, close, {"id": str(shift.pk)}, token=gql.login(alpha.host, "boss"))["data"]["closeShift"]
    assert closed == {"shift": {"status": "CLOSED", "refundedFen": 50000}, "errors": []}



def test_a_shift_closed_before_refunds_were_counted_reads_as_it_was_frozen():
    from apps.payments.selectors_counter import ShiftSummary

    old = {"by_method": {"cash": 3000, "pos": 7000, "transfer": 0}, "count_by_method": {"cash": 2, "pos": 1},
           "count": 3, "total_fen": 10000, "receipts": []}
    summary = ShiftSummary.from_json(old)
    assert (summary.total_fen, summary.collected_fen, summary.refunded_fen, summary.count, summary.refunds) == (
        10000, 10000, 0, 3, ())
    assert [(t.method, t.amount_fen, t.count) for t in summary.totals] == [
        ("cash", 3000, 2), ("pos", 7000, 1), ("transfer", 0, 0)]
