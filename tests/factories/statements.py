"""Statements (bills) at the provider level, against the sandbox gateways over (in-process) HTTP: trades paid and
refunds made on a chosen past day (the sandbox's confirm / success_time knobs), and the day's bill downloaded by
the real provider code and read back with the reconciliation parsers."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import requests
from django.utils import timezone

from apps.payments.providers import CreateOrderRequest, MerchantConfig, StatementDownload
from apps.payments.providers.alipay import AlipayProvider
from apps.payments.providers.wechat import WeChatPayProvider
from apps.payments.sandbox import bills
from apps.reconciliation.formats import Entry
from apps.reconciliation.formats import alipay as alipay_format
from apps.reconciliation.formats import wechat as wechat_format
from tests.factories.wechatpay import CONFIRM_URL, http, order, refund_request
from tests.sandbox_http import sandbox_http

CN = ZoneInfo("Asia/Shanghai")
ALIPAY_CONFIRM_URL = "http://localhost/sandbox/alipay/confirm"
ALIPAY_NOTIFY_URL = "http://alpha.localhost/payments/notify/alipay/"


def past_day(days: int = 3) -> dt.date:
    """A Shanghai day `days` before today (its bill exists whatever the time of day)."""
    return timezone.now().astimezone(CN).date() - dt.timedelta(days=days)


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=CN)


# --- WeChat Pay -----------------------------------------------------------------------------------------------------


def wechat_paid(config: MerchantConfig, out_trade_no: str, amount_fen: int, when: dt.datetime) -> str:
    """An order placed by the provider and paid at `when` (no notify); returns its prepay_id."""
    with http():
        prepay_id = WeChatPayProvider(config).create_order(order(out_trade_no, amount_fen)).prepay_id
        answer = requests.post(CONFIRM_URL, timeout=5, json={"prepay_id": prepay_id, "result": "pay",
                                                              "notify": False, "success_time": when.isoformat()})
    assert answer.status_code == 200, answer.text
    return prepay_id


def wechat_refunded(config: MerchantConfig, capture, *, out_trade_no: str, out_refund_no: str, amount_fen: int,
                    total_fen: int, when: dt.datetime) -> None:
    """A refund requested by the provider, SUCCESS (after commit), then dated `when`."""
    with http(), capture(execute=True):
        WeChatPayProvider(config).refund(refund_request(out_refund_no, amount_fen, total_fen, out_trade_no))
    bills.tweak("wechat", kind="success_time", out_refund_no=out_refund_no, value=when.isoformat())


def download(provider, kind: str, day: dt.date) -> tuple[StatementDownload, bytes]:
    """provider.download_statement into memory: (what it returned, the bytes it wrote)."""
    dest = io.BytesIO()
    with sandbox_http():
        result = provider.download_statement(kind=kind, bill_date=day, dest=dest)
    return result, dest.getvalue()


def wechat_rows(config: MerchantConfig, day: dt.date) -> list[Entry]:
    _result, content = download(WeChatPayProvider(config), "trade", day)
    return list(wechat_format.read_tradebill(io.BytesIO(content)))


# --- Alipay -----------------------------------------------------------------------------------------------------------


def alipay_paid(config: MerchantConfig, out_trade_no: str, amount_fen: int, when: dt.datetime) -> str:
    """An order placed by the provider and paid at `when` (no notify); returns its trade_no."""
    request = CreateOrderRequest(out_trade_no=out_trade_no, amount_fen=amount_fen, description="采暖费",
                                 payer_id="2088102169481075", notify_url=ALIPAY_NOTIFY_URL,
                                 expires_at=timezone.now() + dt.timedelta(minutes=30))
    with sandbox_http():
        trade_no = AlipayProvider(config).create_order(request).prepay_id
        answer = requests.post(ALIPAY_CONFIRM_URL, timeout=5, json={"trade_no": trade_no, "result": "pay",
                                                                     "notify": False, "success_time": when.isoformat()})
    assert answer.status_code == 200, answer.text
    return trade_no


def alipay_refunded(config: MerchantConfig, *, out_trade_no: str, out_refund_no: str, amount_fen: int,
                    total_fen: int, when: dt.datetime) -> None:
    with sandbox_http():
        AlipayProvider(config).refund(refund_request(out_refund_no, amount_fen, total_fen, out_trade_no))
    bills.tweak("alipay", kind="success_time", out_refund_no=out_refund_no, value=when.isoformat())


def alipay_rows(config: MerchantConfig, day: dt.date) -> list[Entry]:
    _result, content = download(AlipayProvider(config), "trade", day)
    return list(alipay_format.TradeBill(io.BytesIO(content)))
