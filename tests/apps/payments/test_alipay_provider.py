"""AlipayProvider against the sandbox Alipay gateway over HTTP (sandbox_http):
direct and ISV mode, signed notifies, tampering, test_connection, config validation."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from apps.payments.providers import (
    CLOSED,
    NOT_FOUND,
    OPEN,
    PAID,
    REFUND_CLOSED,
    REFUND_PROCESSING,
    REFUND_SUCCESS,
    CreateOrderRequest,
    MerchantConfig,
    NotifyRejected,
    ProviderError,
    RefundRequest,
    provider_for_config,
)
from apps.payments.providers.alipay import SHANGHAI, AlipayProvider, validate_alipay_config
from apps.payments.sandbox.alipay import build_alipay_notify, generate_key_pair, sandbox_alipay_merchant
from apps.payments.sandbox.models import SandboxRefund, SandboxTrade
from tests.sandbox_http import _forward, sandbox_http

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
ISV_APP_ID = "2021000000000009"
ISV_SELLER_ID = "2088000000000777"
BUYER = "2088102169481075"
NOTIFY_URL = "http://alpha.localhost/payments/notify/alipay/"


@pytest.fixture
def direct(db) -> MerchantConfig:
    return MerchantConfig(**sandbox_alipay_merchant(app_id=APP_ID, seller_id=SELLER_ID))


@pytest.fixture
def isv(db) -> MerchantConfig:
    return MerchantConfig(**sandbox_alipay_merchant(app_id=ISV_APP_ID, seller_id=ISV_SELLER_ID, mode="isv"))


def order(out_trade_no: str = "HC202611150001", amount_fen: int = 12345, payer: str = BUYER,
          minutes: int = 30) -> CreateOrderRequest:
    return CreateOrderRequest(out_trade_no=out_trade_no, amount_fen=amount_fen, description="2026-2027 采暖费",
                              payer_id=payer, notify_url=NOTIFY_URL,
                              expires_at=timezone.now() + dt.timedelta(minutes=minutes))


def confirm(client, trade_no: str, result: str = "pay", **extra) -> dict:
    resp = client.post("/sandbox/alipay/confirm", data=json.dumps({"trade_no": trade_no, "result": result, **extra}),
                       content_type="application/json", HTTP_HOST="localhost")
    assert resp.status_code == 200, resp.content
    return resp.json()


@contextmanager
def recorded() -> Iterator[list]:
    """sandbox_http(), keeping the outbound requests (responses forgets them on exit)."""
    sent: list = []
    with sandbox_http() as mock:
        yield sent
        sent.extend(call.request for call in mock.calls)


def notifies(sent: list) -> list:
    return [r for r in sent if urlsplit(r.url).path == "/payments/notify/alipay/"]


def form(request) -> dict[str, str]:
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    return dict(parse_qsl(body))


def paid(provider: AlipayProvider, client, capture, **order_kwargs) -> str:
    """Create and pay an order; returns the trade_no."""
    trade_no = provider.create_order(order(**order_kwargs)).prepay_id
    with capture(execute=True):
        confirm(client, trade_no)
    return trade_no


# --- orders


def test_create_order_posts_jsapi_trade_in_exact_yuan_with_beijing_expiry(direct):
    provider = provider_for_config(direct)
    request = order(amount_fen=12345)
    with recorded() as sent:
        pay = provider.create_order(request)
    trade = SandboxTrade.objects.get(channel="alipay", out_trade_no=request.out_trade_no)
    assert pay.prepay_id == trade.prepay_id and len(pay.prepay_id) == 28
    assert pay.params == {"tradeNO": trade.prepay_id} == provider.client_params(prepay_id=trade.prepay_id)
    assert (trade.amount_fen, trade.payer_id, trade.notify_url, trade.app_id, trade.merchant_id) == (
        12345, BUYER, NOTIFY_URL, APP_ID, SELLER_ID)
    assert trade.time_expire == request.expires_at.replace(microsecond=0)
    (call,) = sent
    assert call.method == "POST" and urlsplit(call.url).query == "charset=utf-8"
    sent = form(call)
    biz = json.loads(sent["biz_content"])
    assert biz["total_amount"] == "123.45" and biz["product_code"] == "JSAPI_PAY" and biz["buyer_id"] == BUYER
    assert biz["time_expire"] == request.expires_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    assert sent["notify_url"] == NOTIFY_URL and sent["method"] == "alipay.trade.create" and sent["sign"]


def test_create_order_with_an_openid_sends_buyer_open_id(direct):
    with recorded() as sent:
        AlipayProvider(direct).create_order(order(payer="074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"))
    biz = json.loads(form(sent[0])["biz_content"])
    assert "buyer_id" not in biz and biz["buyer_open_id"].startswith("074a1")


def test_create_order_twice_returns_the_same_trade(direct):
    provider = AlipayProvider(direct)
    with sandbox_http():
        first, again = provider.create_order(order()), provider.create_order(order())
    assert first.prepay_id == again.prepay_id
    assert SandboxTrade.objects.filter(channel="alipay", out_trade_no="HC202611150001").count() == 1


def test_pay_sends_signed_notify_to_the_company_domain_and_query_reads_paid(
        direct, client, django_capture_on_commit_callbacks):
    provider = AlipayProvider(direct)
    with recorded() as sent:
        trade_no = provider.create_order(order()).prepay_id
        assert provider.query_order("HC202611150001").state == OPEN
        with django_capture_on_commit_callbacks(execute=True):
            assert confirm(client, trade_no)["trade_status"] == "TRADE_SUCCESS"
        queried = provider.query_order("HC202611150001")
    (notify,) = notifies(sent)
    assert notify.method == "POST" and notify.headers["Host"] == "alpha.localhost"
    assert notify.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    event = provider.parse_notify(notify.headers, notify.body)
    assert event.kind == "payment" and event.notify_id
    trade = event.trade
    assert (trade.state, trade.amount_fen, trade.out_trade_no, trade.transaction_id) == (
        PAID, 12345, "HC202611150001", trade_no)
    assert (trade.merchant_id, trade.seller_id, trade.payer_id, trade.raw_state) == (
        APP_ID, SELLER_ID, BUYER, "TRADE_SUCCESS")
    assert trade.paid_at.tzinfo is SHANGHAI and abs(trade.paid_at - timezone.now()) < dt.timedelta(seconds=5)
    assert (queried.state, queried.amount_fen, queried.transaction_id, queried.seller_id, queried.payer_id) == (
        PAID, 12345, trade_no, SELLER_ID, BUYER)
    assert queried.paid_at == trade.paid_at


def test_query_of_an_unknown_order_is_not_found(direct):
    with sandbox_http():
        state = AlipayProvider(direct).query_order("NEVER-SENT-1")
    assert (state.state, state.raw_state) == (NOT_FOUND, "ACQ.TRADE_NOT_EXIST")


def test_close_is_idempotent_for_closed_and_unknown_orders(direct):
    provider = AlipayProvider(direct)
    with sandbox_http():
        provider.create_order(order())
        provider.close_order("HC202611150001")
        assert provider.query_order("HC202611150001").state == CLOSED
        provider.close_order("HC202611150001")
        provider.close_order("NEVER-SENT-1")


def test_closing_a_paid_order_raises_with_alipays_code(direct, client, django_capture_on_commit_callbacks):
    provider = AlipayProvider(direct)
    with sandbox_http():
        paid(provider, client, django_capture_on_commit_callbacks)
        with pytest.raises(ProviderError) as exc:
            provider.close_order("HC202611150001")
    assert exc.value.code == "40004/ACQ.TRADE_STATUS_ERROR" and not exc.value.retryable


# --- refunds


def refund_request(out_refund_no: str, amount_fen: int) -> RefundRequest:
    return RefundRequest(out_trade_no="HC202611150001", out_refund_no=out_refund_no, amount_fen=amount_fen,
                         total_fen=12345, reason="多缴退费", notify_url=NOTIFY_URL)


def test_refund_retried_with_the_same_number_refunds_once(direct, client, django_capture_on_commit_callbacks):
    provider = AlipayProvider(direct)
    with recorded() as sent:
        paid(provider, client, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            first = provider.refund(refund_request("RF1", 2000))
        with django_capture_on_commit_callbacks(execute=True):
            retry = provider.refund(refund_request("RF1", 2000))
        queried = provider.query_refund(out_refund_no="RF1", out_trade_no="HC202611150001")
    assert (first.status, first.amount_fen, first.out_refund_no) == (REFUND_SUCCESS, 2000, "RF1")
    assert (retry.status, retry.amount_fen) == (REFUND_SUCCESS, 2000)  # fund_change N, confirmed by the query
    assert (queried.status, queried.amount_fen) == (REFUND_SUCCESS, 2000)
    assert SandboxRefund.objects.filter(out_refund_no="RF1").count() == 1
    refund_notifies = [r for r in notifies(sent) if "out_biz_no" in form(r)]
    assert len(refund_notifies) == 1
    event = provider.parse_notify(refund_notifies[0].headers, refund_notifies[0].body)
    assert event.kind == "refund" and event.trade is None
    assert (event.refund.out_refund_no, event.refund.status, event.refund.amount_fen, event.refund.out_trade_no) == (
        "RF1", REFUND_SUCCESS, 2000, "HC202611150001")


def test_refund_notify_amount_is_the_trades_refunded_total(direct, client, django_capture_on_commit_callbacks):
    provider = AlipayProvider(direct)
    with recorded() as sent:
        paid(provider, client, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            provider.refund(refund_request("RF1", 2000))
            provider.refund(refund_request("RF2", 10345))
        state = provider.query_order("HC202611150001")
    events = [provider.parse_notify(r.headers, r.body) for r in notifies(sent) if "out_biz_no" in form(r)]
    assert [(e.refund.out_refund_no, e.refund.amount_fen, e.refund.raw_status) for e in events] == [
        ("RF1", 2000, "TRADE_SUCCESS"), ("RF2", 12345, "TRADE_CLOSED")]
    assert state.state == CLOSED and state.paid_at is not None  # fully refunded, but it was paid


def test_refund_beyond_the_paid_amount_is_refused(direct, client, django_capture_on_commit_callbacks):
    provider = AlipayProvider(direct)
    with sandbox_http():
        paid(provider, client, django_capture_on_commit_callbacks)
        with pytest.raises(ProviderError) as exc:
            provider.refund(refund_request("RF1", 12346))
    assert exc.value.code == "40004/ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    assert not SandboxRefund.objects.exists()


def test_query_refund_of_an_unknown_request_is_processing_and_of_an_unknown_trade_closed(direct):
    provider = AlipayProvider(direct)
    with sandbox_http():
        provider.create_order(order())
        assert provider.query_refund(out_refund_no="RF9", out_trade_no="HC202611150001").status == REFUND_PROCESSING
        assert provider.query_refund(out_refund_no="RF9", out_trade_no="NEVER-SENT-1").status == REFUND_CLOSED


# --- ISV mode


def test_isv_mode_sends_the_app_auth_token_on_every_call(isv, client, django_capture_on_commit_callbacks):
    provider = AlipayProvider(isv)
    with recorded() as sent:
        trade_no = paid(provider, client, django_capture_on_commit_callbacks)
        state = provider.query_order("HC202611150001")
        refund = provider.refund(refund_request("RF1", 100))
        provider.query_refund(out_refund_no="RF1", out_trade_no="HC202611150001")
        assert provider.create_order(order("HC202611150002")).prepay_id
        provider.close_order("HC202611150002")
    gateway_calls = [r for r in sent if urlsplit(r.url).path.endswith("/gateway.do")]
    assert len(gateway_calls) == 6  # create, query, refund, refund query, create, close
    assert all(form(r)["app_auth_token"] == isv.alipay_app_auth_token for r in gateway_calls)
    assert all(form(r)["app_id"] == ISV_APP_ID for r in gateway_calls)
    assert (state.state, state.transaction_id, state.seller_id) == (PAID, trade_no, ISV_SELLER_ID)
    assert refund.status == REFUND_SUCCESS
    (notify,) = [r for r in notifies(sent) if "out_biz_no" not in form(r)]
    event = provider.parse_notify(notify.headers, notify.body)
    assert (event.trade.merchant_id, event.trade.seller_id) == (ISV_APP_ID, ISV_SELLER_ID)
    assert form(notify)["auth_app_id"] == isv.alipay_auth_app_id == event.trade.sub_merchant_id


@pytest.mark.parametrize(("changes", "reason"), [
    ({"auth_app_id": None}, "missing auth_app_id"),  # an ISV app's notify always names its authorizer
    ({"auth_app_id": "2021000000000099"}, "auth_app_id is not ours"),
    ({"seller_id": None}, "missing seller_id"),
    ({"seller_id": ""}, "missing seller_id"),
    ({"seller_id": "2088000000000099"}, "seller_id is not ours"),
])
def test_isv_notify_without_our_authorizer_or_seller_is_rejected(isv, changes, reason):
    params = notify_params(app_id=ISV_APP_ID, seller_id=ISV_SELLER_ID, auth_app_id=isv.alipay_auth_app_id)
    provider = AlipayProvider(isv)
    assert provider.parse_notify({}, build_alipay_notify(params).encode()).kind == "payment"
    with pytest.raises(NotifyRejected) as exc:
        provider.parse_notify({}, build_alipay_notify({**params, **changes}).encode())
    assert exc.value.reason == reason


def test_isv_notify_with_an_unknown_authorizer_still_needs_one(isv):
    """Accounts saved before the company's own app id was known: any authorizer, but one."""
    provider = AlipayProvider(MerchantConfig(**{**isv.__dict__, "alipay_auth_app_id": ""}))
    params = notify_params(app_id=ISV_APP_ID, seller_id=ISV_SELLER_ID, auth_app_id="2021000000000123")
    assert provider.parse_notify({}, build_alipay_notify(params).encode()).kind == "payment"
    with pytest.raises(NotifyRejected, match="missing auth_app_id"):
        provider.parse_notify({}, build_alipay_notify({**params, "auth_app_id": None}).encode())


def test_isv_mode_with_a_token_the_gateway_never_issued_is_refused(isv):
    forged = MerchantConfig(**{**isv.__dict__, "alipay_app_auth_token": "202601BBforged"})
    with sandbox_http(), pytest.raises(ProviderError) as exc:
        AlipayProvider(forged).query_order("HC202611150001")
    assert exc.value.code == "20001/aop.invalid-app-auth-token"


def test_isv_mode_without_a_token_is_a_config_error(isv):
    with pytest.raises(ProviderError) as exc:
        AlipayProvider(MerchantConfig(**{**isv.__dict__, "alipay_app_auth_token": ""}))
    assert exc.value.code == "invalid-config"


# --- notifies


def notify_params(**overrides) -> dict[str, str]:
    return {"notify_id": "n-1", "notify_type": "trade_status_sync", "notify_time": "2026-11-20 10:00:05",
            "charset": "utf-8", "version": "1.0", "app_id": APP_ID, "out_trade_no": "HC202611150001",
            "trade_no": "2026112022001400000000000001", "total_amount": "123.45", "seller_id": SELLER_ID,
            "trade_status": "TRADE_SUCCESS", "gmt_payment": "2026-11-20 10:00:03", "buyer_id": BUYER, **overrides}


def test_a_genuine_notify_parses_with_amount_and_beijing_payment_time(direct):
    event = AlipayProvider(direct).parse_notify({}, build_alipay_notify(notify_params()).encode())
    assert (event.kind, event.notify_id, event.trade.amount_fen, event.trade.transaction_id) == (
        "payment", "n-1", 12345, "2026112022001400000000000001")
    assert event.trade.paid_at == dt.datetime(2026, 11, 20, 2, 0, 3, tzinfo=dt.UTC)


def test_notify_with_a_tampered_amount_is_rejected(direct):
    genuine = build_alipay_notify(notify_params())
    body = genuine.replace("total_amount=123.45", "total_amount=0.01")
    assert body != genuine
    with pytest.raises(NotifyRejected) as exc:
        AlipayProvider(direct).parse_notify({}, body.encode())
    assert exc.value.reason == "bad signature"


def test_notify_signed_with_another_key_is_rejected(direct):
    forger_key, _public = generate_key_pair()
    body = build_alipay_notify(notify_params(), private_key_pem=forger_key)
    with pytest.raises(NotifyRejected, match="bad signature"):
        AlipayProvider(direct).parse_notify({}, body.encode())


def test_genuine_notify_for_another_app_is_rejected(direct):
    body = build_alipay_notify(notify_params(app_id="2021000000000002"))  # correctly signed by "Alipay"
    with pytest.raises(NotifyRejected) as exc:
        AlipayProvider(direct).parse_notify({}, body.encode())
    assert exc.value.reason == "app_id is not ours"


@pytest.mark.parametrize(("body", "reason"), [
    (b"", "missing signature"),
    (b"\xff\xfe=1", "malformed body"),
    (b"a=1&&b", "malformed body"),
    (b"sign=abc&sign_type=RSA2&app_id=1&app_id=2", "malformed body: repeated field"),
    (b"sign=abc&sign_type=RSA&app_id=2021000000000001", "wrong sign_type"),
    (b"sign=abc&app_id=2021000000000001", "wrong sign_type"),
    (b"sign=not-base64!&sign_type=RSA2&app_id=2021000000000001", "bad signature"),
])
def test_malformed_or_unsigned_notifies_are_rejected_with_their_reason(direct, body, reason):
    with pytest.raises(NotifyRejected) as exc:
        AlipayProvider(direct).parse_notify({}, body)
    assert exc.value.reason == reason


@pytest.mark.parametrize(("changes", "reason"), [
    ({"seller_id": None}, "missing seller_id"),
    ({"seller_id": "2088000000000099"}, "seller_id is not ours"),
    ({"auth_app_id": "2021000000000099"}, "auth_app_id is not ours"),  # a direct app authorizes itself
])
def test_genuine_notify_without_our_seller_or_with_another_authorizer_is_rejected(direct, changes, reason):
    assert AlipayProvider(direct).parse_notify({}, build_alipay_notify(
        notify_params(auth_app_id=APP_ID)).encode()).kind == "payment"
    with pytest.raises(NotifyRejected) as exc:
        AlipayProvider(direct).parse_notify({}, build_alipay_notify(notify_params(**changes)).encode())
    assert exc.value.reason == reason


def test_signed_notify_with_a_three_decimal_amount_is_rejected_not_rounded(direct):
    with pytest.raises(NotifyRejected, match="malformed total_amount"):
        AlipayProvider(direct).parse_notify({}, build_alipay_notify(notify_params(total_amount="123.455")).encode())


def test_notify_statuses_map_and_unknown_ones_are_ignored(direct):
    provider = AlipayProvider(direct)

    def parse(**kw):
        return provider.parse_notify({}, build_alipay_notify(notify_params(**kw)).encode())

    assert parse(trade_status="TRADE_FINISHED").trade.state == PAID
    assert parse(trade_status="TRADE_CLOSED", gmt_payment=None).trade.state == CLOSED
    assert parse(trade_status="SOMETHING_NEW").kind == "ignored"


def test_notify_replies_are_plain_success_and_fail(direct):
    provider = AlipayProvider(direct)
    ok, failed = provider.notify_success(), provider.notify_failure("no such order")
    assert (ok.status, ok.content_type, ok.body) == (200, "text/plain", b"success")
    assert (failed.status, failed.content_type, failed.body) == (200, "text/plain", b"fail")


# --- the gateway's answers


def test_a_tampered_gateway_answer_raises_provider_error(direct, client, django_capture_on_commit_callbacks):
    provider = AlipayProvider(direct)
    with sandbox_http():
        paid(provider, client, django_capture_on_commit_callbacks)

    def tampered(request):
        status, headers, content = _forward(request)
        headers.pop("Content-Length", None)
        assert b'"total_amount":"123.45"' in content
        return status, headers, content.replace(b'"total_amount":"123.45"', b'"total_amount":"0.01"')

    with responses.RequestsMock() as mock:
        mock.add_callback("POST", re.compile(r"^http://localhost/sandbox/alipay/gateway\.do"), callback=tampered)
        with pytest.raises(ProviderError) as exc:
            provider.query_order("HC202611150001")
        assert b'"total_amount":"0.01"' not in mock.calls[0].request.body  # it was the answer we changed
    assert exc.value.code == "invalid-response-signature", str(exc.value)


# --- test_connection


def test_connection_succeeds_in_direct_and_isv_mode(direct, isv):
    with recorded() as sent:
        assert "支付宝" in AlipayProvider(direct).test_connection()
        assert "支付宝" in AlipayProvider(isv).test_connection()
    assert len(sent) == 2


def test_connection_with_an_unregistered_app_key_fails_with_invalid_signature(direct):
    stranger, _public = generate_key_pair()
    with sandbox_http(), pytest.raises(ProviderError) as exc:
        AlipayProvider(MerchantConfig(**{**direct.__dict__, "alipay_app_private_key": stranger})).test_connection()
    assert exc.value.code == "40002/isv.invalid-signature"


def test_connection_with_an_unknown_app_id_fails(direct):
    with sandbox_http(), pytest.raises(ProviderError) as exc:
        AlipayProvider(MerchantConfig(**{**direct.__dict__, "alipay_app_id": "2021999999999999"})).test_connection()
    assert exc.value.code == "40002/isv.invalid-app-id"


def test_connection_with_the_wrong_alipay_public_key_fails_verification(direct):
    _private, wrong_public = generate_key_pair()
    with sandbox_http(), pytest.raises(ProviderError) as exc:
        AlipayProvider(MerchantConfig(**{**direct.__dict__, "alipay_public_key": wrong_public})).test_connection()
    assert exc.value.code == "invalid-response-signature", str(exc.value)


def test_unparsable_keys_raise_provider_error_without_echoing_them(direct):
    with pytest.raises(ProviderError) as exc:
        AlipayProvider(MerchantConfig(**{**direct.__dict__, "alipay_app_private_key": "SECRET-not-a-key"}))
    assert exc.value.code == "invalid-key" and "SECRET" not in str(exc.value)


# --- validate_alipay_config


def _pkcs1_base64_and_1024() -> tuple[str, str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs1 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()).decode()
    bare = "".join(pkcs1.strip().splitlines()[1:-1])  # what the Alipay key tool shows: base64, no header
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(  # noqa: S505 (the point)
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return pkcs1, bare, short


def test_validate_accepts_pkcs8_pkcs1_and_bare_base64_keys(direct):
    pkcs1, bare, _short = _pkcs1_base64_and_1024()
    assert validate_alipay_config(direct) == []
    assert validate_alipay_config(MerchantConfig(**{**direct.__dict__, "alipay_app_private_key": pkcs1})) == []
    assert validate_alipay_config(MerchantConfig(**{**direct.__dict__, "alipay_app_private_key": bare})) == []
    bare_public = "".join(direct.alipay_public_key.strip().splitlines()[1:-1])
    assert validate_alipay_config(MerchantConfig(**{**direct.__dict__, "alipay_public_key": bare_public})) == []


def test_validate_names_each_bad_field(direct):
    _pkcs1, _bare, short = _pkcs1_base64_and_1024()
    app_public = serialization.load_pem_private_key(direct.alipay_app_private_key.encode(), None).public_key()
    app_public_pem = app_public.public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def fields(**overrides) -> list[str]:
        return [f for f, _m in validate_alipay_config(MerchantConfig(**{**direct.__dict__, **overrides}))]

    assert fields(alipay_app_id="202100000000001") == ["alipayAppId"]
    assert fields(alipay_app_private_key="-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----") == [
        "alipayAppPrivateKey"]
    assert fields(alipay_app_private_key=short) == ["alipayAppPrivateKey"]
    assert fields(alipay_public_key="") == ["alipayPublicKey"]
    assert fields(alipay_public_key=app_public_pem) == ["alipayPublicKey"]  # the app's own public key
    assert fields(alipay_seller_id="2088123") == ["alipaySellerId"]
    assert fields(alipay_seller_id="") == []
    assert fields(mode="isv") == ["alipayAppAuthToken"]
    assert fields(mode="partner") == ["mode"]
    messages = [m for _f, m in validate_alipay_config(MerchantConfig(**{**direct.__dict__, "alipay_app_id": "x"}))]
    assert messages == ["支付宝应用 AppID 应为 16 位数字。"]
