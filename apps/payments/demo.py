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


def demo_collections_seed(*, collector, days: int = 30) -> int:
    """A month of counter takings for the dashboard (cash, POS and transfer; full and part payments) and one
    partial cash refund, recorded through the counter services by the demo collector, whose shift is then
    closed (日结). Payments are then dated back over the last `days` days: demo history only. Current schema;
    idempotent (nothing when any order exists). Returns payments recorded."""
    import datetime as dt

    from django.utils import timezone

    from apps.billing.models import Bill

    from .models import CounterMethod, PaymentOrder
    from .services.counter import counter_payment_record, shift_close
    from .services.quotes import quote_bills
    from .services.refunds import refund_request

    if PaymentOrder.objects.exists():
        return 0
    from apps.tariffs.models import Season

    payable = list(Bill.objects.filter(season__status__in=Season.PUBLISHED,
                                       status__in=(Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID))
                   .select_related("season").order_by("id"))
    step = max(len(payable) // (days * 3), 1)  # spread over every community, not the first one's houses
    bills = payable[::step][: days * 3]
    methods = [CounterMethod.CASH, CounterMethod.CASH, CounterMethod.POS, CounterMethod.TRANSFER]
    orders = []
    for i, bill in enumerate(bills):
        due = quote_bills([bill])[0].total_fen
        amount = due if i % 3 else max(due // 2, 1)  # every third one a part payment
        orders.append(counter_payment_record(collector=collector, bill_ids=[bill.pk], method=methods[i % 4],
                                             amount_fen=amount, receipt_no=f"DEMO{i + 1:05d}"))
    if orders:
        refund_request(order_id=orders[0].pk, amount_fen=min(5000, orders[0].amount_fen),
                       reason="演示：多收退还", actor=collector)
        shift = orders[0].shift
        shift_close(shift_id=shift.pk, actor=collector)
    now = timezone.now()
    for i, order in enumerate(orders):
        when = now - dt.timedelta(days=(i * 7) % days, hours=i % 8)
        PaymentOrder.objects.filter(pk=order.pk).update(paid_at=when, created_at=when)
    return len(orders)
