"""Against committed data in real PostgreSQL: 50 identical notifies at once
settle once; two gateways' worth of notifies racing for one bill settle it
once; eight identical counter submissions at once record one payment; and a
resident's whole payment over real sockets (live server, sandbox gateway,
real notify POST)."""

from __future__ import annotations

import json
import threading
import urllib.request

import pytest
from django.db import connection, connections
from django.test import Client
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill
from apps.payments.models import PaymentNotify, PaymentOrder
from tenants.models import MerchantAccount
from tests.factories.db import committed
from tests.factories.payments import make_payer

# The test database must exist (pytest-django only creates it for tests that ask for it); the
# rows these tests need are written by `committed(...)` on threads of their own, so the
# notify threads and the live server see them.
pytestmark = [pytest.mark.django_db,
              # a sender thread that dies (a deadlock, say) fails the test instead of warning
              pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")]


def _order_for(tenant, payer, bills) -> PaymentOrder:
    """An order as createPayment makes it, through the service (sandbox gateway in-process)."""
    from apps.payments.services import payment_create
    from tests.sandbox_http import sandbox_http

    with schema_context(tenant.schema), sandbox_http():
        return payment_create(resident=payer.resident, bill_ids=[b.pk for b in bills], channel="wechat").order


def _notify_for(tenant_slug: str, order: PaymentOrder):
    from apps.payments.sandbox.wechat import build_wechat_notify

    connection.set_schema_to_public()
    account = MerchantAccount.objects.get(tenant__slug=tenant_slug, channel="wechat")
    resource = {"mchid": account.mchid, "appid": account.appid, "out_trade_no": order.out_trade_no,
                "transaction_id": f"42000{order.pk:023d}", "trade_type": "JSAPI", "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
                "success_time": "2026-11-26T10:00:00+08:00", "payer": {"openid": order.payer_id},
                "amount": {"total": order.amount_fen, "payer_total": order.amount_fen, "currency": "CNY",
                           "payer_currency": "CNY"}}
    return build_wechat_notify(resource, apiv3_key=account.apiv3_key)


def _headers(headers: dict) -> dict:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def _hammer(host: str, notifies: list[tuple[dict, str]], threads: int) -> list[int]:
    """POST every notify from `threads` threads at once (each thread its own DB connection)."""
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)
    queue = list(notifies)

    def work():
        start.wait()
        client = Client()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    headers, body = queue.pop()
                resp = client.post("/payments/notify/wechat/", data=body.encode(), content_type="application/json",
                                   HTTP_HOST=host, **_headers(headers))
                with lock:
                    statuses.append(resp.status_code)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return statuses


def test_fifty_concurrent_identical_notifies_settle_once(committed_tenant, settings):
    tenant = committed_tenant.info
    payer = committed(make_payer, tenant, committed_tenant.season, openid="o-concurrent", houses=2)
    order = committed(_order_for, tenant, payer, payer.bills)
    notify = committed(_notify_for, tenant.slug, order)
    statuses = _hammer(tenant.host, [notify] * 50, threads=50)
    connection.set_schema_to_public()
    assert len(statuses) == 50 and all(s in (200, 204) for s in statuses), statuses
    with schema_context(tenant.schema):
        order.refresh_from_db()
        assert order.status == "paid" and order.needs_refund_fen == 0
        for bill in Bill.objects.filter(pk__in=[b.pk for b in payer.bills]):
            assert bill.paid_fen == bill.principal_fen and bill.status == "paid"
        rows = list(PaymentNotify.objects.filter(out_trade_no=order.out_trade_no).values_list("outcome", "reason"))
        # One settled row; the 49 replays are counted on one duplicate row (a row each could fill the table).
        assert sorted(outcome for outcome, _reason in rows) == ["duplicate", "settled"]
        assert dict(rows)["duplicate"] == "already settled [10+ in this minute]"
        assert AuditLog.objects.filter(action="payment.paid", target_id=order.pk).count() == 1


def test_two_orders_racing_for_one_bill_cannot_both_settle_it(committed_tenant):
    tenant = committed_tenant.info
    payer = committed(make_payer, tenant, committed_tenant.season, openid="o-race", houses=2)
    first = committed(_order_for, tenant, payer, payer.bills[:1])
    second = committed(_order_for, tenant, payer, payer.bills)  # also pays bill 1 (superseding the first here)
    notifies = [committed(_notify_for, tenant.slug, first), committed(_notify_for, tenant.slug, second)] * 10
    statuses = _hammer(tenant.host, notifies, threads=8)
    connection.set_schema_to_public()
    assert len(statuses) == len(notifies) and all(s in (200, 204) for s in statuses), statuses
    with schema_context(tenant.schema):
        bill, other = Bill.objects.filter(pk__in=[b.pk for b in payer.bills]).order_by("pk")
        assert bill.paid_fen == bill.principal_fen  # paid once, whichever order came first
        assert other.paid_fen == other.principal_fen
        orders = PaymentOrder.objects.filter(pk__in=[first.pk, second.pk])
        assert all(o.status == "paid" for o in orders)  # both moneys recorded, neither dropped
        assert sum(o.needs_refund_fen for o in orders) == bill.principal_fen  # bill 1's second payment


def _collector_and_bill(tenant, season_ns):
    from apps.billing.services import bill_issue
    from tests.factories.accounts import staff
    from tests.factories.properties import HouseFactory

    with schema_context(tenant.schema):
        return staff("counter-race"), bill_issue(house=HouseFactory(), season=season_ns.season, plan=season_ns.area)


def test_a_double_click_at_the_counter_records_the_payment_once(committed_tenant):
    """Eight submissions of one payment at once (same request number): one order, the bill paid once, and
    every submission answered with that order (none told the receipt number is taken)."""
    from django.core.exceptions import ValidationError

    from apps.payments.services import counter_payment_record

    tenant = committed_tenant.info
    collector, bill = committed(_collector_and_bill, tenant, committed_tenant.season)
    answers: list[str] = []
    lock, start = threading.Lock(), threading.Barrier(8)

    def submit():
        start.wait()
        try:
            with schema_context(tenant.schema):
                order = counter_payment_record(collector=collector, bill_ids=[bill.pk], method="cash",
                                               amount_fen=50000, receipt_no="RACE-0001", request_no="k-race-0001")
            answer = order.out_trade_no
        except ValidationError as exc:
            answer = f"error {exc.message_dict}"
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    workers = [threading.Thread(target=submit) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    connection.set_schema_to_public()
    with schema_context(tenant.schema):
        orders = list(PaymentOrder.objects.filter(items__bill=bill))
        assert [o.receipt_no for o in orders] == ["RACE-0001"]
        assert answers == [orders[0].out_trade_no] * 8
        assert Bill.objects.get(pk=bill.pk).paid_fen == 50000


def _http(port: int, host: str, path: str, payload: dict, token: str | None = None) -> dict:
    headers = {"Host": host, "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(payload).encode(),
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=20) as resp:
        return json.loads(resp.read() or b"{}")


def test_resident_pays_a_bill_over_real_http_through_the_sandbox_gateway(committed_tenant, live_server_url):
    tenant, port = committed_tenant.info, live_server_url
    payer = committed(make_payer, tenant, committed_tenant.season, openid="o-live", houses=1)
    bill_id = str(payer.bills[0].pk)
    created = _http(port, tenant.host, "/graphql/", {"query": """mutation($ids: [ID!]!) {
        createPayment(billIds: $ids, channel: WECHAT) { order { outTradeNo amountFen }
        payParams { package paySign } errors { code } } }""", "variables": {"ids": [bill_id]}},
                    token=payer.token)["data"]["createPayment"]
    assert created["errors"] == [], created
    prepay_id = created["payParams"]["package"].removeprefix("prepay_id=")
    # The resident taps 支付 (the sandbox's confirm endpoint); the gateway POSTs the signed notify back.
    _http(port, "localhost", "/sandbox/wechatpay/confirm", {"prepay_id": prepay_id, "result": "pay"})
    order = _http(port, tenant.host, "/graphql/", {
        "query": "query($no: String!) { order(outTradeNo: $no) { status items { bill { status paidFen } } } }",
        "variables": {"no": created["order"]["outTradeNo"]}}, token=payer.token)["data"]["order"]
    assert order["status"] == "PAID"
    assert order["items"][0]["bill"] == {"status": "PAID", "paidFen": created["order"]["amountFen"]}
