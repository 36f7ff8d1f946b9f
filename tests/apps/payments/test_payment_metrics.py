"""Payment metrics (issue #13.6): settled, duplicate and failed payments per company and channel, and
refused notifies per stage and reason, counted where they happen and visible at /metrics."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from prometheus_client import REGISTRY

from apps.payments.sandbox.wechat import build_wechat_notify
from tests.factories.payments import create_payment, prepay_id_of, sandbox_confirm

pytestmark = pytest.mark.django_db
NOTIFY = "/payments/notify/wechat/"


def _sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _settlements(tenant, outcome: str, source: str = "notify") -> float:
    return _sample("heatcloud_payment_settlements_total", tenant=tenant.schema, channel="wechat", source=source,
                   outcome=outcome)


def _rejects(stage: str, reason: str) -> float:
    return _sample("heatcloud_payment_notify_rejects_total", channel="wechat", stage=stage, reason=reason)


def _post(host: str, headers: dict, body: bytes):
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower().startswith("wechatpay-")}
    resp = Client().post(NOTIFY, data=body, content_type="application/json", HTTP_HOST=host, **meta)
    connection.set_schema_to_public()
    return resp


def test_a_settled_payment_and_its_replay_are_counted_for_the_company(
        gql, alpha, wechat_account, payer, http, django_capture_on_commit_callbacks, settings):
    settled, duplicate = _settlements(alpha, "settled"), _settlements(alpha, "duplicate")
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    assert _settlements(alpha, "settled") == settled + 1
    notify = next(c for c in http.calls if NOTIFY in c.request.url).request
    assert _post(alpha.host, dict(notify.headers), notify.body).status_code in (200, 204)
    assert _settlements(alpha, "duplicate") == duplicate + 1 and _settlements(alpha, "settled") == settled + 1

    settings.METRICS_TOKEN = "scrape-token-0123456789abcdef"
    text = Client().get("/metrics", HTTP_HOST="10.0.0.9:8000",
                        HTTP_AUTHORIZATION="Bearer scrape-token-0123456789abcdef").content.decode()
    series = (f'heatcloud_payment_settlements_total{{channel="wechat",outcome="settled",source="notify",'
              f'tenant="{alpha.schema}"}} {settled + 1}')
    assert series in text


def test_a_payment_the_provider_reports_failed_is_counted(gql, alpha, wechat_account, payer, http):
    from apps.payments.services import sweep_open_orders

    before = _sample("heatcloud_payments_failed_total", tenant=alpha.schema, channel="wechat")
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    assert sandbox_confirm(prepay_id_of(created), result="fail").status_code == 200
    later = timezone.now() + dt.timedelta(minutes=settings.PAYMENTS_SWEEP_AFTER_MINUTES)
    with schema_context(alpha.schema):
        assert sweep_open_orders(now=later) == {"failed": 1}
    assert _sample("heatcloud_payments_failed_total", tenant=alpha.schema, channel="wechat") == before + 1


def test_unverified_notifies_are_counted_by_reason(alpha, beta, wechat_account):
    unsigned, no_account = _rejects("unverified", "bad_signature_type"), _rejects("unverified", "no merchant account")
    assert _post(alpha.host, {}, b'{"id": "x"}').status_code >= 400
    assert _post(beta.host, {}, b"{}").status_code == 404  # beta has no merchant account
    assert _rejects("unverified", "bad_signature_type") == unsigned + 1
    assert _rejects("unverified", "no merchant account") == no_account + 1


def test_a_verified_notify_about_no_order_of_ours_is_a_settlement_reject(alpha, wechat_account):
    before = _rejects("settlement", "unknown order")
    resource = {"mchid": wechat_account.mchid, "appid": wechat_account.appid, "out_trade_no": "W261207NOTOURS0001",
                "transaction_id": "4200000000202612070000000001", "trade_type": "JSAPI", "trade_state": "SUCCESS",
                "success_time": timezone.localtime().isoformat(timespec="seconds"), "payer": {"openid": "o-x"},
                "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"}}
    headers, body = build_wechat_notify(resource, apiv3_key=wechat_account.apiv3_key)
    resp = _post(alpha.host, headers, body.encode())
    assert resp.status_code >= 400 and json.loads(resp.content)["code"] == "FAIL"
    assert _rejects("settlement", "unknown order") == before + 1
