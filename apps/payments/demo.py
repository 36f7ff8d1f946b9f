"""The demo company's merchant accounts, registered at the sandbox gateways (`make run`)."""

from __future__ import annotations

from django.db import connection

from tenants.models import HeatingCompany, MerchantAccount

DEMO_MCHID = "1900009001"
DEMO_ALIPAY_APP_ID = "2021000000009001"
DEMO_ALIPAY_SELLER_ID = "2088000000009001"


def demo_payments_seed(*, tenant: HeatingCompany, app_id: str) -> int:
    """Create the demo's WeChat Pay (direct) and Alipay (direct) accounts if missing. Public schema."""
    from apps.payments.sandbox.alipay import sandbox_alipay_merchant
    from apps.payments.sandbox.wechat import sandbox_wechat_merchant

    connection.set_schema_to_public()
    made = 0
    if not MerchantAccount.objects.filter(tenant=tenant, channel="wechat").exists():
        cfg = sandbox_wechat_merchant(mchid=DEMO_MCHID, appid=app_id)
        MerchantAccount.objects.create(tenant=tenant, channel="wechat", mode="direct", **_fields(cfg))
        made += 1
    if not MerchantAccount.objects.filter(tenant=tenant, channel="alipay").exists():
        cfg = sandbox_alipay_merchant(app_id=DEMO_ALIPAY_APP_ID, seller_id=DEMO_ALIPAY_SELLER_ID)
        MerchantAccount.objects.create(tenant=tenant, channel="alipay", mode="direct", **_fields(cfg))
        made += 1
    return made


def _fields(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k not in ("channel", "mode") and hasattr(MerchantAccount, k)}
