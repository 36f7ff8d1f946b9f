"""The provider that verifies notifies is cached per process and company
(`apps.payments.merchants.notify_provider`): no account read, key parsing or
decryption per notify, yet a saved or deleted account (or the platform's
service-provider account) is used at once, in this process and, through the
stamp in the shared cache, in every other."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.payments import merchants
from apps.payments.merchants import merchant_config, notify_provider
from apps.payments.models import OrderBill, PaymentOrder
from apps.payments.sandbox.wechat import build_wechat_notify, sandbox_wechat_merchant
from tenants.models import HeatingCompany, MerchantAccount, ServiceProviderAccount
from tests.factories.payments import add_wechat_account, make_payer

pytestmark = pytest.mark.django_db


def _provider(tenant):
    with schema_context(tenant.schema):
        return notify_provider("wechat")


def _account_reads(tenant) -> int:
    with schema_context(tenant.schema), CaptureQueriesContext(connection) as ctx:
        notify_provider("wechat")
    return sum('"tenants_merchantaccount"' in q["sql"] for q in ctx.captured_queries)


def test_the_account_is_read_once_then_served_from_the_process(alpha, wechat_account):
    assert _account_reads(alpha) == 1
    assert _account_reads(alpha) == 0
    assert _provider(alpha) is _provider(alpha)


def test_each_company_has_its_own_provider(alpha, beta, wechat_account):
    add_wechat_account("beta", mchid="1900000202")
    assert _provider(alpha).config.mchid == wechat_account.mchid
    assert _provider(beta).config.mchid == "1900000202"


def test_a_saved_account_is_used_by_the_next_notify(alpha, wechat_account, season):
    """End to end: a notify encrypted under the old APIv3 key is refused as soon as the new key is saved."""
    owner = make_payer(alpha, season, openid="o-cache", houses=1)
    with schema_context(alpha.schema):
        bill = owner.bills[0]
        order = PaymentOrder.objects.create(
            out_trade_no="W261126CACHE000000001", channel="wechat", amount_fen=bill.principal_fen,
            description="cache", resident=owner.resident, merchant_mode="direct", merchant_id=wechat_account.mchid,
            app_id=wechat_account.appid, expires_at=timezone.now() + dt.timedelta(minutes=30))
        OrderBill.objects.create(order=order, bill=bill, amount_fen=bill.principal_fen,
                                 outstanding_fen=bill.principal_fen, quoted_paid_fen=0,
                                 quoted_principal_fen=bill.principal_fen)
    connection.set_schema_to_public()
    resource = {"mchid": wechat_account.mchid, "appid": wechat_account.appid, "out_trade_no": order.out_trade_no,
                "transaction_id": "4200000000202611260000000077", "trade_state": "SUCCESS",
                "success_time": timezone.localtime().isoformat(timespec="seconds"), "payer": {"openid": "o"},
                "amount": {"total": order.amount_fen}}
    old_key = wechat_account.apiv3_key
    provider = _provider(alpha)
    wechat_account.apiv3_key = "N" * 32
    wechat_account.save()
    connection.set_schema_to_public()
    assert _provider(alpha) is not provider
    from django.test import Client

    def post(apiv3_key):
        headers, body = build_wechat_notify(resource, apiv3_key=apiv3_key)
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        resp = Client().post("/payments/notify/wechat/", data=body.encode(), content_type="application/json",
                             HTTP_HOST=alpha.host, **meta)
        connection.set_schema_to_public()
        return resp

    assert post(old_key).json()["message"] == "undecryptable"
    assert post("N" * 32).status_code == 204


def test_a_deleted_account_stops_verifying_at_once(alpha, wechat_account):
    assert _provider(alpha) is not None
    wechat_account.delete()
    assert _provider(alpha) is None


def test_another_process_saving_the_account_invalidates_this_ones_copy(alpha, wechat_account):
    """What another process's save does here: a new stamp in the shared cache. A write that bypasses save()
    (a queryset update) is not seen until then, or until the entry's time is up."""
    provider = _provider(alpha)
    MerchantAccount.objects.filter(pk=wechat_account.pk).update(apiv3_key="M" * 32, updated_at=timezone.now())
    assert _provider(alpha) is provider
    merchants._restamp(HeatingCompany.objects.get(schema_name=alpha.schema), "wechat")
    assert _provider(alpha).config.apiv3_key == "M" * 32


def test_a_cached_provider_expires(alpha, wechat_account, monkeypatch):
    provider = _provider(alpha)
    MerchantAccount.objects.filter(pk=wechat_account.pk).update(apiv3_key="M" * 32, updated_at=timezone.now())
    later = merchants._now() + merchants.NOTIFY_PROVIDER_TTL + 1
    monkeypatch.setattr(merchants, "_now", lambda: later)
    assert _provider(alpha) is not provider and _provider(alpha).config.apiv3_key == "M" * 32


def test_saving_the_platforms_service_provider_account_reaches_its_sub_merchants(alpha):
    connection.set_schema_to_public()
    sp_cfg = sandbox_wechat_merchant(mchid="1900000001", appid="wx0123456789abcdef", mode="partner",
                                     sub_mchid="1900000123", sub_appid="wxa1b2c3d4e5f60718")
    sp = ServiceProviderAccount.objects.create(
        channel="wechat", sp_mchid=sp_cfg["mchid"], sp_appid=sp_cfg["appid"],
        merchant_serial_no=sp_cfg["merchant_serial_no"], merchant_private_key=sp_cfg["merchant_private_key"],
        apiv3_key=sp_cfg["apiv3_key"], wechatpay_public_key_id=sp_cfg["wechatpay_public_key_id"],
        wechatpay_public_key=sp_cfg["wechatpay_public_key"])
    MerchantAccount.objects.create(tenant=HeatingCompany.objects.get(slug="alpha"), channel="wechat",
                                   mode="partner", sub_mchid="1900000123", sub_appid="wxa1b2c3d4e5f60718")
    provider = _provider(alpha)
    assert provider.config.mchid == "1900000001"
    sp.apiv3_key = "S" * 32
    sp.save()
    assert _provider(alpha).config.apiv3_key == "S" * 32


def test_an_isv_account_names_the_companys_own_app_as_the_authorizer(alpha):
    connection.set_schema_to_public()
    ServiceProviderAccount.objects.create(channel="alipay", alipay_app_id="2021000000000009",
                                          alipay_app_private_key="k", alipay_public_key="p")
    account = MerchantAccount(tenant=HeatingCompany.objects.get(slug="alpha"), channel="alipay", mode="isv",
                              alipay_seller_id="2088000000000777", alipay_app_auth_token="t",
                              alipay_app_id="2021000000000555")
    assert merchant_config(account).alipay_auth_app_id == "2021000000000555"
    account.alipay_app_id = "2021000000000009"  # the platform's own app entered by mistake: not an authorizer
    assert merchant_config(account).alipay_auth_app_id == ""
    account.alipay_app_id = ""
    assert merchant_config(account).alipay_auth_app_id == ""
