"""python-alipay-sdk 3.4.0 facts our provider guards against (see
apps/payments/providers/alipay.py). Each `test_sdk_…` pins the SDK's own
behaviour and fails when an upgrade changes it, so the guard can be reviewed;
the test beside it shows our guard working."""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import json
import os
import re
import time
import urllib.request
from urllib.parse import parse_qsl, urlsplit

import alipay
import pytest
import requests
import responses
from alipay import AliPay, BaseAliPay, ISVAliPay
from django.utils import timezone

from apps.payments.providers import CreateOrderRequest, MerchantConfig, ProviderError
from apps.payments.providers.alipay import SHANGHAI, AlipayProvider
from apps.payments.sandbox.alipay import (
    build_alipay_notify,
    gateway_response,
    sandbox_alipay_merchant,
    signed_response,
)
from tests.sandbox_http import sandbox_http

APP_ID = "2021000000000001"
PRODUCTION_GATEWAY = "https://openapi.alipay.com/gateway.do"


@pytest.fixture
def direct(db) -> MerchantConfig:
    return MerchantConfig(**sandbox_alipay_merchant(app_id=APP_ID, seller_id="2088000000000001"))


def sdk(config: MerchantConfig) -> AliPay:
    """The SDK as it comes, without our guards."""
    return AliPay(config.alipay_app_id, app_private_key_string=config.alipay_app_private_key,
                  alipay_public_key_string=config.alipay_public_key, sign_type="RSA2")


def order(out_trade_no: str = "HC-GUARD-1") -> CreateOrderRequest:
    return CreateOrderRequest(out_trade_no=out_trade_no, amount_fen=100, description="采暖费",
                              payer_id="2088102169481075", notify_url="http://alpha.localhost/payments/notify/alipay/",
                              expires_at=timezone.now() + dt.timedelta(minutes=30))


# --- a. urlopen GET, no timeout of ours


def test_sdk_sends_calls_as_a_urlopen_get_with_every_signed_parameter_in_the_url(direct, monkeypatch):
    assert alipay.urlopen is urllib.request.urlopen
    seen: list[tuple[str, float]] = []
    answer = signed_response("alipay_trade_query_response", {"code": "40004", "msg": "Business Failed",
                                                              "sub_code": "ACQ.TRADE_NOT_EXIST"})

    class Reply:
        def read(self) -> bytes:
            return answer.encode()

    def fake_urlopen(url, timeout):
        seen.append((url, timeout))
        return Reply()

    monkeypatch.setattr(alipay, "urlopen", fake_urlopen)
    client = sdk(direct)
    assert client._gateway == PRODUCTION_GATEWAY  # where it would go unless we change `_gateway`
    client.api_alipay_trade_query(out_trade_no="HC-GUARD-1")
    ((url, timeout),) = seen
    query = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith(PRODUCTION_GATEWAY + "?") and {"sign", "biz_content", "app_id", "timestamp"} <= set(query)
    assert timeout == 15  # AliPayConfig's default, not our setting


def test_sdk_methods_our_override_relies_on_keep_their_signatures():
    assert str(inspect.signature(BaseAliPay.verified_sync_response)) == "(self, data, response_type)"
    assert str(inspect.signature(BaseAliPay._verify_and_return_sync_response)) == "(self, raw_string, response_type)"
    assert str(inspect.signature(BaseAliPay.sign_data)) == "(self, data)"
    assert str(inspect.signature(BaseAliPay.build_body)) == "(self, method, biz_content=None, **kwargs)"
    assert str(inspect.signature(BaseAliPay.server_api)) == "(self, api_name, biz_content=None, **kwargs)"
    assert str(inspect.signature(BaseAliPay.verify)) == "(self, data, signature)"
    assert "urlopen(" in inspect.getsource(BaseAliPay.verified_sync_response)


def test_our_client_points_at_the_configured_gateway_with_the_override_in_place(direct, settings):
    settings.PAYMENTS_ALIPAY_GATEWAY = "http://localhost/elsewhere/gateway.do"
    for config in (direct, MerchantConfig(**{**direct.__dict__, "mode": "isv", "alipay_app_auth_token": "t"})):
        client = AlipayProvider(config)._client
        assert isinstance(client, AliPay if config.mode == "direct" else ISVAliPay)
        assert client._gateway == "http://localhost/elsewhere/gateway.do"
        assert type(client).verified_sync_response is not BaseAliPay.verified_sync_response


def test_a_full_round_trip_posts_with_requests_and_never_calls_urlopen(direct, monkeypatch, settings):
    def forbidden(*args, **kwargs):
        raise AssertionError("urlopen called")

    monkeypatch.setattr(alipay, "urlopen", forbidden)
    monkeypatch.setattr(urllib.request, "urlopen", forbidden)
    settings.PAYMENTS_HTTP_TIMEOUT = 3.5
    provider = AlipayProvider(direct)
    with sandbox_http() as mock:
        provider.create_order(order())
        provider.query_order("HC-GUARD-1")
        provider.close_order("HC-GUARD-1")
        requests_sent = [call.request for call in mock.calls]
    assert len(requests_sent) == 3
    for request in requests_sent:
        assert request.method == "POST" and urlsplit(request.url).query == "charset=utf-8"
        assert "sign" in dict(parse_qsl(request.body.decode()))
        assert request.req_kwargs["timeout"] == 3.5


@pytest.mark.parametrize("failure", [requests.ConnectionError("refused"), requests.ReadTimeout("slow")])
def test_an_unreachable_or_slow_gateway_is_a_retryable_provider_error(direct, failure):
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, re.compile(r"^http://localhost/sandbox/alipay/gateway\.do"), body=failure)
        with pytest.raises(ProviderError) as exc:
            AlipayProvider(direct).query_order("HC-GUARD-1")
    assert exc.value.retryable and exc.value.code == "network"


@pytest.mark.parametrize(("status", "body", "code"), [
    (502, "<html>Bad Gateway</html>", "http-502"),
    (200, "<html>maintenance</html>", "malformed-response"),
])
def test_a_gateway_answering_html_is_a_retryable_provider_error(direct, status, body, code):
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, re.compile(r"^http://localhost/sandbox/alipay/gateway\.do"), status=status, body=body)
        with pytest.raises(ProviderError) as exc:
            AlipayProvider(direct).query_order("HC-GUARD-1")
    assert exc.value.retryable and exc.value.code == code


# --- b. verify() mutates its argument


def test_sdk_verify_pops_sign_type_and_dumps_nested_dicts_in_the_callers_dict(direct):
    data = {"app_id": APP_ID, "sign_type": "RSA2", "nested": {"a": 1}}
    assert sdk(direct).verify(data, "AAAA") is False
    assert data == {"app_id": APP_ID, "nested": '{"a":1}'}


def test_our_notify_verification_leaves_the_callers_params_untouched(direct):
    params = dict(parse_qsl(build_alipay_notify({"app_id": APP_ID, "seller_id": direct.alipay_seller_id,
                                                 "out_trade_no": "HC-GUARD-1", "total_amount": "1.00",
                                                 "trade_status": "TRADE_SUCCESS"})))
    before = copy.deepcopy(params)
    provider = AlipayProvider(direct)
    provider.verify_notify_params(params)
    provider.verify_notify_params(params)  # had sign_type been popped, this would say "wrong sign_type"
    assert params == before


# --- c. build_body stamps server-local time


@pytest.fixture
def utc_server():
    """The process's local time zone set to UTC (Django sets TZ=TIME_ZONE, which hides the SDK's habit)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def _stamp(data: dict) -> dt.datetime:
    return dt.datetime.strptime(data["timestamp"], "%Y-%m-%d %H:%M:%S")


def test_sdk_build_body_stamps_the_servers_local_time(direct, utc_server):
    stamp = _stamp(sdk(direct).build_body("alipay.trade.query", {"out_trade_no": "X"}))
    utc_now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs(stamp - utc_now) < dt.timedelta(seconds=5)  # UTC, 8 hours behind what Alipay expects


def test_our_timestamp_is_beijing_time_on_a_utc_server_and_the_gateway_accepts_it(direct, utc_server):
    for config in (direct, MerchantConfig(**{**direct.__dict__, "mode": "isv", "alipay_app_auth_token": "t"})):
        data = AlipayProvider(config)._client.build_body("alipay.trade.query", {"out_trade_no": "X"})
        beijing_now = dt.datetime.now(SHANGHAI).replace(tzinfo=None)
        assert abs(_stamp(data) - beijing_now) < dt.timedelta(seconds=5)
        assert (config.mode == "isv") == ("app_auth_token" in data)
    with sandbox_http():
        assert AlipayProvider(direct).query_order("HC-GUARD-1").state == "not_found"


def test_the_gateway_refuses_the_sdks_utc_stamp(direct, utc_server):
    client = sdk(direct)
    params = dict(parse_qsl(client.sign_data(client.build_body("alipay.trade.query", {"out_trade_no": "X"}))))
    answer = json.loads(gateway_response(params))["alipay_trade_query_response"]
    assert answer["sub_code"] == "isv.invalid-timestamp"


# --- d. trade.create's response key, and codes nobody checks


def test_sdk_trade_create_helper_looks_for_a_key_alipay_never_sends(direct, monkeypatch):
    client = sdk(direct)
    seen: list[str] = []
    monkeypatch.setattr(client, "verified_sync_response", lambda data, response_type: seen.append(response_type))
    client.api_alipay_trade_create("采暖费", "HC-GUARD-1", "1.00")
    assert seen == ["alipay_trade_create"]  # the answer's key is "alipay_trade_create_response"
    unsigned_error = '{"alipay_trade_create_response":{"code":"40002","sub_code":"isv.invalid-app-id"}}'
    with pytest.raises(AttributeError):  # not an AliPayException: "result" is None
        client._verify_and_return_sync_response(unsigned_error, "alipay_trade_create")


def test_sdk_returns_signed_business_errors_without_raising(direct, monkeypatch):
    answer = signed_response("alipay_trade_query_response", {"code": "40004", "msg": "Business Failed",
                                                              "sub_code": "ACQ.TRADE_NOT_EXIST"})
    result = sdk(direct)._verify_and_return_sync_response(answer, "alipay_trade_query_response")
    assert result["code"] == "40004"  # the caller must check `code` itself


def test_a_signed_create_error_is_a_provider_error_with_alipays_codes(direct):
    provider = AlipayProvider(direct)
    with sandbox_http():
        provider.create_order(order())
        with pytest.raises(ProviderError) as exc:  # the same out_trade_no with another amount
            provider.create_order(CreateOrderRequest(**{**order().__dict__, "amount_fen": 200}))
    assert exc.value.code == "40004/ACQ.CONTEXT_INCONSISTENT" and not exc.value.retryable


@pytest.mark.parametrize("body", [
    '{"alipay_trade_create_response":{"code":"40004","sub_code":"ACQ.TRADE_HAS_SUCCESS","sub_msg":"交易已被支付"}}',
    '{"error_response":{"code":"40002","sub_code":"isv.invalid-app-id"},"sign":"x"}',
    '{"alipay_trade_create_response":{"code":"20000","sub_code":"isp.unknow-error"}}',
])
def test_unsigned_and_gateway_level_errors_raise_provider_errors_never_attribute_errors(direct, body):
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, re.compile(r"^http://localhost/sandbox/alipay/gateway\.do"), body=body)
        with pytest.raises(ProviderError) as exc:
            AlipayProvider(direct).create_order(order())
    inner = next(iter(json.loads(body).values()))
    assert exc.value.code == f"{inner['code']}/{inner['sub_code']}"
    assert str(exc.value).startswith("unsigned answer") == ('"sign"' not in body)
    assert exc.value.retryable == (inner["code"] == "20000")


def test_an_unsigned_trade_not_exist_is_never_read_as_not_found(direct):
    body = '{"alipay_trade_query_response":{"code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST"}}'
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, re.compile(r"^http://localhost/sandbox/alipay/gateway\.do"), body=body)
        with pytest.raises(ProviderError):
            AlipayProvider(direct).query_order("HC-GUARD-1")
