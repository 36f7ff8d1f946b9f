"""The sandbox Alipay gateway itself: request signatures, signed answers,
confirming, notifies after commit, the pay page."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qsl, urlencode

import pytest
from django.utils import timezone

from apps.payments.providers import CreateOrderRequest, MerchantConfig, ProviderError
from apps.payments.providers.alipay import AlipayProvider
from apps.payments.sandbox.alipay import alipay_key, sandbox_alipay_merchant, verify_rsa2
from apps.payments.sandbox.models import SandboxMerchant, SandboxTrade
from tests.sandbox_http import sandbox_http

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
NOTIFY_URL = "http://alpha.localhost/payments/notify/alipay/"


@pytest.fixture
def direct(db) -> MerchantConfig:
    return MerchantConfig(**sandbox_alipay_merchant(app_id=APP_ID, seller_id=SELLER_ID))


def order(out_trade_no: str = "HC-SBX-1", minutes: int = 30) -> CreateOrderRequest:
    return CreateOrderRequest(out_trade_no=out_trade_no, amount_fen=8800, description="采暖费 H10001",
                              payer_id="2088102169481075", notify_url=NOTIFY_URL,
                              expires_at=timezone.now() + dt.timedelta(minutes=minutes))


def create(config: MerchantConfig, out_trade_no: str = "HC-SBX-1") -> str:
    with sandbox_http():
        return AlipayProvider(config).create_order(order(out_trade_no)).prepay_id


def signed_form(config: MerchantConfig, method: str, biz: dict, **params: str) -> str:
    client = AlipayProvider(config)._client
    return client.sign_data(client.build_body(method, biz, **params))


def post_gateway(client, body: str) -> tuple[str, dict]:
    resp = client.post("/sandbox/alipay/gateway.do", data=body, content_type="application/x-www-form-urlencoded",
                       HTTP_HOST="localhost")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/json")
    text = resp.content.decode()
    return text, json.loads(text)


def confirm(client, **data):
    return client.post("/sandbox/alipay/confirm", data=json.dumps(data), content_type="application/json",
                       HTTP_HOST="localhost")


def test_answers_are_signed_by_the_sandbox_key_over_the_exact_response_json(direct, client):
    text, answer = post_gateway(client, signed_form(direct, "alipay.trade.query", {"out_trade_no": "NONE"}))
    assert set(answer) == {"alipay_trade_query_response", "sign"}
    assert answer["alipay_trade_query_response"]["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    signed_text = text[len('{"alipay_trade_query_response":'):text.rindex(',"sign":')]
    assert json.loads(signed_text) == answer["alipay_trade_query_response"]
    assert verify_rsa2(alipay_key().public_key, signed_text, answer["sign"])
    assert direct.alipay_public_key == alipay_key().public_key


def test_the_sdks_own_get_form_is_accepted_too(direct, client):
    query = signed_form(direct, "alipay.trade.query", {"out_trade_no": "NONE"})
    resp = client.get(f"/sandbox/alipay/gateway.do?{query}", HTTP_HOST="localhost")
    assert resp.json()["alipay_trade_query_response"]["sub_code"] == "ACQ.TRADE_NOT_EXIST"


def _sub_code(answer: dict) -> str:
    return next(v for k, v in answer.items() if k != "sign")["sub_code"]


def test_requests_not_provably_from_the_app_are_refused(direct, client):
    good = dict(parse_qsl(signed_form(direct, "alipay.trade.query", {"out_trade_no": "NONE"})))

    def answer(**changes) -> str:
        params = {k: v for k, v in {**good, **changes}.items() if v is not None}
        return _sub_code(post_gateway(client, urlencode(params))[1])

    assert answer(biz_content='{"out_trade_no":"OTHER"}') == "isv.invalid-signature"
    assert answer(sign=None) == "isv.missing-sign"
    assert answer(sign_type="RSA") == "isv.invalid-signature-type"
    assert answer(app_id="2021000000000002") == "isv.invalid-app-id"
    assert answer(app_auth_token="202601BBforged") == "isv.invalid-signature"  # not signed along
    stale = dict(parse_qsl(signed_form(direct, "alipay.trade.query", {"out_trade_no": "NONE"})))
    stale["timestamp"] = "2020-01-01 00:00:00"
    assert _sub_code(post_gateway(client, _resign(direct, stale))[1]) == "isv.invalid-timestamp"
    unknown = dict(parse_qsl(signed_form(direct, "alipay.trade.nonexistent", {})))
    assert _sub_code(post_gateway(client, _resign(direct, unknown))[1]) == "isv.invalid-method"


def _resign(config: MerchantConfig, params: dict) -> str:
    params = {k: v for k, v in params.items() if k != "sign"}
    return AlipayProvider(config)._client.sign_data(params)


def test_a_repeated_parameter_is_refused(direct, client):
    body = signed_form(direct, "alipay.trade.query", {"out_trade_no": "NONE"})
    resp = client.post("/sandbox/alipay/gateway.do?app_id=2021000000000002", data=body,
                       content_type="application/x-www-form-urlencoded", HTTP_HOST="localhost")
    assert resp.json()["error_response"]["sub_code"] == "isv.invalid-parameter"


def test_isv_calls_need_a_token_the_sandbox_issued(db, client):
    config = MerchantConfig(**sandbox_alipay_merchant(app_id="2021000000000009", seller_id="2088000000000777",
                                                      mode="isv"))
    without = MerchantConfig(**{**config.__dict__, "mode": "direct", "alipay_app_auth_token": ""})
    _text, answer = post_gateway(client, signed_form(without, "alipay.trade.query", {"out_trade_no": "NONE"}))
    assert _sub_code(answer) == "aop.invalid-app-auth-token"
    _text, answer = post_gateway(client, signed_form(config, "alipay.trade.query", {"out_trade_no": "NONE"}))
    assert _sub_code(answer) == "ACQ.TRADE_NOT_EXIST"
    merchant = SandboxMerchant.objects.get(channel="alipay", merchant_id="2021000000000009")
    assert config.alipay_app_auth_token not in json.dumps(merchant.extra)  # only its hash is kept


def test_one_isv_app_serves_several_sellers_with_their_own_tokens(db):
    first = MerchantConfig(**sandbox_alipay_merchant(app_id="2021000000000009", seller_id="2088000000000777",
                                                     mode="isv"))
    second = MerchantConfig(**sandbox_alipay_merchant(app_id="2021000000000009", seller_id="2088000000000888",
                                                      mode="isv", app_private_key=first.alipay_app_private_key))
    assert first.alipay_app_auth_token != second.alipay_app_auth_token
    with sandbox_http():
        for config in (first, second):
            AlipayProvider(config).create_order(order("HC-SAME-NO"))  # out_trade_no is per seller
    sellers = SandboxTrade.objects.filter(out_trade_no="HC-SAME-NO").values_list("merchant_id", flat=True)
    assert sorted(sellers) == ["2088000000000777", "2088000000000888"]


def test_re_registering_an_app_replaces_its_key(direct):
    sandbox_alipay_merchant(app_id=APP_ID, seller_id=SELLER_ID)
    with sandbox_http(), pytest.raises(ProviderError) as exc:
        AlipayProvider(direct).query_order("NONE")
    assert exc.value.code == "40002/isv.invalid-signature"


def test_create_again_with_another_amount_is_inconsistent(direct, client):
    create(direct)
    body = signed_form(direct, "alipay.trade.create", {
        "out_trade_no": "HC-SBX-1", "total_amount": "88.01", "subject": "x", "product_code": "JSAPI_PAY",
        "buyer_id": "2088102169481075"})
    assert _sub_code(post_gateway(client, body)[1]) == "ACQ.CONTEXT_INCONSISTENT"


def test_confirm_pay_sends_one_signed_notify_only_after_commit(direct, client, django_capture_on_commit_callbacks):
    trade_no = create(direct)
    with sandbox_http() as mock:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert confirm(client, trade_no=trade_no, result="pay").json()["trade_status"] == "TRADE_SUCCESS"
        assert len(callbacks) == 1 and not mock.calls  # nothing left before the commit
        callbacks[0]()
        with django_capture_on_commit_callbacks(execute=True) as again:
            assert confirm(client, trade_no=trade_no, result="pay").status_code == 200
        assert again == []  # paying twice notifies once
        (call,) = mock.calls
        assert (call.request.url, call.request.headers["Host"]) == (
            "http://127.0.0.1/payments/notify/alipay/", "alpha.localhost")
        params = dict(parse_qsl(call.request.body.decode()))
    assert params["sign_type"] == "RSA2" and params["trade_status"] == "TRADE_SUCCESS"
    assert (params["out_trade_no"], params["trade_no"], params["total_amount"], params["app_id"],
            params["seller_id"]) == ("HC-SBX-1", trade_no, "88.00", APP_ID, SELLER_ID)
    assert {"notify_id", "notify_time", "gmt_payment", "buyer_id"} <= set(params)


def test_confirm_fail_keeps_the_trade_payable_and_sends_nothing(direct, client, django_capture_on_commit_callbacks):
    trade_no = create(direct)
    with django_capture_on_commit_callbacks() as callbacks:
        assert confirm(client, trade_no=trade_no, result="fail").json()["trade_status"] == "WAIT_BUYER_PAY"
    assert callbacks == []


def test_an_expired_trade_closes_and_only_a_late_payment_pays_it(direct, client, django_capture_on_commit_callbacks):
    trade_no = create(direct)
    SandboxTrade.objects.filter(prepay_id=trade_no).update(time_expire=timezone.now() - dt.timedelta(seconds=1))
    with sandbox_http():
        assert AlipayProvider(direct).query_order("HC-SBX-1").state == "closed"
    resp = confirm(client, trade_no=trade_no, result="pay")
    assert (resp.status_code, resp.json()) == (409, {"error": "TRADE_CLOSED"})
    with django_capture_on_commit_callbacks() as callbacks:
        assert confirm(client, trade_no=trade_no, result="pay", late=True).json()["trade_status"] == "TRADE_SUCCESS"
    assert len(callbacks) == 1


@pytest.mark.parametrize(("data", "status"), [
    ({"trade_no": "2026000000000000000000000000", "result": "pay"}, 404),
    ({"trade_no": "x", "result": "maybe"}, 400),
    ({"result": "pay"}, 400),
])
def test_confirm_refuses_unknown_trades_and_bad_input(db, client, data, status):
    assert confirm(client, **data).status_code == status


def test_the_pay_page_shows_the_trade_and_pays_it(direct, client, django_capture_on_commit_callbacks):
    trade_no = create(direct)
    page = client.get(f"/sandbox/alipay/pay/{trade_no}/", HTTP_HOST="localhost")
    assert page.status_code == 200
    html = page.content.decode()
    assert "¥88.00" in html and "HC-SBX-1" in html and "确认付款" in html
    with django_capture_on_commit_callbacks() as callbacks:
        paid = client.post(f"/sandbox/alipay/pay/{trade_no}/", {"result": "pay"}, HTTP_HOST="localhost")
    assert "已支付" in paid.content.decode() and "确认付款" not in paid.content.decode()
    assert len(callbacks) == 1
    assert SandboxTrade.objects.get(prepay_id=trade_no).state == "TRADE_SUCCESS"
    assert client.get("/sandbox/alipay/pay/nope/", HTTP_HOST="localhost").status_code == 404


def test_the_gateway_is_only_on_the_platform_domain(direct, client):
    body = signed_form(direct, "alipay.trade.query", {"out_trade_no": "NONE"})
    resp = client.post("/sandbox/alipay/gateway.do", data=body, content_type="application/x-www-form-urlencoded",
                       HTTP_HOST="alpha.localhost")
    assert resp.status_code == 404
