"""The counter desk and the orders page in a real browser.

- A collector opens a shift, finds a house by its 户号 from the one search box (Enter), takes a cash part
  payment (the change worked out from the cash tendered; the button double-clicked: one payment), downloads
  the receipt PDF (read back: the amount, the 户号 and the receipt number are in it), sees the shift's totals
  and closes the shift (日结) with its closing summary.
- Finance refunds part of an online order (paid through the sandbox WeChat Pay gateway as a resident's tap on
  支付 pays it) from the orders table: the amount is checked as typed, then the refund goes to the gateway and
  its status turns 已退款 when the gateway's refund notify arrives; the list then exports to Excel.

Both use rows of their own in the shared console company (a collector, houses and bills, a resident, a merchant
account) and remove them again with what the test added on them (orders, refunds, the shift), so the other
browser tests (the dashboard counts the demo's bills and payments) find the company as they left it."""

from __future__ import annotations

import json
import os
import urllib.request
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from apps.billing.models import Bill
from apps.payments.models import PaymentOrder, Refund
from apps.properties.models import House
from tests.factories.db import committed
from tests.factories.pdf import pdf_text
from tests.factories.tenants import PASSWORD

ACCOUNT_NO = f"E2E-C{os.getpid() % 100000:05d}"  # per run: an aborted run's leftover never collides
MCHID = "1900000888"


def _season_and_plan(schema: str):
    from apps.tariffs.models import Season, TariffPlan

    with schema_context(schema):
        season = Season.objects.get(status__in=Season.PUBLISHED)
        return season, TariffPlan.objects.get(season=season, name="居民面积计费")


def _collector_and_house(tenant):
    """A collector of our own and a 100 ㎡ house with this season's bill (2,400.00 at 24 元/㎡)."""
    from apps.accounts.services import staff_create
    from apps.billing.services import bill_issue
    from tests.factories.properties import HouseFactory

    season, plan = _season_and_plan(tenant.schema)
    with schema_context(tenant.schema):
        user = staff_create(username=f"{tenant.slug}-desk", password=PASSWORD, role="collector",
                            display_name="柜台测试员")
        house = HouseFactory(account_no=ACCOUNT_NO, owner_name="柜台测试户", building_area=Decimal("100"))
        bill = bill_issue(house=house, season=season, plan=plan)
    return SimpleNamespace(username=user.username, bill_id=bill.pk, house=house)


def _remove_desk(tenant, desk) -> None:
    """The desk's house with its bill and orders, then the shift and the collector (held by PROTECT keys)."""
    from apps.accounts.models import User
    from apps.payments.models import CounterShift

    from .conftest import purge_houses

    with schema_context(tenant.schema):
        purge_houses(House.objects.filter(pk=desk.house.pk))
        CounterShift.objects.filter(collector__username=desk.username).delete()
        User.objects.filter(username=desk.username).delete()


@pytest.fixture
def desk(console_tenant, console):
    """A collector of our own and a house with this season's bill, removed after the test."""
    made = committed(_collector_and_house, console_tenant.info)
    yield made
    committed(_remove_desk, console_tenant.info, made)


def _fen_text(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def test_collector_takes_a_cash_part_payment_prints_the_receipt_and_closes_the_shift(console, console_tenant, desk):
    tenant = console_tenant.info
    with schema_context(tenant.schema):
        due = Bill.objects.get(pk=desk.bill_id).principal_fen
    assert due == 240000
    page = console.login(tenant.host, desk.username)
    page.get_by_test_id("menu-counter").click()

    # Open the shift.
    page.get_by_test_id("shift-open").click()
    page.get_by_test_id("shift-total-total").wait_for()
    assert page.get_by_test_id("shift-total-total").inner_text() == "¥0.00"
    console.shot("shift-opened")

    # Find the house by its 户号: type it and press Enter.
    search = page.get_by_test_id("counter-search")
    search.fill(ACCOUNT_NO)
    search.press("Enter")
    page.get_by_test_id("counter-house").wait_for()
    assert ACCOUNT_NO in page.get_by_test_id("counter-house").inner_text()
    expect(page.get_by_test_id("counter-due-total")).to_have_text(_fen_text(due))
    # The amount box has the focus, with the whole amount due proposed.
    amount = page.get_by_test_id("counter-amount")
    expect(amount).to_be_focused()
    expect(amount).to_have_value("2400.00")
    console.shot("house-found")

    # More than is due is refused on the field as it is typed.
    amount.fill("2400.01")
    error = page.locator(".ant-form-item", has=amount).locator(".ant-form-item-explain-error")
    error.wait_for()
    assert "超过应缴金额" in error.inner_text()
    console.shot("over-refused")

    # A part payment in cash: 1,000.00 of 2,400.00, 1,200.00 tendered, 200.00 change.
    amount.fill("1000")
    page.get_by_test_id("counter-receipt-no").fill("E2E-000001")
    page.get_by_test_id("counter-tendered").fill("1200")
    assert page.get_by_test_id("counter-change").inner_text().endswith("¥200.00")
    assert page.get_by_test_id(f"counter-share-{desk.bill_id}").inner_text().startswith("¥1,000.00")
    console.shot("part-payment-entered")
    page.get_by_test_id("counter-submit").dblclick()  # a double click takes the money once
    page.get_by_test_id("counter-paid").wait_for()
    assert page.get_by_test_id("counter-paid-amount").inner_text() == "¥1,000.00"
    console.shot("paid")
    with schema_context(tenant.schema):
        orders = list(PaymentOrder.objects.filter(items__bill_id=desk.bill_id))
        bill = Bill.objects.get(pk=desk.bill_id)
    assert [(o.amount_fen, o.receipt_no, o.counter_method) for o in orders] == [(100000, "E2E-000001", "cash")]
    assert (bill.status, bill.paid_fen) == ("partially_paid", 100000)

    # The receipt: a PDF saying what was paid, by whom, on which receipt.
    with page.expect_download() as download:
        page.get_by_test_id("counter-download").click()
    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in ("1,000.00", ACCOUNT_NO, "E2E-000001", "柜台测试户", "收款方式：现金", "收费员：柜台测试员"):
        assert expected in text, expected
    assert download.value.suggested_filename == f"receipt-{orders[0].out_trade_no}.pdf"

    # My shift's totals by method.
    expect(page.get_by_test_id("shift-total-total")).to_have_text("¥1,000.00")
    assert page.get_by_test_id("shift-total-CASH").inner_text() == "¥1,000.00"
    assert page.get_by_test_id("shift-total-POS").inner_text() == "¥0.00"
    assert "E2E-000001" in page.get_by_test_id("shift-receipts").inner_text()
    console.shot("shift-totals")

    # 日结: confirm, then the closing summary with the frozen totals; no shift is open afterwards.
    page.get_by_test_id("shift-close").click()
    assert page.get_by_test_id("shift-confirm-total-total").inner_text() == "¥1,000.00"
    console.shot("close-confirm")
    page.get_by_test_id("shift-close-confirm").click()
    page.get_by_test_id("shift-closed-summary").wait_for()
    assert page.get_by_test_id("shift-closed-total-total").inner_text() == "¥1,000.00"
    console.shot("shift-closed")
    page.get_by_test_id("shift-closed-ok").click()
    page.get_by_test_id("shift-open").wait_for()
    with schema_context(tenant.schema):
        shift = orders[0].shift
        shift.refresh_from_db()
    assert shift.status == "closed" and shift.totals["total_fen"] == 100000


# --- finance: a part refund of an online order ---------------------------------------------------------

def _http(port: int, host: str, path: str, payload: dict, token: str | None = None) -> dict:
    headers = {"Host": host, "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(payload).encode(),
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def _merchant_and_payer(tenant):
    """The company's sandbox WeChat Pay merchant and a resident with a bound house and its bill."""
    from tests.factories.payments import add_wechat_account, make_payer

    add_wechat_account(tenant.slug, mchid=MCHID)
    season, plan = _season_and_plan(tenant.schema)
    return make_payer(tenant, SimpleNamespace(season=season, area=plan), openid="o-console-refund")


def _remove_merchant_and_payer(tenant, payer):
    from apps.payments.sandbox.models import SandboxMerchant, SandboxTrade
    from apps.residents.models import Resident
    from tenants.models import MerchantAccount

    from .conftest import purge_houses

    if payer is not None:
        with schema_context(tenant.schema):
            purge_houses(House.objects.filter(pk__in=[h.pk for h in payer.houses]))  # bill, order, refund
            Resident.objects.filter(pk=payer.resident.pk).delete()
    connection.set_schema_to_public()
    MerchantAccount.objects.filter(tenant__slug=tenant.slug, mchid=MCHID).delete()
    SandboxTrade.objects.filter(merchant_id=MCHID).delete()  # its refunds go with it
    SandboxMerchant.objects.filter(merchant_id=MCHID).delete()


@pytest.fixture
def online_order(console_tenant, console, settings):
    """A paid online order: the resident's createPayment over HTTP, then the sandbox gateway's confirm (the tap
    on 支付), whose signed notify comes back to the company over HTTP and settles the order."""
    tenant, port = console_tenant.info, console.port  # the live server the browser talks to
    settings.PAYMENTS_WECHATPAY_GATEWAY = f"http://localhost:{port}/sandbox/wechatpay"
    settings.PAYMENTS_NOTIFY_BASE_URL = "http://{domain}:" + str(port)
    payer = None
    try:
        payer = committed(_merchant_and_payer, tenant)
        created = _http(port, tenant.host, "/graphql/", {
            "query": """mutation($ids: [ID!]!) { createPayment(billIds: $ids, channel: WECHAT) {
                order { outTradeNo amountFen } payParams { package } errors { code } } }""",
            "variables": {"ids": [str(payer.bills[0].pk)]}}, token=payer.token)["data"]["createPayment"]
        assert created["errors"] == [], created
        prepay_id = created["payParams"]["package"].removeprefix("prepay_id=")
        _http(port, "localhost", "/sandbox/wechatpay/confirm", {"prepay_id": prepay_id, "result": "pay"})
        with schema_context(tenant.schema):
            order = PaymentOrder.objects.get(out_trade_no=created["order"]["outTradeNo"])
        assert order.status == "paid", order.status
        yield order
    finally:
        committed(_remove_merchant_and_payer, tenant, payer)


def test_finance_refunds_part_of_an_online_order_and_sees_it_refunded(console, console_tenant, online_order):
    tenant, order = console_tenant.info, online_order
    page = console.login(tenant.host, console_tenant.staff["FINANCE"])
    page.get_by_test_id("menu-orders").click()
    page.get_by_test_id("orders-table").wait_for()
    # Find it by its order number.
    page.get_by_placeholder("订单号 / 收据号 / 交易号 / 户号").fill(order.out_trade_no)
    page.get_by_placeholder("订单号 / 收据号 / 交易号 / 户号").press("Enter")
    page.get_by_test_id(f"order-status-{order.out_trade_no}").wait_for()
    assert page.get_by_test_id(f"order-status-{order.out_trade_no}").inner_text() == "已支付"
    console.shot("orders")

    page.get_by_test_id(f"refund-{order.out_trade_no}").click()
    page.get_by_test_id("refund-refundable").wait_for()
    assert page.get_by_test_id("refund-refundable").inner_text() == _fen_text(order.amount_fen)
    amount = page.get_by_test_id("refund-amount")
    amount.fill(f"{order.amount_fen / 100 + 1:.2f}")  # more than was paid: refused as typed
    error = page.locator(".ant-form-item", has=amount).locator(".ant-form-item-explain-error")
    error.wait_for()
    assert "不能超过可退金额" in error.inner_text()
    console.shot("refund-too-much")
    amount.fill("100.00")
    page.get_by_test_id("refund-reason").fill("面积复核，退还多收部分")
    console.shot("refund-entered")
    page.get_by_test_id("refund-submit").click()

    # The order's drawer shows the refund; it turns 已退款 when the gateway's notify arrives.
    page.get_by_test_id("order-drawer").wait_for()
    with schema_context(tenant.schema):
        refund = Refund.objects.get(order=order)
    assert (refund.amount_fen, refund.reason) == (10000, "面积复核，退还多收部分")
    status = page.get_by_test_id(f"refund-status-{refund.out_refund_no}")
    expect(status).to_have_attribute("data-status", "SUCCESS")
    assert status.inner_text() == "已退款"
    assert page.get_by_test_id("order-refunded").inner_text() == "¥100.00"
    console.shot("refunded")
    page.locator(".ant-drawer-close").click()
    page.locator(".ant-drawer-content").wait_for(state="hidden")
    expect(page.get_by_test_id(f"order-refund-state-{order.out_trade_no}")).to_contain_text("部分退款")
    console.shot("orders-after-refund")

    # The list exports as it is filtered (the shared export button; a paid-payments export of the API).
    with page.expect_download() as download:
        page.get_by_test_id("orders-export").click()
        page.get_by_test_id("orders-export-ready").wait_for()
    assert download.value.suggested_filename.endswith(".xlsx")
    console.shot("orders-exported")
    with schema_context(tenant.schema):
        refund.refresh_from_db()
        order.refresh_from_db()
    assert refund.status == "success" and order.refunded_fen == 10000 and order.refund_status == "partial"
