"""The outbox's WeChat path against the fake WeChat (apps/messaging/sandbox) over HTTP in-process: template ids
linked by title (sync), grants recorded from the phone's answers and consumed on send, 43101 revoking the grant and
falling through to SMS, a busy WeChat retried with backoff (1, 5, 30, 120 minutes) before falling through, values
shaped per keyword type so the real checks (47003) pass, and the fallback order grant → SMS → in-app."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from apps.messaging import grants, outbox
from apps.messaging.channels import format_value
from apps.messaging.models import (
    Channel,
    Delivery,
    Message,
    MessageKind,
    MessageTemplate,
    SmsConsent,
    SubscriptionGrant,
)
from apps.messaging.sandbox.services import sandbox_sent, sandbox_subscribe
from apps.messaging.templates import ensure_default_templates, sync_wechat_templates
from apps.residents.phones import phone_index
from apps.residents.sms import sandbox as sms_sandbox
from tests.factories.accounts import staff
from tests.factories.messaging_wx import APP_ID, APP_SECRET, OPENID, knob, mini_program
from tests.factories.residents import ResidentFactory
from tests.sandbox_http import sandbox_http

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=TZ)
S = Message.Status
RECEIPT_VARS = {"house": "幸福里3-2-501", "amount": "2688.00", "paid_at": "2026-12-07 14:03",
                "order_no": "P20261207000123", "channel": "微信支付"}
G = SubscriptionGrant


@pytest.fixture
def wx(alpha):
    """alpha with a mini-program known to the fake WeChat, its templates linked, a resident with a phone who
    opted in to SMS, and the receipt's SMS template approved."""
    mini_program("alpha", APP_ID, APP_SECRET)
    sms_sandbox.outbox_clear()
    with schema_context(alpha.schema):
        ensure_default_templates()
        MessageTemplate.objects.update(sms_template_code="SMS_1", sms_approval=MessageTemplate.SmsApproval.APPROVED)
        with sandbox_http():
            results = sync_wechat_templates(actor=staff("wx-admin", "tenant_admin"))
        assert {r.status for r in results} == {"linked"}
        resident = ResidentFactory(openid=OPENID, phone="13800138000", phone_index=phone_index("13800138000"))
        SmsConsent.objects.create(resident=resident, opted_in=True)
        yield resident


def control(**knobs):
    """The fake WeChat's knobs (the call leaves the connection on the public schema: come back)."""
    saved = connection.tenant
    knob(**knobs)
    connection.set_tenant(saved)


def tid(kind=MessageKind.PAYMENT_RECEIPT) -> str:
    return MessageTemplate.objects.get(kind=kind).wechat_template_id


def accept(resident, kind=MessageKind.PAYMENT_RECEIPT, *, phone_side=True):
    """The resident taps 允许: WeChat records it (phone side) and the mini-program reports it to us."""
    template_id = tid(kind)
    if phone_side:
        sandbox_subscribe(APP_ID, resident.openid, [template_id])
    return grants.record_subscription_results(resident=resident,
                                              results=[{"template_id": template_id, "result": "accept"}])


def receipt(resident, key="o1", variables=None, now=DAY):
    return outbox.enqueue(resident_id=resident.pk, kind=MessageKind.PAYMENT_RECEIPT, key=key,
                          variables=variables or RECEIPT_VARS, page="pages/order/order?id=12", now=now)


def dispatch(now=DAY):
    with sandbox_http():
        return outbox.dispatch_due(now=now)


def reload(message):
    return Message.objects.get(pk=message.pk)


def credits(resident, kind=MessageKind.PAYMENT_RECEIPT):
    return G.objects.values_list("status", "credits").get(resident=resident, template_id=tid(kind))


# --- fallback order --------------------------------------------------------------------------------------------

def test_a_grant_sends_by_wechat_and_uses_the_credit_then_sms_then_in_app(wx):
    assert accept(wx) == 1
    first, second = receipt(wx, "o1"), receipt(wx, "o2")
    dispatch()
    first, second = reload(first), reload(second)
    assert (first.status, first.channel) == (S.SENT, Channel.WECHAT)
    assert (second.status, second.channel) == (S.SENT, Channel.SMS) and second.note == "no_grant"
    assert credits(wx) == (G.Status.ACTIVE, 0)
    [sent] = sandbox_sent(APP_ID, OPENID)
    assert sent.template_id == tid() and sent.page == "pages/order/order?id=12"
    [wechat] = first.deliveries.all()
    assert (wechat.channel, wechat.status, wechat.template) == (Channel.WECHAT, Delivery.Status.SENT, tid())
    assert wechat.target == f"{OPENID[:4]}****{OPENID[-4:]}" and OPENID not in wechat.content
    assert json.loads(wechat.content) == {"thing1": "幸福里3-2-501", "amount2": "¥2688.00",
                                          "time3": "2026-12-07 14:03", "character_string4": "P20261207000123"}
    # neither grant nor opt-in: in-app only
    SmsConsent.objects.filter(resident=wx).update(opted_in=False)
    third = receipt(wx, "o3")
    dispatch()
    third = reload(third)
    assert (third.status, third.channel, third.note) == (S.SENT, Channel.IN_APP, "no_grant;no_sms_consent")
    assert len(sandbox_sent(APP_ID, OPENID)) == 1 and len(sms_sandbox.outbox()) == 1


def test_43101_revokes_the_grant_and_falls_through_to_sms(wx):
    accept(wx, phone_side=False)  # our ledger has a credit WeChat does not know of (unsubscribed since)
    message = receipt(wx)
    dispatch()
    message = reload(message)
    assert (message.status, message.channel, message.last_error) == (S.SENT, Channel.SMS, "wechat:43101")
    assert credits(wx) == (G.Status.REVOKED, 0)
    assert G.objects.get(resident=wx, template_id=tid()).last_result == "43101"
    assert [(d.channel, d.status, d.error_code) for d in message.deliveries.order_by("id")] == [
        (Channel.WECHAT, Delivery.Status.FAILED, "43101"), (Channel.SMS, Delivery.Status.SENT, "")]
    # a later message does not try WeChat again
    later = receipt(wx, "o2")
    dispatch()
    assert [d.channel for d in reload(later).deliveries.all()] == [Channel.SMS]


def test_a_busy_wechat_is_retried_with_backoff_and_the_credit_is_kept(wx):
    accept(wx)
    message = receipt(wx)
    control(appid=APP_ID, send_errcode=-1, times=2)
    dispatch(DAY)
    message = reload(message)
    assert (message.status, message.not_before, message.attempts) == (S.PENDING, DAY + dt.timedelta(minutes=1), 1)
    assert credits(wx) == (G.Status.ACTIVE, 1)
    assert dispatch(DAY + dt.timedelta(seconds=59)) == 0
    dispatch(DAY + dt.timedelta(minutes=1))
    assert reload(message).not_before == DAY + dt.timedelta(minutes=6)
    dispatch(DAY + dt.timedelta(minutes=6))
    message = reload(message)
    assert (message.status, message.channel, message.attempts) == (S.SENT, Channel.WECHAT, 3)
    assert credits(wx) == (G.Status.ACTIVE, 0)
    assert [d.error_code for d in message.deliveries.order_by("id")] == ["-1", "-1", ""]
    assert sms_sandbox.outbox() == []


@pytest.mark.parametrize("lost", ["read_timeout", "http_502"])
def test_a_send_whose_answer_was_lost_is_uncertain_and_never_resent(wx, monkeypatch, lost):
    """WeChat delivered the message but its answer never arrived (read timeout) or came back as a 502: the credit
    stays spent, the delivery and the message are UNCERTAIN, and no later sweep (or SMS) sends it again."""
    import requests

    from apps.messaging import wechat

    accept(wx)
    accept(wx)  # two credits: a retry would have one to spend
    message = receipt(wx)
    real_post = requests.post

    def post_then_lose_the_answer(url, **kwargs):
        resp = real_post(url, **kwargs)  # reaches the fake WeChat, which delivers it
        if "subscribe/send" not in url:
            return resp
        if lost == "read_timeout":
            raise requests.ReadTimeout("read timed out")
        resp.status_code = 502
        return resp

    monkeypatch.setattr(wechat.requests, "post", post_then_lose_the_answer)
    dispatch(DAY)
    message = reload(message)
    assert (message.status, message.channel, message.note) == (S.UNCERTAIN, Channel.WECHAT, "wechat_uncertain")
    assert [(d.channel, d.status) for d in message.deliveries.all()] == [(Channel.WECHAT, Delivery.Status.UNCERTAIN)]
    assert credits(wx) == (G.Status.ACTIVE, 1)  # the spent credit is not given back
    monkeypatch.undo()
    for minutes in (1, 5, 30, 120, 240):
        dispatch(DAY + dt.timedelta(minutes=minutes))
    assert len(sandbox_sent(APP_ID, OPENID)) == 1 and sms_sandbox.outbox() == []
    assert reload(message).status == S.UNCERTAIN and credits(wx) == (G.Status.ACTIVE, 1)


def test_after_four_retries_a_busy_wechat_falls_through_to_sms(wx):
    accept(wx)
    message = receipt(wx)
    control(appid=APP_ID, send_errcode=-1)
    moment, waits = DAY, []
    for _ in range(5):
        dispatch(moment)
        current = reload(message)
        if current.status != S.PENDING:
            break
        waits.append(int((current.not_before - moment).total_seconds() // 60))
        moment = current.not_before
    assert waits == [1, 5, 30, 120]
    message = reload(message)
    assert (message.status, message.channel, message.attempts) == (S.SENT, Channel.SMS, 5)
    assert credits(wx) == (G.Status.ACTIVE, 1)  # WeChat never used it
    control(appid=APP_ID, send_errcode=None)


def test_values_are_shaped_per_keyword_type_and_the_real_checks_pass(wx):
    accept(wx)
    long_house = "幸福里小区东区第十二号楼三单元五零一室附属储藏间"
    message = receipt(wx, variables={**RECEIPT_VARS, "house": long_house, "amount": "12,688.5",
                                     "order_no": "P 2026 中文 001"})
    dispatch()
    assert reload(message).channel == Channel.WECHAT
    [sent] = sandbox_sent(APP_ID, OPENID)
    data = {k: v["value"] for k, v in sent.data.items()}
    assert data["thing1"] == long_house[:19] + "…" and len(data["thing1"]) == 20
    assert data["amount2"] == "¥12688.50" and data["character_string4"] == "P2026001"


@pytest.mark.parametrize("keyword,value,expected", [
    ("thing1", "", "无"), ("thing1", "a" * 20, "a" * 20), ("phrase3", "已解决了吗是的", "已解决了吗"),
    ("amount2", "¥12.3", "¥12.30"), ("amount2", "12.30元", "¥12.30"), ("time4", "2026-12-07T14:03:59+08:00",
                                                                     "2026-12-07 14:03"),
    ("date5", "2026-12-31", "2026-12-31"), ("character_string2", "", "-"),
    ("character_string2", "x" * 40, "x" * 32),
])
def test_format_value(keyword, value, expected):
    assert format_value(keyword, value) == expected


def test_a_ticket_update_with_an_empty_note_is_accepted_by_wechat(wx):
    template_id = tid(MessageKind.TICKET_UPDATE)
    sandbox_subscribe(APP_ID, OPENID, [template_id])
    grants.record_subscription_results(resident=wx, results=[{"template_id": template_id, "result": "accept"}])
    message = outbox.enqueue(resident_id=wx.pk, kind=MessageKind.TICKET_UPDATE, key="t1:e1",
                             variables={"ticket_no": "T20261207-000001", "ticket_title": "暖气片漏水",
                                        "status": "已派单", "updated_at": "2026-12-07 10:00", "note": ""},
                             page="pages/ticket-detail/ticket-detail?id=1", now=DAY)
    dispatch()
    assert reload(message).channel == Channel.WECHAT


# --- the grant ledger ------------------------------------------------------------------------------------------

def test_record_subscription_results(wx):
    receipt_id, ticket_id = tid(), tid(MessageKind.TICKET_UPDATE)
    out = grants.record_subscription_results(resident=wx, results=[
        {"template_id": receipt_id, "result": "accept"}, {"template_id": ticket_id, "result": "filter"},
        {"template_id": "not-ours-template", "result": "accept"}])
    assert out == 1
    assert list(G.objects.filter(resident=wx).values_list("template_id", "credits", "status")) == [
        (receipt_id, 1, G.Status.ACTIVE)]
    grants.record_subscription_results(resident=wx, results=[{"template_id": receipt_id, "result": "accept"}])
    assert credits(wx) == (G.Status.ACTIVE, 2)
    grants.record_subscription_results(resident=wx, results=[{"template_id": receipt_id, "result": "reject"}])
    assert credits(wx) == (G.Status.REVOKED, 0)
    grants.record_subscription_results(resident=wx, results=[{"template_id": receipt_id, "result": "accept"}])
    assert credits(wx) == (G.Status.ACTIVE, 1)


@pytest.mark.parametrize("results", [
    [], [{"template_id": "a", "result": "accept"}] * 4, [{"template_id": "a", "result": "maybe"}],
    [{"template_id": "", "result": "accept"}], [{"template_id": "x" * 65, "result": "accept"}],
])
def test_bad_subscription_results_change_nothing(wx, results):
    if results and results[0]["template_id"] == "a":
        results = [{**r, "template_id": tid()} for r in results]
    with pytest.raises(ValidationError):
        grants.record_subscription_results(resident=wx, results=results)
    assert not G.objects.exists()


def test_credits_are_capped(wx):
    G.objects.create(resident=wx, template_id=tid(), credits=grants.MAX_CREDITS)
    grants.record_subscription_results(resident=wx, results=[{"template_id": tid(), "result": "accept"}])
    assert credits(wx) == (G.Status.ACTIVE, grants.MAX_CREDITS)


def test_a_long_term_grant_is_not_counted_down(wx):
    G.objects.create(resident=wx, template_id=tid(), kind=G.Kind.LONG_TERM)
    sandbox_subscribe(APP_ID, OPENID, [tid()], kind="long_term")
    messages = [receipt(wx, f"o{i}") for i in range(2)]
    dispatch()
    assert [reload(m).channel for m in messages] == [Channel.WECHAT, Channel.WECHAT]


def test_subscription_templates_per_scene(wx):
    assert grants.subscription_templates("PAYMENT") == [tid(), tid(MessageKind.PAYMENT_DUE)]
    assert grants.subscription_templates("TICKET") == [tid(MessageKind.TICKET_UPDATE)]
    assert grants.subscription_templates("BILL") == [tid(MessageKind.BILL_PUBLISHED), tid(MessageKind.PAYMENT_DUE)]
    MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_DUE).update(wechat_template_id="")
    assert grants.subscription_templates("PAYMENT") == [tid()]
    with pytest.raises(ValidationError):
        grants.subscription_templates("NOPE")
