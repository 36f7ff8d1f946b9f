"""WeChat Pay at the provider level, against the sandbox gateway over (in-process)
HTTP: merchant configs registered at the sandbox (direct, partner, legacy
certificate mode), order and refund requests, the resident paying (the
sandbox's confirm), and the notifies that came back."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.utils import timezone

from apps.payments.providers import CreateOrderRequest, MerchantConfig, RefundRequest
from apps.payments.sandbox.wechat import sandbox_wechat_merchant
from tests.sandbox_http import sandbox_http

MCHID, APPID = "1900000109", "wx1234567890abcdef"
CERT_MCHID = "1900000110"  # a second direct merchant, in legacy certificate mode
SP_MCHID, SP_APPID = "1900000100", "wxa1b2c3d4e5f60718"
SUB_MCHID, SUB_APPID = "1900000201", "wx0011223344556677"
NOTIFY_URL = "http://alpha.localhost/payments/notify/wechat/"
CONFIRM_URL = "http://localhost/sandbox/wechatpay/confirm"


def direct_config() -> MerchantConfig:
    """A direct merchant (public-key signing) registered at the sandbox, with fresh keys."""
    return MerchantConfig(**sandbox_wechat_merchant(mchid=MCHID, appid=APPID))


def partner_config() -> MerchantConfig:
    return MerchantConfig(**sandbox_wechat_merchant(mchid=SP_MCHID, appid=SP_APPID, mode="partner",
                                                    sub_mchid=SUB_MCHID, sub_appid=SUB_APPID))


def certificate_config() -> MerchantConfig:
    return MerchantConfig(**sandbox_wechat_merchant(mchid=CERT_MCHID, appid=APPID, signing="certificate"))


@contextmanager
def http() -> Iterator[SimpleNamespace]:
    """sandbox_http() whose `calls` outlive the block: responses empties its own list on exit."""
    with sandbox_http() as mock:
        record = SimpleNamespace(calls=mock.calls)
        try:
            yield record
        finally:
            record.calls = list(mock.calls)


def order(out_trade_no: str = "HC20261126A001", amount_fen: int = 12345, **overrides) -> CreateOrderRequest:
    fields = {"out_trade_no": out_trade_no, "amount_fen": amount_fen, "description": "2026-2027供暖季热费",
              "payer_id": "o-resident-openid", "notify_url": NOTIFY_URL,
              "expires_at": timezone.now() + dt.timedelta(minutes=30), "attach": "bills:1,2"}
    return CreateOrderRequest(**{**fields, **overrides})


def pay(prepay_id: str, capture, **extra) -> requests.Response:
    """The resident pays in the sandbox; the notify goes out on commit."""
    with capture(execute=True):
        return requests.post(CONFIRM_URL, json={"prepay_id": prepay_id, "result": "pay", **extra}, timeout=5)


def notify_calls(mock) -> list:
    return [c for c in mock.calls if c.request.url == "http://127.0.0.1/payments/notify/wechat/"]


def verify_pay_sign(public_key_pem: str, appid: str, params: dict) -> None:
    message = f"{appid}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    public_key = serialization.load_pem_public_key(public_key_pem.encode())
    public_key.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())


def refund_request(no: str, amount_fen: int, total_fen: int = 12345,
                   out_trade_no: str = "HC20261126A001") -> RefundRequest:
    return RefundRequest(out_trade_no=out_trade_no, out_refund_no=no, amount_fen=amount_fen, total_fen=total_fen,
                         reason="多缴退费", notify_url=NOTIFY_URL)
