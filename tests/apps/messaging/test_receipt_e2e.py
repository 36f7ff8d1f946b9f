"""Receipts end to end, the way a resident lives them: the mini-program asks for the payment templates
(`subscriptionTemplates`), the phone's answer goes to the (sandbox) WeChat client and to our ledger
(`recordSubscriptionResults`), the resident pays through the sandbox WeChat Pay gateway, the gateway's signed
notify settles the order, and the receipt arrives in the sandbox WeChat — once, however often WeChat Pay
repeats its notify. Counter payments reach every resident bound to the house (WeChat for one who granted it,
the in-app inbox for one who did not); refunds and ticket steps are pushed the same way. Everything outside
runs over HTTP against the sandboxes (tests/sandbox_http.py), so the real WeChat client code sends."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from apps.messaging.models import Message, MessageKind, MessageTemplate, MessagingSettings
from apps.messaging.sandbox.services import sandbox_register_app, sandbox_sent
from apps.properties.models import HouseBinding
from apps.residents.providers.sandbox import sandbox_openid
from apps.services import tickets as svc
from tenants.models import HeatingCompany, MiniProgramAccount
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import (
    APPID,
    add_wechat_account,
    create_payment,
    make_payer,
    pay,
    prepay_id_of,
    sandbox_confirm,
)
from tests.factories.residents import ResidentFactory, resident_token
from tests.factories.services import admin, bound_house, submit, technician
from tests.factories.tariffs import plain_season, tianjin_season
from tests.sandbox_http import sandbox_http

pytestmark = pytest.mark.django_db

SECRET = "e2e-mini-program-secret"
WXAPI = "http://localhost/sandbox/wxapi"
TEMPLATES = "query($s: SubscribeScene!) { subscriptionTemplates(scene: $s) }"
RECORD = """mutation($r: [SubscriptionResultInput!]!) { recordSubscriptionResults(results: $r) {
  granted errors { field code } } }"""
INBOX = "{ myMessages(first: 20) { items { id kind title body page read } total unread } }"
REFUND = """mutation($id: ID!, $amt: Int!, $r: String!, $no: String) {
  refundOrder(orderId: $id, amountFen: $amt, reason: $r, requestNo: $no) {
  refund { outRefundNo amountFen status } errors { field code } } }"""


@pytest.fixture
def http():
    with sandbox_http() as mock:
        yield mock


@pytest.fixture
def wechat_account(alpha):
    return add_wechat_account("alpha")


@pytest.fixture
def season(alpha):
    with schema_context(alpha.schema):
        return tianjin_season()


@pytest.fixture
def wx(alpha, wechat_account, http):
    """alpha's mini-program (the payments' AppID) known to the sandbox WeChat, the default templates with their
    WeChat ids synced from it (over HTTP, as staff's 同步模板 does)."""
    from apps.messaging.templates import ensure_default_templates, sync_wechat_templates

    connection.set_schema_to_public()
    MiniProgramAccount.objects.update_or_create(tenant=HeatingCompany.objects.get(slug="alpha"),
                                                defaults={"app_id": APPID, "app_secret": SECRET})
    sandbox_register_app(APPID, SECRET)
    with schema_context(alpha.schema):
        # No quiet hours (start = end), so these tests push at any hour they run; receipts and ticket updates
        # inside quiet hours wait for their end (the outbox's own tests cover that).
        MessagingSettings.objects.update_or_create(pk=1, defaults={"quiet_start": dt.time(0), "quiet_end": dt.time(0)})
        ensure_default_templates()
        sync_wechat_templates(actor=None)
        ids = dict(MessageTemplate.objects.values_list("kind", "wechat_template_id"))
    assert all(ids.values()), ids
    return ids


def _grant(gql, alpha, token: str, openid: str, scene: str, *, times: int = 1, extra: tuple[str, ...] = ()) -> list:
    """What the mini-program does at `scene`: ask for the scene's templates, the user taps 允许 on the phone
    (the sandbox WeChat client), and the answers are recorded with us."""
    ids = gql(alpha.host, TEMPLATES, {"s": scene}, token=token)["data"]["subscriptionTemplates"]
    ids = [*ids, *extra]
    assert ids
    for _ in range(times):
        answer = requests.post(f"{WXAPI}/_client/subscribe", json={"appid": APPID, "openid": openid, "tmplIds": ids,
                                                                    "result": "accept"}, timeout=5).json()
        assert answer["errMsg"] == "requestSubscribeMessage:ok"
        results = [{"templateId": tid, "result": answer[tid]} for tid in ids]
        recorded = gql(alpha.host, RECORD, {"r": results}, token=token)["data"]["recordSubscriptionResults"]
        assert recorded["errors"] == [], recorded
    return ids


def _sent(openid: str, title: str | None = None) -> list:
    connection.set_schema_to_public()
    rows = sandbox_sent(APPID, openid)
    return [row for row in rows if title is None or row.title == title]


def _explain(alpha) -> list:
    """What the outbox did and what the sandbox WeChat answered (shown when a push is missing)."""
    from apps.messaging.sandbox.models import SandboxWxMessage

    with schema_context(alpha.schema):
        rows = list(Message.objects.values_list("kind", "status", "channel", "note", "last_error"))
    connection.set_schema_to_public()
    return rows + list(SandboxWxMessage.objects.values_list("title", "errcode", "errmsg"))


def _wechat_headers(headers) -> dict:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower().startswith("wechatpay")}


def test_a_resident_pays_online_and_gets_one_wechat_receipt_however_often_the_notify_comes(
        gql, alpha, season, wx, http, django_capture_on_commit_callbacks):
    openid = sandbox_openid(APPID, "e2e-payer")
    payer = make_payer(alpha, season, openid=openid, houses=1)
    # Two acceptances: two one-time credits, so only deduplication can keep a replay from a second receipt.
    _grant(gql, alpha, payer.token, openid, "PAYMENT", times=2)
    created = create_payment(gql, alpha, payer, payer.bills)
    assert created["errors"] == []
    response = sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    order_no = created["order"]["outTradeNo"]
    [receipt] = _sent(openid)
    assert receipt.template_id == wx[MessageKind.PAYMENT_RECEIPT] and receipt.title == "缴费成功通知"
    amount = created["order"]["amountFen"]
    assert receipt.data["amount2"]["value"] == f"¥{amount // 100}.{amount % 100:02d}"
    assert receipt.data["character_string4"]["value"] == order_no
    assert receipt.data["thing1"]["value"] and receipt.data["time3"]["value"]
    assert receipt.page == f"pages/order/order?outTradeNo={order_no}"

    notify = next(c for c in http.calls if "/payments/notify/wechat/" in c.request.url).request
    for _ in range(3):  # WeChat Pay repeats the very same notify
        with django_capture_on_commit_callbacks(execute=True):
            resp = Client().post("/payments/notify/wechat/", data=notify.body, content_type="application/json",
                                 HTTP_HOST=alpha.host, **_wechat_headers(notify.headers))
        assert resp.status_code in (200, 204)
    assert len(_sent(openid)) == 1
    with schema_context(alpha.schema):
        [message] = Message.objects.filter(resident=payer.resident)
        assert (message.kind, message.status, message.channel) == ("payment_receipt", "sent", "wechat")
        assert message.deliveries.filter(status="sent").count() == 1
    inbox = gql(alpha.host, INBOX, token=payer.token)["data"]["myMessages"]
    assert inbox["total"] == 1 and inbox["unread"] == 1
    assert inbox["items"][0]["kind"] == "PAYMENT_RECEIPT" and inbox["items"][0]["page"] == receipt.page


def test_a_counter_payment_reaches_every_bound_resident_on_the_channel_each_allowed(
        gql, alpha, wx, http, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        collector = staff("li")
        bill = bill_for(plain_season())
        house = bill.house
        granted = ResidentFactory(openid=sandbox_openid(APPID, "e2e-owner"))
        inbox_only = ResidentFactory(openid=sandbox_openid(APPID, "e2e-family"))
        HouseBinding.objects.create(house=house, resident=granted)
        HouseBinding.objects.create(house=house, resident=inbox_only)
    _grant(gql, alpha, resident_token(alpha, granted), granted.openid, "PAYMENT")
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        order = pay(collector, [bill], FULL, "NO.1")
    [receipt] = _sent(granted.openid)
    assert receipt.title == "缴费成功通知" and receipt.data["amount2"]["value"] == "¥2400.00"
    assert receipt.data["character_string4"]["value"] == order.out_trade_no
    assert _sent(inbox_only.openid) == []
    with schema_context(alpha.schema):
        family = Message.objects.get(resident=inbox_only)
        assert (family.kind, family.status, family.channel) == ("payment_receipt", "sent", "in_app")
        assert family.variables["amount"] == "2400.00" and family.variables["channel"] == "柜台"


def test_a_refund_sends_a_refund_receipt(gql, alpha, season, wx, http, make_staff,
                                         django_capture_on_commit_callbacks):
    openid = sandbox_openid(APPID, "e2e-refunded")
    payer = make_payer(alpha, season, openid=openid, houses=1)
    _grant(gql, alpha, payer.token, openid, "PAYMENT", extra=(wx[MessageKind.REFUND_RECEIPT],))
    created = create_payment(gql, alpha, payer, payer.bills)
    sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    finance = make_staff(alpha, "finance")
    with django_capture_on_commit_callbacks(execute=True):
        answer = gql(alpha.host, REFUND, {"id": created["order"]["id"], "amt": 1000, "r": "面积复核",
                                          "no": "E2E-REFUND-1"}, token=finance)["data"]["refundOrder"]
    assert answer["errors"] == []
    assert _sent(openid, "退款成功通知"), _explain(alpha)
    [refund] = _sent(openid, "退款成功通知")
    assert refund.data["amount2"]["value"] == "¥10.00"
    assert refund.data["character_string4"]["value"] == created["order"]["outTradeNo"]
    with schema_context(alpha.schema):
        message = Message.objects.get(resident=payer.resident, kind="refund_receipt")
        assert message.variables["reason"] == "面积复核" and message.channel == "wechat"


def test_an_assigned_ticket_sends_a_ticket_update(gql, alpha, wx, http, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        resident = ResidentFactory(openid=sandbox_openid(APPID, "e2e-ticket"))
        house, _resident = bound_house(resident)
        ticket = submit(house=house, resident=resident)
        boss, tech = admin(), technician()
    _grant(gql, alpha, resident_token(alpha, resident), resident.openid, "TICKET")
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        svc.ticket_assign(ticket_id=ticket.pk, assignee_id=tech.pk, actor=boss, note="今天下午上门")
    assert _sent(resident.openid), _explain(alpha)
    [update] = _sent(resident.openid)
    assert update.title == "工单进度通知" and update.data["phrase3"]["value"] == "已派单"
    assert update.data["character_string1"]["value"] == ticket.no
    assert update.page == f"pages/ticket-detail/ticket-detail?id={ticket.pk}"
