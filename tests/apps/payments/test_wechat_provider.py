"""WeChatPayProvider against the sandbox gateway over (in-process) HTTP: the production code path, real
signatures and encryption end to end."""

from __future__ import annotations

import dataclasses
import json

import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from apps.payments.providers import (
    CLOSED,
    FAILED,
    NOT_FOUND,
    OPEN,
    PAID,
    REFUND_PROCESSING,
    REFUND_SUCCESS,
    MerchantConfig,
    NotifyRejected,
    ProviderError,
)
from apps.payments.providers.wechat import WeChatPayProvider, validate_wechat_config
from apps.payments.sandbox.models import SandboxKey, SandboxTrade
from tests.factories.wechatpay import (
    APPID,
    CONFIRM_URL,
    MCHID,
    SP_APPID,
    SP_MCHID,
    SUB_APPID,
    SUB_MCHID,
    certificate_config,
    direct_config,
    http,
    notify_calls,
    order,
    partner_config,
    pay,
    refund_request,
    verify_pay_sign,
)
from tests.sandbox_http import LOCAL, _forward


@pytest.fixture
def direct(db) -> MerchantConfig:
    return direct_config()


@pytest.fixture
def partner(db) -> MerchantConfig:
    return partner_config()


@pytest.fixture
def certificate_mode(db) -> MerchantConfig:
    return certificate_config()


def merchant_public_key(config: MerchantConfig) -> str:
    key = serialization.load_pem_private_key(config.merchant_private_key.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def other_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


# --- orders ---------------------------------------------------------------------------------------------------


def test_create_order_returns_request_payment_params_signed_with_the_merchant_key(direct):
    with http() as mock:
        result = WeChatPayProvider(direct).create_order(order())

    params = result.params
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["package"] == f"prepay_id={result.prepay_id}"
    assert params["signType"] == "RSA"
    verify_pay_sign(merchant_public_key(direct), APPID, params)
    trade = SandboxTrade.objects.get(out_trade_no="HC20261126A001")
    assert (trade.prepay_id, trade.amount_fen, trade.payer_id, trade.app_id) == (
        result.prepay_id, 12345, "o-resident-openid", APPID)
    sent = mock.calls[0].request
    assert sent.url == f"{settings.PAYMENTS_WECHATPAY_GATEWAY}/v3/pay/transactions/jsapi"
    assert sent.req_kwargs["timeout"] == settings.PAYMENTS_HTTP_TIMEOUT
    assert json.loads(sent.body)["time_expire"].endswith("+08:00")


def test_client_params_resign_an_existing_prepay_id(direct):
    provider = WeChatPayProvider(direct)
    with http():
        first = provider.create_order(order())
    again = provider.client_params(prepay_id=first.prepay_id)

    assert again["package"] == first.params["package"]
    assert again["nonceStr"] != first.params["nonceStr"]
    verify_pay_sign(merchant_public_key(direct), APPID, again)


def test_partner_order_uses_sub_openid_and_pay_sign_uses_the_company_mini_program(partner):
    with http() as mock:
        result = WeChatPayProvider(partner).create_order(order())

    sent = json.loads(mock.calls[0].request.body)
    assert mock.calls[0].request.url.endswith("/v3/pay/partner/transactions/jsapi")
    assert (sent["sp_mchid"], sent["sp_appid"], sent["sub_mchid"], sent["sub_appid"]) == (
        SP_MCHID, SP_APPID, SUB_MCHID, SUB_APPID)
    assert sent["payer"] == {"sub_openid": "o-resident-openid"}
    verify_pay_sign(merchant_public_key(partner), SUB_APPID, result.params)
    with pytest.raises(Exception):  # noqa: B017 - InvalidSignature: not signed for the platform's own appid
        verify_pay_sign(merchant_public_key(partner), SP_APPID, result.params)


def test_paid_order_notify_reaches_the_company_domain_and_parses(direct, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(direct)
    with http() as mock:
        created = provider.create_order(order())
        answer = pay(created.prepay_id, django_capture_on_commit_callbacks)
        state = provider.query_order("HC20261126A001")

    assert answer.status_code == 200 and answer.json()["trade_state"] == "SUCCESS"
    [delivered] = notify_calls(mock)
    assert delivered.request.headers["Host"] == "alpha.localhost"  # http://alpha.localhost/payments/notify/wechat/
    event = provider.parse_notify(delivered.request.headers, delivered.request.body)
    assert event.kind == "payment" and event.notify_id
    trade = event.trade
    assert (trade.out_trade_no, trade.state, trade.amount_fen, trade.raw_state) == (
        "HC20261126A001", PAID, 12345, "SUCCESS")
    assert (trade.merchant_id, trade.app_id, trade.payer_id) == (MCHID, APPID, "o-resident-openid")
    assert trade.transaction_id.startswith("4200") and trade.paid_at is not None
    assert (state.state, state.transaction_id, state.paid_at) == (PAID, trade.transaction_id, trade.paid_at)


def test_query_maps_trade_states(direct, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(direct)
    with http():
        assert provider.query_order("HC-NEVER-PLACED").state == NOT_FOUND
        open_order = provider.create_order(order("HCOPEN0001"))
        assert provider.query_order("HCOPEN0001").state == OPEN
        failing = provider.create_order(order("HCFAIL0001"))
        requests.post(CONFIRM_URL, json={"prepay_id": failing.prepay_id, "result": "fail"}, timeout=5)
        assert provider.query_order("HCFAIL0001").state == FAILED
        pay(open_order.prepay_id, django_capture_on_commit_callbacks)
        assert provider.query_order("HCOPEN0001").state == PAID


def test_close_is_idempotent_and_refuses_a_paid_order(direct, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(direct)
    with http():
        provider.create_order(order("HCCLOSE001"))
        provider.close_order("HCCLOSE001")
        provider.close_order("HCCLOSE001")  # ORDER_CLOSED is fine
        provider.close_order("HC-NEVER-PLACED")  # ORDER_NOT_EXIST is fine
        assert provider.query_order("HCCLOSE001").state == CLOSED
        paid = provider.create_order(order("HCPAID0001"))
        pay(paid.prepay_id, django_capture_on_commit_callbacks)
        with pytest.raises(ProviderError) as exc:
            provider.close_order("HCPAID0001")
    assert exc.value.code == "ORDERPAID" and not exc.value.retryable


# --- refunds --------------------------------------------------------------------------------------------------


def _refund_round_trip(config: MerchantConfig, capture) -> None:
    provider = WeChatPayProvider(config)
    with http() as mock:
        created = provider.create_order(order())
        pay(created.prepay_id, capture)
        with capture(execute=True):
            first = provider.refund(refund_request("RF0001", 2345))
        again = provider.refund(refund_request("RF0001", 2345))
        queried = provider.query_refund(out_refund_no="RF0001", out_trade_no="HC20261126A001")
        with pytest.raises(ProviderError) as too_much:
            provider.refund(refund_request("RF0002", 10001))
        still_paid = provider.query_order("HC20261126A001")

    assert (first.status, first.amount_fen, first.out_trade_no) == (REFUND_PROCESSING, 2345, "HC20261126A001")
    assert again.provider_refund_id == first.provider_refund_id
    assert queried.status == REFUND_SUCCESS
    assert too_much.value.code == "NOT_ENOUGH"
    assert still_paid.state == PAID and still_paid.raw_state == "REFUND"
    _payment_notify, refund_notify = notify_calls(mock)
    event = provider.parse_notify(refund_notify.request.headers, refund_notify.request.body)
    assert event.kind == "refund"
    assert (event.refund.out_refund_no, event.refund.status, event.refund.amount_fen) == ("RF0001", REFUND_SUCCESS,
                                                                                          2345)
    assert event.refund.provider_refund_id == first.provider_refund_id
    assert event.refund.merchant_id == config.mchid
    assert event.refund.sub_merchant_id == config.sub_mchid


def test_refund_round_trip_direct(direct, django_capture_on_commit_callbacks):
    _refund_round_trip(direct, django_capture_on_commit_callbacks)


def test_refund_round_trip_partner(partner, django_capture_on_commit_callbacks):
    _refund_round_trip(partner, django_capture_on_commit_callbacks)


def test_refund_round_trip_certificate_mode(certificate_mode, django_capture_on_commit_callbacks):
    _refund_round_trip(certificate_mode, django_capture_on_commit_callbacks)


def test_partner_query_and_notify_carry_sub_merchant_fields(partner, django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(partner)
    with http() as mock:
        created = provider.create_order(order())
        pay(created.prepay_id, django_capture_on_commit_callbacks)
        state = provider.query_order("HC20261126A001")
        provider.create_order(order("HCCLOSE002"))
        provider.close_order("HCCLOSE002")
        closed = provider.query_order("HCCLOSE002")

    [delivered] = notify_calls(mock)
    trade = provider.parse_notify(delivered.request.headers, delivered.request.body).trade
    for seen in (state, trade):
        assert (seen.merchant_id, seen.app_id, seen.sub_merchant_id, seen.sub_app_id, seen.payer_id) == (
            SP_MCHID, SP_APPID, SUB_MCHID, SUB_APPID, "o-resident-openid")
        assert seen.state == PAID
    assert closed.state == CLOSED
    assert "sp_mchid=1900000100&sub_mchid=1900000201" in mock.calls[-1].request.url


def _partner_resource(config: MerchantConfig, **changes) -> dict:
    resource = {"sp_appid": config.appid, "sp_mchid": config.mchid, "sub_appid": config.sub_appid,
                "sub_mchid": config.sub_mchid, "out_trade_no": "HC20261126A001",
                "transaction_id": "4200000000202611260000000001", "trade_type": "JSAPI", "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
                "success_time": "2026-11-26T10:00:00+08:00", "payer": {"sub_openid": "o-resident-openid"},
                "amount": {"total": 12345, "payer_total": 12345, "currency": "CNY", "payer_currency": "CNY"}}
    return {k: v for k, v in {**resource, **changes}.items() if v is not None}


@pytest.mark.parametrize(("changes", "reason"), [
    ({"sp_mchid": None}, "missing_sp_mchid"),
    ({"sp_mchid": None, "mchid": SP_MCHID}, "missing_sp_mchid"),  # a direct merchant's shape is not a partner's
    ({"sub_mchid": None}, "missing_sub_mchid"),
    ({"sp_appid": None}, "missing_sp_appid"),
    ({"sub_appid": None}, "missing_sub_appid"),  # orders are placed with the company's own mini-program
    ({"sub_mchid": 1900000201}, "missing_sub_mchid"),  # not a string
])
def test_a_verified_partner_notify_without_the_ids_of_its_mode_is_rejected(partner, changes, reason):
    from apps.payments.sandbox.wechat import build_wechat_notify

    provider = WeChatPayProvider(partner)
    good = build_wechat_notify(_partner_resource(partner), apiv3_key=partner.apiv3_key)
    assert provider.parse_notify(good[0], good[1].encode()).trade.sub_merchant_id == SUB_MCHID
    headers, body = build_wechat_notify(_partner_resource(partner, **changes), apiv3_key=partner.apiv3_key)
    with pytest.raises(NotifyRejected) as exc:
        provider.parse_notify(headers, body.encode())
    assert exc.value.reason == reason


@pytest.mark.parametrize("mode", ["direct", "partner"])
def test_a_verified_refund_notify_without_its_merchant_ids_is_rejected(direct, partner, mode):
    from apps.payments.sandbox.wechat import build_wechat_notify

    config = direct if mode == "direct" else partner
    ids = {"mchid": config.mchid} if mode == "direct" else {"sp_mchid": config.mchid, "sub_mchid": config.sub_mchid}
    refund = {**ids, "out_trade_no": "HC20261126A001", "transaction_id": "4200000000202611260000000001",
              "out_refund_no": "RF0001", "refund_id": "50000000382019052709732678859", "refund_status": "SUCCESS",
              "user_received_account": "支付用户零钱", "amount": {"total": 12345, "refund": 2345}}
    provider = WeChatPayProvider(config)
    event = provider.parse_notify(*_encoded(build_wechat_notify(refund, apiv3_key=config.apiv3_key,
                                                                event_type="REFUND.SUCCESS")))
    assert event.kind == "refund" and event.refund.merchant_id == config.mchid
    for name in ids:
        forged = {k: v for k, v in refund.items() if k != name}
        with pytest.raises(NotifyRejected) as exc:
            provider.parse_notify(*_encoded(build_wechat_notify(forged, apiv3_key=config.apiv3_key,
                                                                event_type="REFUND.SUCCESS")))
        assert exc.value.reason == f"missing_{name}"


def _encoded(notify: tuple[dict, str]) -> tuple[dict, bytes]:
    return notify[0], notify[1].encode()


def test_certificate_mode_round_trip_verifies_with_the_stored_certificate(certificate_mode,
                                                                          django_capture_on_commit_callbacks):
    provider = WeChatPayProvider(certificate_mode)
    with http() as mock:
        created = provider.create_order(order())
        pay(created.prepay_id, django_capture_on_commit_callbacks)
        assert provider.query_order("HC20261126A001").state == PAID

    [delivered] = notify_calls(mock)
    assert delivered.request.headers["Wechatpay-Serial"] == certificate_mode.platform_certificates[0]["serial_no"]
    assert provider.parse_notify(delivered.request.headers, delivered.request.body).trade.state == PAID
    assert not [c for c in mock.calls if "/v3/certificates" in c.request.url]


# --- failures -------------------------------------------------------------------------------------------------


def test_tampered_gateway_answer_is_a_provider_error(direct):
    provider = WeChatPayProvider(direct)
    with http():
        provider.create_order(order())

    def tampering(request):
        status, headers, body = _forward(request)
        return status, headers, body.replace(b'"total":12345', b'"total":99999')  # same length

    with responses.RequestsMock() as mock:
        mock.add_callback("GET", LOCAL, callback=tampering)
        with pytest.raises(ProviderError) as exc:
            provider.query_order("HC20261126A001")
        assert b'"total":99999' in mock.calls[0].response.content
    assert exc.value.code == "SDK"


def test_answer_signed_with_an_unknown_serial_is_a_provider_error_without_a_download(direct):
    provider = WeChatPayProvider(direct)

    def foreign_serial(request):
        status, headers, body = _forward(request)
        return status, {**headers, "Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"}, body

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback("POST", LOCAL, callback=foreign_serial)
        with pytest.raises(ProviderError):
            provider.create_order(order())
        assert len(mock.calls) == 1  # the order, and no /v3/certificates


def test_unreachable_gateway_is_a_retryable_provider_error(direct, settings):
    settings.PAYMENTS_WECHATPAY_GATEWAY = "https://api.mch.weixin.qq.com"
    provider = WeChatPayProvider(direct)
    with http(), pytest.raises(ProviderError) as exc:  # sandbox_http refuses non-local hosts
        provider.query_order("HC20261126A001")
    assert exc.value.retryable and exc.value.code == "NETWORK"


def test_gateway_parameter_errors_are_not_retryable(direct):
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(direct).create_order(order(amount_fen=0))
    assert exc.value.code == "PARAM_ERROR" and not exc.value.retryable


# --- connection test and certificates --------------------------------------------------------------------------


def test_connection_succeeds_with_good_credentials(direct, partner, certificate_mode):
    with http():
        for config in (direct, partner, certificate_mode):
            assert "连接正常" in WeChatPayProvider(config).test_connection()


def test_connection_with_a_wrong_merchant_key_fails_with_sign_error(direct):
    wrong = dataclasses.replace(direct, merchant_private_key=other_private_key())
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(wrong).test_connection()
    assert exc.value.code == "SIGN_ERROR"


def test_connection_with_a_wrong_platform_public_key_fails(direct):
    key = serialization.load_pem_private_key(other_private_key().encode(), password=None)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    wrong = dataclasses.replace(direct, wechatpay_public_key=public)
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(wrong).test_connection()
    assert exc.value.code == "bad_signature"


def test_download_platform_certificates_decrypts_with_the_apiv3_key(direct, certificate_mode):
    key = SandboxKey.objects.get(channel="wechat")
    with http() as mock:
        for config in (direct, certificate_mode):
            [cert] = WeChatPayProvider(config).download_platform_certificates()
            assert (cert["serial_no"], cert["pem"]) == (key.certificate_serial, key.certificate_pem)
            assert cert["expire_time"].endswith("+08:00")
        wrong = dataclasses.replace(direct, apiv3_key="0" * 32)
        with pytest.raises(ProviderError) as exc:
            WeChatPayProvider(wrong).download_platform_certificates()
    assert exc.value.code == "DECRYPT_FAILED"
    assert [c.request.url.rsplit("/", 1)[1] for c in mock.calls] == ["certificates"] * 3


def test_first_certificate_download_trusts_a_certificate_it_just_decrypted(certificate_mode):
    key = SandboxKey.objects.get(channel="wechat")
    # No stored certificate and a public key that did not sign the answer: only the certificate that just
    # decrypted under our APIv3 key can verify it.
    bootstrap = dataclasses.replace(certificate_mode, wechatpay_public_key_id="PUB_KEY_ID_0000000001",
                                    wechatpay_public_key=merchant_public_key(certificate_mode),
                                    platform_certificates=())
    with http():
        [cert] = WeChatPayProvider(bootstrap).download_platform_certificates()
    assert cert["serial_no"] == key.certificate_serial


def test_providers_of_one_config_share_the_slow_to_build_sdk(direct, settings):
    first = WeChatPayProvider(direct)
    assert WeChatPayProvider(direct)._wxpay is first._wxpay
    assert WeChatPayProvider(dataclasses.replace(direct, apiv3_key="1" * 32))._wxpay is not first._wxpay
    settings.PAYMENTS_WECHATPAY_GATEWAY = "http://localhost:8000/sandbox/wechatpay"
    moved = WeChatPayProvider(direct)
    assert moved._wxpay._core._gate_way == "http://localhost:8000/sandbox/wechatpay"
    assert first._wxpay._core._gate_way == "http://localhost/sandbox/wechatpay"


# --- notify replies and config validation -----------------------------------------------------------------------


def test_notify_replies(direct):
    provider = WeChatPayProvider(direct)
    assert (provider.notify_success().status, provider.notify_success().body) == (204, b"")
    failure = provider.notify_failure("bad_signature")
    assert failure.status == 400 and json.loads(failure.body) == {"code": "FAIL", "message": "bad_signature"}
    assert direct.merchant_private_key not in repr(provider.config)


def test_validate_accepts_sandbox_configs(direct, partner, certificate_mode):
    assert validate_wechat_config(direct) == []
    assert validate_wechat_config(partner) == []
    assert validate_wechat_config(certificate_mode) == []


def test_validate_names_each_bad_field(direct):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(  # noqa: S505 - the point
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    cases = {
        "mchid": {"mchid": "12ab"},
        "appid": {"appid": "wxNOTHEX0000000000"},
        "merchantSerialNo": {"merchant_serial_no": "ABC"},
        "merchantPrivateKey": {"merchant_private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"},
        "apiv3Key": {"apiv3_key": "short"},
        "wechatpayPublicKeyId": {"wechatpay_public_key_id": "KEY_1"},
        "wechatpayPublicKey": {"wechatpay_public_key": "garbage"},
        "platformCertificates": {"platform_certificates": ({"serial_no": "AB", "pem": "garbage"},)},
        "subMchid": {"mode": "partner", "sub_mchid": "", "sub_appid": SUB_APPID},
        "subAppid": {"mode": "partner", "sub_mchid": SUB_MCHID, "sub_appid": ""},
    }
    for field, change in cases.items():
        errors = validate_wechat_config(dataclasses.replace(direct, **change))
        assert [f for f, _message in errors] == [field], (field, errors)
        assert all(direct.apiv3_key not in message for _f, message in errors)
    assert [f for f, _m in validate_wechat_config(dataclasses.replace(direct, merchant_private_key=weak))] == [
        "merchantPrivateKey"]
    no_key = dataclasses.replace(direct, wechatpay_public_key_id="", wechatpay_public_key="")
    assert [f for f, _m in validate_wechat_config(no_key)] == ["wechatpayPublicKey"]
