"""Refund edge cases found in review: an ambiguous provider error never closes a
refund, ABNORMAL is not final, a refund the gateway never received is re-sent,
a refund reverses the price the payment earned, and a company cannot switch
merchants under unfinished orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing.models import Bill
from apps.payments import providers as p
from apps.payments.models import Refund
from apps.payments.providers.wechat import WeChatPayProvider
from apps.payments.services import refund_request, refund_settle, sweep_open_orders
from tests.factories.payments import (
    create_payment,
    make_payer,
    order_by_no,
    prepay_id_of,
    reload_bill,
    sandbox_confirm,
)


@pytest.fixture
def paid(gql, alpha, wechat_account, payer, http, django_capture_on_commit_callbacks):
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    return order_by_no(alpha, created["order"]["outTradeNo"])


def _finance(alpha):
    from apps.accounts.models import User

    with schema_context(alpha.schema):
        return User.objects.filter(role="tenant_admin").first()


def test_an_unverifiable_refund_answer_leaves_it_processing_and_the_notify_finishes_it(
        alpha, paid, monkeypatch, django_capture_on_commit_callbacks):
    real = WeChatPayProvider.refund

    def refund_then_garble(self, request):
        real(self, request)  # the gateway did refund…
        raise p.ProviderError("answer signature did not verify", code="SDK")  # …but we could not read it

    monkeypatch.setattr(WeChatPayProvider, "refund", refund_then_garble)
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        refund = refund_request(order_id=paid.pk, amount_fen=1000, reason="多缴", actor=_finance(alpha))
        assert refund.status == "processing"  # not closed: we do not know
        with pytest.raises(ValidationError) as err:  # still held against the order
            refund_request(order_id=paid.pk, amount_fen=paid.amount_fen, reason="再退", actor=_finance(alpha))
        assert err.value.error_dict["amountFen"][0].code == "REFUND_EXCEEDS"
    # The gateway's REFUND.SUCCESS notify (after its commit) settled it.
    with schema_context(alpha.schema):
        assert Refund.objects.get(pk=refund.pk).status == "success"
    assert order_by_no(alpha, paid.out_trade_no).refunded_fen == 1000


def test_abnormal_refund_holds_its_amount_and_may_still_succeed(alpha, paid):
    with schema_context(alpha.schema):
        refund = Refund.objects.create(order=paid, out_refund_no="R-ABNORMAL-1", amount_fen=800, reason="多缴")
        state = {"out_refund_no": "R-ABNORMAL-1", "out_trade_no": paid.out_trade_no, "merchant_id": paid.merchant_id}
        refund_settle(state=p.RefundState(status=p.REFUND_ABNORMAL, **state), channel="wechat", source="notify")
        assert Refund.objects.get(pk=refund.pk).status == "abnormal"
        with pytest.raises(ValidationError) as err:
            refund_request(order_id=paid.pk, amount_fen=paid.amount_fen - 799, reason="再退", actor=_finance(alpha))
        assert err.value.error_dict["amountFen"][0].code == "REFUND_EXCEEDS"
        outcome = refund_settle(state=p.RefundState(status=p.REFUND_SUCCESS, amount_fen=800, **state),
                                channel="wechat", source="notify")
        assert outcome.result == "settled" and Refund.objects.get(pk=refund.pk).status == "success"
        bill = Bill.objects.get(pk=paid.items.get().bill_id)
        assert bill.paid_fen == bill.principal_fen - 800


def test_a_refund_the_gateway_never_received_is_sent_again_by_the_sweeper(
        alpha, paid, monkeypatch, settings, django_capture_on_commit_callbacks):
    real = WeChatPayProvider.refund
    calls = []

    def lost_once(self, request):
        calls.append(request.out_refund_no)
        if len(calls) == 1:
            raise p.ProviderError("timed out", code="NETWORK", retryable=True)
        return real(self, request)

    monkeypatch.setattr(WeChatPayProvider, "refund", lost_once)
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        refund = refund_request(order_id=paid.pk, amount_fen=600, reason="多缴", actor=_finance(alpha))
        assert refund.status == "processing"
        later = timezone.now() + dt.timedelta(minutes=settings.PAYMENTS_SWEEP_AFTER_MINUTES + 1)
        assert sweep_open_orders(now=later) == {"refund resent": 1}
    assert calls == [refund.out_refund_no, refund.out_refund_no]  # the same number: at most one refund
    with schema_context(alpha.schema):
        assert Refund.objects.get(pk=refund.pk).status == "success"


def test_refunding_a_discounted_payment_reverses_the_discount(
        gql, alpha, wechat_account, season, http, django_capture_on_commit_callbacks):
    from apps.tariffs.models import TariffPlan

    with schema_context(alpha.schema):
        TariffPlan.objects.filter(pk=season.area.pk).update(
            early_discount_pct=Decimal("5"), early_discount_from=dt.date(2026, 10, 1),
            early_discount_until=timezone.localdate() + dt.timedelta(days=10))
        season.area.refresh_from_db()
    owner = make_payer(alpha, season, openid="o-discount", houses=1)
    original = reload_bill(alpha, owner.bills[0])
    created = create_payment(gql, alpha, owner, owner.bills)
    assert created["order"]["amountFen"] == original.principal_fen - original.principal_fen * 5 // 100
    sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        refund_request(order_id=order.pk, amount_fen=order.amount_fen, reason="退费", actor=_finance(alpha))
    bill = reload_bill(alpha, original)
    assert (bill.principal_fen, bill.paid_fen, bill.status) == (original.principal_fen, 0, "issued")
    again = create_payment(gql, alpha, owner, owner.bills)  # the same price as the first time, not a second discount
    assert again["order"]["amountFen"] == created["order"]["amountFen"]


def test_the_merchant_cannot_be_switched_under_an_open_order(gql, alpha, wechat_account, payer, http):
    from apps.payments.sandbox.wechat import sandbox_wechat_merchant

    create_payment(gql, alpha, payer, payer.bills[:1])
    connection.set_schema_to_public()
    other = sandbox_wechat_merchant(mchid="1900000888", appid="wxa1b2c3d4e5f60718")
    token = gql.login(alpha.host, alpha.admin)
    query = """mutation($input: WechatMerchantInput!) { saveWechatMerchant(input: $input) { errors { field code } } }"""
    data = {"mode": "DIRECT", "mchid": other["mchid"], "appid": other["appid"],
            "merchantSerialNo": other["merchant_serial_no"], "merchantPrivateKey": other["merchant_private_key"],
            "apiv3Key": other["apiv3_key"], "wechatpayPublicKeyId": other["wechatpay_public_key_id"],
            "wechatpayPublicKey": other["wechatpay_public_key"]}
    errors = gql(alpha.host, query, {"input": data}, token=token)["data"]["saveWechatMerchant"]["errors"]
    assert errors == [{"field": "mode", "code": "INVALID_STATUS"}]
    wechat_account.refresh_from_db()
    assert wechat_account.mchid != "1900000888"


def test_a_counter_payment_closes_the_residents_open_online_order(
        gql, alpha, wechat_account, payer, http, make_staff, django_capture_on_commit_callbacks):
    created = create_payment(gql, alpha, payer, payer.bills[:1])
    collector = make_staff(alpha, "collector")
    due = reload_bill(alpha, payer.bills[0]).principal_fen
    with django_capture_on_commit_callbacks(execute=True):
        data = gql(alpha.host, """mutation($ids: [ID!]!, $a: Int!) { recordCounterPayment(billIds: $ids, method: CASH,
            amountFen: $a, receiptNo: "NO-1") { errors { code } } }""", {"ids": [str(payer.bills[0].pk)], "a": due},
                   token=collector)
    assert data["data"]["recordCounterPayment"]["errors"] == []
    order = order_by_no(alpha, created["order"]["outTradeNo"])
    assert order.status == "closed" and order.close_reason == "superseded"


def test_same_request_number_twice_is_one_refund(alpha, paid, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        first = refund_request(order_id=paid.pk, amount_fen=300, reason="多缴", request_no="REQ-SAME-1",
                               actor=_finance(alpha))
        second = refund_request(order_id=paid.pk, amount_fen=300, reason="多缴", request_no="REQ-SAME-1",
                                actor=_finance(alpha))
        assert first.pk == second.pk and Refund.objects.filter(order=paid).count() == 1

