"""Online payments end to end through the sandbox WeChat Pay gateway
(in-process HTTP, real signatures and AES-GCM): order creation, notifies,
settlement, superseding, lost notifies, late payments and refunds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.payments.models import PaymentNotify, PaymentOrder, Refund
from tests.factories.payments import (
    CREATE_PAYMENT,
    create_payment,
    make_payer,
    order_by_no,
    prepay_id_of,
    reload_bill,
    sandbox_confirm,
)
from tests.queries import assert_same_queries, counted

ORDER = """query($no: String!) { order(outTradeNo: $no) { outTradeNo status amountFen paidAt refundedFen
  items { amountFen appliedFen bill { id status paidFen } } } }"""
REFUND = """mutation($id: ID!, $amt: Int!, $r: String!, $no: String) {
  refundOrder(orderId: $id, amountFen: $amt, reason: $r, requestNo: $no) {
  refund { outRefundNo amountFen status } order { refundedFen refundStatus } errors { field code } } }"""


def test_create_payment_computes_the_amount_and_returns_signed_pay_params(gql, alpha, wechat_account, payer, http):
    created = create_payment(gql, alpha, payer, payer.bills)
    assert created["errors"] == []
    expected = sum(reload_bill(alpha, b).principal_fen for b in payer.bills)
    assert created["order"]["amountFen"] == expected and created["order"]["status"] == "CREATED"
    params = created["payParams"]
    assert params["channel"] == "WECHAT" and params["signType"] == "RSA" and params["package"].startswith("prepay_id=")
    # paySign verifies with the merchant's key over appId\ntimeStamp\nnonceStr\npackage\n
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(wechat_account.merchant_private_key.encode(), None).public_key()
    message = f"{wechat_account.appid}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    key.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    assert 6 <= len(order.out_trade_no) <= 32 and order.out_trade_no.isalnum()
    assert order.merchant_id == wechat_account.mchid and order.payer_id == "o-payer"
    assert abs(order.expires_at - order.created_at - dt.timedelta(minutes=30)) < dt.timedelta(seconds=1)


def test_the_client_cannot_send_an_amount(gql, alpha, wechat_account, payer, http):
    query = 'mutation { createPayment(billIds: ["1"], channel: WECHAT, amountFen: 1) { errors { code } } }'
    data = gql(alpha.host, query, token=payer.token)
    assert "amountFen" in data["errors"][0]["message"]


def test_asking_again_reuses_the_open_order_and_other_bills_supersede_it(
        gql, alpha, wechat_account, payer, http, django_capture_on_commit_callbacks):
    first = create_payment(gql, alpha, payer, payer.bills[:1])
    again = create_payment(gql, alpha, payer, payer.bills[:1])
    assert again["order"]["outTradeNo"] == first["order"]["outTradeNo"]
    assert prepay_id_of(again) == prepay_id_of(first)
    with django_capture_on_commit_callbacks(execute=True):
        both = create_payment(gql, alpha, payer, payer.bills)
    assert both["order"]["outTradeNo"] != first["order"]["outTradeNo"]
    old = order_by_no(alpha, first["order"]["outTradeNo"])
    assert old.status == "closed" and old.close_reason == "superseded" and old.superseded_by_id == int(
        both["order"]["id"])
    assert old.provider_closed  # closed at the gateway too (queried first, then closed)
    from apps.payments.sandbox.models import SandboxTrade

    connection.set_schema_to_public()
    assert SandboxTrade.objects.get(out_trade_no=old.out_trade_no).state == "CLOSED"


def test_resident_pays_through_the_sandbox_and_the_bills_are_paid(
        gql, alpha, wechat_account, payer, http, django_capture_on_commit_callbacks):
    created = create_payment(gql, alpha, payer, payer.bills)
    response = sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    notify_calls = [c for c in http.calls if "/payments/notify/wechat/" in c.request.url]
    assert len(notify_calls) == 1 and notify_calls[0].response.status_code in (200, 204)
    order = gql(alpha.host, ORDER, {"no": created["order"]["outTradeNo"]}, token=payer.token)["data"]["order"]
    assert order["status"] == "PAID" and order["paidAt"]
    for item in order["items"]:
        assert item["bill"]["status"] == "PAID" and item["appliedFen"] == item["amountFen"]
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="payment.paid", target_id=int(created["order"]["id"])).count() == 1
        assert PaymentNotify.objects.filter(outcome="settled").count() == 1


def test_duplicate_notify_settles_once_and_still_answers_success(
        gql, alpha, wechat_account, payer, http, django_capture_on_commit_callbacks):
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    notify = next(c for c in http.calls if "/payments/notify/wechat/" in c.request.url).request
    for _ in range(3):  # WeChat retries the very same notify
        resp = Client().post("/payments/notify/wechat/", data=notify.body, content_type="application/json",
                             HTTP_HOST=alpha.host, **_wechat_headers(notify.headers))
        assert resp.status_code in (200, 204)
    connection.set_schema_to_public()
    bill = reload_bill(alpha, payer.bills[0])
    assert bill.paid_fen == bill.principal_fen and bill.status == "paid"
    with schema_context(alpha.schema):
        assert list(PaymentNotify.objects.order_by("id").values_list("outcome", flat=True)) == [
            "settled", "duplicate"]  # the retries are counted on one row
        assert AuditLog.objects.filter(action="payment.paid").count() == 1


def _wechat_headers(headers) -> dict:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower().startswith("wechatpay")}


def _forge(alpha, account, order: PaymentOrder, **changes):
    """A notify about `order` built and signed like the gateway's, with `changes` applied."""
    from apps.payments.sandbox.wechat import build_wechat_notify

    resource = {"mchid": account.mchid, "appid": account.appid, "out_trade_no": order.out_trade_no,
                "transaction_id": "4200000000202611260000000001", "trade_type": "JSAPI", "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
                "success_time": timezone.localtime().isoformat(timespec="seconds"),
                "payer": {"openid": order.payer_id},
                "amount": {"total": order.amount_fen, "payer_total": order.amount_fen, "currency": "CNY",
                           "payer_currency": "CNY"}}
    notify_kwargs = changes.pop("notify", {})
    for key, value in changes.items():
        if key == "amount":
            resource["amount"] = {**resource["amount"], "total": value, "payer_total": value}
        else:
            resource[key] = value
    connection.set_schema_to_public()
    return build_wechat_notify(resource, apiv3_key=notify_kwargs.pop("apiv3_key", account.apiv3_key),
                               **notify_kwargs)


def _post_notify(tenant, headers: dict, body: str):
    resp = Client().post("/payments/notify/wechat/", data=body.encode(), content_type="application/json",
                         HTTP_HOST=tenant.host, **_wechat_headers(headers))
    connection.set_schema_to_public()
    return resp


@pytest.mark.parametrize(("case", "reason"), [
    ("amount", "amount mismatch"),
    ("mchid", "merchant id mismatch"),
    ("appid", "app id mismatch"),
    ("unknown_order", "unknown order"),
    ("stale", "stale_timestamp"), ("bad_signature", "bad_signature"), ("wrong_apiv3_key", "undecryptable"),
    ("unknown_serial", "unknown_serial"),
])
def test_forged_or_mismatched_notifies_change_nothing_and_are_logged(
        gql, alpha, wechat_account, payer, http, case, reason):
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    calls_before = len(http.calls)
    if case == "amount":
        headers, body = _forge(alpha, wechat_account, order, amount=1)
    elif case == "mchid":
        headers, body = _forge(alpha, wechat_account, order, mchid="1900000999")
    elif case == "appid":
        headers, body = _forge(alpha, wechat_account, order, appid="wx0000000000000000")
    elif case == "unknown_order":
        headers, body = _forge(alpha, wechat_account, order, out_trade_no="W261126NOTOURORDER00")
    elif case == "stale":
        headers, body = _forge(alpha, wechat_account, order,
                               notify={"timestamp": str(int(timezone.now().timestamp()) - 301)})
    elif case == "bad_signature":
        headers, body = _forge(alpha, wechat_account, order)
        body = body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ')
    elif case == "wrong_apiv3_key":
        headers, body = _forge(alpha, wechat_account, order, notify={"apiv3_key": "0" * 32})
    else:
        headers, body = _forge(alpha, wechat_account, order, notify={"serial": "PUB_KEY_ID_0000000000000000000001"})
    resp = _post_notify(alpha, headers, body)
    assert resp.status_code >= 400
    assert len(http.calls) == calls_before  # nothing fetched (no certificate download on an unknown serial)
    order = order_by_no(alpha, order.out_trade_no)
    bill = reload_bill(alpha, payer.bills[0])
    assert order.status == "created" and bill.paid_fen == 0 and bill.status == "issued"
    with schema_context(alpha.schema):
        logged = PaymentNotify.objects.get()
        assert (logged.outcome, logged.reason) == ("rejected", reason)
        assert not AuditLog.objects.filter(action="payment.paid").exists()


def test_another_companys_notify_on_our_endpoint_is_rejected(gql, alpha, beta, wechat_account, payer, http):
    """beta's order, notified (correctly signed for alpha's merchant) to alpha's endpoint: unknown here."""
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    headers, body = _forge(alpha, wechat_account, order)
    resp = Client().post("/payments/notify/wechat/", data=body.encode(), content_type="application/json",
                         HTTP_HOST=beta.host, **_wechat_headers(headers))
    connection.set_schema_to_public()
    assert resp.status_code == 404  # beta has no merchant account: nothing to verify with
    order = order_by_no(alpha, order.out_trade_no)
    assert order.status == "created"


def test_lost_notify_is_recovered_by_the_sweeper(gql, alpha, wechat_account, payer, http, settings):
    from apps.payments.services import sweep_open_orders

    created = create_payment(gql, alpha, payer, payer.bills[:1])
    sandbox_confirm(prepay_id_of(created))  # paid at the gateway; its notify (after commit) never arrives
    assert not [c for c in http.calls if "/payments/notify/" in c.request.url]
    with schema_context(alpha.schema):
        assert sweep_open_orders(now=timezone.now()) == {}  # too young to ask about
        counts = sweep_open_orders(now=timezone.now() + dt.timedelta(minutes=settings.PAYMENTS_SWEEP_AFTER_MINUTES))
        assert counts == {"settled": 1}
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    assert order.status == "paid" and order.transaction_id
    assert reload_bill(alpha, payer.bills[0]).status == "paid"


def test_expired_unpaid_order_is_closed_here_and_at_the_gateway(gql, alpha, wechat_account, payer, http):
    from apps.payments.sandbox.models import SandboxTrade
    from apps.payments.services import sweep_open_orders

    created = create_payment(gql, alpha, payer, payer.bills[:1])
    with schema_context(alpha.schema):
        counts = sweep_open_orders(now=timezone.now() + dt.timedelta(minutes=31))
    assert counts == {"closed": 1}
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    assert order.status == "closed" and order.close_reason == "expired" and order.provider_closed
    connection.set_schema_to_public()
    assert SandboxTrade.objects.get(out_trade_no=order.out_trade_no).state == "CLOSED"


def test_late_payment_on_a_superseded_order_is_settled_and_two_orders_never_pay_one_bill_twice(
        gql, alpha, wechat_account, payer, http, django_capture_on_commit_callbacks):
    first = create_payment(gql, alpha, payer, payer.bills[:1])
    # the second supersedes the first (closed here; the gateway is told after commit)
    second = create_payment(gql, alpha, payer, payer.bills)
    # The resident had already tapped 支付 on the first: the gateway took the money before our close arrived.
    sandbox_confirm(prepay_id_of(first), late=True, capture=django_capture_on_commit_callbacks)
    old = order_by_no(alpha, first["order"]["outTradeNo"])
    assert old.status == "paid" and "closed" in old.flag_reason
    bill1 = reload_bill(alpha, payer.bills[0])
    assert bill1.status == "paid" and bill1.paid_fen == bill1.principal_fen
    new = order_by_no(alpha, second["order"]["outTradeNo"])
    assert new.status == "closed"  # the sibling still open for a bill now paid was closed
    # Its money arrives anyway (the resident paid it too): settled, bill 1 not paid twice, the excess flagged.
    sandbox_confirm(prepay_id_of(second), late=True, capture=django_capture_on_commit_callbacks)
    new = order_by_no(alpha, new.out_trade_no)
    bill1, bill2 = reload_bill(alpha, payer.bills[0]), reload_bill(alpha, payer.bills[1])
    assert new.status == "paid"
    assert bill1.paid_fen == bill1.principal_fen  # once
    assert bill2.status == "paid"
    assert new.needs_refund_fen == bill1.principal_fen and new.flag_reason


def test_partial_then_full_refund_returns_bills_to_the_right_status(
        gql, alpha, wechat_account, payer, http, make_staff, django_capture_on_commit_callbacks):
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    bill = reload_bill(alpha, payer.bills[0])
    finance = make_staff(alpha, "finance")
    with django_capture_on_commit_callbacks(execute=True):
        part = gql(alpha.host, REFUND, {"id": created["order"]["id"], "amt": 1000, "r": "面积复核", "no": "REQ-0001"},
                   token=finance)["data"]["refundOrder"]
    # WeChat answers PROCESSING; its REFUND.SUCCESS notify (after the gateway's commit) finishes it.
    assert part["errors"] == [] and part["refund"]["status"] == "PROCESSING"
    with schema_context(alpha.schema):
        assert Refund.objects.get(out_refund_no="REQ-0001").status == "success"
    assert reload_bill(alpha, bill).status == "partially_paid"
    # The same request number again is the same refund, not a second one.
    again = gql(alpha.host, REFUND, {"id": created["order"]["id"], "amt": 1000, "r": "面积复核", "no": "REQ-0001"},
                token=finance)["data"]["refundOrder"]
    assert again["refund"]["outRefundNo"] == "REQ-0001" and again["order"]["refundedFen"] == 1000
    too_much = gql(alpha.host, REFUND, {"id": created["order"]["id"], "amt": bill.principal_fen, "r": "退费"},
                   token=finance)["data"]["refundOrder"]
    assert too_much["errors"] == [{"field": "amountFen", "code": "REFUND_EXCEEDS"}]
    with django_capture_on_commit_callbacks(execute=True):
        rest = gql(alpha.host, REFUND, {"id": created["order"]["id"], "amt": bill.principal_fen - 1000, "r": "退费"},
                   token=finance)["data"]["refundOrder"]
    assert rest["errors"] == []
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    assert (order.refunded_fen, order.refund_status) == (bill.principal_fen, "full")
    bill = reload_bill(alpha, bill)
    assert bill.paid_fen == 0 and bill.status == "issued"
    with schema_context(alpha.schema):
        assert Refund.objects.filter(status="success").count() == 2
        assert AuditLog.objects.filter(action="refund.success").count() == 2


def test_refund_asked_before_the_payment_notify_arrived(gql, alpha, wechat_account, payer, http, make_staff,
                                                        django_capture_on_commit_callbacks):
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    sandbox_confirm(prepay_id_of(created))  # paid at the gateway, notify lost so far
    finance = make_staff(alpha, "finance")
    with django_capture_on_commit_callbacks(execute=True):
        data = gql(alpha.host, REFUND, {"id": created["order"]["id"], "amt": 500, "r": "多缴"},
                   token=finance)["data"]["refundOrder"]
    assert data["errors"] == []
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    assert order.status == "paid" and order.refunded_fen == 500


def test_refund_notify_before_and_after_the_refund_answer_settles_once(
        gql, alpha, wechat_account, payer, http, make_staff, django_capture_on_commit_callbacks):
    """The gateway's REFUND.SUCCESS notify is delivered (after its commit) and also arrives again later."""
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    finance = make_staff(alpha, "finance")
    with django_capture_on_commit_callbacks(execute=True):
        gql(alpha.host, REFUND, {"id": created["order"]["id"], "amt": 700, "r": "多缴"}, token=finance)
    refund_notify = [c.request for c in http.calls if "/payments/notify/wechat/" in c.request.url][-1]
    resp = Client().post("/payments/notify/wechat/", data=refund_notify.body, content_type="application/json",
                         HTTP_HOST=alpha.host, **_wechat_headers(refund_notify.headers))
    connection.set_schema_to_public()
    assert resp.status_code in (200, 204)
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    assert order.refunded_fen == 700
    bill = reload_bill(alpha, payer.bills[0])
    assert bill.paid_fen == bill.principal_fen - 700
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="refund.success").count() == 1


def test_orders_are_private_to_their_resident_and_company(gql, alpha, beta, wechat_account, payer, http,
                                                          make_resident):
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    _other, other_token = make_resident(alpha, "o-someone-else")
    no = created["order"]["outTradeNo"]
    assert gql(alpha.host, ORDER, {"no": no}, token=other_token)["data"]["order"] is None
    # another resident cannot pay my bills
    stolen = gql(alpha.host, CREATE_PAYMENT, {"ids": [str(payer.bills[0].pk)], "ch": "WECHAT"},
                 token=other_token)["data"]["createPayment"]
    assert stolen["errors"] == [{"field": "billIds", "code": "NOT_FOUND",
                                 "message": stolen["errors"][0]["message"]}]
    # my token means nothing at beta
    data = gql(beta.host, ORDER, {"no": no}, token=payer.token)
    assert data["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_paying_needs_a_configured_channel_and_something_due(gql, alpha, payer, http):
    none = create_payment(gql, alpha, payer, payer.bills[:1])
    assert none["errors"][0]["code"] == "CHANNEL_NOT_CONFIGURED"
    with schema_context(alpha.schema):
        assert not PaymentOrder.objects.exists()


def test_my_payments_costs_the_same_for_one_order_as_for_many(gql, alpha, wechat_account, season, http):
    query = ("{ myPayments(first: 10) { totalCount items { outTradeNo status items { amountFen bill { season "
             "house { accountNo } lines { amountFen } amountDue { totalFen } } } } } }")
    one = make_payer(alpha, season, openid="o-one-order", houses=1)
    many = make_payer(alpha, season, openid="o-many-orders", houses=3)
    create_payment(gql, alpha, one, one.bills)
    create_payment(gql, alpha, many, many.bills[:1])
    create_payment(gql, alpha, many, many.bills)  # supersedes the first: two orders, four items
    small, large = assert_same_queries(lambda: gql(alpha.host, query, token=one.token),
                                       lambda: gql(alpha.host, query, token=many.token))
    assert small["data"]["myPayments"]["totalCount"] == 1
    page = large["data"]["myPayments"]
    assert page["totalCount"] == 2 and sum(len(o["items"]) for o in page["items"]) == 4


def test_partner_mode_company_is_paid_as_a_sub_merchant_of_the_platform(
        gql, alpha, payer, http, django_capture_on_commit_callbacks):
    from apps.payments.sandbox.wechat import sandbox_wechat_merchant
    from tenants.models import HeatingCompany, MerchantAccount, ServiceProviderAccount

    connection.set_schema_to_public()
    sp = sandbox_wechat_merchant(mchid="1900000001", appid="wx0123456789abcdef", mode="partner",
                                 sub_mchid="1900000123", sub_appid="wxa1b2c3d4e5f60718")
    ServiceProviderAccount.objects.create(
        channel="wechat", sp_mchid=sp["mchid"], sp_appid=sp["appid"], merchant_serial_no=sp["merchant_serial_no"],
        merchant_private_key=sp["merchant_private_key"], apiv3_key=sp["apiv3_key"],
        wechatpay_public_key_id=sp["wechatpay_public_key_id"], wechatpay_public_key=sp["wechatpay_public_key"])
    MerchantAccount.objects.create(tenant=HeatingCompany.objects.get(slug="alpha"), channel="wechat",
                                   mode="partner", sub_mchid="1900000123", sub_appid="wxa1b2c3d4e5f60718")
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    assert created["errors"] == []
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    assert (order.merchant_mode, order.merchant_id, order.sub_merchant_id) == ("partner", "1900000001", "1900000123")
    sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    assert order_by_no(alpha, order.out_trade_no).status == "paid"
    assert reload_bill(alpha, payer.bills[0]).status == "paid"


def test_alipay_order_and_notify_settle_the_bill(gql, alpha, payer, http, django_capture_on_commit_callbacks):
    from apps.payments.sandbox.alipay import sandbox_alipay_merchant
    from tenants.models import HeatingCompany, MerchantAccount

    connection.set_schema_to_public()
    cfg = sandbox_alipay_merchant(app_id="2021000000000777", seller_id="2088000000000777")
    MerchantAccount.objects.create(tenant=HeatingCompany.objects.get(slug="alpha"), channel="alipay",
                                   mode="direct", **{k: v for k, v in cfg.items() if k not in ("channel", "mode")})
    with schema_context(alpha.schema):
        type(payer.resident).objects.filter(pk=payer.resident.pk).update(alipay_user_id="2088102177846880")
    created = create_payment(gql, alpha, payer, payer.bills[:1], channel="ALIPAY")
    assert created["errors"] == [] and created["payParams"]["tradeNO"]
    saved = connection.tenant
    with django_capture_on_commit_callbacks(execute=True):
        resp = Client().post("/sandbox/alipay/confirm", data=json.dumps(
            {"trade_no": created["payParams"]["tradeNO"], "result": "pay"}), content_type="application/json",
            HTTP_HOST="localhost")
    connection.set_tenant(saved)
    assert resp.status_code == 200
    notify = [c for c in http.calls if "/payments/notify/alipay/" in c.request.url]
    assert len(notify) == 1 and notify[0].response.text == "success"
    assert order_by_no(alpha, created["order"]["outTradeNo"]).status == "paid"
    assert reload_bill(alpha, payer.bills[0]).status == "paid"


def test_staff_order_list_costs_the_same_for_one_order_as_for_many(gql, alpha, wechat_account, season, http,
                                                                     make_staff):
    finance = make_staff(alpha, "finance")
    query = ("{ paymentOrders(first: 20) { totalCount items { outTradeNo status channel refunds { status } "
             "items { amountFen bill { house { accountNo } lines { amountFen } amountDue { totalFen } } } } } }")
    first = make_payer(alpha, season, openid="o-first", houses=1)
    create_payment(gql, alpha, first, first.bills)
    one, small = counted(lambda: gql(alpha.host, query, token=finance)["data"]["paymentOrders"])
    others = make_payer(alpha, season, openid="o-others", houses=3)
    create_payment(gql, alpha, others, others.bills[:2])
    create_payment(gql, alpha, others, others.bills)
    many, large = counted(lambda: gql(alpha.host, query, token=finance)["data"]["paymentOrders"])
    assert (small["totalCount"], large["totalCount"]) == (1, 3)
    assert sum(len(o["items"]) for o in large["items"]) == 6
    assert many == one


def test_settling_a_notify_costs_a_fixed_number_of_queries_per_bill(
        gql, alpha, wechat_account, make_resident, season, http):
    """The hot path, pinned (`make bench`): a notify paying one bill runs exactly these statements, one
    more bill adds its two UPDATEs and nothing else grows; a duplicate stops at the order lock."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    def notify_for(houses: int, name: str = "") -> tuple[dict, str]:
        owner = make_payer(alpha, season, openid=f"o-count-{name or houses}", houses=houses)
        created = create_payment(gql, alpha, owner, owner.bills)
        return _forge(alpha, wechat_account, order_by_no(alpha, created["order"]["outTradeNo"]))

    assert _post_notify(alpha, *notify_for(1, "warm")).status_code == 204  # the company's provider is now cached
    statements, counts = [], []
    for houses in (1, 2, 3):
        headers, body = notify_for(houses)
        with CaptureQueriesContext(conn) as ctx:
            assert _post_notify(alpha, headers, body).status_code == 204
        counts.append(len(ctx.captured_queries))
        statements.append([q["sql"].split(" ", 2)[:2] for q in ctx.captured_queries])
    with CaptureQueriesContext(conn) as duplicate:
        assert _post_notify(alpha, headers, body).status_code == 204
    assert [verb for verb, _rest in statements[0]] == [
        "SET", "SELECT",  # routing: the company by host (public schema)
        "SET", "SAVEPOINT",  # the company's schema; the settling transaction (a savepoint inside the test's)
        "SELECT", "SELECT",  # the order, locked; its items
        "SELECT", "UPDATE",  # billing: the bill locked, then paid
        "UPDATE", "UPDATE", "INSERT",  # the item's applied amount, the order paid, the audit row
        "SELECT", "INSERT",  # open siblings of the order; the notify log row
        "RELEASE",
    ], statements[0]
    assert counts == [14, 16, 18], counts
    assert len(duplicate.captured_queries) == 7, [q["sql"][:60] for q in duplicate.captured_queries]
