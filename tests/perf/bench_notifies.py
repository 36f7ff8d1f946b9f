"""`make bench`: WeChat Pay notifies through the whole Django stack on real PostgreSQL.

The target (issue #5, restated in issue #10.12): 2,000 signed notifies (10%
duplicates, 8 concurrent senders) end to end take at most 4× the stack floor,
2,000 requests to `/healthz` (tenant routing, middleware, one `SELECT 1`) from
the same senders, measured in the same run; and exactly once: settled orders ==
unique orders == `payment.paid` audit rows, no bill paid beyond its principal.

The two are sent in alternating rounds (healthz, notifies, healthz, …) and
summed, so a change in the machine's load during the run weighs on both alike.
The crypto floor (RSA verification + AES-GCM decryption only) is printed for
information: it is the old issue #5 reference, which no request through Django
and PostgreSQL can approach."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import threading
import time
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

N_NOTIFIES = 2000
DUPLICATE_SHARE = 0.10
SENDERS = 8
ROUNDS = 4
TARGET = 4.0  # notifies ≤ 4× the stack floor


def _setup_orders(tenant_schema: str, account, n_orders: int):
    from apps.billing.models import Bill
    from apps.billing.services import bill_issue
    from apps.payments.models import OrderBill, PaymentOrder
    from apps.payments.services import new_out_trade_no
    from apps.properties.models import House
    from apps.residents.models import Resident
    from tests.factories.properties import BuildingFactory, HouseFactory
    from tests.factories.tariffs import tianjin_season

    with schema_context(tenant_schema):
        season = tianjin_season()
        building = BuildingFactory()
        houses = House.objects.bulk_create([HouseFactory.build(building=building, community=building.community,
                                                               building_area=Decimal("89.50"))
                                            for _ in range(n_orders)])
        template = bill_issue(house=houses[0], season=season.season, plan=season.area)
        Bill.objects.bulk_create([Bill(house=h, season=season.season, plan=season.area, snapshot=template.snapshot,
                                       principal_fen=template.principal_fen) for h in houses[1:]])
        bills = list(Bill.objects.order_by("pk"))
        resident = Resident.objects.create(openid="o-bench")
        now = timezone.now()
        orders = PaymentOrder.objects.bulk_create([
            PaymentOrder(out_trade_no=new_out_trade_no("W"), channel="wechat", amount_fen=b.principal_fen,
                         description="bench", resident=resident, payer_id="o-bench", merchant_mode="direct",
                         merchant_id=account.mchid, app_id=account.appid, prepay_id=f"wx-bench-{i}",
                         expires_at=now + dt.timedelta(minutes=30)) for i, b in enumerate(bills)])
        OrderBill.objects.bulk_create([
            OrderBill(order=o, bill=b, amount_fen=b.principal_fen, outstanding_fen=b.principal_fen,
                      quoted_paid_fen=0, quoted_principal_fen=b.principal_fen)
            for o, b in zip(orders, bills, strict=True)])
        return orders, bills


def _notify(account, order) -> tuple[dict, str]:
    from apps.payments.sandbox.wechat import build_wechat_notify

    resource = {"mchid": account.mchid, "appid": account.appid, "out_trade_no": order.out_trade_no,
                "transaction_id": f"4200{order.pk:024d}", "trade_type": "JSAPI", "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
                "success_time": "2026-11-26T10:00:00+08:00", "payer": {"openid": order.payer_id},
                "amount": {"total": order.amount_fen, "payer_total": order.amount_fen, "currency": "CNY",
                           "payer_currency": "CNY"}}
    return build_wechat_notify(resource, apiv3_key=account.apiv3_key)


def _crypto_floor(notifies, public_key_pem: str, apiv3_key: str) -> float:
    """Signature verification + AES-256-GCM decryption of every notify, nothing else."""
    key = serialization.load_pem_public_key(public_key_pem.encode())
    aes = AESGCM(apiv3_key.encode())
    t0 = time.perf_counter()
    for headers, body in notifies:
        h = {k.lower(): v for k, v in headers.items()}
        message = f"{h['wechatpay-timestamp']}\n{h['wechatpay-nonce']}\n{body}\n".encode()
        key.verify(base64.b64decode(h["wechatpay-signature"]), message, padding.PKCS1v15(), hashes.SHA256())
        resource = json.loads(body)["resource"]
        aes.decrypt(resource["nonce"].encode(), base64.b64decode(resource["ciphertext"]),
                    resource["associated_data"].encode())
    return time.perf_counter() - t0


def _send_all(host: str, notifies, path: str = "/payments/notify/wechat/") -> tuple[float, list[int]]:
    queue = list(notifies)
    lock = threading.Lock()
    statuses: list[int] = []
    barrier = threading.Barrier(SENDERS + 1)

    def sender():
        client = Client()
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    headers, body = queue.pop()
                extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
                resp = client.post(path, data=body.encode(), content_type="application/json", HTTP_HOST=host,
                                   **extra) if path.startswith("/payments/") else client.get(path, HTTP_HOST=host)
                with lock:
                    statuses.append(resp.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, statuses


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_bench_wechat_notifies(alpha):
    from apps.audit.models import AuditLog
    from apps.billing.models import Bill
    from apps.payments.models import PaymentOrder
    from tests.factories.payments import add_wechat_account

    account = add_wechat_account("alpha")
    unique = int(N_NOTIFIES * (1 - DUPLICATE_SHARE))
    orders, _bills = _setup_orders(alpha.schema, account, unique)
    connection.set_schema_to_public()
    rng = random.Random(2026)
    signed = [_notify(account, o) for o in orders]
    notifies = signed + [rng.choice(signed) for _ in range(N_NOTIFIES - unique)]
    rng.shuffle(notifies)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    crypto = min(_crypto_floor(notifies, account.wechatpay_public_key, account.apiv3_key) for _ in range(3))
    stack = elapsed = 0.0
    statuses: list[int] = []
    size = -(-N_NOTIFIES // ROUNDS)
    for start in range(0, N_NOTIFIES, size):
        chunk = notifies[start:start + size]
        stack += _send_all(alpha.host, chunk, path="/healthz")[0]
        took, answered = _send_all(alpha.host, chunk)
        elapsed += took
        statuses += answered
    connection.set_schema_to_public()

    assert all(s in (200, 204) for s in statuses) and len(statuses) == N_NOTIFIES
    with schema_context(alpha.schema):
        settled = PaymentOrder.objects.filter(status="paid").count()
        paid_audits = AuditLog.objects.filter(action="payment.paid").count()
        overpaid = Bill.objects.filter(paid_fen__gt=models_f("principal_fen")).count()
    ratio = elapsed / stack
    once = settled == unique == paid_audits and overpaid == 0
    print(f"\nnotifies: {N_NOTIFIES} ({N_NOTIFIES - unique} duplicates), {SENDERS} senders, {ROUNDS} rounds "
          f"alternating with /healthz | notifies {elapsed:.2f} s = {N_NOTIFIES / elapsed:.0f}/s | stack floor "
          f"(/healthz, same senders and count) {stack:.2f} s = {N_NOTIFIES / stack:.0f}/s | "
          f"notifies / stack floor = {ratio:.2f}x (target <= {TARGET:.0f}x): {'PASS' if ratio <= TARGET else 'FAIL'} "
          f"| exactly once: settled {settled} of {unique} unique orders, paid audits {paid_audits}, "
          f"overpaid bills {overpaid}: {'PASS' if once else 'FAIL'} | for information: crypto floor "
          f"(verify + decrypt only) {crypto:.3f} s = {N_NOTIFIES / crypto:.0f}/s, notifies {elapsed / crypto:.0f}x "
          f"it, the stack floor {stack / crypto:.0f}x it")
    assert once


def models_f(name: str):
    from django.db.models import F

    return F(name)
