"""paymentOrders for the console's orders page: the day filters (the company's calendar days, both ends
inclusive) alone and with the other filters, a malformed day refused, and another company's staff see none."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.payments.models import PaymentOrder
from tests.factories.accounts import staff
from tests.factories.billing import bill_for
from tests.factories.payments import pay
from tests.factories.tariffs import plain_season

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDERS = """query($f: PaymentOrderFilter) { paymentOrders(filter: $f, first: 50) {
  totalCount items { receiptNo createdAt } } }"""


@pytest.fixture
def dated_orders(alpha):
    """Counter payments created late on Nov 30, just after midnight on Dec 1 and on Dec 2 (Shanghai time)."""
    created = {"late-1130": dt.datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI),
               "early-1201": dt.datetime(2026, 12, 1, 0, 10, tzinfo=SHANGHAI),
               "noon-1202": dt.datetime(2026, 12, 2, 12, 0, tzinfo=SHANGHAI)}
    with schema_context(alpha.schema):
        collector, season = staff("li"), plain_season()
        for receipt_no, when in created.items():
            order = pay(collector, [bill_for(season)], 1000, receipt_no, method="pos")
            PaymentOrder.objects.filter(pk=order.pk).update(created_at=when)
    return created


def _receipts(gql, alpha, token, **filters) -> list[str]:
    data = gql(alpha.host, ORDERS, {"f": filters}, token=token)
    assert "errors" not in data, data
    return [o["receiptNo"] for o in data["data"]["paymentOrders"]["items"]]


def test_orders_by_the_day_they_were_created(gql, alpha, dated_orders, make_staff):
    finance = make_staff(alpha, "finance")
    assert _receipts(gql, alpha, finance) == ["noon-1202", "early-1201", "late-1130"]
    assert _receipts(gql, alpha, finance, dateFrom="2026-12-01") == ["noon-1202", "early-1201"]
    assert _receipts(gql, alpha, finance, dateTo="2026-11-30") == ["late-1130"]  # 15:30 UTC is still Nov 30 here
    assert _receipts(gql, alpha, finance, dateFrom="2026-12-01", dateTo="2026-12-01") == ["early-1201"]
    assert _receipts(gql, alpha, finance, dateFrom="2026-12-03") == []
    assert _receipts(gql, alpha, finance, dateFrom="2026-12-02", dateTo="2026-12-01") == []


def test_day_filters_combine_with_the_others(gql, alpha, dated_orders, make_staff):
    finance = make_staff(alpha, "finance")
    assert _receipts(gql, alpha, finance, dateTo="2026-12-01", channel="COUNTER", status="PAID") == [
        "early-1201", "late-1130"]
    assert _receipts(gql, alpha, finance, dateTo="2026-12-01", channel="WECHAT") == []
    assert _receipts(gql, alpha, finance, dateFrom="2026-11-30", search="early-1201") == ["early-1201"]


def test_a_malformed_day_is_refused(gql, alpha, dated_orders, make_staff):
    result = gql(alpha.host, ORDERS, {"f": {"dateFrom": "2026-13-01"}}, token=make_staff(alpha, "finance"))
    assert "data" not in result
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]


def test_another_companys_staff_see_none_of_them(gql, alpha, beta, dated_orders, make_staff):
    data = gql(beta.host, ORDERS, {"f": {"dateFrom": "2026-11-01"}}, token=make_staff(beta, "finance"))
    assert data["data"]["paymentOrders"] == {"totalCount": 0, "items": []}


ORDER_FLAG = "query($no: String!) { order(outTradeNo: $no) { status flagReason } }"


def test_why_an_order_is_flagged_is_for_payment_staff_only(gql, alpha, make_staff):
    """A reverted or otherwise flagged order says why to finance (orders page); its resident may read the order
    but not that field (PERMISSION_DENIED), and an unflagged order says null."""
    from tests.factories.payments import make_payer
    from tests.factories.tariffs import tianjin_season

    with schema_context(alpha.schema):
        season = tianjin_season()
    payer = make_payer(alpha, season, openid="o-flag", houses=1)
    with schema_context(alpha.schema):
        order = PaymentOrder.objects.create(
            out_trade_no="W2612FLAG0000000001", channel="wechat", status="failed", amount_fen=1000,
            description="供暖费", resident=payer.resident, flag_reason="对账撤销：渠道查询为「已关闭」")
        plain = PaymentOrder.objects.create(out_trade_no="W2612FLAG0000000002", channel="wechat", status="created",
                                            amount_fen=1000, description="供暖费", resident=payer.resident)
    finance = make_staff(alpha, "finance")
    flagged = gql(alpha.host, ORDER_FLAG, {"no": order.out_trade_no}, token=finance)
    assert flagged["data"]["order"] == {"status": "FAILED", "flagReason": "对账撤销：渠道查询为「已关闭」"}
    assert gql(alpha.host, ORDER_FLAG, {"no": plain.out_trade_no}, token=finance)["data"]["order"]["flagReason"] is None
    mine = gql(alpha.host, ORDER_FLAG, {"no": order.out_trade_no}, token=payer.token)
    assert [e["extensions"]["code"] for e in mine["errors"]] == ["PERMISSION_DENIED"]
    assert gql(alpha.host, "query($no: String!) { order(outTradeNo: $no) { status } }", {"no": order.out_trade_no},
               token=payer.token)["data"]["order"] == {"status": "FAILED"}
