"""provider.download_statement against the sandbox gateways over (in-process) HTTP: the real provider code asks for
a day's bill, verifies the signed answer, fetches the file at once and (WeChat Pay) checks its SHA1; the bytes it
wrote parse with the reconciliation parsers into what the gateway processed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import io

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from wechatpayv3.utils import build_authorization, load_private_key

from apps.payments.providers import MerchantConfig, ProviderError, StatementDownload
from apps.payments.providers.alipay import AlipayProvider
from apps.payments.providers.wechat import WeChatPayProvider
from apps.payments.sandbox import bills
from apps.payments.sandbox.alipay import sandbox_alipay_merchant
from apps.payments.sandbox.models import SandboxBillFile
from apps.payments.sandbox.wechat import sandbox_wechat_merchant
from apps.reconciliation.formats import PAYMENT, REFUND, StatementFormatError
from apps.reconciliation.formats import alipay as alipay_format
from apps.reconciliation.formats import wechat as wechat_format
from tests.factories.statements import (
    alipay_paid,
    alipay_refunded,
    alipay_rows,
    at,
    download,
    past_day,
    wechat_paid,
    wechat_refunded,
    wechat_rows,
)
from tests.factories.wechatpay import MCHID, SUB_MCHID, direct_config, http, partner_config

GATEWAY = "http://localhost/sandbox/wechatpay"
ALIPAY_APP, ALIPAY_SELLER = "2021000000000001", "2088000000000001"
ISV_APP, ISV_SELLER = "2021000000000009", "2088000000000077"


@pytest.fixture
def direct(db) -> MerchantConfig:
    return direct_config()


@pytest.fixture
def partner(db) -> MerchantConfig:
    return partner_config()


@pytest.fixture
def alipay_direct(db) -> MerchantConfig:
    return MerchantConfig(**sandbox_alipay_merchant(app_id=ALIPAY_APP, seller_id=ALIPAY_SELLER))


@pytest.fixture
def alipay_isv(db) -> MerchantConfig:
    return MerchantConfig(**sandbox_alipay_merchant(app_id=ISV_APP, seller_id=ISV_SELLER, mode="isv"))


def sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def rows_by_key(entries) -> dict:
    return {(e.kind, e.out_refund_no or e.out_trade_no): (e.amount_fen, e.fee_fen) for e in entries}


def signed_get(config: MerchantConfig, path_or_url: str) -> requests.Response:
    """A GET signed as the merchant, over what follows the gateway prefix (as WeChat Pay canonicalises it)."""
    url = path_or_url if path_or_url.startswith("http") else GATEWAY + path_or_url
    signed = url[len(GATEWAY):]
    authorization = build_authorization(signed, "GET", config.mchid, config.merchant_serial_no,
                                        load_private_key(config.merchant_private_key))
    return requests.get(url, timeout=5, headers={"Authorization": authorization, "Accept": "application/json"})


# --- WeChat Pay ---------------------------------------------------------------------------------------------------


def test_wechat_direct_trade_bill_is_streamed_hash_checked_and_parses(direct, django_capture_on_commit_callbacks):
    day = past_day(3)
    wechat_paid(direct, "HCBILL0001", 10000, at(day, 9, 30))
    wechat_paid(direct, "HCBILL0002", 250, at(day, 18, 5, 7))
    wechat_paid(direct, "HCBILL0003", 12345, at(day - dt.timedelta(days=1), 12))  # paid the day before
    wechat_refunded(direct, django_capture_on_commit_callbacks, out_trade_no="HCBILL0003", out_refund_no="HCRF0003",
                    amount_fen=5000, total_fen=12345, when=at(day, 11))
    wechat_paid(direct, "HCBILL0004", 777, at(day + dt.timedelta(days=1), 0, 0, 1))  # the next day's

    result, content = download(WeChatPayProvider(direct), "trade", day)

    raw = gzip.decompress(content)
    assert result == StatementDownload(compression="gzip", hash_type="SHA1",
                                       hash_value=sha1(raw), size=len(content))
    bill = wechat_format.read_tradebill(io.BytesIO(content))
    entries = list(bill)
    # 0.60%: 10000 → 60; 250 → 1.5 → 2 (half up); the refund gives back 5000/12345 of 74 = 29.97 → 30
    assert rows_by_key(entries) == {(PAYMENT, "HCBILL0001"): (10000, 60), (PAYMENT, "HCBILL0002"): (250, 2),
                                    (REFUND, "HCRF0003"): (5000, -30)}
    assert [e.out_trade_no for e in entries] == ["HCBILL0001", "HCBILL0003", "HCBILL0002"]
    assert {e.merchant_id for e in entries} == {MCHID} and {e.sub_merchant_id for e in entries} == {""}
    assert bill.summary.count == 3 and bill.summary.paid_fen == 10250 and bill.summary.refunded_fen == 5000
    assert bill.summary.fee_fen == 60 + 2 - 30


def test_wechat_direct_fundflow_bill(direct, django_capture_on_commit_callbacks):
    day = past_day(4)
    wechat_paid(direct, "HCFUND0001", 10000, at(day, 10))
    wechat_refunded(direct, django_capture_on_commit_callbacks, out_trade_no="HCFUND0001", out_refund_no="HCFR0001",
                    amount_fen=10000, total_fen=10000, when=at(day, 15))

    result, content = download(WeChatPayProvider(direct), "fundflow", day)

    assert result.hash_value == sha1(gzip.decompress(content))
    bill = wechat_format.read_fundflowbill(io.BytesIO(content))
    moves = [(row.kind, row.business_type, row.amount_fen) for row in bill]
    assert moves == [("收入", "交易", 10000), ("支出", "扣除交易手续费", 60),
                     ("支出", "退款", 10000), ("收入", "退还交易手续费", 60)]
    assert (bill.summary.income_fen, bill.summary.expense_fen) == (10060, 10060)


def test_wechat_partner_trade_bill_is_the_sub_merchants(partner, direct):
    day = past_day(3)
    wechat_paid(partner, "HCPART0001", 3000, at(day, 8))
    wechat_paid(direct, "HCDIRECT01", 4000, at(day, 8))  # another merchant's: not on this bill

    dest = io.BytesIO()
    with http() as calls:
        WeChatPayProvider(partner).download_statement(kind="trade", bill_date=day, dest=dest)

    entries = list(wechat_format.read_tradebill(io.BytesIO(dest.getvalue())))
    assert rows_by_key(entries) == {(PAYMENT, "HCPART0001"): (3000, 18)}
    assert entries[0].sub_merchant_id == SUB_MCHID and entries[0].merchant_id == partner.mchid
    asked = [c.request.url for c in calls.calls if "/v3/bill/tradebill" in c.request.url]
    assert asked and all(f"sub_mchid={SUB_MCHID}" in url for url in asked)


def test_wechat_partner_fundflow_is_refused_as_unsupported_without_a_call(partner):
    with http() as calls, pytest.raises(ProviderError) as exc:
        WeChatPayProvider(partner).download_statement(kind="fundflow", bill_date=past_day(3), dest=io.BytesIO())
    assert exc.value.code == "UNSUPPORTED" and not calls.calls


def test_wechat_sha1_mismatch_is_detected(direct):
    day = past_day(3)
    wechat_paid(direct, "HCHASH0001", 10000, at(day, 9))
    bills.merchant_bills("wechat", MCHID, corrupt_next_download=True)

    dest = io.BytesIO()
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(direct).download_statement(kind="trade", bill_date=day, dest=dest)
    assert exc.value.code == "HASH_MISMATCH"
    with pytest.raises(StatementFormatError):  # what came (one digit of the summary off) is not that bill
        list(wechat_format.read_tradebill(io.BytesIO(dest.getvalue())))
    # the knob was for one download: asking again gives a file that checks
    assert rows_by_key(wechat_rows(direct, day)) == {(PAYMENT, "HCHASH0001"): (10000, 60)}


def test_wechat_expired_download_url_is_refused(direct):
    day = past_day(3)
    wechat_paid(direct, "HCEXP00001", 10000, at(day, 9))
    bills.merchant_bills("wechat", MCHID, bill_url_ttl=0)

    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(direct).download_statement(kind="trade", bill_date=day, dest=io.BytesIO())
    assert exc.value.code == "INVALID_REQUEST" and exc.value.retryable


def test_wechat_download_url_is_one_time_short_lived_and_only_for_the_merchant(direct):
    day = past_day(3)
    wechat_paid(direct, "HCONCE0001", 10000, at(day, 9))
    other = MerchantConfig(**sandbox_wechat_merchant(mchid="1900000188", appid=direct.appid))
    query = f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL&tar_type=GZIP"
    with http():
        answer = signed_get(direct, query)
        url = answer.json()["download_url"]
        foreign = signed_get(other, url)
        first = signed_get(direct, url)
        again = signed_get(direct, url)
        unsigned = requests.get(url, timeout=5)
        expired_url = signed_get(direct, query).json()["download_url"]
        SandboxBillFile.objects.filter(downloaded_at=None).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        expired = signed_get(direct, expired_url)
    assert answer.status_code == 200 and answer.json()["hash_type"] == "SHA1"
    assert "Wechatpay-Signature" in answer.headers
    assert foreign.status_code == 403 and foreign.json()["code"] == "NO_AUTH"
    assert first.status_code == 200 and "Wechatpay-Signature" not in first.headers
    assert sha1(gzip.decompress(first.content)) == answer.json()["hash_value"]
    assert again.status_code == 400 and again.json()["code"] == "INVALID_REQUEST"
    assert unsigned.status_code == 401
    assert expired.status_code == 400 and expired.json()["code"] == "INVALID_REQUEST"


def test_wechat_no_statement_for_a_day_without_trades(direct):
    wechat_paid(direct, "HCOTHER001", 100, at(past_day(5), 9))
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(direct).download_statement(kind="trade", bill_date=past_day(6), dest=io.BytesIO())
    assert exc.value.code == "NO_STATEMENT" and not exc.value.retryable


def test_wechat_today_is_not_ready(direct):
    wechat_paid(direct, "HCTODAY001", 100, at(past_day(0), 0, 0, 1))
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(direct).download_statement(kind="trade", bill_date=past_day(0), dest=io.BytesIO())
    assert exc.value.code == "NOT_READY" and exc.value.retryable


def test_wechat_a_day_older_than_three_months_is_refused(direct):
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(direct).download_statement(kind="trade", bill_date=past_day(120), dest=io.BytesIO())
    assert exc.value.code == "INVALID_REQUEST"


def test_wechat_an_answer_that_does_not_verify_is_not_believed(direct):
    """An unsigned or forged "no bill that day" must not pass for an empty day."""
    forged = MerchantConfig(**sandbox_wechat_merchant(mchid="1900000177", appid=direct.appid))
    wrong = dataclasses.replace(direct, wechatpay_public_key=_public_pem_of(forged.merchant_private_key))
    with http(), pytest.raises(ProviderError) as exc:
        WeChatPayProvider(wrong).download_statement(kind="trade", bill_date=past_day(6), dest=io.BytesIO())
    assert exc.value.code == "bad_signature"


def _public_pem_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# --- Alipay -------------------------------------------------------------------------------------------------------


def test_alipay_direct_trade_bill_zip_parses(alipay_direct):
    day = past_day(3)
    alipay_paid(alipay_direct, "HC-ALI-1", 10000, at(day, 9))
    alipay_paid(alipay_direct, "HC-ALI-2", 250, at(day, 22))
    alipay_refunded(alipay_direct, out_trade_no="HC-ALI-1", out_refund_no="HC-ALI-R1", amount_fen=2500,
                    total_fen=10000, when=at(day, 23))

    result, content = download(AlipayProvider(alipay_direct), "trade", day)

    assert result == StatementDownload(compression="zip", hash_type="", hash_value="", size=len(content))
    bill = alipay_format.TradeBill(io.BytesIO(content))
    entries = list(bill)
    assert rows_by_key(entries) == {(PAYMENT, "HC-ALI-1"): (10000, 60), (PAYMENT, "HC-ALI-2"): (250, 2),
                                    (REFUND, "HC-ALI-R1"): (2500, -15)}
    assert bill.account.startswith(ALIPAY_SELLER)
    assert (bill.summary.count, bill.summary.paid_fen, bill.summary.refunded_fen) == (3, 10250, 2500)


def test_alipay_isv_bill_is_the_authorizing_sellers(alipay_isv, alipay_direct):
    day = past_day(3)
    alipay_paid(alipay_isv, "HC-ISV-1", 5000, at(day, 12))
    alipay_paid(alipay_direct, "HC-ALI-9", 7000, at(day, 12))  # another seller's
    assert rows_by_key(alipay_rows(alipay_isv, day)) == {(PAYMENT, "HC-ISV-1"): (5000, 30)}


def test_alipay_no_statement_and_not_ready(alipay_direct):
    alipay_paid(alipay_direct, "HC-ALI-5", 100, at(past_day(5), 9))
    with pytest.raises(ProviderError) as empty:
        download(AlipayProvider(alipay_direct), "trade", past_day(6))
    with pytest.raises(ProviderError) as today:
        download(AlipayProvider(alipay_direct), "trade", past_day(0))
    assert empty.value.code == "NO_STATEMENT" and not empty.value.retryable
    assert today.value.code == "NOT_READY" and today.value.retryable


def test_alipay_expired_download_url_is_refused(alipay_direct):
    day = past_day(3)
    alipay_paid(alipay_direct, "HC-ALI-6", 100, at(day, 9))
    bills.merchant_bills("alipay", ALIPAY_APP, bill_url_ttl=0)
    with pytest.raises(ProviderError) as exc:
        download(AlipayProvider(alipay_direct), "trade", day)
    assert exc.value.code == "BAD_FILE" and exc.value.retryable

