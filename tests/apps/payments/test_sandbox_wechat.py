"""The sandbox WeChat Pay gateway as a merchant's server sees it: the v3 protocol (signed requests and answers,
WeChat's error shapes and order rules) and the test knobs (confirm, the pay page, refund results)."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest
import requests
from django.utils import timezone
from wechatpayv3.utils import build_authorization, load_private_key

from apps.payments.providers import (
    CLOSED,
    PAID,
    REFUND_ABNORMAL,
    REFUND_CLOSED,
    MerchantConfig,
    ProviderError,
)
from apps.payments.providers.wechat import WeChatPayProvider
from apps.payments.sandbox.models import SandboxKey, SandboxMerchant, SandboxTrade
from apps.payments.sandbox.wechat import sandbox_wechat_merchant
from tests.factories.wechatpay import (
    APPID,
    CONFIRM_URL,
    MCHID,
    NOTIFY_URL,
    certificate_config,
    direct_config,
    http,
    notify_calls,
    order,
    partner_config,
    pay,
    refund_request,
)

GATEWAY = "http://localhost/sandbox/wechatpay"


@pytest.fixture
def direct(db) -> MerchantConfig:
    return direct_config()


@pytest.fixture
def certificate_mode(db) -> MerchantConfig:
    return certificate_config()


@pytest.fixture
def partner(db) -> MerchantConfig:
    return partner_config()


def signed_call(config: MerchantConfig, method: str, path: str, body: dict | None = None, *,
                timestamp: int | None = None, private_key: str | None = None) -> requests.Response:
    """A request signed exactly as the SDK signs it, with knobs to get it wrong."""
    data = json.dumps(body) if body is not None else ""
    authorization = build_authorization(path, method, config.mchid, config.merchant_serial_no,
                                        load_private_key(private_key or config.merchant_private_key), data=data)
    if timestamp is not None:
        authorization = authorization.replace(f'timestamp="{int(time.time())}"', f'timestamp="{timestamp}"')
    return requests.request(method, GATEWAY + path, data=data.encode(), timeout=5,
                            headers={"Authorization": authorization, "Content-Type": "application/json"})


def jsapi_body(**overrides) -> dict:
    body = {"appid": APPID, "mchid": MCHID, "description": "供暖费", "out_trade_no": "HCSANDBOX001",
            "notify_url": NOTIFY_URL, "amount": {"total": 100, "currency": "CNY"}, "payer": {"openid": "o-1"}}
    return {**body, **overrides}


# --- authentication and signed answers ---------------------------------------------------------------------------


def test_requests_must_carry_a_valid_merchant_signature(direct):
    other = sandbox_wechat_merchant(mchid="1900000199", appid=APPID)["merchant_private_key"]
    with http():
        good = signed_call(direct, "POST", "/v3/pay/transactions/jsapi", jsapi_body())
        unsigned = requests.post(f"{GATEWAY}/v3/pay/transactions/jsapi", json=jsapi_body(), timeout=5)
        wrong_key = signed_call(direct, "POST", "/v3/pay/transactions/jsapi", jsapi_body(), private_key=other)
        stale = signed_call(direct, "POST", "/v3/pay/transactions/jsapi", jsapi_body(),
                            timestamp=int(time.time()) - 301)
    assert good.status_code == 200 and good.json()["prepay_id"].startswith("wx")
    for refused in (unsigned, wrong_key, stale):
        assert refused.status_code == 401
        assert refused.json()["code"] == "SIGN_ERROR" and refused.json()["message"]
    assert "Wechatpay-Signature" not in unsigned.headers  # nobody to sign for
    assert wrong_key.headers["Wechatpay-Serial"] == direct.wechatpay_public_key_id


def test_answers_are_signed_with_the_public_key_id_or_the_certificate_serial(direct, certificate_mode):
    key = SandboxKey.objects.get(channel="wechat")
    assert key.key_id.startswith("PUB_KEY_ID_") and key.key_id[11:].isdigit()
    assert len(key.certificate_serial) == 40
    with http():
        by_key = signed_call(direct, "GET", f"/v3/pay/transactions/out-trade-no/HCNONE0001?mchid={MCHID}")
        by_cert = signed_call(certificate_mode, "GET",
                              f"/v3/pay/transactions/out-trade-no/HCNONE0001?mchid={certificate_mode.mchid}")
    assert by_key.status_code == by_cert.status_code == 404
    assert by_key.json() == {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
    assert by_key.headers["Wechatpay-Serial"] == key.key_id
    assert by_cert.headers["Wechatpay-Serial"] == key.certificate_serial
    # and they verify: the provider's own check accepts both
    WeChatPayProvider(direct)._verify_signed(by_key.headers, by_key.text)
    WeChatPayProvider(certificate_mode)._verify_signed(by_cert.headers, by_cert.text)


def test_registering_a_merchant_again_replaces_its_keys(direct):
    assert SandboxMerchant.objects.filter(channel="wechat", merchant_id=MCHID).count() == 1
    sandbox_wechat_merchant(mchid=MCHID, appid=APPID)
    assert SandboxMerchant.objects.filter(channel="wechat", merchant_id=MCHID).count() == 1
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(direct).test_connection()
    assert exc.value.code == "SIGN_ERROR"


def test_sandbox_configs_carry_what_each_mode_needs(direct, partner, certificate_mode):
    assert direct.wechatpay_public_key_id and not direct.platform_certificates
    assert certificate_mode.platform_certificates and not certificate_mode.wechatpay_public_key_id
    assert len(direct.merchant_serial_no) == 40 and len(direct.apiv3_key) == 32
    assert (partner.mode, partner.sub_mchid, partner.sub_appid) == ("partner", "1900000201", "wx0011223344556677")
    assert SandboxMerchant.objects.get(merchant_id=partner.mchid).extra["mode"] == "partner"


# --- order rules --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    {"out_trade_no": "HC1"},  # shorter than 6
    {"out_trade_no": "HC-ORDER-#1"},  # '#' not allowed
    {"out_trade_no": "H" * 33},
    {"description": "热" * 128},
    {"amount_fen": 0},
    {"notify_url": "http://alpha.localhost/payments/notify/wechat/?tenant=alpha"},
    {"notify_url": "ftp://alpha.localhost/notify"},
    {"expires_at": timezone.now() - timezone.timedelta(minutes=1)},
])
def test_orders_are_validated_like_wechat_does(direct, change):
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(direct).create_order(order(**change))
    assert exc.value.code == "PARAM_ERROR"
    assert not SandboxTrade.objects.exists()


def test_order_numbers_with_wechats_special_characters_are_accepted(direct):
    with http():
        WeChatPayProvider(direct).create_order(order("HC_2026-11*26"))
    assert SandboxTrade.objects.get().out_trade_no == "HC_2026-11*26"


def test_raw_request_with_bad_time_expire_or_currency_is_refused(direct):
    with http():
        bad_time = signed_call(direct, "POST", "/v3/pay/transactions/jsapi",
                               jsapi_body(time_expire="2030-01-01 10:00:00"))
        bad_currency = signed_call(direct, "POST", "/v3/pay/transactions/jsapi",
                                   jsapi_body(amount={"total": 100, "currency": "USD"}))
        other_mchid = signed_call(direct, "POST", "/v3/pay/transactions/jsapi", jsapi_body(mchid="1900000999"))
        other_appid = signed_call(direct, "POST", "/v3/pay/transactions/jsapi",
                                  jsapi_body(appid="wxffffffffffffffff"))
        partner_path = signed_call(direct, "POST", "/v3/pay/partner/transactions/jsapi", jsapi_body())
    assert [r.status_code for r in (bad_time, bad_currency, other_mchid, other_appid, partner_path)] == [
        400, 400, 400, 400, 403]
    assert [r.json()["code"] for r in (bad_time, bad_currency, other_mchid, other_appid, partner_path)] == [
        "PARAM_ERROR", "PARAM_ERROR", "INVALID_REQUEST", "INVALID_REQUEST", "NO_AUTH"]


def test_same_order_number_same_parameters_same_prepay_id_else_refused(direct):
    provider = WeChatPayProvider(direct)
    first = order()
    with http():
        a = provider.create_order(first)
        b = provider.create_order(first)
        with pytest.raises(ProviderError) as exc:
            provider.create_order(order(amount_fen=first.amount_fen + 1, expires_at=first.expires_at))
    assert a.prepay_id == b.prepay_id
    assert exc.value.code == "INVALID_REQUEST"
    assert SandboxTrade.objects.count() == 1


def test_partner_order_for_an_unknown_sub_merchant_is_refused(partner):
    stranger = dataclasses.replace(partner, sub_mchid="1900000999")
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(stranger).create_order(order())
    assert exc.value.code == "INVALID_REQUEST"


# --- confirming payments ------------------------------------------------------------------------------------------


def test_a_closed_order_cannot_be_paid_unless_late(direct, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(direct)
    with http() as mock:
        created = provider.create_order(order())
        provider.close_order("HC20261126A001")
        refused = pay(created.prepay_id, django_capture_on_commit_callbacks)
        assert notify_calls(mock) == []
        late = pay(created.prepay_id, django_capture_on_commit_callbacks, late=True)
        [delivered] = notify_calls(mock)
        state = provider.query_order("HC20261126A001")
    assert (refused.status_code, refused.json()["code"]) == (400, "ORDER_CLOSED")
    assert late.status_code == 200 and late.json()["trade_state"] == "SUCCESS"
    assert provider.parse_notify(delivered.request.headers, delivered.request.body).trade.state == PAID
    assert state.state == PAID


def test_an_expired_order_is_closed_and_cannot_be_paid(direct, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(direct)
    with http():
        created = provider.create_order(order())
        SandboxTrade.objects.update(time_expire=timezone.now() - timezone.timedelta(seconds=1))
        refused = pay(created.prepay_id, django_capture_on_commit_callbacks)
        assert provider.query_order("HC20261126A001").state == CLOSED
    assert refused.json()["code"] == "ORDER_CLOSED"


def test_paying_twice_sends_one_notify(direct, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(direct)
    with http() as mock:
        created = provider.create_order(order())
        pay(created.prepay_id, django_capture_on_commit_callbacks)
        again = pay(created.prepay_id, django_capture_on_commit_callbacks)
        assert len(notify_calls(mock)) == 1
    assert again.json()["trade_state"] == "SUCCESS"


def test_confirm_rejects_unknown_prepay_ids_and_results(db):
    with http():
        unknown = requests.post(CONFIRM_URL, json={"prepay_id": "wx-nope", "result": "pay"}, timeout=5)
        bad_result = requests.post(CONFIRM_URL, json={"prepay_id": "wx-nope", "result": "maybe"}, timeout=5)
        not_json = requests.post(CONFIRM_URL, data=b"prepay_id=1", timeout=5)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ORDER_NOT_EXIST")
    assert (bad_result.status_code, not_json.status_code) == (400, 400)


def test_pay_page_shows_the_order_and_pays_it(direct, client, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(direct)
    with http() as mock:
        created = provider.create_order(order())
        url = f"/sandbox/wechatpay/pay/{created.prepay_id}/"
        page = client.get(url, HTTP_HOST="localhost")
        with django_capture_on_commit_callbacks(execute=True):
            paid = client.post(url, {"result": "pay"}, HTTP_HOST="localhost")
        assert len(notify_calls(mock)) == 1
    html = page.content.decode()
    assert page.status_code == 200
    assert "¥123.45" in html and "2026-2027供暖季热费" in html and "支付" in html and "失败" in html
    assert paid.status_code == 200 and "支付成功" in paid.content.decode()
    assert SandboxTrade.objects.get().state == "SUCCESS"
    assert client.get("/sandbox/wechatpay/pay/wx-nope/", HTTP_HOST="localhost").status_code == 404


# --- refunds and certificates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "expected"), [("ABNORMAL", REFUND_ABNORMAL), ("CLOSED", REFUND_CLOSED)])
def test_refund_result_knob_ends_a_refund_and_notifies(direct, django_capture_on_commit_callbacks, status, expected):
    provider = WeChatPayProvider(direct)
    with http() as mock:
        created = provider.create_order(order())
        pay(created.prepay_id, django_capture_on_commit_callbacks)
        provider.refund(refund_request("RF0001", 100))  # left PROCESSING: its on-commit completion is not run here
        with django_capture_on_commit_callbacks(execute=True):
            knob = requests.post(f"{GATEWAY}/refund-result", json={"out_refund_no": "RF0001", "status": status},
                                 timeout=5)
        _payment, refund_notify = notify_calls(mock)
        queried = provider.query_refund(out_refund_no="RF0001", out_trade_no="HC20261126A001")
    assert knob.json() == {"out_refund_no": "RF0001", "status": status}
    assert json.loads(refund_notify.request.body)["event_type"] == f"REFUND.{status}"
    assert provider.parse_notify(refund_notify.request.headers, refund_notify.request.body).refund.status == expected
    assert queried.status == expected


def test_refund_of_an_unknown_or_unpaid_order_is_refused(direct):
    provider = WeChatPayProvider(direct)
    with http():
        with pytest.raises(ProviderError) as unknown:
            provider.refund(refund_request("RF0001", 100))
        provider.create_order(order())
        with pytest.raises(ProviderError) as unpaid:
            provider.refund(refund_request("RF0001", 100))
        with pytest.raises(ProviderError) as missing:
            provider.query_refund(out_refund_no="RF0404", out_trade_no="HC20261126A001")
    assert (unknown.value.code, unpaid.value.code, missing.value.code) == (
        "RESOURCE_NOT_EXISTS", "INVALID_REQUEST", "RESOURCE_NOT_EXISTS")


def test_refund_with_a_wrong_order_total_is_refused(direct, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(direct)
    with http():
        created = provider.create_order(order())
        pay(created.prepay_id, django_capture_on_commit_callbacks)
        with pytest.raises(ProviderError) as exc:
            provider.refund(refund_request("RF0001", 100, total_fen=99999))
    assert exc.value.code == "PARAM_ERROR"
