"""Payments: a company's sandbox WeChat Pay merchant, residents with bound
houses and issued bills, counter payments, and online payments through the
API and the sandbox gateway's confirm (what the resident's tap on 支付 does)."""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from apps.billing.models import Bill
from apps.billing.services import bill_issue
from apps.payments.models import PaymentOrder
from apps.payments.sandbox.wechat import sandbox_wechat_merchant
from apps.payments.services import counter_payment_record
from apps.properties.models import HouseBinding
from tenants.models import HeatingCompany, MerchantAccount
from tests.factories.properties import HouseFactory
from tests.factories.residents import ResidentFactory, resident_token
from tests.factories.tenants import TenantInfo

MCHID = "1900000101"
APPID = "wxa1b2c3d4e5f60718"


def add_wechat_account(slug: str, *, mchid: str = MCHID, appid: str = APPID, mode: str = "direct",
                       signing: str = "public_key", **extra) -> MerchantAccount:
    """Register a merchant at the sandbox gateway and configure the company with it."""
    connection.set_schema_to_public()
    cfg = sandbox_wechat_merchant(mchid=mchid, appid=appid, mode=mode, signing=signing, **extra)
    fields = {k: v for k, v in cfg.items() if k not in ("channel", "mode") and hasattr(MerchantAccount, k)}
    tenant = HeatingCompany.objects.get(slug=slug)
    MerchantAccount.objects.filter(tenant=tenant, channel="wechat").delete()
    return MerchantAccount.objects.create(tenant=tenant, channel="wechat", mode=mode, **fields)


def make_payer(tenant: TenantInfo, season_ns, *, openid: str, houses: int = 1, area: str = "89.50"):
    """A resident bound to `houses` houses, each with an issued bill. Returns a namespace."""
    with schema_context(tenant.schema):
        resident = ResidentFactory(openid=openid)
        made = []
        for _ in range(houses):
            house = HouseFactory(building_area=Decimal(area))
            HouseBinding.objects.create(house=house, resident=resident)
            made.append((house, bill_issue(house=house, season=season_ns.season, plan=season_ns.area)))
    token = resident_token(tenant, resident)
    return SimpleNamespace(resident=resident, token=token, houses=[h for h, _ in made], bills=[b for _, b in made])


# --- at the counter ----------------------------------------------------------------------------------

def pay(collector, bills, amount_fen: int, receipt_no: str, method: str = "cash") -> PaymentOrder:
    """A counter payment by `collector` over `bills` (in the current tenant schema)."""
    return counter_payment_record(collector=collector, bill_ids=[b.pk for b in bills], method=method,
                                  amount_fen=amount_fen, receipt_no=receipt_no, ip="10.0.0.9")


# --- online, through the API and the sandbox gateway ---------------------------------------------------

CREATE_PAYMENT = """mutation($ids: [ID!]!, $ch: PaymentChannel!) { createPayment(billIds: $ids, channel: $ch) {
  order { id outTradeNo status amountFen expiresAt items { amountFen bill { id } } }
  payParams { channel timeStamp nonceStr package signType paySign tradeNO }
  errors { field code message } } }"""


def create_payment(gql, tenant, payer, bills, channel="WECHAT") -> dict:
    """createPayment as the payer -> its payload."""
    data = gql(tenant.host, CREATE_PAYMENT, {"ids": [str(b.pk) for b in bills], "ch": channel}, token=payer.token)
    return data["data"]["createPayment"]


def sandbox_confirm(prepay_id: str, *, result: str = "pay", late: bool = False, capture=None):
    """What the resident's tap on 支付 does: the sandbox gateway marks the trade paid and
    (after its commit) POSTs the signed notify to the company's notify URL."""
    body = {"prepay_id": prepay_id, "result": result}
    if late:
        body["late"] = True
    saved = connection.tenant

    def call():
        return Client().post("/sandbox/wechatpay/confirm", data=json.dumps(body), content_type="application/json",
                             HTTP_HOST="localhost")

    try:
        if capture is None:
            return call()
        with capture(execute=True):
            return call()
    finally:
        connection.set_tenant(saved)


def prepay_id_of(created: dict) -> str:
    """The prepay id in a createPayment payload's WeChat pay params."""
    return created["payParams"]["package"].removeprefix("prepay_id=")


def reload_bill(tenant, bill) -> Bill:
    """The bill as stored now."""
    with schema_context(tenant.schema):
        return Bill.objects.get(pk=bill.pk)


def order_by_no(tenant, out_trade_no: str) -> PaymentOrder:
    with schema_context(tenant.schema):
        return PaymentOrder.objects.get(out_trade_no=out_trade_no)
